// tscurl --bench: an embedded node:http server (in a worker thread, so it does not share the
// client's event loop) and N transfers through one Multi in parallel mode. Every status and byte
// count is checked; the summary is a table on stdout.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { curlStrerror } from '../core/codes.js';
import { Easy } from '../multi/easy.js';
import { runParallel } from './parallel.js';

export interface BenchOptions {
  transfers: number;
  parallelMax: number;
  size: number;
  /** Test aid: the server answers every Nth request with 500 (0 = never). */
  faultEvery: number;
}

export const BENCH_DEFAULTS: BenchOptions = {
  transfers: 10_000,
  parallelMax: 100,
  size: 1024,
  faultEvery: 0,
};

// Plain JavaScript so the worker runs the same under tsx and from dist/.
const serverSource = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const body = Buffer.alloc(workerData.size, 'x');
let served = 0;
const server = createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  req.resume();
  served++;
  if (workerData.faultEvery > 0 && served % workerData.faultEvery === 0) {
    res.writeHead(500, { 'content-length': 0 });
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', (m) => {
  if (m === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); }
});
`;

async function startServer(
  size: number,
  faultEvery: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const worker = new Worker(serverSource, { eval: true, workerData: { size, faultEvery } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('close');
      }),
  };
}

interface Job {
  index: number;
  started: number;
  bytes: number;
}

export interface BenchResult {
  transfers: number;
  errors: number;
  wallMs: number;
  bytes: number;
  latenciesMs: Float64Array;
  lastCode: number;
  firstError: string;
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const server = await startServer(o.size, o.faultEvery);
  const url = `http://127.0.0.1:${server.port}/bench`;
  const latencies = new Float64Array(o.transfers);
  let issued = 0;
  let errors = 0;
  let bytes = 0;
  let lastCode = 0;
  let firstError = '';
  const t0 = performance.now();
  try {
    await runParallel<Job>({
      max: o.parallelMax,
      source: {
        next() {
          if (issued >= o.transfers) return undefined;
          const job: Job = { index: issued++, started: 0, bytes: 0 };
          const easy = new Easy({
            url,
            writeFunction: (chunk) => {
              job.bytes += chunk.length;
              return chunk.length;
            },
          });
          return { easy, job };
        },
      },
      onStart(job) {
        job.started = performance.now();
      },
      onDone(job, m) {
        latencies[job.index] = performance.now() - job.started;
        bytes += job.bytes;
        const status = m.easy.getInfo().responseCode;
        let problem = '';
        if (m.result !== 0) {
          lastCode = m.result;
          problem = `(${m.result}) ${m.easy.errorBuffer || curlStrerror(m.result)}`;
        } else if (status !== 200) problem = `HTTP status ${status}, expected 200`;
        else if (job.bytes !== o.size) problem = `${job.bytes} body bytes, expected ${o.size}`;
        if (problem !== '') {
          errors++;
          if (firstError === '') firstError = `transfer ${job.index}: ${problem}`;
        }
      },
    });
  } finally {
    await server.close();
  }
  return {
    transfers: o.transfers,
    errors,
    wallMs: performance.now() - t0,
    bytes,
    latenciesMs: latencies,
    lastCode,
    firstError,
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function formatBench(o: BenchOptions, r: BenchResult): string {
  const sorted = Float64Array.from(r.latenciesMs).sort();
  const secs = r.wallMs / 1000;
  const ms = (v: number) => `${v.toFixed(2)} ms`;
  const rows: Array<[string, string]> = [
    ['transfers', String(r.transfers)],
    ['errors', String(r.errors)],
    ['parallel max', String(o.parallelMax)],
    ['body size', `${o.size} B`],
    ['wall time', `${secs.toFixed(3)} s`],
    ['transfers/s', (r.transfers / secs).toFixed(0)],
    ['MB/s', (r.bytes / 1e6 / secs).toFixed(2)],
    ['latency p50', ms(percentile(sorted, 50))],
    ['latency p90', ms(percentile(sorted, 90))],
    ['latency p99', ms(percentile(sorted, 99))],
    ['latency max', ms(sorted.length > 0 ? sorted[sorted.length - 1]! : 0)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const v = Math.max(...rows.map(([, x]) => x.length));
  const line = `+-${'-'.repeat(w)}-+-${'-'.repeat(v)}-+`;
  const out = [line, ...rows.map(([k, x]) => `| ${k.padEnd(w)} | ${x.padStart(v)} |`), line];
  if (r.firstError !== '') out.push(`first error: ${r.firstError}`);
  return `${out.join('\n')}\n`;
}
