// Every ```ts block of docs/http2.md runs as written (with `tscurl` and `tscurl/sim` mapped to the
// sources) and must exit 0.
import { describe } from 'node:test';
import { docExampleTests } from '../helpers/doc-examples.js';

describe('docs/http2.md examples', { concurrency: 3 }, () =>
  docExampleTests('docs/http2.md', { minBlocks: 2 }),
);
