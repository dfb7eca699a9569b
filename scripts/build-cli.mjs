#!/usr/bin/env node
// Builds the tscurl executable:
//   dist/bin/cli.cjs     the CLI and the engine bundled by esbuild into one CommonJS file. CommonJS
//                        because a script (unlike an ES module) can be compiled from V8's code
//                        cache on every Node, and because it spares Node's ES module loader.
//                        --bench and the fleet commands are in it but evaluated only when used.
//   dist/bin/tscurl.cjs  the launcher (the package's bin), scripts/launcher.cjs with the bundle's
//                        hash: it runs the bundle from a V8 code cache.
// Start-up is what this buys: one file read and, from the second run on, no compilation.
//
//   node scripts/build-cli.mjs [--outdir DIR] [--metafile FILE]
//   (default dist/bin; tests build elsewhere; --metafile writes esbuild's list of what went in)
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const outArg = process.argv.indexOf('--outdir');
const out = outArg > 0 ? pathToFileURL(`${resolve(process.argv[outArg + 1])}/`) : new URL('dist/bin/', root);
// dist/bin is the build's own: files of an earlier layout go. Another --outdir is only added to.
if (outArg < 0) rmSync(out, { recursive: true, force: true });
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const metaArg = process.argv.indexOf('--metafile');
const result = await build({
  entryPoints: { cli: new URL('src/cli/main.ts', root).pathname },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: out.pathname,
  outExtension: { '.js': '.cjs' },
  // Runtime dependencies stay packages (tldts's public-suffix list is loaded on first use).
  external: Object.keys(pkg.dependencies ?? {}),
  // import() becomes require(): the launcher may run the bundle as a vm.Script, which has no
  // dynamic import, and a module imported dynamically is then evaluated at its first use only.
  supported: { 'dynamic-import': false },
  // The sources are ES modules: import.meta.url is the bundle's own file.
  define: { 'import.meta': '__importMeta' },
  banner: {
    js: "'use strict'; var __importMeta = { url: require('node:url').pathToFileURL(__filename).href };",
  },
  // Less to parse at every start; names are kept so that stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  logLevel: 'error',
  metafile: metaArg > 0,
});
if (metaArg > 0) writeFileSync(resolve(process.argv[metaArg + 1]), JSON.stringify(result.metafile));
// The bundle is never run directly, and a vm.Script's function wrapper cannot start with '#!'.
const bundleFile = new URL('cli.cjs', out);
const bundle = readFileSync(bundleFile, 'utf8').replace(/^#!.*\n/, '');
writeFileSync(bundleFile, bundle);
const launcher = new URL('tscurl.cjs', out);
writeFileSync(
  launcher,
  readFileSync(new URL('scripts/launcher.cjs', root), 'utf8').replace(
    "'BUNDLE_HASH'",
    JSON.stringify(createHash('sha256').update(bundle).digest('hex').slice(0, 16)),
  ),
);
chmodSync(launcher, 0o755);
