#!/usr/bin/env node
// tscurl: curl's command line on the tscurl engine.
import { run } from './run.js';
import { reportShard, shardOfThread } from './threads.js';

// A --workers thread runs this same script on its part of the URLs.
const shard = shardOfThread();
run(shard?.args ?? process.argv.slice(2), shard?.tscurlShard).then(
  (code) => {
    if (shard !== undefined) reportShard(code);
    else process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(
      `tscurl: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 2;
  },
);
