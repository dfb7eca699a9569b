// npm run bench: the workloads of the performance goals against private nginx servers (one worker,
// loopback), each client in its own process, the client order alternating between runs, every
// transfer checked:
//   W1-W4    plain HTTP/1.1 (bench/client.mjs)
//   W1s, W2s W1 and W2 over https (TLS 1.3, ECDSA P-256, every client verifying a throw-away CA)
//   H1, H2   cleartext HTTP/2 with prior knowledge over one connection (bench/h2-client.mjs, h2load)
// Prints one markdown table of medians (min-max), CPU seconds, peak RSS, ratios to the reference
// client (undici.request; for HTTP/2 undici's H2CClient) and, for each tscurl row with a goal,
// whether the goal is met; then the W4 scaling series, the per-event engine cost and the heap figures.
//   node bench/run-all.mjs [--quick] [--runs N] [--only W1,W3,H1] [--clients a,b] [--json FILE]
// Default 5 runs (about 12 minutes on 2 cores). --quick: 1 run and a tenth of the transfers (a smoke test, not numbers to quote).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  exec as execIn,
  fmt,
  H2LOAD,
  HTTPS_WORKLOADS,
  helpFromHeader,
  makeCertificates,
  median,
  runH2load,
  speedRatio,
  summarize,
  tableRows,
} from './common.mjs';
import { startNginx } from './nginx.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const args = process.argv.slice(2);
helpFromHeader(import.meta.url, args);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag('--quick');
const runs = Number(option('--runs') ?? (quick ? 1 : 5));
const scale = quick ? 0.1 : 1;
const only = option('--only')?.split(',');
const onlyClients = option('--clients')?.split(',');
const jsonOut = option('--json');
const loadAtStart = os.loadavg()[0];

const CURL = '/usr/bin/curl';
const TIME = '/usr/bin/time';
const hasCurl = existsSync(CURL);

const workloads = [
  {
    id: 'W1',
    label: 'W1: 1 KiB GETs, concurrency 100, keep-alive',
    path: '/1k.bin',
    size: 1024,
    count: 20_000,
    conc: 100,
    unit: 'req/s',
  },
  {
    id: 'W2',
    label: 'W2: 100 KiB GETs, concurrency 50',
    path: '/100k.bin',
    size: 100 * 1024,
    count: 2_000,
    conc: 50,
    unit: 'MB/s',
  },
  {
    id: 'W3',
    label: 'W3: one 100 MiB GET',
    path: '/big.bin',
    size: 100 * 1024 * 1024,
    count: 1,
    conc: 1,
    unit: 'MB/s',
  },
  {
    id: 'W4',
    label: 'W4: 1 KiB GETs all at once, one connection each',
    path: '/1k.bin',
    size: 1024,
    count: 10_000,
    conc: 0,
    unit: 's',
  },
  { ...HTTPS_WORKLOADS.W1s, kind: 'https', label: 'W1s: W1 over https' },
  { ...HTTPS_WORKLOADS.W2s, kind: 'https', label: 'W2s: W2 over https' },
  {
    id: 'H1',
    kind: 'h2',
    label: 'H1: 1 KiB GETs over one h2c connection, 100 streams',
    path: '/1k.bin',
    size: 1024,
    count: 10_000,
    conc: 100,
    unit: 'req/s',
  },
  {
    id: 'H2',
    kind: 'h2',
    label: 'H2: one 100 MiB GET over h2c',
    path: '/big.bin',
    size: 100 * 1024 * 1024,
    count: 1,
    conc: 1,
    unit: 'MB/s',
  },
]
  .map((w) => ({ kind: 'http', ...w }))
  .filter((w) => only === undefined || only.includes(w.id));
for (const w of workloads) if (w.count > 1) w.count = Math.round(w.count * scale);

