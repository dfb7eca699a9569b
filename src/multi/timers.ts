// One timer table per transfer, keyed by reason (quinn's TimerTable); the Multi keeps each
// transfer in one heap under its earliest deadline, so the multi's next deadline is O(1) and any
// change is O(log n).

export const Timer = {
  /** Run as soon as possible (libcurl's Curl_expire(data, 0)). */
  RUN_NOW: 0,
  /** CURLOPT_TIMEOUT_MS. */
  TOTAL: 1,
  /** CURLOPT_CONNECTTIMEOUT_MS. */
  CONNECT: 2,
  /** Low-speed check interval. */
  LOW_SPEED: 3,
  /** Wake-up after a rate-limit pause. */
  RATE_LIMIT: 4,
  /** Expect: 100-continue wait. */
  EXPECT_100: 5,
  /** xferInfoFunction's once-a-second call (armed only for transfers that have one). */
  PROGRESS: 6,
  /** Happy eyeballs: start the next connect attempt (RFC 8305's Connection Attempt Delay). */
  HAPPY_EYEBALLS: 7,
} as const;
export type Timer = (typeof Timer)[keyof typeof Timer];
export const TIMER_COUNT = 8;

/**
 * The longest delay the timer callback is given: Node's (and browsers') timer range, 2^31-1 ms
 * (about 24.8 days). A later deadline is announced as this; when it fires early the engine finds
 * nothing due and announces the rest, so a 3e9 ms timeout neither spins nor warns.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const NEVER = Number.POSITIVE_INFINITY;

/**
 * The slots after the deadlines in a transfer's table: its phase times (transport clock ms, NaN =
 * not reached), kept there rather than as fields, where each would be a heap box of its own.
 */
export const Time = {
  START: TIMER_COUNT,
  START_SINGLE: TIMER_COUNT + 1,
  NAMELOOKUP: TIMER_COUNT + 2,
  CONNECT: TIMER_COUNT + 3,
  APPCONNECT: TIMER_COUNT + 4,
  PRETRANSFER: TIMER_COUNT + 5,
  STARTTRANSFER: TIMER_COUNT + 6,
  END: TIMER_COUNT + 7,
  QUEUED: TIMER_COUNT + 8,
} as const;

const NOT_YET = Number.NaN;

/**
 * A plain array of doubles: a third of a Float64Array's cost to make, one per transfer. The
 * deadlines by Timer (never due), then the phase times by Time (not reached).
 */
export function newTimerTable(): number[] {
  // biome-ignore format: one slot per Timer, then one per Time
  return [NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER,
    NOT_YET, NOT_YET, NOT_YET, NOT_YET, NOT_YET, NOT_YET, NOT_YET, NOT_YET, NOT_YET];
}

/**
 * The table a transfer reads until something is written to it (`Transfer.timers()` makes its
 * own): no deadline, no phase time. Never written. A transfer added and not run yet has only its
 * RUN_NOW deadline, and that is its key in the multi's heap: the 10,000 transfers of one
 * synchronous batch of `addHandle`s hold no table (152 bytes each) until their first run.
 */
export const NO_TIMERS: number[] = newTimerTable();

export function earliest(table: number[]): number {
  let m = table[0]!;
  for (let i = 1; i < TIMER_COUNT; i++) if (table[i]! < m) m = table[i]!;
  return m;
}
