// The promise API against its peers: N GETs of a small body at a fixed concurrency against a local
// node:http server (127.0.0.1, its own process), one client after another in this process, each with a warm-up
// round first. Prints req/s per client (the median of the rounds, with min-max) and the client's CPU
// time per request (process.cpuUsage, median of the rounds: steadier than req/s on a shared machine).
//   node --import tsx bench/api.ts [count=5000] [concurrency=50] [size=1024] [rounds=3]
// Every response is checked (status 200, `size` bytes); a failure stops the run. This is a quick
// comparison for the promise API; the full suite (separate processes, CPU, RSS) is bench/run-all.mjs.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client } from '../src/index.js';

const [count = 5000, concurrency = 50, size = 1024, rounds = 3] = process.argv.slice(2).map(Number);

// The server runs in its own process, so the figures are the client's cost, not the sum of both.
const serverSource = `
const http = require('node:http');
const payload = Buffer.alloc(${size}, 0x61);
const server = http.createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '${size}' });
  res.end(payload);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('end', () => process.exit(0)).resume();
`;
const server = spawn(process.execPath, ['-e', serverSource], { stdio: ['pipe', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve, reject) => {
  server.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const url = `http://127.0.0.1:${port}/`;

/** One GET: resolves with [status, bytes received]. */
type Get = () => Promise<[number, number]>;
interface Contender {
  name: string;
  open(): Promise<{ get: Get; close(): Promise<void> }>;
}

function nodeHttpGet(agent: http.Agent): Get {
  return () =>
    new Promise((resolve, reject) => {
      http
        .get(url, { agent }, (res) => {
          let n = 0;
          res.on('data', (c: Buffer) => {
            n += c.length;
          });
          res.on('end', () => resolve([res.statusCode ?? 0, n]));
          res.on('error', reject);
        })
        .on('error', reject);
    });
}

const contenders: Contender[] = [
  {
    name: 'tscurl request()',
    async open() {
      const client = new Client();
      return {
        get: async () => {
          const r = await client.request(url);
          return [r.statusCode, (await r.body.bytes()).length];
        },
        close: () => client.close(),
      };
    },
  },
  {
    name: 'tscurl fetch()',
    async open() {
      const client = new Client();
      return {
        get: async () => {
          const r = await client.fetch(url);
          return [r.status, (await r.arrayBuffer()).byteLength];
        },
        close: () => client.close(),
      };
    },
  },
  {
    name: 'undici request()',
    async open() {
      const undici = await import('undici');
      const agent = new undici.Agent({ connections: concurrency });
      return {
        get: async () => {
          const r = await undici.request(url, { dispatcher: agent });
          return [r.statusCode, (await r.body.arrayBuffer()).byteLength];
        },
        close: () => agent.close(),
      };
    },
  },
  {
    name: 'undici fetch()',
    async open() {
      const undici = await import('undici');
      const agent = new undici.Agent({ connections: concurrency });
      return {
        get: async () => {
          const r = await undici.fetch(url, { dispatcher: agent });
          return [r.status, (await r.arrayBuffer()).byteLength];
        },
        close: () => agent.close(),
      };
    },
  },
  {
    name: 'node:http (keep-alive agent)',
    async open() {
      const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
      return {
        get: nodeHttpGet(agent),
        close: async () => agent.destroy(),
      };
    },
  },
  {
    name: "Node's global fetch",
    async open() {
      return {
        get: async () => {
          const r = await fetch(url);
          return [r.status, (await r.arrayBuffer()).byteLength];
        },
        close: async () => {},
      };
    },
  },
];

/** `n` GETs through `workers` loops; returns the wall time in ms and the CPU us per request. */
async function run(get: Get, n: number, workers: number): Promise<{ ms: number; cpuUs: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const worker = async () => {
    while (next < n) {
      next++;
      const [status, got] = await get();
      if (status !== 200 || got !== size) throw new Error(`bad response: status ${status}, ${got} bytes`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, n) }, worker));
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuUs: (used.user + used.system) / n };
}

const rows: Array<{ name: string; median: number; min: number; max: number; cpuUs: number }> = [];
for (const c of contenders) {
  const { get, close } = await c.open();
  try {
    await run(get, Math.min(500, count), concurrency); // warm-up: connections, JIT
    const rates: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const { ms, cpuUs } = await run(get, count, concurrency);
      rates.push((count / ms) * 1000);
      cpus.push(cpuUs);
    }
    rates.sort((a, b) => a - b);
    cpus.sort((a, b) => a - b);
    rows.push({
      name: c.name,
      median: rates[Math.floor(rates.length / 2)]!,
      min: rates[0]!,
      max: rates[rates.length - 1]!,
      cpuUs: cpus[Math.floor(cpus.length / 2)]!,
    });
  } finally {
    await close();
  }
}
server.stdin.end();

console.log(
  `${count} GETs of ${size} B, concurrency ${concurrency}, ${rounds} rounds (median, min-max), Node ${process.version}`,
);
const base = rows.find((r) => r.name === 'undici request()');
console.log(
  `${'client'.padEnd(30)} ${'req/s'.padStart(8)}  ${'min-max'.padEnd(15)} ${'CPU us/req'.padStart(10)}  vs undici.request: speed, CPU`,
);
for (const r of rows) {
  const ratio =
    base === undefined
      ? ''
      : `${(r.median / base.median).toFixed(2)}x, ${(r.cpuUs / base.cpuUs).toFixed(2)}x`;
  console.log(
    `${r.name.padEnd(30)} ${r.median.toFixed(0).padStart(8)}  ${`${r.min.toFixed(0)}-${r.max.toFixed(0)}`.padEnd(15)} ${r.cpuUs.toFixed(1).padStart(10)}  ${ratio}`,
  );
}