// In-process clients run bench/client.mjs ('-h2' ones bench/h2-client.mjs); 'tscurl-cli', 'curl'
// and 'h2load' are commands under /usr/bin/time.
const CLIENTS = {
  http: [
    'tscurl-multi',
    'tscurl-multi-reuse',
    'tscurl-driver',
    'tscurl-request',
    'tscurl-fetch',
    'tscurl-cli',
    'undici-request',
    'undici-fetch',
    'node-http',
    'node-fetch',
    ...(hasCurl ? ['curl'] : []),
  ],
  https: [
    'tscurl-multi',
    'tscurl-multi-reuse',
    'tscurl-driver',
    'tscurl-request',
    'undici-request',
    'node-http',
    ...(hasCurl ? ['curl'] : []),
  ],
  h2: ['tscurl-h2', 'undici-h2', 'node-http2', ...(existsSync(H2LOAD) ? ['h2load'] : [])],
};
/** The client every ratio of a kind is to. */
const REFERENCE = { http: 'undici-request', https: 'undici-request', h2: 'undici-h2' };
/** Clients measured only in some workloads (the opt-in receive-buffer reuse: the bulk bodies). */
const ONLY_IN = { 'tscurl-multi-reuse': ['W2', 'W3', 'W2s'] };
const clientsOf = (w) =>
  CLIENTS[w.kind].filter(
    (c) => (onlyClients === undefined || onlyClients.includes(c)) && (ONLY_IN[c]?.includes(w.id) ?? true),
  );
const LABEL = {
  'tscurl-multi': 'tscurl Multi (app loop)',
  'tscurl-multi-reuse': 'tscurl Multi, reuseReceiveBuffer',
  'tscurl-driver': 'tscurl NodeDriver',
  'tscurl-request': 'tscurl request()',
  'tscurl-fetch': 'tscurl fetch()',
  'tscurl-cli': 'tscurl CLI -Z',
  'undici-request': 'undici.request',
  'undici-fetch': 'undici fetch',
  'node-http': 'node:http keep-alive',
  'node-fetch': "Node's fetch",
  curl: 'curl --parallel',
  'tscurl-h2': 'tscurl NodeDriver (h2)',
  'undici-h2': 'undici H2CClient',
  'node-http2': 'node:http2',
  h2load: 'h2load (nghttp2, C)',
};
const HTTPS_LABEL = { ...LABEL, 'node-http': 'node:https keep-alive' };
const labelsOf = (w) => (w.kind === 'https' ? HTTPS_LABEL : LABEL);

/**
 * The goals, per workload and tscurl client: each check compares the client with another one of
 * the same run: 'speed' at least `x` times its figure (more than, with `strict`), 'cpu' and 'rss'
 * at most `x` times its CPU seconds or peak RSS (same work, so CPU per request or per byte).
 */
const check = (metric, x, vs, strict = false) => ({ metric, x, vs, strict });
const W1_ENGINE = [check('speed', 2, 'undici-request'), check('cpu', 0.5, 'undici-request')];
const BULK = [
  check('speed', 1, 'node-http'),
  check('speed', 1.5, 'undici-request'),
  check('cpu', 1, 'node-http'),
];
const W4_GOAL = [
  check('speed', 1, 'node-http', true),
  check('speed', 1, 'undici-request', true),
  check('rss', 0.7, 'undici-request'),
];
const HTTPS_GOAL = [check('speed', 1.25, 'undici-request')];
const forApis = (checks) =>
  Object.fromEntries(
    ['tscurl-multi', 'tscurl-driver', 'tscurl-request', 'tscurl-fetch'].map((c) => [c, checks]),
  );
const GOALS = {
  W1: {
    'tscurl-multi': W1_ENGINE,
    'tscurl-driver': W1_ENGINE,
    'tscurl-request': [check('speed', 1.3, 'undici-request')],
    'tscurl-fetch': [check('speed', 2, 'node-fetch'), check('speed', 1.5, 'undici-fetch')],
  },
  W2: { ...forApis(BULK), 'tscurl-multi-reuse': BULK },
  W3: { ...forApis(BULK), 'tscurl-multi-reuse': BULK },
  W4: forApis(W4_GOAL),
  W1s: forApis(HTTPS_GOAL),
  W2s: { ...forApis(HTTPS_GOAL), 'tscurl-multi-reuse': HTTPS_GOAL },
  H1: { 'tscurl-h2': [check('speed', 1.5, 'undici-h2'), check('speed', 1, 'node-http2')] },
};

