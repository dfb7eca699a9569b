// What the one-workload client processes (bench/client.mjs, bench/h2-client.mjs, bench/ab.mjs)
// share: the check of every transfer, the promise-style worker loop, the engine on the
// application's loop (a Multi) and on a NodeDriver, and the timed run that prints the one JSON
// line the runners read.
// BENCH_CPU_PROF=FILE writes a V8 CPU profile of the workload alone (not the imports) to FILE, for
// bench/profile-summary.mjs.
import { performance } from 'node:perf_hooks';
import { startCpuProfile } from './common.mjs';

/** Every transfer's status (200) and byte count (`size`) checked; the first problem kept. */
export class Tally {
  failures = 0;
  firstFailure = '';
  bytes = 0;
  done = 0;

  constructor(size) {
    this.size = size;
  }

  /** Counts back to zero, for another round of the same workload. */
  reset() {
    this.failures = 0;
    this.firstFailure = '';
    this.bytes = 0;
    this.done = 0;
  }

  check(status, got, error) {
    this.done++;
    this.bytes += got;
    let problem = '';
    if (error !== undefined) problem = String(error?.message ?? error);
    else if (status !== 200) problem = `status ${status}`;
    else if (got !== this.size) problem = `${got} bytes, expected ${this.size}`;
    if (problem !== '') {
      this.failures++;
      if (this.firstFailure === '') this.firstFailure = problem;
    }
  }
}

/**
 * Promise-style clients: `concurrency` workers, each calling `one()` (resolving with
 * `[status, bytes]`) after the other until `count` were issued.
 */
export async function workers(tally, count, concurrency, one) {
  let issued = 0;
  const worker = async () => {
    while (issued < count) {
      issued++;
      try {
        const [status, got] = await one();
        tally.check(status, got);
      } catch (e) {
        tally.check(0, 0, e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * A Multi driven by the application's own loop, as the README's Multi example writes it: each
 * socket watched with a callback that calls `act(socket, events)`, the engine's timer on
 * setTimeout, a 0 ms one on setImmediate.
 */
export function appLoopMulti({ Multi, Poll, SOCKET_TIMEOUT }, act) {
  let timeout;
  let immediate;
  const onTimer = () => {
    timeout = immediate = undefined;
    act(SOCKET_TIMEOUT, 0);
  };
  const multi = new Multi({
    socketFunction(_easy, socket, what, socketp) {
      if (what === Poll.REMOVE) {
        socket.unwatch();
        return;
      }
      let ready = socketp;
      if (ready === undefined) {
        ready = (events) => act(socket, events);
        multi.assign(socket, ready);
      }
      socket.watch(what, ready);
    },
    timerFunction(ms) {
      if (timeout !== undefined) clearTimeout(timeout);
      if (immediate !== undefined) clearImmediate(immediate);
      timeout = immediate = undefined;
      if (ms === 0) immediate = setImmediate(onTimer);
      else if (ms > 0) timeout = setTimeout(onTimer, ms);
    },
  });
  return multi;
}

/** A handle for `url` (and the options `easy`) whose writeFunction counts the body in private.bytes. */
export function countingEasy({ Easy }, url, easy = {}) {
  return new Easy({
    url,
    ...easy,
    writeFunction(chunk) {
      this.private.bytes += chunk.length;
      return chunk.length;
    },
    private: { bytes: 0 },
  });
}

/**
 * The Multi driven by the application's loop (appLoopMulti): `concurrency` transfers of `url` in
 * flight, the next added as one completes, `check(status, bytes, error)` told of each. `run()`
 * resolves once `count` completed and may be called again: the Multi and its connections (and TLS
 * sessions) are kept, as a long-running application's. A throw from the engine or from `check`
 * rejects that run.
 */
export function multiRunner(tscurl, { url, count, concurrency, easy = {}, check }) {
  let issued = 0;
  let done = 0;
  let round;
  const multi = appLoopMulti(tscurl, (socket, events) => act(socket, events));
  const add = () => {
    issued++;
    multi.addHandle(countingEasy(tscurl, url, easy));
  };
  function act(socket, events) {
    try {
      multi.socketAction(socket, events);
      for (let m = multi.infoRead(); m !== undefined; m = multi.infoRead()) {
        const e = m.easy;
        if (m.result !== 0) check(0, 0, `curl code ${m.result}: ${e.errorBuffer}`);
        else check(e.getInfo('responseCode'), e.private.bytes);
        multi.removeHandle(e);
        done++;
        if (issued < count) add();
      }
    } catch (e) {
      round?.reject(e);
      return;
    }
    if (done === count) round?.resolve();
  }
  return {
    run() {
      issued = done = 0;
      return new Promise((resolve, reject) => {
        round = { resolve, reject };
        for (let i = 0; i < Math.min(concurrency, count); i++) add();
      });
    },
    close: () => multi.close(),
  };
}

/**
 * The engine on a NodeDriver, completions through onDone: `concurrency` transfers of `url` in
 * flight, the next one added as one completes, until `count` completed.
 */
export async function driverRun(tscurl, tally, { url, count, concurrency, easy = {}, driver = {} }) {
  const { NodeDriver } = tscurl;
  let issued = 0;
  let finish;
  const finished = new Promise((r) => (finish = r));
  const d = new NodeDriver({
    ...driver,
    onDone(m) {
      const e = m.easy;
      if (m.result !== 0) tally.check(0, 0, `curl code ${m.result}: ${e.errorBuffer}`);
      else tally.check(e.getInfo('responseCode'), e.private.bytes);
      d.multi.removeHandle(e);
      if (issued < count) add();
      if (tally.done === count) finish();
    },
  });
  const add = () => {
    issued++;
    d.addHandle(countingEasy(tscurl, url, easy));
  };
  for (let i = 0; i < Math.min(concurrency, count); i++) add();
  await finished;
  d.close();
}

/**
 * Run the workload with the clock and CPU counted around it alone, then print the JSON line:
 * { ok, done, failures, firstFailure, wallMs, cpuS, maxRssKiB, bytes }.
 */
export async function timedRun(tally, count, run) {
  const stopProfile = await startCpuProfile(process.env.BENCH_CPU_PROF);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await stopProfile();
  if (tally.done !== count && tally.failures === 0) {
    tally.failures++;
    tally.firstFailure = `${tally.done} of ${count} transfers completed`;
  }
  process.stdout.write(
    `${JSON.stringify({
      ok: tally.failures === 0,
      done: tally.done,
      failures: tally.failures,
      firstFailure: tally.firstFailure,
      wallMs,
      cpuS: (cpu.user + cpu.system) / 1e6,
      maxRssKiB: process.resourceUsage().maxRSS,
      bytes: tally.bytes,
    })}\n`,
  );
}
