// -h and -V texts, laid out as curl's (tool_help.c).
import { readFileSync } from 'node:fs';
import { optionTable } from './options-table.js';

export function helpText(): string {
  const lines = ['Usage: tscurl [options...] <url>'];
  for (const r of optionTable) {
    const names = `${r.short !== undefined ? `-${r.short}, ` : '    '}--${r.long}${r.arg !== undefined ? ` ${r.arg}` : ''}`;
    lines.push(` ${names.padEnd(28)} ${r.help}`);
  }
  lines.push(
    '',
    'Boolean options also have a --no-<name> form. Long options take their parameter as the next',
    "argument (not --name=value). --bench is tscurl's own: it starts a local node:http server and",
    'drives --bench-transfers transfers (default 10000, --parallel-max default 100 here) through one',
    'Multi, then prints transfers, errors, wall time, transfers/s, MB/s and latency percentiles.',
  );
  return `${lines.join('\n')}\n`;
}

function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'tscurl' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next location (src/cli under tsx, dist/src/cli when built)
    }
  }
  return '0.0.0';
}

export function versionText(): string {
  const v = packageVersion();
  return [
    `tscurl ${v} (node ${process.version}) tscurl-engine/${v}`,
    'Protocols: http',
    'Features: AsynchDNS IPv6 Largefile',
    '',
  ].join('\n');
}