/** The goal cell of client `c` in workload `w`: met / not met, then each check with its ratio. */
function goalCell(w, summary, c) {
  const checks = GOALS[w.id]?.[c];
  if (checks === undefined) return '';
  const s = summary[c];
  const labels = labelsOf(w);
  const parts = [];
  let met = s?.fig !== undefined;
  for (const k of checks) {
    const other = summary[k.vs];
    const what =
      k.metric === 'speed'
        ? k.strict && k.x === 1
          ? `faster than ${labels[k.vs]}`
          : `>= ${k.x}x ${labels[k.vs]}`
        : `${k.metric === 'cpu' ? 'CPU' : 'RSS'} <= ${k.x}x ${labels[k.vs]}`;
    if (s?.fig === undefined || other?.fig === undefined) {
      met = false;
      parts.push(`${what}: not measured`);
      continue;
    }
    const r =
      k.metric === 'speed'
        ? speedRatio(w, s, other)
        : k.metric === 'cpu'
          ? s.cpu / other.cpu
          : s.rss / other.rss;
    const ok = k.metric === 'speed' ? (k.strict ? r > k.x : r >= k.x) : r <= k.x;
    if (!ok) met = false;
    parts.push(`${what}: ${r.toFixed(2)}x ${ok ? 'yes' : 'NO'}`);
  }
  return `${met ? '**met**' : '**not met**'} (${parts.join('; ')})`;
}
const isCommand = (c) => c === 'tscurl-cli' || c === 'curl';

const exec = (cmd, argv) => execIn(cmd, argv, repo);

/** The CLI and curl: URL glob for the count, -w per transfer for the checks, /usr/bin/time for CPU and RSS. */
async function runCommand(client, w, url, ca) {
  if (w.conc === 0) return { na: 'parallel mode caps concurrency at 300' };
  const target = w.count > 1 ? `${url}?[1-${w.count}]` : url;
  const common = [
    ...(ca === undefined ? [] : ['--cacert', ca]),
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{size_download}\\n',
  ];
  const parallel = w.count > 1 ? ['-Z', '--parallel-max', String(w.conc)] : [];
  const argv =
    client === 'curl'
      ? [CURL, ...parallel, ...common, target]
      : [process.execPath, join(repo, 'dist/bin/tscurl.cjs'), ...parallel, ...common, target];
  const t0 = performance.now();
  const r = await exec(TIME, ['-f', 'TIME %e %U %S %M', ...argv]);
  const wallMs = performance.now() - t0;
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.err);
  let failures = 0;
  let firstFailure = '';
  let done = 0;
  let bytes = 0;
  for (const line of r.out.split('\n')) {
    if (line === '') continue;
    done++;
    const [status, got] = line.split(' ').map(Number);
    bytes += got;
    if (status !== 200 || got !== w.size) {
      failures++;
      if (firstFailure === '') firstFailure = `status ${status}, ${got} bytes`;
    }
  }
  if (done !== w.count) {
    failures++;
    firstFailure ||= `${done} of ${w.count} transfers reported (exit ${r.code})`;
  }
  if (r.code !== 0) {
    failures++;
    firstFailure ||= `exit code ${r.code}`;
  }
  if (m === null) return { ok: false, firstFailure: `no /usr/bin/time line: ${r.err.slice(-300)}` };
  return {
    ok: failures === 0,
    failures,
    firstFailure,
    wallMs,
    cpuS: Number(m[2]) + Number(m[3]),
    maxRssKiB: Number(m[4]),
    bytes,
  };
}

