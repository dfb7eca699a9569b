// Runs a docs page's TypeScript blocks as programs, each in its own process, as written (`tscurl`
// and `tscurl/sim` mapped to the sources): built together by esbuild first (builtPrograms, ~0.1 s
// a start), or through tsx when esbuild is not there.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runNodeAsync } from '../sim/run-fixture.js';
import { builtPrograms } from './bundle.js';

export interface ExampleRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The ```ts blocks (or ```ts example blocks, with `marker`) of a page under docs/. */
export function docBlocks(page: string, marker = 'ts'): string[] {
  const text = readFileSync(new URL(`../../${page}`, import.meta.url), 'utf8');
  const open = marker.replaceAll(' ', '[ ]');
  return [...text.matchAll(new RegExp(`\`\`\`${open}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

/**
 * `sources` written to files and built once (builtPrograms); the function returned runs the i-th.
 */
export function examplePrograms(sources: readonly string[]): (i: number) => Promise<ExampleRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tscurl-examples-'));
  const files = sources.map((code, i) => {
    const file = join(dir, `example-${i + 1}.mts`);
    writeFileSync(file, code);
    return file;
  });
  const args = builtPrograms(files);
  after(() => rmSync(dir, { recursive: true, force: true }));
  return (i) => runNodeAsync(args(files[i]!));
}

/**
 * One test per block of `page`, to be called inside the test file's own describe (so the runner's
 * timings name that file; `{ concurrency: 3 }` runs three processes at a time): each must exit 0,
 * and `check`, if given, says what else its output must show.
 */
export function docExampleTests(
  page: string,
  options: {
    marker?: string;
    minBlocks: number;
    title?: (code: string, i: number) => string;
    check?: (r: ExampleRun) => void;
  },
): void {
  const blocks = docBlocks(page, options.marker);
  const run = examplePrograms(blocks);
  test('the page has runnable examples', () => {
    assert.ok(blocks.length >= options.minBlocks, `${blocks.length} ts blocks`);
  });
  blocks.forEach((code, i) => {
    test(options.title?.(code, i) ?? `example ${i + 1}`, async () => {
      const r = await run(i);
      assert.equal(r.status, 0, `example ${i + 1} failed:\n${r.stderr}\n${r.stdout}`);
      options.check?.(r);
    });
  });
}
