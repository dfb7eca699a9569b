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
} as const;
export type Timer = (typeof Timer)[keyof typeof Timer];
export const TIMER_COUNT = 7;

export function newTimerTable(): Float64Array {
  return new Float64Array(TIMER_COUNT).fill(Number.POSITIVE_INFINITY);
}

export function earliest(table: Float64Array): number {
  let m = table[0]!;
  for (let i = 1; i < TIMER_COUNT; i++) if (table[i]! < m) m = table[i]!;
  return m;
}
