// Runs every ```ts example block of docs/guide.md as a program: the docs stay true.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { docExampleTests } from '../helpers/doc-examples.js';

describe('docs/guide.md examples', { concurrency: 3 }, () =>
  docExampleTests('docs/guide.md', {
    marker: 'ts example',
    minBlocks: 1,
    title: (_code, i) => `docs/guide.md example ${i + 1} runs`,
    check: (r) => assert.ok(r.stdout.trim().length > 0, 'the example prints something'),
  }),
);
