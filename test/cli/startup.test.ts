// The bin as scripts/build-cli.mjs builds it: a plain http transfer loads none of the built-in
// modules that only some transfers need (they cost start-up time), the launcher's code cache is
// written by the first run and taken by the next, and the modules evaluated on use still work.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliServer, runCommand, startServer } from './helpers.js';

/** Built-ins a plain http:// transfer must not load at start-up. */
const LAZY_BUILTINS = [
  'tls',
  'crypto',
  'zlib',
  'dns',
  'worker_threads',
  'child_process',
  'perf_hooks',
  'http2',
  'readline',
];

let dir: string;
let bin: string;
let server: CliServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tscurl-startup-'));
  execFileSync(process.execPath, [
    'scripts/build-cli.mjs',
    '--outdir',
    join(dir, 'bin'),
    '--metafile',
    join(dir, 'meta.json'),
  ]);
  bin = join(dir, 'bin', 'tscurl.cjs');
  // At exit, the public built-in modules this process loaded.
  writeFileSync(
    join(dir, 'builtins.cjs'),
    `process.on('exit', () => require('node:fs').writeFileSync(process.env.BUILTINS_OUT, process.moduleLoadList.filter((m) => m.startsWith('NativeModule ') && !m.includes('internal/')).map((m) => m.slice(13)).join('\\n')));`,
  );
  server = await startServer((_req, res) => res.end('x'));
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function env(cache: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, TSCURL_COMPILE_CACHE: cache, BUILTINS_OUT: join(dir, 'loaded.txt'), ...extra };
}

test('a plain http transfer loads no TLS, crypto, zlib, dns, worker or perf_hooks module', async () => {
  const cache = join(dir, 'cache-plain');
  for (const url of [server.url, server.url.replace('127.0.0.1', 'localhost')]) {
    const r = await runCommand(process.execPath, ['-r', join(dir, 'builtins.cjs'), bin, '-s', url], {
      env: env(cache),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'x');
    const loaded = readFileSync(join(dir, 'loaded.txt'), 'utf8').split('\n');
    assert.ok(loaded.includes('net'), loaded.join(' '));
    assert.deepEqual(
      LAZY_BUILTINS.filter((m) => loaded.includes(m)),
      [],
      `loaded at start-up for ${url}`,
    );
  }
});

// A module that starts a file beside its own (besides(import.meta.url, ...)) would look for it in
// dist/bin, where only the bundle and the launcher are: the Client's worker pool (thread.js) must
// stay out of the CLI, whose --workers start the bundle itself (cli/threads.ts).
test('the bundle holds no module that starts a file beside its own (the worker pool stays out)', () => {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {
    inputs: Record<string, unknown>;
  };
  const inputs = Object.keys(meta.inputs);
  assert.ok(inputs.includes('src/cli/main.ts'), inputs.join(', '));
  assert.ok(!inputs.includes('src/api/workers/pool.ts'), 'src/api/workers/pool.ts is in the bundle');
  const besideItself = inputs.filter(
    (f) => f.startsWith('src/') && /\bbesides\(import\.meta\.url\b/.test(readFileSync(f, 'utf8')),
  );
  assert.deepEqual(besideItself, []);
});

test('--compressed loads zlib when a body is decoded, and decodes it', async () => {
  const gz = await startServer((_req, res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(process.getBuiltinModule('node:zlib').gzipSync('decoded'));
  });
  try {
    const r = await runCommand(
      process.execPath,
      ['-r', join(dir, 'builtins.cjs'), bin, '-s', '--compressed', gz.url],
      {
        env: env(join(dir, 'cache-gz')),
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'decoded');
    assert.ok(readFileSync(join(dir, 'loaded.txt'), 'utf8').split('\n').includes('zlib'));
  } finally {
    await gz.close();
  }
});

test('the code cache is written by the first run and used by the next', async () => {
  const cache = join(dir, 'cache-reuse');
  const first = await runCommand(process.execPath, [bin, '-s', server.url], { env: env(cache) });
  assert.equal(first.code, 0, first.stderr);
  const files = readdirSync(cache);
  assert.equal(files.length, 1, files.join(' '));
  assert.match(files[0]!, new RegExp(`^tscurl-[0-9a-f]{16}-${process.version}-${process.arch}\\.bin$`));
  const written = statSync(join(cache, files[0]!)).mtimeMs;
  const second = await runCommand(process.execPath, [bin, '-s', server.url], { env: env(cache) });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout.toString(), 'x');
  assert.equal(statSync(join(cache, files[0]!)).mtimeMs, written, 'the second run rewrote the cache');
  // A cache V8 rejects (here: not a cache at all) is replaced, and the run is unaffected.
  writeFileSync(join(cache, files[0]!), 'garbage');
  const third = await runCommand(process.execPath, [bin, '-s', server.url], { env: env(cache) });
  assert.equal(third.stdout.toString(), 'x');
  assert.notEqual(readFileSync(join(cache, files[0]!), 'latin1'), 'garbage');
});

test('writing a cache removes caches of other builds not written for 30 days, and nothing else', async () => {
  const cache = join(dir, 'cache-prune');
  mkdirSync(cache, { mode: 0o700 });
  const stale = 'tscurl-0000000000000000-v1.0.0-x64.bin';
  const staleTemp = 'tscurl-0000000000000000-v1.0.0-x64.bin.12345';
  const recent = 'tscurl-1111111111111111-v1.0.0-x64.bin';
  const other = 'notes.txt';
  for (const name of [stale, staleTemp, recent, other]) writeFileSync(join(cache, name), 'x');
  const old = new Date(Date.now() - 40 * 24 * 3600 * 1000);
  for (const name of [stale, staleTemp, other]) utimesSync(join(cache, name), old, old);
  const run = await runCommand(process.execPath, [bin, '-s', server.url], { env: env(cache) });
  assert.equal(run.code, 0, run.stderr);
  const left = readdirSync(cache).sort();
  assert.equal(left.length, 3, left.join(' '));
  assert.ok(left.includes(recent) && left.includes(other), left.join(' '));
  assert.ok(!left.includes(stale) && !left.includes(staleTemp), left.join(' '));
});

test('no cache: disabled, or a directory that cannot be made', async () => {
  const disabled = join(dir, 'cache-disabled');
  const off = await runCommand(process.execPath, [bin, '-s', server.url], {
    env: env(disabled, { NODE_DISABLE_COMPILE_CACHE: '1' }),
  });
  assert.equal(off.stdout.toString(), 'x');
  assert.throws(() => readdirSync(disabled), /ENOENT/);
  // Below a regular file no directory can be made, not even by root.
  writeFileSync(join(dir, 'a-file'), '');
  const blocked = await runCommand(process.execPath, [bin, '-s', server.url], {
    env: env(join(dir, 'a-file', 'cache')),
  });
  assert.equal(blocked.code, 0, blocked.stderr);
  assert.equal(blocked.stdout.toString(), 'x');
});

test('--bench, evaluated only when used, runs from the bundle', async () => {
  const r = await runCommand(process.execPath, [bin, '--bench', '--bench-transfers', '20'], {
    env: env(join(dir, 'cache-bench')),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.toString(), /\| transfers +\| +20 \|/);
});