/** One run of `client` on `w` against `server` ({ baseUrl, ca }), in a process of its own. */
async function runOne(client, w, server, count = w.count) {
  const url = `${server.baseUrl}${w.path}`;
  if (client === 'h2load') return runH2load(url, count, w.conc);
  if (isCommand(client)) return runCommand(client, w, url, server.ca);
  const h2 = w.kind === 'h2';
  const argv = [
    join(here, h2 ? 'h2-client.mjs' : 'client.mjs'),
    h2 ? client.replace(/-h2$/, '') : client,
    url,
    String(count),
    String(w.conc),
    String(w.size),
  ];
  const env = server.ca === undefined ? process.env : { ...process.env, BENCH_CA: server.ca };
  const r = await execIn(process.execPath, argv, repo, env);
  try {
    return JSON.parse(r.out.trim().split('\n').pop());
  } catch {
    return { ok: false, firstFailure: `exit ${r.code}: ${r.err.trim().split('\n').slice(-3).join(' | ')}` };
  }
}

/** The figure of merit: higher is better except for W4 (seconds). */
function figure(w, r) {
  const s = r.wallMs / 1000;
  if (w.unit === 'req/s') return w.count / s;
  if (w.unit === 'MB/s') return (w.count * w.size) / 1e6 / s;
  return s;
}

/** One nginx per kind of workload selected: plain HTTP/1.1, https (with its CA), cleartext HTTP/2. */
async function startServers(tmp) {
  const servers = {};
  const kinds = new Set(workloads.map((w) => w.kind));
  // W4 scaling, memory.mjs and the per-event cost run whatever was selected; memory.mjs needs http.
  kinds.add('http');
  try {
    if (kinds.has('http')) servers.http = await startNginx();
    if (kinds.has('https')) {
      const certs = makeCertificates(tmp);
      servers.https = { ...(await startNginx({ tls: certs })), ca: certs.ca };
    }
    if (kinds.has('h2')) servers.h2 = await startNginx({ listenParams: 'http2' });
  } catch (e) {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    throw e;
  }
  return servers;
}

async function main() {
  const started = performance.now();
  const tmp = mkdtempSync(join(os.tmpdir(), 'tscurl-bench-certs-'));
  const servers = await startServers(tmp);
  const server = servers.http;
  // Interrupted (Ctrl-C, kill): the servers and their temp dirs go too.
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, async () => {
      await Promise.all(Object.values(servers).map((s) => s.stop()));
      rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    });
  }
  const results = {}; // results[w.id][client] = [run results]
  const scaling = {}; // scaling[n] = [run results] (tscurl Multi)
  try {
    for (let run = 0; run < runs; run++) {
      for (const w of workloads) {
        // Alternate the order: rotate by the run number, reversed on odd runs.
        const clients = clientsOf(w);
        if (clients.length === 0) continue;
        const k = run % clients.length;
        let order = [...clients.slice(k), ...clients.slice(0, k)];
        if (run % 2 === 1) order = order.reverse();
        for (const c of order) {
          const r = await runOne(c, w, servers[w.kind]);
          ((results[w.id] ??= {})[c] ??= []).push(r);
          const state = r.na
            ? 'n/a'
            : r.ok
              ? `${fmt(figure(w, r), w.unit)} ${w.unit}`
              : `FAILED ${r.firstFailure}`;
          process.stderr.write(`run ${run + 1}/${runs} ${w.id} ${c}: ${state}\n`);
        }
        if (w.id === 'W4' && clients.includes('tscurl-multi')) {
          for (const n of [1_250, 2_500, 5_000].map((x) => Math.round(x * scale))) {
            const r = await runOne('tscurl-multi', w, server, n);
            (scaling[n] ??= []).push(r);
            process.stderr.write(
              `run ${run + 1}/${runs} W4 scaling ${n}: ${r.ok ? `${(r.wallMs / 1000).toFixed(2)} s` : 'FAILED'}\n`,
            );
          }
          (scaling[w.count] ??= []).push(...results.W4['tscurl-multi'].slice(-1));
        }
      }
    }
    const mem = await exec(process.execPath, ['--expose-gc', join(here, 'memory.mjs'), server.baseUrl]);
    const cost = await exec(process.execPath, ['--import', 'tsx', join(here, 'socket-action-cost.ts')]);
    print(results, scaling, mem, cost, started);
    if (jsonOut !== undefined) writeFileSync(jsonOut, JSON.stringify({ results, scaling }, null, 1));
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    rmSync(tmp, { recursive: true, force: true });
  }
}

