// Every ```ts block of docs/simulator.md is a complete program; each one runs here as written
// (with `tscurl` and `tscurl/sim` mapped to the sources) and must exit 0.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundlePrograms } from '../helpers/bundle.js';
import { runNodeAsync, runTsAsync } from './run-fixture.js';

const doc = readFileSync(new URL('../../docs/simulator.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = mkdtempSync(join(tmpdir(), 'tscurl-sim-docs-'));
const files = blocks.map((code, i) => {
  const file = join(dir, `example-${i + 1}.mts`);
  writeFileSync(file, code);
  return file;
});
/** The examples built together by esbuild (~0.1 s a start), or undefined: each runs through tsx. */
let built: Map<string, string> | undefined;
before(() => {
  built = bundlePrograms(files, join(dir, 'built'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

// Each example is its own process: they run three at a time.
describe('docs/simulator.md examples', { concurrency: 3 }, () => {
  test('the page has runnable examples', () => {
    assert.ok(blocks.length >= 6, `${blocks.length} ts blocks`);
  });
  blocks.forEach((code, i) => {
    const title = code.split('\n').find((l) => !l.startsWith('import') && l.trim() !== '') ?? '';
    test(`example ${i + 1}: ${title.slice(0, 60)}`, async () => {
      const file = files[i]!;
      const r = built === undefined ? await runTsAsync(file) : await runNodeAsync([built.get(file)!]);
      assert.equal(r.status, 0, `example ${i + 1} failed:\n${r.stderr}\n${r.stdout}`);
    });
  });
});
