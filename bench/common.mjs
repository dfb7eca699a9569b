// Helpers shared by the bench runners (run-all.mjs, tls.mjs, h2.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** Run a command to completion; resolves with its exit code, stdout and stderr. */
export function exec(cmd, argv, cwd, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s) => (err += s));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** With --help or -h: prints the script's opening comment (what it runs, its options) and exits. */
export function helpFromHeader(scriptUrl, args) {
  if (!args.includes('--help') && !args.includes('-h')) return;
  const lines = [];
  for (const line of readFileSync(new URL(scriptUrl), 'utf8').split('\n')) {
    if (!line.startsWith('//')) break;
    lines.push(line.replace(/^\/\/ ?/, ''));
  }
  console.log(lines.join('\n'));
  process.exit(0);
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

export const fmt = (v, unit) =>
  unit === 's' ? v.toFixed(2) : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);

/** One client's runs of a workload: n/a, failed, or medians of the figure, CPU s and peak RSS MiB. */
export function summarize(rs, figureOf) {
  if (rs[0].na) return { na: rs[0].na };
  if (rs.some((r) => !r.ok)) return { failed: rs.find((r) => !r.ok).firstFailure };
  const figs = rs.map(figureOf);
  return {
    fig: median(figs),
    min: Math.min(...figs),
    max: Math.max(...figs),
    cpu: median(rs.map((r) => r.cpuS)),
    rss: median(rs.map((r) => r.maxRssKiB / 1024)),
  };
}

/**
 * The table rows of one workload: `summary[client]` from summarize(), ratios to `refClient`
 * (speed inverted for a time in seconds, where lower is better).
 */
export function tableRows(w, summary, clients, labels, refClient, goalCell) {
  const out = [];
  const ref = summary[refClient];
  for (const c of clients) {
    const s = summary[c];
    if (s === undefined) continue;
    const head = `| ${w.label} (${w.count.toLocaleString('en-US')}) | ${labels[c]} |`;
    const goal = goalCell === undefined ? '' : ` ${goalCell(c)} |`;
    if (s.na) {
      out.push(`${head} n/a (${s.na}) | | | |${goal}`);
      continue;
    }
    if (s.failed) {
      out.push(`${head} **FAILED**: ${s.failed} | | | |${goal}`);
      continue;
    }
    let ratio = '';
    if (ref?.fig !== undefined) {
      ratio = `${speedRatio(w, s, ref).toFixed(2)}x, ${(s.cpu / ref.cpu).toFixed(2)}x, ${(s.rss / ref.rss).toFixed(2)}x`;
    }
    out.push(
      `${head} ${fmt(s.fig, w.unit)} ${w.unit} (${fmt(s.min, w.unit)}-${fmt(s.max, w.unit)}) | ${s.cpu.toFixed(2)} | ${Math.round(s.rss)} | ${ratio} |${goal}`,
    );
  }
  return out;
}

/** How many times faster `a` is than `b` (figures of summarize(); for a time in seconds, b over a). */
export function speedRatio(w, a, b) {
  return w.unit === 's' ? b.fig / a.fig : a.fig / b.fig;
}

/** A CA and a server certificate for 127.0.0.1 in `dir` (EC P-256, as most sites use today). */
export function makeCertificates(dir) {
  const run = (argv) => execFileSync('openssl', argv, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bench CA']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  // The SAN through an extension file (OpenSSL 3.0's x509 -req has no -addext).
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    'server.pem',
    '-extfile',
    'san.ext',
  ]);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

/**
 * The https workloads both bench/run-all.mjs and bench/tls.mjs run (W1 and W2 over TLS): path,
 * body size, transfers (before --quick's scaling), concurrency and the unit of the figure.
 */
export const HTTPS_WORKLOADS = {
  W1s: { id: 'W1s', path: '/1k.bin', size: 1024, count: 20_000, conc: 100, unit: 'req/s' },
  W2s: { id: 'W2s', path: '/100k.bin', size: 100 * 1024, count: 2_000, conc: 50, unit: 'MB/s' },
};

export const H2LOAD = '/usr/bin/h2load';

/**
 * h2load (nghttp2-client, the C anchor) over one connection with `streams` in flight, under
 * /usr/bin/time for CPU and RSS; its own "finished in" is the wall time (without its start-up).
 */
export async function runH2load(url, count, streams) {
  const t0 = performance.now();
  const r = await exec('/usr/bin/time', [
    '-f',
    'TIME %U %S %M',
    H2LOAD,
    '-n',
    String(count),
    '-c',
    '1',
    '-m',
    String(streams),
    url,
  ]);
  const wallMs = performance.now() - t0;
  const ok =
    /requests: .* (\d+) succeeded, 0 failed/.test(r.out) &&
    /(\d+) succeeded/.exec(r.out)?.[1] === String(count);
  const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.err);
  const fin = /finished in ([\d.]+)(ms|s)/.exec(r.out);
  const own = fin ? Number(fin[1]) * (fin[2] === 's' ? 1000 : 1) : wallMs;
  return {
    ok,
    wallMs: own,
    cpuS: m ? Number(m[1]) + Number(m[2]) : Number.NaN,
    maxRssKiB: m ? Number(m[3]) : Number.NaN,
    firstFailure: ok ? '' : r.out.slice(-300),
  };
}

/**
 * BENCH_CPU_PROF: a V8 CPU profile of the workload alone (not the client's imports) through the
 * inspector; returns what stops it and writes it to `file` (nothing at all without a file).
 */
export async function startCpuProfile(file) {
  if (file === undefined) return async () => {};
  const session = new (await import('node:inspector/promises')).Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
  };
}

/**
 * The 8 header fields the bench's nginx sends with a static file of `size` bytes, flat (name,
 * value, ...): what the Response-cost benches give Node's Headers.
 */
export function nginxFields(size) {
  return [
    'Server',
    'nginx/1.22.1',
    'Date',
    'Sun, 06 Dec 2026 08:00:00 GMT',
    'Content-Type',
    'application/octet-stream',
    'Content-Length',
    String(size),
    'Last-Modified',
    'Sun, 06 Dec 2026 07:00:00 GMT',
    'Connection',
    'keep-alive',
    'ETag',
    `"6932d8f0-${size.toString(16)}"`,
    'Accept-Ranges',
    'bytes',
  ];
}
