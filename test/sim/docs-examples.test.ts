// Every ```ts block of docs/simulator.md is a complete program; each one runs here as written
// (with `tscurl` and `tscurl/sim` mapped to the sources) and must exit 0.
import { describe } from 'node:test';
import { docExampleTests } from '../helpers/doc-examples.js';

describe('docs/simulator.md examples', { concurrency: 3 }, () =>
  docExampleTests('docs/simulator.md', {
    minBlocks: 6,
    title: (code, i) => {
      const first = code.split('\n').find((l) => !l.startsWith('import') && l.trim() !== '') ?? '';
      return `example ${i + 1}: ${first.slice(0, 60)}`;
    },
  }),
);
