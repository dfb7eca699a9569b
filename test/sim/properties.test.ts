// Properties over random scenarios (N transfers, random faults): every transfer ends with exactly
// one done message whose result is the injected fault's code; nothing stays watched or armed; the
// pool is empty after close(). A failure prints the seed that replays it: planFromSeed(seed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { describeFault } from '../../src/sim.js';
import { expectedResult, planFromSeed, runScenario, type Scenario } from './scenario.js';

async function checkScenario(sc: Scenario): Promise<void> {
  const where = `seed ${sc.seed} (replay: runScenario(planFromSeed(${sc.seed})))`;
  const run = await runScenario(sc);
  const { net, multi, results } = run;
  sc.transfers.forEach((t, i) => {
    const label = `${where}, transfer ${i} ${t.fault ? describeFault(t.fault) : 'healthy'}`;
    assert.equal(results[i]!.length, 1, `${label}: ${results[i]!.length} done messages`);
    assert.equal(results[i]![0], expectedResult(t), `${label}: ${run.easies[i]!.errorBuffer}`);
    if (results[i]![0] === 0) assert.equal(run.received[i], t.bodyBytes, `${label}: body size`);
  });
  assert.equal(multi.runningHandles, 0, where);
  assert.equal(net.announcedSockets(), 0, `${where}: sockets still announced after the last transfer`);
  multi.close();
  assert.equal(multi.pool.size, 0, `${where}: pool not empty after close()`);
  assert.equal(net.timerArmed(), false, `${where}: timer armed after close()`);
  const act = net.activity();
  assert.equal(act.watchedSockets, 0, `${where}: transport sockets still watched`);
  assert.equal(act.openClientSockets, 0, `${where}: client sockets left open`);
}

test('random scenarios: one done message each, with the injected fault code; no leaks', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 0xffffffff }), async (seed) => {
      await checkScenario(planFromSeed(seed));
    }),
    { numRuns: 200 },
  );
});

test('wide scenarios: up to 40 transfers at once', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 0xffffffff }), async (seed) => {
      await checkScenario(planFromSeed(seed, 40));
    }),
    { numRuns: 25 },
  );
});
