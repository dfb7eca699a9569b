#!/usr/bin/env node
// Fuzzes the protocol codecs for a given time with a coverage report of src/proto:
//   node scripts/fuzz.mjs [seconds]        (FUZZ_SEED=n to replay)
// The HTTP/1 reader runs bench/fuzz/h1.fuzz.ts for `seconds`; the HTTP/2 codec its property and
// fuzz tests (test/proto/h2/*.property.test.ts). Coverage is Node's --experimental-test-coverage,
// filtered to the codec files.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const seconds = process.argv[2] ?? '20';
const files = ['bench/fuzz/h1.fuzz.ts'];
if (existsSync('test/proto/h2')) {
  for (const f of readdirSync('test/proto/h2'))
    if (f.endsWith('.property.test.ts')) files.push(`test/proto/h2/${f}`);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--experimental-test-coverage', '--test-reporter=spec', ...files],
  { env: { ...process.env, FUZZ_SECONDS: seconds }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
const out = `${r.stdout}${r.stderr}`;
const lines = out.split('\n');
// Test results and fuzz counts, then the coverage table's header and the codec rows.
for (const l of lines) {
  if (/^(✔|✖|ℹ (tests|pass|fail))|fuzz:|seed/.test(l.trim())) console.log(l);
}
let inTable = false;
for (const l of lines) {
  if (l.includes('start of coverage report')) inTable = true;
  if (!inTable) continue;
  if (/file\s+\|\s+line %|^ℹ -+|proto[/\\](h1|h2)|all files/.test(l.replace(/^#\s*/, ''))) console.log(l);
  if (l.includes('end of coverage report')) break;
}
process.exit(r.status ?? 1);
