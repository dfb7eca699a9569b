// npm run bench:tls: https workloads against a private nginx (one worker, loopback, TLS 1.3,
// ECDSA P-256 certificate from a throw-away CA that every client verifies against), each client
// in its own process, the order alternating between runs, every transfer checked:
//   W1s  1 KiB GETs, concurrency 100, keep-alive
//   W2s  100 KiB GETs, concurrency 50, keep-alive
//   H    1 KiB GETs, concurrency 20, a new TLS connection per request (the handshake rate;
//        session resumption on, as every client here does by default)
// Prints one markdown table of medians (min-max), CPU seconds, peak RSS and ratios to undici.
//   node bench/tls.mjs [--quick] [--runs N] [--only W1s,H] [--clients a,b]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  exec,
  fmt,
  HTTPS_WORKLOADS,
  helpFromHeader,
  makeCertificates,
  summarize,
  tableRows,
} from './common.mjs';
import { startNginx } from './nginx.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const args = process.argv.slice(2);
helpFromHeader(import.meta.url, args);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const runs = Number(option('--runs') ?? (quick ? 1 : 3));
const scale = quick ? 0.1 : 1;
const only = option('--only')?.split(',');
const onlyClients = option('--clients')?.split(',');
const CURL = '/usr/bin/curl';
const TIME = '/usr/bin/time';

const workloads = [
  { ...HTTPS_WORKLOADS.W1s, label: 'W1s: 1 KiB GETs, conc. 100, keep-alive' },
  { ...HTTPS_WORKLOADS.W2s, label: 'W2s: 100 KiB GETs, conc. 50, keep-alive' },
  {
    id: 'H',
    label: 'H: 1 KiB GETs, conc. 20, new TLS connection each',
    path: '/1k.bin',
    size: 1024,
    count: 2_000,
    conc: 20,
    unit: 'req/s',
    fresh: true,
  },
].filter((w) => only === undefined || only.includes(w.id));
for (const w of workloads) w.count = Math.round(w.count * scale);

const clients = [
  'tscurl-multi',
  'tscurl-request',
  'undici-request',
  'node-http',
  ...(existsSync(CURL) ? ['curl'] : []),
].filter((c) => onlyClients === undefined || onlyClients.includes(c));
const LABEL = {
  'tscurl-multi': 'tscurl Multi (app loop)',
  'tscurl-request': 'tscurl request()',
  'undici-request': 'undici.request',
  'node-http': 'node:https',
  curl: 'curl --parallel',
};

async function runCurl(w, url, ca) {
  const target = `${url}?[1-${w.count}]`;
  const argv = [
    CURL,
    '-Z',
    '--parallel-max',
    String(w.conc),
    '--cacert',
    ca,
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{size_download}\\n',
  ];
  // curl has no switch for "one connection per request"; Connection: close makes nginx end each.
  if (w.fresh) argv.push('-H', 'Connection: close');
  const t0 = performance.now();
  const r = await exec(TIME, ['-f', 'TIME %e %U %S %M', ...argv, target], repo);
  const wallMs = performance.now() - t0;
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.err);
  const lines = r.out.split('\n').filter((l) => l !== '');
  const bad = lines.filter((l) => l !== `200 ${w.size}`);
  const ok = r.code === 0 && m !== null && lines.length === w.count && bad.length === 0;
  return ok
    ? { ok, wallMs, cpuS: Number(m[2]) + Number(m[3]), maxRssKiB: Number(m[4]) }
    : { ok, firstFailure: `exit ${r.code}, ${lines.length} lines, ${bad[0] ?? ''} ${r.err.slice(-200)}` };
}

async function runOne(client, w, base, ca) {
  const url = `${base}${w.path}`;
  if (client === 'curl') return runCurl(w, url, ca);
  const env = { ...process.env, BENCH_CA: ca, BENCH_FRESH: w.fresh ? '1' : '0' };
  const argv = [join(here, 'client.mjs'), client, url, String(w.count), String(w.conc), String(w.size)];
  const r = await exec(process.execPath, argv, repo, env);
  try {
    return JSON.parse(r.out.trim().split('\n').pop());
  } catch {
    return { ok: false, firstFailure: `exit ${r.code}: ${r.err.trim().split('\n').slice(-3).join(' | ')}` };
  }
}

const figure = (w, r) =>
  w.unit === 'req/s' ? w.count / (r.wallMs / 1000) : (w.count * w.size) / 1e6 / (r.wallMs / 1000);

async function main() {
  const dir = mkdtempSync(join(os.tmpdir(), 'tscurl-bench-tls-'));
  const certs = makeCertificates(dir);
  const server = await startNginx({ tls: certs });
  const results = {};
  try {
    for (let run = 0; run < runs; run++) {
      for (const w of workloads) {
        const k = run % clients.length;
        let order = [...clients.slice(k), ...clients.slice(0, k)];
        if (run % 2 === 1) order = order.reverse();
        for (const c of order) {
          const r = await runOne(c, w, server.baseUrl, certs.ca);
          ((results[w.id] ??= {})[c] ??= []).push(r);
          process.stderr.write(
            `run ${run + 1}/${runs} ${w.id} ${c}: ${r.ok ? `${fmt(figure(w, r), w.unit)} ${w.unit}` : `FAILED ${r.firstFailure}`}\n`,
          );
        }
      }
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const cpu = os.cpus();
  const out = [
    `Machine: ${cpu.length} x ${cpu[0]?.model.trim()}, Node ${process.version}, nginx 1 worker on loopback, TLS 1.3 ` +
      `(ECDSA P-256), ${runs} run(s) per cell, medians (min-max)${quick ? ', QUICK: reduced counts' : ''}.`,
    '',
    '| workload | client | result (median, min-max) | CPU s | peak RSS MiB | vs undici.request: speed, CPU, RSS |',
    '|---|---|---|---|---|---|',
  ];
  for (const w of workloads) {
    const summary = {};
    for (const c of clients) {
      const rs = results[w.id]?.[c] ?? [];
      if (rs.length > 0) summary[c] = summarize(rs, (r) => figure(w, r));
    }
    out.push(...tableRows(w, summary, clients, LABEL, 'undici-request'));
  }
  console.log(out.join('\n'));
}

await main();
