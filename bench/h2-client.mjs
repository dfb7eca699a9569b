// One HTTP/2 client running one workload in its own process (CPU and peak RSS are its own):
//   node bench/h2-client.mjs <client> <url> <count> <streams> <size>
// Every client uses ONE cleartext HTTP/2 connection (prior knowledge) with up to <streams>
// requests in flight. Prints one JSON line: { ok, done, failures, firstFailure, wallMs, cpuS, maxRssKiB }.
// BENCH_CPU_PROF=FILE writes a V8 CPU profile of the workload alone to FILE (bench/profile-summary.mjs).
import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import { startCpuProfile } from './common.mjs';

const [name, url, countArg, streamsArg, sizeArg] = process.argv.slice(2);
const count = Number(countArg);
const streams = Number(streamsArg);
const size = Number(sizeArg);
const tscurl = name === 'tscurl' ? await import('../dist/src/index.js') : undefined;
const undici = name === 'undici' ? await import('undici') : undefined;

let failures = 0;
let firstFailure = '';
let done = 0;
function check(status, got, error) {
  done++;
  let problem = '';
  if (error !== undefined) problem = String(error?.message ?? error);
  else if (status !== 200) problem = `status ${status}`;
  else if (got !== size) problem = `${got} bytes, expected ${size}`;
  if (problem !== '') {
    failures++;
    if (firstFailure === '') firstFailure = problem;
  }
}

async function workers(one) {
  let issued = 0;
  const worker = async () => {
    while (issued < count) {
      issued++;
      try {
        const [status, got] = await one();
        check(status, got);
      } catch (e) {
        check(0, 0, e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(streams, count) }, worker));
}

const clients = {
  /** The engine on NodeDriver: one connection (maxHostConnections 1), `streams` transfers in flight. */
  async tscurl() {
    const { Easy, NodeDriver, HttpVersion } = tscurl;
    let issued = 0;
    let finish;
    const finished = new Promise((r) => (finish = r));
    const driver = new NodeDriver({
      maxHostConnections: 1,
      maxConcurrentStreams: streams,
      onDone(m) {
        const easy = m.easy;
        if (m.result !== 0) check(0, 0, `curl code ${m.result}: ${easy.errorBuffer}`);
        else check(easy.getInfo().responseCode, easy.private.bytes);
        driver.multi.removeHandle(easy);
        if (issued < count) add();
        if (done === count) finish();
      },
    });
    const add = () => {
      issued++;
      driver.addHandle(
        new Easy({
          url,
          httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE,
          writeFunction(chunk) {
            this.private.bytes += chunk.length;
            return chunk.length;
          },
          private: { bytes: 0 },
        }),
      );
    };
    for (let i = 0; i < Math.min(streams, count); i++) add();
    await finished;
    driver.close();
  },

  /** undici's H2CClient (allowH2 over cleartext), pipelining = streams. */
  async undici() {
    const client = new undici.H2CClient(new URL(url).origin, {
      maxConcurrentStreams: streams,
      pipelining: streams,
    });
    const path = new URL(url).pathname;
    await workers(async () => {
      const r = await client.request({ path, method: 'GET' });
      let n = 0;
      for await (const c of r.body) n += c.length;
      return [r.statusCode, n];
    });
    await client.close();
  },

  /** node:http2's client session. */
  async 'node-http2'() {
    const session = http2.connect(new URL(url).origin);
    const path = new URL(url).pathname;
    await workers(
      () =>
        new Promise((resolve, reject) => {
          const req = session.request({ ':path': path });
          let status = 0;
          let n = 0;
          req.on('response', (h) => {
            status = Number(h[':status']);
          });
          req.on('data', (c) => {
            n += c.length;
          });
          req.on('end', () => resolve([status, n]));
          req.on('error', reject);
          req.end();
        }),
    );
    session.close();
  },
};

const stopProfile = await startCpuProfile(process.env.BENCH_CPU_PROF);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await clients[name]();
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await stopProfile();
console.log(
  JSON.stringify({
    ok: failures === 0 && done === count,
    done,
    failures,
    firstFailure,
    wallMs,
    cpuS: (cpu.user + cpu.system) / 1e6,
    maxRssKiB: process.resourceUsage().maxRSS,
  }),
);
