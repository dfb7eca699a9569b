#!/usr/bin/env node
// Builds the tscurl executable: the CLI and the engine bundled by esbuild into dist/bin/cli.mjs
// (rarely used parts, such as --bench, in chunks loaded on use), and dist/bin/tscurl.mjs, which
// turns on Node's module compile cache where the Node version has it and then loads the bundle.
// One file to read and compile instead of ~80 modules is most of the start-up time saved.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const out = new URL('dist/bin/', root);
rmSync(out, { recursive: true, force: true });
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
await build({
  entryPoints: { cli: new URL('src/cli/main.ts', root).pathname },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: out.pathname,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  // Runtime dependencies stay packages (tldts's public-suffix list is loaded on first use).
  external: Object.keys(pkg.dependencies ?? {}),
  // Less to parse at every start; names are kept so that stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  logLevel: 'error',
});
const launcher = new URL('tscurl.mjs', out);
writeFileSync(
  launcher,
  `#!/usr/bin/env node
// tscurl: the compile cache (Node 22.1+) keeps V8's code for the bundle between runs.
import module from 'node:module';
module.enableCompileCache?.();
await import('./cli.mjs');
`,
);
chmodSync(launcher, 0o755);
