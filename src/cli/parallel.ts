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

/**
 * What to do after a transfer ended: nothing, stop adding new ones, stop and abort the others
 * (curl's wrapitup after --fail-early or a fatal error), or run it again later.
 */
export type DoneAction = undefined | 'stop' | 'abort' | { again: Easy; delayMs: number };

export interface ParallelOptions<T> {
  max: number;
  source: ParallelSource<T>;
  onDone(job: T, message: DoneMessage): DoneAction | void;
  /** Called when a transfer is added (for latency measurement and progress). */
  onStart?(job: T, easy: Easy): void;
  /**
   * After 'abort': each transfer still running (its Easy, already removed from the Multi) and
   * each one waiting to be retried (no Easy), ended here instead of in onDone.
   */
  onAbort?(job: T, easy: Easy | undefined): void;
  /** Checked after new transfers were taken: true aborts the running ones (a start that failed). */
  aborting?(): boolean;
}

/** Runs until every transfer is done; resolves after the last one. */
export function runParallel<T>(opts: ParallelOptions<T>): Promise<void> {
  return new Promise((resolve, reject) => {
    const jobs = new Map<Easy, T>();
    const waiting = new Map<NodeJS.Timeout, T>();
    let stopped = false;
    let exhausted = false;
    let finished = false;
    const finish = (e?: unknown): void => {
      if (finished) return;
      finished = true;
      for (const t of waiting.keys()) clearTimeout(t);
      driver.close();
      if (e === undefined) resolve();
      else reject(e);
    };
    const busy = (): number => jobs.size + waiting.size;
    const driver = new NodeDriver({
      // Serial transfers keep 5 idle connections, as curl's tool does there (its easy handle's
      // CURLOPT_MAXCONNECTS default); in parallel the Multi's own default applies, as with curl -Z.
      maxConnects: opts.max === 1 ? 5 : 0,
      onDone: (m) => {
        const job = jobs.get(m.easy);
        if (job === undefined) return;
        jobs.delete(m.easy);
        driver.multi.removeHandle(m.easy);
        try {
          const action = opts.onDone(job, m);
          if (action === 'stop') stopped = true;
          else if (action === 'abort') {
            stopped = true;
            abortAll();
          } else if (action !== undefined) {
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
            waiting.set(timer, job);
          }
        } catch (e) {
          finish(e);
          return;
        }
        if (advance() && busy() === 0) finish();
      },
      onError: (e) => finish(e),
    });
    // curl marks every added transfer to abort (its progress callback then fails it with 42);
    // here each is removed from the Multi at once and ended by the caller.
    const abortAll = (): void => {
      for (const [easy, job] of [...jobs]) {
        jobs.delete(easy);
        driver.multi.removeHandle(easy);
        opts.onAbort?.(job, easy);
      }
      for (const [timer, job] of [...waiting]) {
        clearTimeout(timer);
        waiting.delete(timer);
        opts.onAbort?.(job, undefined);
      }
    };
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
    // New transfers, then the caller's abort check; false when either threw (the run is over).
    const advance = (): boolean => {
      try {
        fill();
        if (!stopped && opts.aborting?.() === true) {
          stopped = true;
          abortAll();
        }
        return true;
      } catch (e) {
        finish(e);
        return false;
      }
    };
    if (advance() && busy() === 0) finish();
  });
}
