// Bodies written to files: the CLI lets the engine reuse its receive buffers there (each chunk is
// written with writeSync inside the callback), so large bodies fetched in parallel must still land
// intact, each in its own file.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliServer, startServer, tscurl } from './helpers.js';

/** A different 3 MiB body per path. */
const bodyFor = (n: number): Buffer => {
  const b = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < b.length; i++) b[i] = (i * (n + 3) + (i >> 12)) & 0xff;
  return b;
};
const BODIES = [1, 2, 3].map(bodyFor);

let srv: CliServer;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tscurl-out-'));
  srv = await startServer((req, res) => {
    const body = BODIES[Number(req.url!.slice(1)) - 1]!;
    res.writeHead(200, { 'Content-Length': body.length });
    res.end(body);
  });
});

after(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

test('large bodies fetched in parallel arrive intact in their files', async () => {
  const r = await tscurl(['-s', '-Z', `${srv.url}/[1-3]`, '-o', join(dir, '#1.bin')]);
  assert.equal(r.code, 0, r.stderr);
  for (let n = 1; n <= 3; n++) {
    assert.ok(readFileSync(join(dir, `${n}.bin`)).equals(BODIES[n - 1]!), `file ${n} intact`);
  }
});
