#!/usr/bin/env node
// The package as a user gets it, checked after `npm run build`:
//   1. `npm pack` contents: the library's bundle (entry points, worker thread, one shared chunk, their
//      source maps) with the .d.ts files, the CLI, README, LICENSE, docs; no per-file modules, no
//      tests or TypeScript sources.
//   2. @arethetypeswrong/cli on the tarball: types resolve for every entry point under node10,
//      node16 (ESM and CJS) and bundler resolution. The package is ESM only; require() of it is
//      Node's require(esm), so attw's "CJS resolves to ESM" rule is the one rule ignored.
//   3. A consumer project with the tarball installed: an ESM and a CommonJS file that import every
//      entry point, type-checked with `strict` and `module: nodenext`, then run. require() must
//      work on Nodes with require(esm) (20.19+, 22.12+) and fail with ERR_REQUIRE_ESM before.
//   4. `npm publish --dry-run`: no warning but the one about not being logged in.
// With --node PATH the consumer also runs on that Node (CI passes the engines floor).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nodeArg = process.argv.indexOf('--node');
const extraNode = nodeArg > 0 ? process.argv[nodeArg + 1] : undefined;
const work = mkdtempSync(join(tmpdir(), 'tscurl-package-'));
const problems = [];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function step(title) {
  console.log(`\n-- ${title}`);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...options });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/**
 * The bin from the pack: -V; --bench (a part of the bundle evaluated only when used) for 20
 * transfers; the launcher's code cache written by a first run into a fresh directory and taken by
 * the second; and a cache directory it cannot write, which must cost nothing but the cache.
 */
function checkBin(node, version, bin, cwd) {
  const fail = (what, r) => problems.push(`bin ${pkg.bin.tscurl} on ${version}: ${what}:\n${r.out}`);
  const v = run(node, [bin, '-V'], { cwd });
  if (v.status !== 0 || !v.out.startsWith('tscurl ')) fail('-V', v);
  const bench = run(node, [bin, '--bench', '--bench-transfers', '20'], { cwd });
  if (bench.status !== 0 || !/\| transfers +\| +20 \|/.test(bench.out)) fail('--bench', bench);
  const cacheDir = join(work, `cache-${version}`);
  mkdirSync(cacheDir);
  const env = { ...process.env, TSCURL_COMPILE_CACHE: cacheDir };
  const first = run(node, [bin, '-V'], { cwd, env });
  const cached = readdirSync(cacheDir);
  if (first.status !== 0 || cached.length !== 1) fail(`first run: cache dir holds [${cached}]`, first);
  const before = statSync(join(cacheDir, cached[0] ?? '-'), { throwIfNoEntry: false })?.mtimeMs;
  const second = run(node, [bin, '-V'], { cwd, env });
  const after = statSync(join(cacheDir, cached[0] ?? '-'), { throwIfNoEntry: false })?.mtimeMs;
  if (second.status !== 0 || before === undefined || after !== before)
    fail('second run did not use the cache', second);
  // Below a regular file: no directory can be made there, not even by root.
  const readOnly = join(cacheDir, cached[0] ?? '-', 'cache');
  const ro = run(node, [bin, '-V'], { cwd, env: { ...process.env, TSCURL_COMPILE_CACHE: readOnly } });
  if (ro.status !== 0 || ro.out !== v.out) fail('unwritable cache directory', ro);
  console.log(`bin on ${version}: -V, --bench, code cache written once and reused, unwritable cache ok`);
}