function print(results, scaling, mem, cost, started) {
  const out = [];
  const cpu = os.cpus();
  out.push(
    `Machine: ${cpu.length} x ${cpu[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `${os.type()} ${os.release()}, Node ${process.version}, nginx 1 worker on loopback; ` +
      `${runs} run(s) per cell, medians (min-max)${quick ? ', QUICK: reduced counts' : ''}.`,
  );
  // Other processes' load moves wall-clock figures; the 1-minute load average says how much.
  out.push(
    `Load average (1 min): ${loadAtStart.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end.`,
  );
  out.push('');
  out.push(
    'Ratios are to the reference client of the same run: undici.request for HTTP/1.1 and https, ' +
      "undici's H2CClient for HTTP/2. https: TLS 1.3, ECDSA P-256. HTTP/2: cleartext, prior knowledge, one connection.",
  );
  out.push('');
  out.push(
    '| workload | client | result (median, min-max) | CPU s | peak RSS MiB | vs reference: speed, CPU, RSS | goal |',
  );
  out.push('|---|---|---|---|---|---|---|');
  for (const w of workloads) {
    const byClient = results[w.id] ?? {};
    const summary = {};
    const clients = clientsOf(w);
    for (const c of clients) {
      const rs = byClient[c] ?? [];
      if (rs.length > 0) summary[c] = summarize(rs, (r) => figure(w, r));
    }
    out.push(
      ...tableRows(w, summary, clients, labelsOf(w), REFERENCE[w.kind], (c) => goalCell(w, summary, c)),
    );
  }
  const ns = Object.keys(scaling)
    .map(Number)
    .sort((a, b) => a - b);
  if (ns.length > 0) {
    out.push('');
    out.push('W4 scaling, tscurl Multi (all at once, one connection each):');
    out.push('');
    out.push('| transfers | wall s (median) | peak RSS MiB | ratio to the previous |');
    out.push('|---|---|---|---|');
    let prev;
    for (const n of ns) {
      const rs = scaling[n];
      if (rs.some((r) => !r.ok)) {
        out.push(`| ${n.toLocaleString('en-US')} | FAILED | | |`);
        prev = undefined;
        continue;
      }
      const s = median(rs.map((r) => r.wallMs / 1000));
      const rss = median(rs.map((r) => r.maxRssKiB / 1024));
      out.push(
        `| ${n.toLocaleString('en-US')} | ${s.toFixed(2)} | ${Math.round(rss)} | ${prev ? (s / prev).toFixed(2) : ''} |`,
      );
      prev = s;
    }
  }
  out.push('');
  out.push('Per-event engine cost (bench/socket-action-cost.ts):');
  out.push('');
  out.push(cost.code === 0 ? cost.out.trim() : `failed: ${cost.err.trim()}`);
  out.push('');
  try {
    const m = JSON.parse(mem.out.trim());
    out.push(
      `Heap per idle pending transfer: ${Math.round(m.pendingBytes).toLocaleString('en-US')} bytes ` +
        `(${m.nPending.toLocaleString('en-US')} pending); per idle pooled connection: ` +
        `${Math.round(m.pooledBytes).toLocaleString('en-US')} bytes (${m.pooledIdle.toLocaleString('en-US')} idle) ` +
        `(bench/memory.mjs, JS heap after full GCs).`,
    );
  } catch {
    out.push(`memory figures failed: ${mem.err.trim()}`);
  }
  out.push('');
  out.push(`Bench wall time: ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  console.log(out.join('\n'));
}

await main();
