// Timeouts past Node's timer range (2^31-1 ms): a transfer with timeoutMs 3e9 on a server that
// accepts and never answers waits without spinning (setTimeout past the range fires after 1 ms)
// and without a TimeoutOverflowWarning, through the engine's timer callback, NodeDriver, request()
// and fetch().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, Easy, Multi, NodeDriver, SOCKET_TIMEOUT } from '../../src/index.js';
import { MAX_TIMER_MS } from '../../src/multi/timers.js';
import { assertNoTcpLeft, hostileServer, sleep, tcpHandles } from './harness.js';

const HUGE = 3e9;
/** CPU the process may use while one transfer waits for 400 ms (a spinning 1 ms timer uses far more). */
const CPU_BOUND_US = 40_000;

const warnings: Error[] = [];
process.on('warning', (w) => warnings.push(w));

/**
 * CPU the process used while waiting `ms`, the least of up to three tries. One-off work of the
 * process (compiling what was just loaded, a garbage collection, the TypeScript loader tidying its
 * cache in the background) lands in one window, and more of it on a loaded machine; a wake-up loop
 * would show in every window.
 */
async function cpuWhileWaiting(ms: number): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3 && least >= CPU_BOUND_US; i++) {
    const before = process.cpuUsage();
    await sleep(ms);
    const used = process.cpuUsage(before);
    least = Math.min(least, used.user + used.system);
  }
  return least;
}

/** Counts the engine's runs: every socket event and timer of a NodeDriver goes through socketAction. */
function countActions(multi: Multi): { runs: number } {
  const counter = { runs: 0 };
  const socketAction = multi.socketAction.bind(multi);
  multi.socketAction = (socket, events) => {
    counter.runs++;
    return socketAction(socket, events);
  };
  return counter;
}

test('the engine never gives the timer callback more than 2^31-1 ms; an early fire re-arms the rest', () => {
  const seen: number[] = [];
  const multi = new Multi({ timerFunction: (ms) => void seen.push(ms), socketFunction: () => {} });
  multi.addHandle(new Easy({ url: 'http://127.0.0.1:9/', timeoutMs: HUGE, connectTimeoutMs: HUGE }));
  multi.socketAction(SOCKET_TIMEOUT);
  const last = seen.at(-1)!;
  assert.ok(last > 0 && last <= MAX_TIMER_MS, `timer ${last}`);
  // The clamped timer fired early: nothing is due, and the rest is announced again.
  seen.length = 0;
  multi.socketAction(SOCKET_TIMEOUT);
  assert.ok(seen.length === 1 && seen[0]! <= MAX_TIMER_MS && seen[0]! > 0, `re-armed with ${seen}`);
  multi.close();
});

test('timeoutMs 3e9 on a silent server: no CPU while waiting, no warning (NodeDriver, request(), fetch())', async () => {
  const baseline = tcpHandles();
  let requests = 0;
  let allIn: () => void;
  const inAtServer = new Promise<void>((resolve) => (allIn = resolve));
  const silent = await hostileServer(() => {
    if (++requests === 3) allIn();
  });
  const driver = new NodeDriver();
  const client = new Client();
  const ac = new AbortController();
  try {
    const easy = new Easy({ url: silent.url, timeoutMs: HUGE, connectTimeoutMs: HUGE });
    void driver.add(easy);
    const r = client.request(silent.url, { timeoutMs: HUGE, signal: ac.signal });
    const f = client.fetch(silent.url, { signal: ac.signal, options: { timeoutMs: HUGE } });
    r.catch(() => {});
    f.catch(() => {});
    const engine = [countActions(driver.multi), countActions(client.driver.multi)];
    await inAtServer; // the three requests were sent: from now on every transfer only waits
    await sleep(20);
    const runsBefore = engine.map((c) => c.runs);
    const cpu = await cpuWhileWaiting(400);
    assert.ok(cpu < CPU_BOUND_US, `${(cpu / 1000).toFixed(1)} ms of CPU in 400 ms of waiting`);
    assert.deepEqual(
      engine.map((c, i) => c.runs - runsBefore[i]!),
      [0, 0],
      'no engine run while the transfers wait',
    );
    assert.deepEqual(
      warnings.map((w) => w.name),
      [],
      'no TimeoutOverflowWarning',
    );
    assert.equal(driver.running, 1);
    driver.remove(easy);
    ac.abort();
    await assert.rejects(r);
    await assert.rejects(f);
  } finally {
    // After a failed assertion too: close() waits for running transfers, and these would run 35 days.
    ac.abort();
    driver.close();
    await client.close();
    await silent.close();
  }
  await assertNoTcpLeft(baseline);
});
