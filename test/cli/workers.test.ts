// tscurl -Z --workers N: the URLs are shared out between N threads, every transfer runs once, the
// total concurrency stays --parallel-max, outputs and -w lines are whole, the exit code is the
// last failure's.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { tscurl } from './helpers.js';

let server: TestServer;
let open = 0;
let maxOpen = 0;
before(async () => {
  server = await startHttpServer((req, res) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    setTimeout(() => {
      open--;
      res.end(`body of ${req.url}`);
    }, 5);
  });
});
after(() => server.close());

test('-Z --workers 2: every URL once, concurrency within --parallel-max, outputs whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tscurl-workers-'));
  maxOpen = 0;
  const r = await tscurl([
    '-Z',
    '--workers',
    '2',
    '--parallel-max',
    '4',
    '-s',
    '-w',
    '%{http_code} %{url}\\n',
    '-o',
    join(dir, 'out-#1'),
    `${server.url}/[1-60]`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.toString().trim().split('\n').sort();
  assert.equal(lines.length, 60);
  assert.equal(new Set(lines).size, 60);
  for (const line of lines) assert.match(line, /^200 http:\/\/127\.0\.0\.1:\d+\/\d+$/);
  assert.equal(readFileSync(join(dir, 'out-17'), 'utf8'), 'body of /17');
  assert.ok(maxOpen <= 4, `${maxOpen} requests at once (parallel-max 4)`);
  rmSync(dir, { recursive: true, force: true });
});

test('-Z --workers 3: a failed transfer gives the exit code, the others still run', async () => {
  const r = await tscurl([
    '-Z',
    '--workers',
    '3',
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{exitcode}\\n',
    `${server.url}/[1-5]`,
    'http://127.0.0.1:1/refused',
  ]);
  assert.equal(r.code, 7);
  const codes = r.stdout.toString().trim().split('\n').sort();
  assert.deepEqual(codes, ['0', '0', '0', '0', '0', '7']);
});
