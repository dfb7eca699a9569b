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
