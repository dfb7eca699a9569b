// Every ```ts block of docs/simulator.md is a complete program; each one runs here as written
// (with `tscurl` and `tscurl/sim` mapped to the sources) and must exit 0.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runTsAsync } from './run-fixture.js';

const doc = readFileSync(new URL('../../docs/simulator.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = mkdtempSync(join(tmpdir(), 'tscurl-sim-docs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Each example is its own process: they run three at a time.
describe('docs/simulator.md examples', { concurrency: 3 }, () => {
  test('the page has runnable examples', () => {
    assert.ok(blocks.length >= 6, `${blocks.length} ts blocks`);
  });
  blocks.forEach((code, i) => {
    const title = code.split('\n').find((l) => !l.startsWith('import') && l.trim() !== '') ?? '';
    test(`example ${i + 1}: ${title.slice(0, 60)}`, async () => {
      const file = join(dir, `example-${i + 1}.mts`);
      writeFileSync(file, code);
      const r = await runTsAsync(file);
      assert.equal(r.status, 0, `example ${i + 1} failed:\n${r.stderr}\n${r.stdout}`);
    });
  });
});
