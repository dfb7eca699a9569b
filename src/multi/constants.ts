import type { Socket } from '../transport/types.js';

/** What the socket callback asks the application to wait for (CURL_POLL_*). */
export const Poll = { NONE: 0, IN: 1, OUT: 2, INOUT: 3, REMOVE: 4 } as const;
export type Poll = (typeof Poll)[keyof typeof Poll];
/** What the socket callback is told: IN, OUT, INOUT or REMOVE (never NONE). */
export type PollWhat = 1 | 2 | 3 | 4;

/** What the application tells socketAction happened (CURL_CSELECT_*). */
export const CSelect = { IN: 1, OUT: 2, ERR: 4 } as const;
export type CSelect = (typeof CSelect)[keyof typeof CSelect];

/** socketAction(SOCKET_TIMEOUT, 0): the timer fired, or kick things off (CURL_SOCKET_TIMEOUT). */
export const SOCKET_TIMEOUT = -1 as const;
export type SocketTimeout = typeof SOCKET_TIMEOUT;

/** Returned by a write or read callback to pause that direction (CURL_WRITEFUNC_PAUSE). */
export const PAUSE = 0x10000001 as const;
export type PauseReturn = typeof PAUSE;

/** Returned by a read callback to abort the transfer (CURL_READFUNC_ABORT). */
export const READFUNC_ABORT = 0x10000000 as const;

/** easy.pause() bitmask (CURLPAUSE_*). */
export const Pause = { RECV: 1, SEND: 4, ALL: 5, CONT: 0 } as const;
export type Pause = (typeof Pause)[keyof typeof Pause];

export type { Socket };
