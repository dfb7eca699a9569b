// Keeps up to `max` transfers running on one Multi, pulling new ones from a lazy source as
// others finish (curl's parallel mode, tool_operate.c add_parallel_transfers). Finished handles are
// removed and dropped at once, so memory follows `max`, not the number of transfers done. Serial
// mode is the same loop with max = 1.
import { NodeDriver } from '../api/driver.js';
import type { Easy } from '../multi/easy.js';
import type { DoneMessage } from '../multi/multi.js';

export interface ParallelSource<T> {
  /** The next transfer to start, or undefined when there are no more. */
  next(): { easy: Easy; job: T } | undefined;
}

/** What to do after a transfer ended: nothing, stop adding new ones, or run it again later. */
export type DoneAction = undefined | 'stop' | { again: Easy; delayMs: number };

export interface ParallelOptions<T> {
  max: number;
  source: ParallelSource<T>;
  onDone(job: T, message: DoneMessage): DoneAction | void;
  /** Called when a transfer is added (for latency measurement and progress). */
  onStart?(job: T, easy: Easy): void;
}

/** Runs until every transfer is done; resolves after the last one. */
export function runParallel<T>(opts: ParallelOptions<T>): Promise<void> {
  return new Promise((resolve, reject) => {
    const jobs = new Map<Easy, T>();
    const waiting = new Set<NodeJS.Timeout>();
    let stopped = false;
    let exhausted = false;
    let finished = false;
    const finish = (e?: unknown): void => {
      if (finished) return;
      finished = true;
      for (const t of waiting) clearTimeout(t);
      driver.close();
      if (e === undefined) resolve();
      else reject(e);
    };
    const busy = (): number => jobs.size + waiting.size;
    const driver = new NodeDriver({
      onDone: (m) => {
        const job = jobs.get(m.easy);
        if (job === undefined) return;
        jobs.delete(m.easy);
        driver.multi.removeHandle(m.easy);
        try {
          const action = opts.onDone(job, m);
          if (action === 'stop') stopped = true;
          else if (action !== undefined) {
            const timer = setTimeout(() => {
              waiting.delete(timer);
              try {
                jobs.set(action.again, job);
                opts.onStart?.(job, action.again);
                driver.addHandle(action.again);
              } catch (e) {
                finish(e);
              }
            }, action.delayMs);
            waiting.add(timer);
          }
          fill();
        } catch (e) {
          finish(e);
          return;
        }
        if (busy() === 0) finish();
      },
      onError: (e) => finish(e),
    });
    const fill = (): void => {
      while (!stopped && !exhausted && busy() < opts.max) {
        const n = opts.source.next();
        if (n === undefined) {
          exhausted = true;
          break;
        }
        jobs.set(n.easy, n.job);
        opts.onStart?.(n.job, n.easy);
        driver.addHandle(n.easy);
      }
    };
    try {
      fill();
    } catch (e) {
      finish(e);
      return;
    }
    if (busy() === 0) finish();
  });
}