try {
  step('npm pack');
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
    }),
  )[0];
  const files = packed.files.map((f) => f.path);
  console.log(
    `${packed.filename}: ${files.length} files, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked`,
  );
  const byTop = new Map();
  for (const f of files) {
    const top = f
      .split('/')
      .slice(0, f.startsWith('dist/') ? 3 : 1)
      .join('/');
    byTop.set(top, (byTop.get(top) ?? 0) + 1);
  }
  for (const [top, n] of [...byTop].sort()) console.log(`  ${String(n).padStart(4)}  ${top}`);
  for (const must of ['package.json', 'README.md', 'LICENSE', pkg.bin.tscurl, 'dist/src/index.d.ts']) {
    if (!files.includes(must)) problems.push(`pack: ${must} is missing`);
  }
  // The library is scripts/build-lib.mjs's bundle: the entry points, the worker thread's entry and
  // the chunk they share, each with its source map, at the top of dist/src; no per-file modules.
  const entries = Object.values(pkg.exports)
    .filter((e) => typeof e === 'object')
    .map((e) => e.default.replace(/^\.\//, ''));
  for (const entry of entries) {
    if (!files.includes(entry.replace(/\.js$/, '.d.ts'))) problems.push(`pack: ${entry} has no .d.ts`);
  }
  const library = [...entries, 'dist/src/thread.js'];
  const chunks = files.filter((f) => /^dist\/src\/chunk-\w+\.js$/.test(f));
  if (chunks.length !== 1) problems.push(`pack: ${chunks.length} shared chunks in dist/src (one expected)`);
  for (const f of [...library, ...chunks]) {
    if (!files.includes(f)) problems.push(`pack: ${f} is missing`);
    if (!files.includes(`${f}.map`)) problems.push(`pack: ${f} has no source map`);
  }
  for (const f of files) {
    const built = f.endsWith('.map') ? f.slice(0, -4) : f;
    if (
      f.startsWith('dist/src/') &&
      /\.(js|map)$/.test(f) &&
      !library.includes(built) &&
      !chunks.includes(built)
    )
      problems.push(`pack: ${f} is not part of the library's bundle (a module of an earlier layout?)`);
    if (f.startsWith('dist/bin/') && f.endsWith('.map')) problems.push(`pack: source map ${f}`);
    if (/^(src|test|bench|scripts)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
      problems.push(`pack: ${f} should not be published`);
    }
  }
  const license = readFileSync(join(root, 'LICENSE'), 'utf8');
  if (pkg.license !== 'MIT' || !license.startsWith('MIT License'))
    problems.push('LICENSE does not match package.json');
  const tarball = join(work, packed.filename);

  step('@arethetypeswrong/cli');
  const attw = run(
    join(root, 'node_modules/.bin/attw'),
    [tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii'],
    {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    },
  );
  console.log(attw.out.trim());
  if (attw.status !== 0) problems.push('attw found problems (above)');

  step('consumer project (strict, module nodenext; ESM and CommonJS)');
  const app = join(work, 'app');
  const installed = join(app, 'node_modules', 'tscurl');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', installed, '--strip-components=1']);
  // Dependencies from this checkout's install (no registry round trip).
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  }
  symlinkSync(join(root, 'node_modules', '@types'), join(app, 'node_modules', '@types'), 'dir');
  writeFileSync(join(app, 'package.json'), '{ "name": "consumer", "private": true, "type": "commonjs" }\n');
  const tsconfig = { extends: join(root, 'scripts/consumer-tsconfig.json'), files: ['esm.mts', 'cjs.cts'] };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
  writeFileSync(
    join(app, 'esm.mts'),
    `import { Client, CurlCode, Easy, fetch, Multi, renderTimeline, request } from 'tscurl';
import { SimNetwork } from 'tscurl/sim';
const net = new SimNetwork();
net.listen('api.test', 80, (_req, res) => res.end('hi'));
const client: Client = net.createClient();
// One engine behind both entry points: the simulator's Client is the Client of 'tscurl'.
if (!(client instanceof Client)) throw new Error('tscurl/sim has a Client class of its own');
const res: Response = await client.fetch('http://api.test/');
const text: string = await res.text();
const easy = new Easy({ url: 'http://api.test/' });
const code: number = CurlCode.OK;
void [fetch, request, Multi, easy, code, renderTimeline];
await client.close();
console.log('esm', text);
`,
  );
  writeFileSync(
    join(app, 'cjs.cts'),
    `// require() of an ES module: Node's require(esm) (20.19+, 22.12+).
import tscurl = require('tscurl');
import sim = require('tscurl/sim');
const multi: InstanceType<typeof tscurl.Multi> = new tscurl.Multi();
multi.close();
const net = new sim.SimNetwork();
console.log('cjs', typeof tscurl.fetch, typeof net.createClient);
`,
  );
  const tsc = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app]);
  if (tsc.status !== 0) problems.push(`consumer type check failed:\n${tsc.out}`);
  else console.log('tsc --strict: ok');
  // Run the consumer as plain JavaScript (the files above, types stripped by hand).
  writeFileSync(
    join(app, 'esm.mjs'),
    readFileSync(join(app, 'esm.mts'), 'utf8')
      .replace(': Client', '')
      .replace(': Response', '')
      .replace(': string', '')
      .replace(': number', ''),
  );
  writeFileSync(
    join(app, 'cjs.cjs'),
    `const tscurl = require('tscurl');
const sim = require('tscurl/sim');
new tscurl.Multi().close();
const net = new sim.SimNetwork();
console.log('cjs', typeof tscurl.fetch, typeof net.createClient);
`,
  );
  for (const node of [process.execPath, extraNode].filter(Boolean)) {
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    const [maj, min] = version.slice(1).split('.').map(Number);
    const requireEsm = (maj === 20 && min >= 19) || (maj === 22 && min >= 12) || maj > 22;
    const esm = run(node, ['esm.mjs'], { cwd: app });
    if (esm.status !== 0 || !esm.out.includes('esm hi'))
      problems.push(`import on ${version} failed:\n${esm.out}`);
    const cjs = run(node, ['--no-warnings', 'cjs.cjs'], { cwd: app });
    const cjsOk = cjs.status === 0 && cjs.out.includes('cjs function function');
    if (requireEsm && !cjsOk) problems.push(`require() on ${version} failed:\n${cjs.out}`);
    if (!requireEsm && !cjs.out.includes('ERR_REQUIRE_ESM')) {
      problems.push(`require() on ${version} should fail with ERR_REQUIRE_ESM:\n${cjs.out}`);
    }
    console.log(
      `node ${version}: import ok; require() ${requireEsm ? 'ok' : 'ERR_REQUIRE_ESM (no require(esm) before 20.19)'}`,
    );
    checkBin(node, version, join(installed, pkg.bin.tscurl), app);
    // -M reads the shipped manual; --help is a part of the bundle evaluated only when used.
    const manual = run(node, [join(installed, pkg.bin.tscurl), '-M'], { cwd: app });
    if (manual.status !== 0 || !manual.out.startsWith('# tscurl: the command line')) {
      problems.push(`bin -M on ${version} failed:\n${manual.out.slice(0, 500)}`);
    }
    const help = run(node, [join(installed, pkg.bin.tscurl), '--help', 'all'], { cwd: app });
    if (help.status !== 0 || !/^ -o, --output <file> +Write to file instead of stdout$/m.test(help.out)) {
      problems.push(`bin --help all on ${version} failed:\n${help.out.slice(0, 500)}`);
    }
    const psl = run(
      node,
      ['--input-type=module', '-e', "import('tscurl').then((t) => console.log('psl', typeof t.Easy))"],
      { cwd: app },
    );
    if (psl.status !== 0) problems.push(`tscurl on ${version} failed:\n${psl.out}`);
  }

  step('engines');
  const floor = /^>=\s*(\d+)\.(\d+)$/.exec(pkg.engines.node);
  const ci = readFileSync(join(root, '.ci/run'), 'utf8');
  const ciFloor = /maj < (\d+) \|\| \(maj === \d+ && min < (\d+)\)/.exec(ci);
  if (!floor || !ciFloor || floor[1] !== ciFloor[1] || floor[2] !== ciFloor[2]) {
    problems.push(`engines.node ${pkg.engines.node} differs from the minimum .ci/run enforces`);
  } else console.log(`engines.node ${pkg.engines.node}: the minimum .ci/run enforces`);

  step('npm publish --dry-run');
  const publish = run(npm, ['publish', '--dry-run', '--ignore-scripts']);
  const warnings = publish.out
    .split('\n')
    .filter((l) => /^npm (warn|error|ERR)/i.test(l) && !/requires you to be logged in/.test(l));
  if (publish.status !== 0 || warnings.length > 0)
    problems.push(`npm publish --dry-run:\n${warnings.join('\n')}`);
  else
    console.log(
      publish.out
        .split('\n')
        .filter((l) => /total files|package size|unpacked size|name:|version:/.test(l))
        .join('\n'),
    );
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`\npackage check: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('\npackage check: ok');
