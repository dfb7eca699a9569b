#!/usr/bin/env node
// Runs the test suite with Node's own test runner, loading TypeScript through tsx.
// Unit tests live in test/**/*.test.ts; the interop suite (real Debian-packaged servers)
// in test/interop/**/*.test.ts and runs with --interop.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

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
// A hung test fails after 120 s instead of eating CI's time budget. Beside node:test's own spec
// output (whose closing "ℹ pass N" lines CI adds up), a second reporter collects the summary
// printed at the end.
const runDir = mkdtempSync(join(tmpdir(), 'tscurl-tests-'));
const summaryFile = join(runDir, 'summary.json');
// The test processes get a temp dir of this run's own (TMPDIR), removed at the end. tsx keeps its
// transform cache in the temp dir, and every process that adds an entry lists the whole cache in
// the background to expire old entries: in a shared /tmp that grew to thousands of entries, that
// listing (and collecting its promises' garbage) cost ~100 ms of CPU in the middle of tests that
// measure the process's CPU while it waits. A cache of this run's files only stays small.
// Servers the interop suite starts drop privileges (squid runs as 'proxy') and must reach their
// files under it, so the dir is open as /tmp is: traversable, world-writable with the sticky bit.
const testTmp = join(runDir, 'tmp');
mkdirSync(testTmp);
chmodSync(runDir, 0o755);
chmodSync(testTmp, 0o1777);
const started = Date.now();
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-timeout=120000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${pathToFileURL(join(import.meta.dirname, 'test-summary-reporter.mjs')).href}`,
    `--test-reporter-destination=${summaryFile}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, TMPDIR: testTmp } },
);
printSummary((Date.now() - started) / 1000);
rmSync(runDir, { recursive: true, force: true });
process.exit(r.status ?? 1);

function printSummary(seconds) {
  let summary;
  try {
    summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  } catch {
    return; // the runner died before reporting: its own output says why
  }
  const { totals, files: times, failed } = summary;
  const cwd = `${process.cwd()}/`;
  const slowest = Object.entries(times)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([file, ms]) => `    ${(ms / 1000).toFixed(1).padStart(6)} s  ${file.replace(cwd, '')}`);
  const lines = [
    '',
    `== summary: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped` +
      `${totals.todo > 0 ? `, ${totals.todo} todo` : ''} in ${files.length} files, ${seconds.toFixed(1)} s ==`,
    ...failed.map((f) => `  FAILED ${f.file.replace(cwd, '')}: ${f.name}`),
    '  slowest files (time in their tests):',
    ...slowest,
  ];
  console.log(lines.join('\n'));
}
