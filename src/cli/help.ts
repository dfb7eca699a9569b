// -V and -M (tool_help.c's tool_version_info and the manual); -h is help-text.ts, loaded on use.
import { readFileSync } from 'node:fs';
import { nativeCodings } from '../multi/features/decode/zlib-sync.js';
import { SUPPORTED_SCHEMES } from '../multi/request.js';
import { notBuiltIn, optionTable } from './options-table.js';

/** A file of the package, found from src/cli (tsx) or dist/bin (the bundle). */
function packageFile(name: string): string | undefined {
  try {
    return readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
}

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(packageFile('package.json') ?? '') as { name?: string; version?: string };
    if (pkg.name === 'tscurl' && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // no package.json beside the code
  }
  return '0.0.0';
}

/** -M: the manual is docs/cli.md, shipped in the package. */
export function manualText(): string | undefined {
  return packageFile('docs/cli.md');
}

/** curl -V's Features line from what this build really does, sorted as curl sorts it. */
function features(): string[] {
  const codings = nativeCodings();
  const f = ['AsynchDNS', 'IPv6', 'Largefile', 'libz'];
  if (codings.includes('br')) f.push('brotli');
  if (codings.includes('zstd')) f.push('zstd');
  if (SUPPORTED_SCHEMES.includes('https')) f.push('SSL');
  if (optionTable.find((r) => r.long === 'http2')?.apply !== notBuiltIn) f.push('HTTP2');
  // TLS to the proxy itself (--proxy-insecure and friends are its options).
  if (optionTable.some((r) => r.long === 'proxy-insecure' && r.apply !== notBuiltIn)) f.push('HTTPS-proxy');
  return f.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

export function versionText(): string {
  const v = packageVersion();
  return [
    `tscurl ${v} (node ${process.version}) tscurl-engine/${v}`,
    `Protocols: ${[...SUPPORTED_SCHEMES].sort().join(' ')}`,
    `Features: ${features().join(' ')}`,
    '',
  ].join('\n');
}
