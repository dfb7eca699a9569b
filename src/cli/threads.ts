// tscurl -Z --workers N: the command line runs in N worker threads, each with its own Multi, each
// taking every Nth URL of the (lazily globbed) list, with --parallel-max split between them so the
// total concurrency stays what was asked. A thread runs the program's own main script (so a
// bundled tscurl works too) and knows its part from workerData. Output and -w lines go to this
// process's stdout as the threads write them (parallel mode's order is completion order anyway);
// the progress meter is off. The exit code is the last failure's, as in parallel mode.
import { pathToFileURL } from 'node:url';
import { startThread } from '../api/workers/start.js';
import type { Global } from './config.js';

/** Which URLs of the list one worker thread takes, and its share of --parallel-max. */
export interface Shard {
  index: number;
  of: number;
  parallelMax: number;
}

/**
 * Set in a shard thread's environment, so that a plain run can tell it is not one without loading
 * node:worker_threads at start-up.
 */
const SHARD_ENV = 'TSCURL_SHARD_THREAD';

interface ShardData {
  tscurlShard: Shard;
  args: string[];
}

export function runInThreads(args: string[], g: Global): Promise<number> {
  const n = Math.min(g.workers, g.parallelMax);
  const main = pathToFileURL(process.argv[1]!);
  let exitCode = 0;
  const runs = Array.from({ length: n }, (_, index) => {
    const shard: Shard = {
      index,
      of: n,
      parallelMax: Math.floor(g.parallelMax / n) + (index < g.parallelMax % n ? 1 : 0),
    };
    return new Promise<void>((resolve) => {
      const w = startThread(main, {
        workerData: { tscurlShard: shard, args } satisfies ShardData,
        env: { ...process.env, [SHARD_ENV]: '1' },
      });
      w.on('message', (code: number) => {
        if (code !== 0) exitCode = code;
      });
      w.on('error', (e) => {
        process.stderr.write(`tscurl: worker thread ${index} failed: ${e.message}\n`);
        exitCode = 2;
      });
      w.on('exit', () => resolve());
    });
  });
  return Promise.all(runs).then(() => exitCode);
}

/** In a --workers thread: its part of the command line, else undefined. */
export function shardOfThread(): ShardData | undefined {
  if (process.env[SHARD_ENV] === undefined) return undefined;
  const { isMainThread, workerData } = process.getBuiltinModule('node:worker_threads');
  if (isMainThread) return undefined;
  const d = workerData as Partial<ShardData> | undefined;
  return d?.tscurlShard === undefined ? undefined : (d as ShardData);
}

/** Tell the main thread this thread's exit code. */
export function reportShard(code: number): void {
  process.getBuiltinModule('node:worker_threads').parentPort?.postMessage(code);
}
