// 10,000 concurrent fetch() calls on one Client limited to 256 connections, in a process whose
// file-descriptor limit is 1024: every call succeeds, the pool never opens more than the limit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

test('10,000 concurrent fetch calls with maxTotalConnections: 256 and ulimit -n 1024, none failing', () => {
  const r = spawnSync(
    'bash',
    ['-c', 'ulimit -n 1024 && exec "$0" --import tsx test/api/fixtures/scale-run.ts 10000', process.execPath],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
    ok: number;
    failures: string[];
    peakOpen: number;
    connections: number;
    running: number;
  };
  assert.deepEqual(out.failures, []);
  assert.equal(out.ok, 10_000);
  assert.ok(out.peakOpen <= 256, `server saw ${out.peakOpen} connections open at once`);
  assert.ok(out.connections <= 10_000);
  assert.equal(out.running, 0);
});
