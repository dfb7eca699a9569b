// The library as scripts/build-lib.mjs builds it (the package's dist/src), installed the way a user
// installs it and imported through the package's exports: 'tscurl' and 'tscurl/sim' share one
// copy of the engine (instanceof holds across the two, and an Easy made from one entry runs on a
// Multi made from the other), every exported class and function has its source name, transfers
// run over real sockets with request(), fetch() and a Client's worker threads (thread.js beside
// the shared chunk), and `--enable-source-maps` maps a stack frame back to src/. No top-level
// function, class or variable of the bundle bears a name esbuild made up (`parseUrl2`).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '../..');
let dir: string;
let app: string;

/** The consumer: prints one JSON line of what it saw. */
const PROGRAM = `
import http from 'node:http';
import * as tscurl from 'tscurl';
import * as sim from 'tscurl/sim';

const out = {};
const names = [];
for (const [entry, mod] of [['tscurl', tscurl], ['tscurl/sim', sim]]) {
  for (const [key, value] of Object.entries(mod)) {
    if (typeof value === 'function' && value.name !== key) names.push(entry + ': ' + key + ' is named ' + value.name);
  }
}
out.names = names;

const net = new sim.SimNetwork();
net.listen('api.test', 80, (_req, res) => res.end('sim'));
const simClient = net.createClient();
out.clientInstanceof = simClient instanceof tscurl.Client;
out.multiInstanceof = net.createMulti() instanceof tscurl.Multi;
out.simFetch = await (await simClient.fetch('http://api.test/')).text();
try {
  await simClient.request('http://nowhere.test/');
} catch (e) {
  out.errorInstanceof = e instanceof tscurl.TscurlError;
}
await simClient.close();
// An Easy of 'tscurl' on a Multi of 'tscurl/sim': one engine, or the Multi cannot drive it.
const multi = net.createMulti();
let body = '';
multi.addHandle(new tscurl.Easy({ url: 'http://api.test/', writeFunction: (c) => ((body += c), c.length) }));
await net.run();
out.easyOnSimMulti = [multi.infoRead()?.result, body];
multi.close();

const server = http.createServer((req, res) => res.end('real ' + req.url));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = 'http://127.0.0.1:' + server.address().port;
const r1 = await tscurl.request(url + '/request');
out.request = [r1.statusCode, await r1.body.text()];
const r2 = await tscurl.fetch(url + '/fetch');
out.fetch = [r2.status, await r2.text()];
const pooled = new tscurl.Client({ workers: 1 });
const r3 = await pooled.request(url + '/worker');
out.worker = [r3.statusCode, await r3.body.text()];
await pooled.close();
try {
  await tscurl.request('http://127.0.0.1:1/');
} catch (e) {
  out.stack = e.stack;
}
server.close();
console.log(JSON.stringify(out));
`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tscurl-bundle-'));
  // The package: its package.json (exports), the bundle in dist/src, its dependencies.
  const pkg = join(dir, 'tscurl');
  // esbuild's metafile names the sources of each output file relative to the working directory.
  execFileSync(
    process.execPath,
    [
      join(root, 'scripts/build-lib.mjs'),
      '--outdir',
      join(pkg, 'dist/src'),
      '--metafile',
      join(dir, 'meta.json'),
    ],
    { cwd: root },
  );
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  // The consumer, with the package installed.
  app = join(dir, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(app, 'node_modules', 'tscurl'), 'dir');
  writeFileSync(join(app, 'package.json'), '{ "private": true, "type": "module" }\n');
  writeFileSync(join(app, 'main.js'), PROGRAM);
});

after(() => rmSync(dir, { recursive: true, force: true }));

function runConsumer(...flags: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [...flags, 'main.js'], {
    cwd: app,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('the build is the entries, the worker thread and one chunk they share, with source maps', () => {
  const files = readdirSync(join(dir, 'tscurl/dist/src')).sort();
  const js = files.filter((f) => f.endsWith('.js'));
  assert.equal(js.length, 4, files.join(' '));
  assert.deepEqual(
    js.filter((f) => !f.startsWith('chunk-')),
    ['index.js', 'sim.js', 'thread.js'],
  );
  assert.deepEqual(
    files.filter((f) => f.endsWith('.map')),
    js.map((f) => `${f}.map`),
  );
});

test("'tscurl' and 'tscurl/sim' share the engine; transfers run on real sockets and worker threads", () => {
  const out = runConsumer();
  assert.deepEqual(out.names, []);
  assert.equal(out.clientInstanceof, true);
  assert.equal(out.multiInstanceof, true);
  assert.equal(out.errorInstanceof, true);
  assert.equal(out.simFetch, 'sim');
  assert.deepEqual(out.easyOnSimMulti, [0, 'sim']);
  assert.deepEqual(out.request, [200, 'real /request']);
  assert.deepEqual(out.fetch, [200, 'real /fetch']);
  assert.deepEqual(out.worker, [200, 'real /worker']);
  // Without source maps a frame names the function in the bundle.
  assert.match(String(out.stack), /at transferFailure \(file:.*\/dist\/src\/chunk-\w+\.js:\d+:\d+\)/);
});

test('with --enable-source-maps a stack frame points at the source file', () => {
  const out = runConsumer('--enable-source-maps');
  assert.match(String(out.stack), /at transferFailure \(.*\/src\/api\/errors\.ts:\d+:\d+\)/);
});

/** The names a module declares at its top level: functions, classes, enums and variables. */
function topLevelNames(file: string, kind: ts.ScriptKind): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, kind);
  const names: string[] = [];
  for (const s of source.statements) {
    if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isEnumDeclaration(s)) && s.name) {
      names.push(s.name.text);
    } else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
    }
  }
  return names;
}

// One scope holds every module of an output file: where two modules declare the same top-level
// name, esbuild keeps one and renames the other by appending a number (parseUrl2, fail3), the
// name stack traces and CPU profiles then show. Each such name is the renamed one: not declared
// by any source of that output, and a source name followed by digits.
test('no top-level name in the bundle is one esbuild renamed for a clash between two modules', () => {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  const renamed: string[] = [];
  for (const [output, { inputs }] of Object.entries(meta.outputs)) {
    if (!output.endsWith('.js')) continue;
    const declared = new Map<string, string[]>();
    for (const input of Object.keys(inputs)) {
      for (const name of topLevelNames(join(root, input), ts.ScriptKind.TS)) {
        declared.set(name, [...(declared.get(name) ?? []), input]);
      }
    }
    const file = join(dir, 'tscurl/dist/src', output.split('/').pop()!);
    for (const name of topLevelNames(file, ts.ScriptKind.JS)) {
      const digits = /\d+$/.exec(name);
      if (digits === null || declared.has(name)) continue;
      // utf82 is utf8 renamed: the source name may end in digits itself.
      for (let end = digits.index; end < name.length; end++) {
        const sources = declared.get(name.slice(0, end));
        if (sources === undefined) continue;
        renamed.push(`${output.split('/').pop()}: ${name} (${name.slice(0, end)} of ${sources.join(', ')})`);
        break;
      }
    }
  }
  assert.deepEqual(renamed, []);
});
