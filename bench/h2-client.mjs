// One HTTP/2 client running one workload in its own process (CPU and peak RSS are its own):
//   node bench/h2-client.mjs <client> <url> <count> <streams> <size>
// Every client uses ONE cleartext HTTP/2 connection (prior knowledge) with up to <streams>
// requests in flight. Prints one JSON line: { ok, done, failures, firstFailure, wallMs, cpuS,
// maxRssKiB, bytes } (bench/client-run.mjs).
// BENCH_CPU_PROF=FILE writes a V8 CPU profile of the workload alone to FILE (bench/profile-summary.mjs).
import http2 from 'node:http2';
import { driverRun, Tally, timedRun, workers as workersOf } from './client-run.mjs';

const [name, url, countArg, streamsArg, sizeArg] = process.argv.slice(2);
const count = Number(countArg);
const streams = Number(streamsArg);
const size = Number(sizeArg);
const tscurl = name === 'tscurl' ? await import('../dist/src/index.js') : undefined;
const undici = name === 'undici' ? await import('undici') : undefined;

const tally = new Tally(size);
const workers = (one) => workersOf(tally, count, streams, one);

const clients = {
  /** The engine on NodeDriver: one connection (maxHostConnections 1), `streams` transfers in flight. */
  async tscurl() {
    const { HttpVersion } = tscurl;
    await driverRun(tscurl, tally, {
      url,
      count,
      concurrency: streams,
      easy: { httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE },
      driver: { maxHostConnections: 1, maxConcurrentStreams: streams },
    });
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

await timedRun(tally, count, clients[name]);
