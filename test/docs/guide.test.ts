// Runs every ```ts example block of the docs pages as a program: the docs stay true.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const pages = ['docs/guide.md'];

function examples(page: string): string[] {
  const text = readFileSync(join(root, page), 'utf8');
  return [...text.matchAll(/```ts example\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

for (const page of pages) {
  const blocks = examples(page);
  test(`${page} has examples`, () => assert.ok(blocks.length > 0));
  blocks.forEach((code, i) => {
    test(`${page} example ${i + 1} runs`, () => {
      const dir = mkdtempSync(join(root, '.tmp-example-'));
      try {
        const file = join(dir, 'example.ts');
        const src = code
          .replaceAll("from 'tscurl/sim'", `from '${join(root, 'src/sim.ts')}'`)
          .replaceAll("from 'tscurl'", `from '${join(root, 'src/index.ts')}'`);
        writeFileSync(file, src);
        const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
        assert.ok(r.stdout.trim().length > 0, 'the example prints something');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
