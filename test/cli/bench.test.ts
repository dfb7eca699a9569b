// tscurl --bench: the README's main job (npm start). Runs through the real CLI entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tscurl } from './helpers.js';

function row(out: string, name: string): string {
  const m = new RegExp(`^\\| ${name} +\\| +(.*?) \\|$`, 'm').exec(out);
  assert.ok(m, `row ${name} in\n${out}`);
  return m[1]!;
}

test('--bench runs 500 transfers through one Multi and prints the summary table', async () => {
  const r = await tscurl([
    '--bench',
    '--bench-transfers',
    '500',
    '--parallel-max',
    '20',
    '--bench-size',
    '300',
  ]);
  const out = r.stdout.toString();
  assert.equal(r.code, 0, r.stderr + out);
  assert.equal(row(out, 'transfers'), '500');
  assert.equal(row(out, 'errors'), '0');
  assert.equal(row(out, 'parallel max'), '20');
  assert.equal(row(out, 'body size'), '300 B');
  assert.match(row(out, 'wall time'), /^\d+\.\d{3} s$/);
  assert.ok(Number(row(out, 'transfers/s')) > 0);
  assert.ok(Number(row(out, 'MB/s')) > 0);
  const p50 = Number.parseFloat(row(out, 'latency p50'));
  const p99 = Number.parseFloat(row(out, 'latency p99'));
  const max = Number.parseFloat(row(out, 'latency max'));
  assert.ok(p50 > 0 && p50 <= p99 && p99 <= max, out);
});

test('--bench counts failed transfers and exits non-zero', async () => {
  const r = await tscurl(['--bench', '--bench-transfers', '100', '--bench-fault-every', '10']);
  const out = r.stdout.toString();
  assert.notEqual(r.code, 0, out);
  assert.equal(row(out, 'errors'), '10');
  assert.match(out, /first error: transfer \d+: HTTP status 500, expected 200/);
});

test('tscurl --help curl documents --bench', async () => {
  const r = await tscurl(['--help', 'curl']);
  assert.equal(r.code, 0);
  assert.match(r.stdout.toString(), /--bench/);
  assert.match(r.stdout.toString(), /--bench-transfers/);
});
