// One client running one workload, in its own process (so CPU and peak RSS are this client's):
//   node bench/client.mjs <client> <url> <count> <concurrency> <size>
// concurrency 0 = all at once (W4: one connection each, every client without a connection limit).
// Prints one JSON line: { ok, done, failures, firstFailure, wallMs, cpuS, maxRssKiB, bytes }.
// Every transfer's status (200) and byte count (size) is checked (bench/client-run.mjs); the
// parent reports a run with a failure as failed.
// https URLs: BENCH_CA names the CA file every client verifies against; BENCH_FRESH=1 makes each
// request use a new connection (the handshake-rate workload; TLS session resumption stays on, the
// default of every client here).
// BENCH_REUSE_RX=1 gives the engine clients (Multi, NodeDriver) reuseReceiveBuffer: their write
// callbacks only count the bytes, so received memory may be reused once they returned;
// 'tscurl-multi-reuse' is the Multi client with it.
// BENCH_CPU_PROF=FILE writes a V8 CPU profile of the workload alone (not the imports) to FILE, for
// bench/profile-summary.mjs (with BENCH_ROUNDS, of the last round).
// BENCH_ROUNDS=N runs the workload N times in this one process and prints a line per round: the
// first is the cold run the bench reports (V8 still compiling the hot code, the heap growing), the
// later ones what the same work costs once warm.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { driverRun, multiRunner, Tally, timedRun, workers as workersOf } from './client-run.mjs';

const [name, url, countArg, concArg, sizeArg] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concArg) === 0 ? count : Number(concArg);
const size = Number(sizeArg);

// Modules load before the clock starts (node:http needs no import; undici's import alone is
// ~40 ms, which would be a fifth of W3). Node's fetch needs no import either, but loads its
// implementation (its bundled undici) at the first use of fetch, Response or Headers: about
// 40 ms of CPU on Node 20 and 60-70 ms on Node 26, paid once per process. tscurl's fetch() makes
// Node's Response, so it loads the same code. Both fetch clients built on it load it here, as
// undici's client loads its own above.
const tscurl = name.startsWith('tscurl') ? await import('../dist/src/index.js') : undefined;
const undici = name.startsWith('undici') ? await import('undici') : undefined;
if (name === 'tscurl-fetch' || name === 'node-fetch') void globalThis.Response;

const caFile = process.env.BENCH_CA;
const ca = caFile === undefined ? undefined : readFileSync(caFile);
const fresh = process.env.BENCH_FRESH === '1';
/** Easy options of the tscurl clients for the TLS runs. */
const tlsEasy = {
  ...(caFile === undefined ? {} : { caInfo: caFile }),
  ...(fresh ? { forbidReuse: true } : {}),
};

/** Easy options of the engine clients (Multi, NodeDriver). */
const engineEasy =
  process.env.BENCH_REUSE_RX === '1' || name === 'tscurl-multi-reuse'
    ? { ...tlsEasy, reuseReceiveBuffer: true }
    : tlsEasy;

const tally = new Tally(size);
const check = (status, got, error) => tally.check(status, got, error);

/** Promise-style clients: `concurrency` workers, each doing requests one after the other. */
const workers = (one) => workersOf(tally, count, concurrency, one);

async function countStream(iterable) {
  let n = 0;
  for await (const chunk of iterable) n += chunk.length;
  return n;
}

const clients = {
  /** The engine API driven by the application's own loop (the README's Multi example, as an app writes it). */
  async 'tscurl-multi'() {
    const runner = multiRunner(tscurl, { url, count, concurrency, easy: engineEasy, check });
    await runner.run();
    runner.close();
  },

  /** NodeDriver, completions through onDone. */
  async 'tscurl-driver'() {
    await driverRun(tscurl, tally, { url, count, concurrency, easy: engineEasy });
  },

  async 'tscurl-request'() {
    const { request } = tscurl;
    await workers(async () => {
      const r = await request(url, tlsEasy);
      return [r.statusCode, await countStream(r.body)];
    });
  },

  async 'tscurl-fetch'() {
    const { fetch } = tscurl;
    // The TLS runs' Easy options (the CA) through fetch's own init; none over http.
    const init = caFile === undefined && !fresh ? undefined : { options: tlsEasy };
    await workers(async () => {
      const r = await fetch(url, init);
      return [r.status, await countStream(r.body)];
    });
  },

  async 'undici-request'() {
    const { request, Agent } = undici;
    const dispatcher = ca === undefined ? undefined : new Agent({ connect: { ca } });
    await workers(async () => {
      const r = await request(url, { dispatcher, reset: fresh });
      return [r.statusCode, await countStream(r.body)];
    });
  },

  async 'undici-fetch'() {
    const { fetch } = undici;
    await workers(async () => {
      const r = await fetch(url);
      return [r.status, await countStream(r.body)];
    });
  },

  async 'node-http'() {
    const mod = url.startsWith('https:') ? https : http;
    const agent = new mod.Agent({ keepAlive: !fresh, maxSockets: Number.POSITIVE_INFINITY, ca });
    await workers(
      () =>
        new Promise((resolve, reject) => {
          const req = mod.get(url, { agent }, (res) => {
            let n = 0;
            res.on('data', (c) => {
              n += c.length;
            });
            res.on('end', () => resolve([res.statusCode, n]));
            res.on('error', reject);
          });
          req.on('error', reject);
        }),
    );
    agent.destroy();
  },

  async 'node-fetch'() {
    await workers(async () => {
      const r = await globalThis.fetch(url);
      return [r.status, await countStream(r.body)];
    });
  },
};

clients['tscurl-multi-reuse'] = clients['tscurl-multi'];

const run = clients[name];
if (run === undefined) {
  console.error(`unknown client ${name}; one of ${Object.keys(clients).join(', ')}`);
  process.exit(2);
}
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
for (let r = 0; r < rounds; r++) {
  if (r > 0) tally.reset();
  await timedRun(tally, count, run);
}
process.exit(0);
