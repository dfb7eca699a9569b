#!/usr/bin/env node
// Runs the test suite with Node's own test runner, loading TypeScript through tsx.
// Unit tests live in test/**/*.test.ts; the interop suite (real Debian-packaged servers)
// in test/interop/**/*.test.ts and runs with --interop.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const interop = process.argv.includes('--interop');
const extra = process.argv.slice(2).filter((a) => a !== '--interop');
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const all = walk('test', []).sort();
const files = extra.length > 0 ? extra : all.filter((f) => f.startsWith(join('test', 'interop')) === interop);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// A hung test fails after 120 s instead of eating CI's time budget.
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=120000', ...files],
  {
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
