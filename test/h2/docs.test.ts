// Every ```ts block of docs/http2.md runs as written (with `tscurl` and `tscurl/sim` mapped to the
// sources) and must exit 0.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runTs } from '../sim/run-fixture.js';

const doc = readFileSync(new URL('../../docs/http2.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = mkdtempSync(join(tmpdir(), 'tscurl-h2-docs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/http2.md examples', () => {
  test('the page has runnable examples', () => {
    assert.ok(blocks.length >= 2, `${blocks.length} ts blocks`);
  });
  blocks.forEach((code, i) => {
    test(`example ${i + 1}`, () => {
      const file = join(dir, `example-${i + 1}.mts`);
      writeFileSync(file, code);
      const r = runTs(file);
      assert.equal(r.status, 0, `example ${i + 1} failed:\n${r.stderr}\n${r.stdout}`);
    });
  });
});
