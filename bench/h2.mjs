// HTTP/2 benchmark: tscurl against undici (H2CClient, allowH2), node:http2's client and h2load
// (nghttp2-client, the C anchor), each in its own process, against one private nginx speaking
// cleartext HTTP/2 (prior knowledge), every response checked. Two workloads:
//   H1: 10,000 GETs of 1 KiB over ONE connection with 100 streams in flight
//   H2: one 100 MiB download
// Prints a markdown table of medians (min-max) with ratios to undici and to h2load.
//   node bench/h2.mjs [--runs N] [--quick]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { H2LOAD, runH2load } from './common.mjs';
import { startNginx } from './nginx.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : quick ? 1 : 5;

const workloads = [
  {
    id: 'H1',
    label: 'H1: 10,000 x 1 KiB GETs, one h2 connection, 100 streams',
    path: '/1k.bin',
    size: 1024,
    count: quick ? 1000 : 10_000,
    streams: 100,
  },
  {
    id: 'H2',
    label: 'H2: one 100 MiB download over h2',
    path: '/big.bin',
    size: 100 * 1024 * 1024,
    count: 1,
    streams: 1,
  },
];
const clients = ['tscurl', 'undici', 'node-http2', 'h2load'];

function runProcess(cmd, argv) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function runClient(client, url, w) {
  if (client === 'h2load') return runH2load(url, w.count, w.streams);
  const r = await runProcess(process.execPath, [
    join(here, 'h2-client.mjs'),
    client,
    url,
    String(w.count),
    String(w.streams),
    String(w.size),
  ]);
  try {
    return JSON.parse(r.out.trim().split('\n').at(-1));
  } catch {
    return { ok: false, firstFailure: r.err.slice(0, 300) };
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const nginx = await startNginx({ listenParams: 'http2' });
const results = {};
try {
  for (const w of workloads) {
    const url = `${nginx.baseUrl}${w.path}`;
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? clients : [...clients].reverse();
      for (const c of order) {
        if (c === 'h2load' && !existsSync(H2LOAD)) continue;
        const r = await runClient(c, url, w);
        const key = `${w.id} ${c}`;
        (results[key] ??= []).push(r);
        if (!r.ok) console.error(`${key} run ${run}: FAILED ${r.firstFailure}`);
      }
    }
  }
} finally {
  await nginx.stop();
}

console.log(`\nHTTP/2 (h2c, nginx ${'1 worker'}, loopback), ${runs} run(s), medians (min-max)\n`);
for (const w of workloads) {
  console.log(`### ${w.label}\n`);
  console.log('| client | wall ms | req/s or MiB/s | CPU s | peak RSS MiB | wall / undici | wall / h2load |');
  console.log('|---|---|---|---|---|---|---|');
  const wallOf = (c) => median((results[`${w.id} ${c}`] ?? []).filter((r) => r.ok).map((r) => r.wallMs));
  for (const c of clients) {
    const rs = (results[`${w.id} ${c}`] ?? []).filter((r) => r.ok);
    if (rs.length === 0) {
      console.log(`| ${c} | failed | | | | | |`);
      continue;
    }
    const walls = rs.map((r) => r.wallMs);
    const wall = median(walls);
    const rate =
      w.count > 1
        ? `${Math.round((w.count / wall) * 1000)} req/s`
        : `${Math.round((w.size / 1048576 / wall) * 1000)} MiB/s`;
    const ratio = (other) => (Number.isFinite(other) ? (wall / other).toFixed(2) : '-');
    console.log(
      `| ${c} | ${wall.toFixed(0)} (${Math.min(...walls).toFixed(0)}-${Math.max(...walls).toFixed(0)}) | ${rate} | ${median(rs.map((r) => r.cpuS)).toFixed(2)} | ${(median(rs.map((r) => r.maxRssKiB)) / 1024).toFixed(0)} | ${ratio(wallOf('undici'))} | ${ratio(wallOf('h2load'))} |`,
    );
  }
  console.log('');
}
