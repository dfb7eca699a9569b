// Programs written as a user writes them (the documentation's examples: TypeScript importing
// 'tscurl' and 'tscurl/sim'), built by esbuild all at once into plain ES modules, the engine in a
// chunk they share. Each then starts as `node file.js` in about a tenth of the time it takes
// through the tsx loader, which compiles the engine's modules again in every process. Worker
// threads find their entry (thread.js) beside the shared chunk, as in dist/.
// TSCURL_TEST_TSX=1, or no esbuild beside tsx, leaves them to tsx (bundlePrograms returns undefined).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = (file: string) => fileURLToPath(new URL(`../../src/${file}`, import.meta.url));

interface Esbuild {
  buildSync(o: Record<string, unknown>): unknown;
}

/**
 * Builds `files` (.ts / .mts paths with distinct base names) into `outdir`; returns, per input
 * file, the module to run with node, or undefined when the programs should run through tsx.
 */
export function bundlePrograms(files: readonly string[], outdir: string): Map<string, string> | undefined {
  if (process.env.TSCURL_TEST_TSX === '1') return undefined;
  let esbuild: Esbuild;
  try {
    esbuild = createRequire(import.meta.resolve('tsx'))('esbuild') as Esbuild;
  } catch {
    return undefined;
  }
  mkdirSync(outdir, { recursive: true });
  // Plain .js files are ES modules here, as the package's own dist/ is.
  writeFileSync(join(outdir, 'package.json'), '{ "type": "module" }\n');
  esbuild.buildSync({
    // Worker threads start thread.js beside the engine's module (src/api/workers/pool.ts).
    entryPoints: [
      ...files.map((f) => ({ in: f, out: basename(f).replace(/\.m?ts$/, '') })),
      { in: src('api/workers/thread.ts'), out: 'thread' },
    ],
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    // Lowered for the running Node as tsx does (`await using` on Node 20).
    target: `node${process.versions.node}`,
    outdir,
    logLevel: 'error',
    alias: { tscurl: src('index.ts'), 'tscurl/sim': src('sim.ts') },
    // CommonJS dependencies bundled into ESM (the Redis client) require() Node's built-ins.
    banner: {
      js: "import { createRequire as __tscurlRequire } from 'node:module'; const require = __tscurlRequire(import.meta.url);",
    },
  });
  return new Map(files.map((f) => [f, join(outdir, basename(f).replace(/\.m?ts$/, '.js'))]));
}

/** Maps `tscurl` and `tscurl/sim` to the sources for programs run through tsx. */
const srcHooks = fileURLToPath(new URL('../sim/fixtures/tscurl-from-src.mjs', import.meta.url));

/**
 * For a test file: `files` built together once, in a `before` of the file (or of the describe it
 * is called in), removed in its `after`. The function returned gives node's arguments to run one
 * of them: the built module, or the source through tsx when nothing was built.
 */
export function builtPrograms(files: readonly string[]): (file: string) => string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tscurl-built-'));
  let built: Map<string, string> | undefined;
  before(() => {
    built = bundlePrograms(files, dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return (file) => {
    const module = built?.get(file);
    return module === undefined ? ['--import', 'tsx', '--import', srcHooks, file] : [module];
  };
}
