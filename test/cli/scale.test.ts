// Parallel mode at scale: one globbed URL of 100,000 transfers through one Multi, 300 in flight.
// The CLI's resident memory is read from /proc when the server has answered 25% and 100% of the
// requests; it must not grow with the count of finished transfers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { tscurlArgs } from './helpers.js';

const TRANSFERS = 100_000;
let served = 0;
let pid = 0;
const rss: number[] = [];

function rssMiB(p: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

const server = createServer({ keepAliveTimeout: 60_000 }, (_req, res) => {
  served++;
  if (pid !== 0 && (served === TRANSFERS / 4 || served === TRANSFERS)) rss.push(rssMiB(pid));
  res.writeHead(200, { 'Content-Length': 2 });
  res.end('k\n');
});
before(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
after(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const HEAP_CAP_MIB = 48;

test('-Z over [1-100000] completes, memory flat between 25% and 100% of the transfers', async (t) => {
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  const url = `http://127.0.0.1:${addr.port}/n/[1-${TRANSFERS}]`;
  const child = spawn(
    process.execPath,
    [
      // A hard cap on the old heap: memory that grew with finished transfers (even ~500 bytes
      // each) would not fit 100,000 of them and the child would die instead of exiting 0.
      `--max-old-space-size=${HEAP_CAP_MIB}`,
      ...tscurlArgs(),
      '-s',
      '-Z',
      '--parallel-max',
      '300',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}\\n',
      url,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  pid = child.pid ?? 0;
  let ok = 0;
  let other = 0;
  let partial = '';
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      if (l === '200') ok++;
      else other++;
    }
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.equal(ok, TRANSFERS);
  assert.equal(other, 0);
  assert.equal(served, TRANSFERS);
  assert.equal(rss.length, 2);
  const [quarter, full] = rss as [number, number];
  t.diagnostic(`RSS ${quarter.toFixed(1)} MiB at 25%, ${full.toFixed(1)} MiB at 100%`);
  // 75,000 more finished transfers: a leak of even 500 bytes each would add 36 MiB.
  assert.ok(full - quarter < 30, `RSS ${quarter.toFixed(1)} MiB at 25%, ${full.toFixed(1)} MiB at 100%`);
});
