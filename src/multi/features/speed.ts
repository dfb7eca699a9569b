// Transfer speed (libcurl's speedcheck.c and Curl_pgrsLimitWaitTime): maxRecvSpeed / maxSendSpeed
// move the transfer into the ratelimiting state (no socket interest, a timer only) until its
// average is back under the limit; lowSpeedLimit + lowSpeedTime fail a transfer that stays
// slower than the limit for that long (28).
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import type { EasyOptions } from '../options.js';

/** libcurl re-checks the speed every second (EXPIRE_SPEEDCHECK). */
export const SPEED_CHECK_INTERVAL_MS = 1000;

export class SpeedState {
  /** When the body phase began (the averages count from here). */
  start = 0;
  lastCheck = 0;
  lastBytes = 0;
  /** Since when the speed has been below lowSpeedLimit (0: it is not). */
  slowSince = 0;

  reset(now: number, bytes: number): void {
    this.start = now;
    this.lastCheck = now;
    this.lastBytes = bytes;
    this.slowSince = 0;
  }
}

/** Milliseconds to wait before the averages are back under maxRecvSpeed / maxSendSpeed (0: none). */
export function rateLimitWait(
  o: EasyOptions,
  s: SpeedState,
  now: number,
  received: number,
  sent: number,
  sending: boolean,
): number {
  const elapsed = now - s.start;
  let wait = 0;
  if (o.maxRecvSpeed !== undefined && o.maxRecvSpeed > 0) {
    wait = Math.max(wait, (received * 1000) / o.maxRecvSpeed - elapsed);
  }
  if (sending && o.maxSendSpeed !== undefined && o.maxSendSpeed > 0) {
    wait = Math.max(wait, (sent * 1000) / o.maxSendSpeed - elapsed);
  }
  return wait > 0 ? Math.ceil(wait) : 0;
}

/** How far ahead of the limit a read may run, so a limited transfer wakes ~20 times a second, not per byte. */
export const RATE_LIMIT_SLACK_MS = 50;

/**
 * Bytes that may be taken from the socket now while keeping the average under maxRecvSpeed
 * (Infinity without a limit, at least 1). The rest of a larger read waits for the next wake-up,
 * so what is read is delivered at the limited pace and nothing read is held through a sleep.
 */
export function recvAllowance(o: EasyOptions, s: SpeedState, now: number, received: number): number {
  const limit = o.maxRecvSpeed ?? 0;
  if (limit <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(1, Math.floor(((now - s.start + RATE_LIMIT_SLACK_MS) * limit) / 1000) - received);
}

/**
 * The low-speed check; returns when to check next (undefined: not enabled). Throws 28 when the
 * speed stayed under the limit for lowSpeedTime seconds.
 */
export function checkLowSpeed(o: EasyOptions, s: SpeedState, now: number, bytes: number): number | undefined {
  const limit = o.lowSpeedLimit ?? 0;
  const time = o.lowSpeedTime ?? 0;
  if (limit <= 0 || time <= 0) return undefined;
  const span = now - s.lastCheck;
  if (span < SPEED_CHECK_INTERVAL_MS) return s.lastCheck + SPEED_CHECK_INTERVAL_MS;
  const speed = ((bytes - s.lastBytes) * 1000) / span;
  s.lastCheck = now;
  s.lastBytes = bytes;
  if (speed >= limit) {
    s.slowSince = 0;
  } else {
    if (s.slowSince === 0) s.slowSince = now - span;
    if (now - s.slowSince >= time * 1000) {
      throw new TransferError(
        CurlCode.OPERATION_TIMEDOUT,
        `Operation too slow. Less than ${limit} bytes/sec transferred the last ${time} seconds`,
        { side: 'remote', phase: 'timeout' },
      );
    }
  }
  return now + SPEED_CHECK_INTERVAL_MS;
}
