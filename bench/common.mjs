// Helpers shared by the bench runners (run-all.mjs, tls.mjs).
import { spawn } from 'node:child_process';

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
export function tableRows(w, summary, clients, labels, refClient) {
  const out = [];
  const ref = summary[refClient];
  for (const c of clients) {
    const s = summary[c];
    if (s === undefined) continue;
    const head = `| ${w.label} (${w.count.toLocaleString('en-US')}) | ${labels[c]} |`;
    if (s.na) {
      out.push(`${head} n/a (${s.na}) | | | |`);
      continue;
    }
    if (s.failed) {
      out.push(`${head} **FAILED**: ${s.failed} | | | |`);
      continue;
    }
    let ratio = '';
    if (ref?.fig !== undefined) {
      const speed = w.unit === 's' ? ref.fig / s.fig : s.fig / ref.fig;
      ratio = `${speed.toFixed(2)}x, ${(s.cpu / ref.cpu).toFixed(2)}x, ${(s.rss / ref.rss).toFixed(2)}x`;
    }
    out.push(
      `${head} ${fmt(s.fig, w.unit)} ${w.unit} (${fmt(s.min, w.unit)}-${fmt(s.max, w.unit)}) | ${s.cpu.toFixed(2)} | ${Math.round(s.rss)} | ${ratio} |`,
    );
  }
  return out;
}
