// An application script that imports 'tscurl' and 'tscurl/sim' by their package names (mapped to
// src/) runs in a child process: one GET on a Multi bound to a SimNetwork, in virtual time, with
// the callback trace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { builtPrograms } from '../helpers/bundle.js';
import { runNodeAsync } from './run-fixture.js';

const file = fileURLToPath(new URL('./fixtures/one-get-traced.mts', import.meta.url));
// Built by esbuild (the package names mapped to src/ as the tsx hooks map them), else via tsx.
const nodeArgs = builtPrograms([file]);

test('an application script with the package imports runs one GET in virtual time, traced', async () => {
  const r = await runNodeAsync(nodeArgs(file));
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    now: number;
    trace: string[];
    result: number;
    same: boolean;
    status: number;
  };
  assert.equal(out.result, 0);
  assert.equal(out.same, true);
  assert.equal(out.status, 200);
  // Handshake (2 x 20 ms), request (20 ms), response (20 ms): 80 ms of virtual time.
  assert.equal(out.now, 80);
  assert.ok(out.trace.includes('t=0.000 timer 0'), out.trace.join('\n'));
  assert.ok(out.trace.includes('t=80.000 done easy#1 result=0'), out.trace.join('\n'));
  assert.match(out.trace.join('\n'), /^t=40\.000 ready fd=\d+ OUT$/m);
  for (const line of out.trace) assert.match(line, /^t=\d+\.\d{3} \S/);
});
