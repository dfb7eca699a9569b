// CURLOPT_XFERINFOFUNCTION (libcurl's progress.c, pgrsupdate): with noProgress false the callback
// gets (dlTotal, dlNow, ulTotal, ulNow) whenever a run of the transfer moved a counter, and at
// least once a second while it runs (the PROGRESS timer, armed only for transfers that have the
// callback), and once more when it is done. A non-zero / true return or a throw aborts with 42.
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import type { EasyOptions } from '../options.js';

/** CURL_PROGRESSFUNC_CONTINUE: go on (libcurl would also show its own meter; we have none). */
export const PROGRESSFUNC_CONTINUE = 0x10000001;

/** libcurl calls the progress callback at least this often while nothing moves. */
export const PROGRESS_INTERVAL_MS = 1000;

export class ProgressState {
  /** Transport time of the last call (NaN: never called). */
  lastCall = Number.NaN;
  private readonly last = [-1, -1, -1, -1];

  /** True when the counters differ from the ones last reported (and remembers them). */
  changed(dlTotal: number, dlNow: number, ulTotal: number, ulNow: number): boolean {
    const l = this.last;
    if (l[0] === dlTotal && l[1] === dlNow && l[2] === ulTotal && l[3] === ulNow) return false;
    l[0] = dlTotal;
    l[1] = dlNow;
    l[2] = ulTotal;
    l[3] = ulNow;
    return true;
  }
}

/** The callback is used only when set and noProgress is false (libcurl's default is true). */
export function progressEnabled(o: EasyOptions): boolean {
  return o.xferInfoFunction !== undefined && o.noProgress === false;
}

export interface ProgressCounters {
  /** Expected download size (0 when unknown, as libcurl). */
  dlTotal: number;
  dlNow: number;
  ulTotal: number;
  ulNow: number;
}

/**
 * Call the callback if the counters moved, a second went by, or `force`; returns when it wants
 * to be called next (the PROGRESS deadline). Throws 42 when the callback says stop.
 */
export function reportProgress(
  o: EasyOptions,
  self: unknown,
  s: ProgressState,
  c: ProgressCounters,
  now: number,
  force: boolean,
): number {
  const moved = s.changed(c.dlTotal, c.dlNow, c.ulTotal, c.ulNow);
  const due = Number.isNaN(s.lastCall) || now - s.lastCall >= PROGRESS_INTERVAL_MS;
  if (moved || due || force) {
    s.lastCall = now;
    const fn = o.xferInfoFunction!;
    let r: ReturnType<typeof fn>;
    try {
      r = fn.call(self, c.dlTotal, c.dlNow, c.ulTotal, c.ulNow);
    } catch (cause) {
      throw new TransferError(
        CurlCode.ABORTED_BY_CALLBACK,
        `Callback aborted: xferInfoFunction threw: ${String(cause)}`,
        {
          phase: 'callback',
          cause,
        },
      );
    }
    if (r === true || (typeof r === 'number' && r !== 0 && r !== PROGRESSFUNC_CONTINUE)) {
      throw new TransferError(CurlCode.ABORTED_BY_CALLBACK, 'Callback aborted', { phase: 'callback' });
    }
  }
  return s.lastCall + PROGRESS_INTERVAL_MS;
}
