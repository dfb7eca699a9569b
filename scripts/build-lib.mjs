#!/usr/bin/env node
// Builds the library's JavaScript: the package's entry points bundled by esbuild into a few ES
// modules in dist/src, beside the .d.ts files tsc emits there (tsc emits declarations only):
//   index.js        'tscurl'      (the promise API, Multi/Easy, codes, the timeline page)
//   sim.js          'tscurl/sim'  (the simulated network)
//   thread.js       the worker thread of `new Client({ workers })`, started by the pool from the
//                   file beside its own module (src/api/workers/pool.ts): beside the chunk
//   chunk-HASH.js   the engine, shared by the three: one copy of each module, so a program that
//                   imports 'tscurl' and 'tscurl/sim' gets one Multi class, one Client class, one
//                   copy of each module's state (instanceof and shared state hold across the two)
//   *.js.map        source maps (see below)
// Each module of src/ lands in exactly one of them. Runtime dependencies (package.json
// "dependencies") stay packages and node: built-ins stay imports.
//
// Why one bundle and not tsc's ~160 modules: start-up and memory. Node's ES module loader reads,
// resolves and links each file, and V8 keeps each loaded module's source text in the heap for the
// life of the process. A bundle has one scope for the engine (no module records, no import
// bindings: a call across modules is a plain call) and no comments (esbuild drops them).
//
// Minification: whitespace and syntax only (the heap after `import 'tscurl'`: ~0.95 MB unminified,
// ~0.76 MB so). Identifiers are kept, so stack traces, profiles, util.inspect() and error messages
// name the functions and classes as the sources do. esbuild would rename a top-level name that
// collides with another module's (parseUrl2 beside parseUrl): no two modules bundled together
// declare the same top-level name (test/package/bundle.test.ts checks the bundle for such renames
// and every export for its source name), and ownClassNames() below undoes the one other rename
// it makes. Renaming identifiers would save another ~85 KB, at the price of
// unreadable profiles; esbuild's keepNames (which would also restore the helpers' names) costs
// ~200 KB for every user. Figures in docs/performance.md ("Packaging: the library as one bundle").
//
// Source maps: linked (.js.map beside each file) without the sources' text. Minified code puts the
// whole engine on a few long lines, so a stack trace's position (chunk-HASH.js:1:123456) says
// little; with `node --enable-source-maps` Node maps it to src/<folder>/<file>.ts:line:column (the
// repository's layout, enough to read a report against the tagged sources). Without that flag
// Node never reads the maps: they cost nothing at run time, ~400 KB unpacked in the package (the
// sources' text would add ~1.1 MB more).
//
//   node scripts/build-lib.mjs [--outdir DIR] [--metafile FILE]
//   (default dist/src, whose .js and .js.map files of any earlier build are removed first; another
//   --outdir is only added to; --metafile writes esbuild's list of what went in)
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * esbuild turns a top-level `class X` whose body refers to X into `var X = class _X` (the inner
 * name cannot be reassigned, the var could), and `_X` is then X.name: what stack traces, profiles
 * and util.inspect() show. The inner name gets X's own back, padded with a space so that every
 * column after it stays where it was (the source map still holds). Nothing reassigns a class, so
 * inside the body X is the same class either way.
 */
function ownClassNames(text, file) {
  for (const [, name] of text.matchAll(/\b([\w$]+)=class _\1\b/g)) {
    const escaped = name.replaceAll('$', '\\$');
    const inner = new RegExp(`(?<![\\w$.'"\`])_${escaped}(?![\\w$])`, 'g');
    // esbuild's inner name alone: no string or property spelled the same.
    if (text.match(inner).length !== text.split(`_${name}`).length - 1) {
      throw new Error(`build-lib: ${file}: _${name} is not only the class's inner name`);
    }
    text = text.replace(inner, `${name} `);
  }
  return text;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const src = (file) => join(root, 'src', file);
const outArg = process.argv.indexOf('--outdir');
const outdir = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(root, 'dist/src');
if (outArg < 0) {
  // The per-file JavaScript of an earlier layout goes; the .d.ts files stay (tsc's, just emitted).
  for (const entry of readdirSync(outdir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && /\.js(\.map)?$/.test(entry.name)) rmSync(join(entry.parentPath, entry.name));
  }
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const metaArg = process.argv.indexOf('--metafile');
const result = await build({
  entryPoints: {
    index: src('index.ts'),
    sim: src('sim.ts'),
    thread: src('api/workers/thread.ts'),
  },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  external: Object.keys(pkg.dependencies ?? {}),
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'error',
  metafile: true,
  write: false,
});
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.path.endsWith('.js') ? ownClassNames(file.text, file.path) : file.text);
}
if (metaArg > 0) writeFileSync(resolve(process.argv[metaArg + 1]), JSON.stringify(result.metafile));
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js'));
console.log(
  `build-lib: ${outdir}: ${outputs.map(([f, o]) => `${f.split('/').pop()} ${o.bytes}`).join(', ')} bytes`,
);
