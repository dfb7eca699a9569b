// The state of one request of a transfer (libcurl's SingleRequest): made fresh for every request
// the transfer sends (the first, each redirect followed, each auth round, a 417 retry, a retry on
// a dead reused connection), so nothing of one exchange leaks into the next. What the transfer
// keeps across requests (options, redirect history, auth state, info counters) lives on Transfer.
import type { Stream } from '../conn/types.js';
import type { ContentDecoder } from './features/decode/index.js';
import type { Upload } from './features/upload.js';

/**
 * What happens after this response (libcurl's FOLLOW_*): nothing ('none': the transfer is done),
 * a Location followed ('redirect': FOLLOW_REAL), or the same URL again (FOLLOW_RETRY) because a
 * 401 picked an auth method ('auth') or a 417 refused the Expect ('expect'). The body of a
 * response that is followed or retried is read and dropped, never the application's.
 */
export type FollowUp = 'none' | 'redirect' | 'auth' | 'expect';

/** The held output of a request that never held any: never written (holdOutput replaces it). */
export const NO_HELD_OUTPUT: Buffer[] = [];

export class SingleRequest {
  /** The exchange on the transfer's connection (from `do` to `done`). */
  stream: Stream | undefined;
  /** Reused a pooled connection. */
  reused = false;
  method = 'GET';
  /** A small known body that goes out right after the head, in the `doing` state. */
  initialBody: Uint8Array | undefined;
  /** The request body being sent in the performing state. */
  upload: Upload | undefined;
  /** Response bytes taken from the stream (none: a reused connection was dead). */
  responseBytes = 0;
  /** What happens after this response; decided when its head arrives. */
  follow: FollowUp = 'none';
  /** The body is not the application's (a 416 to a resume, a complete document). */
  ignoreBody = false;
  /** Decoded body bytes (what maxFileSize limits). */
  bodyBytes = 0;
  /** Content decoder (acceptEncoding set and Content-Encoding given). */
  decoder: ContentDecoder | undefined;
  /** Decoded body pieces a PAUSE held back, written first on unpause (NO_HELD_OUTPUT: none yet). */
  heldOutput: Buffer[] = NO_HELD_OUTPUT;
}

/**
 * What a transfer reads as its request before the first one is set up: never written (`setup`
 * makes each request its own record). A transfer added is not given one at once: thousands added
 * together would each hold one while waiting for their turn to start.
 */
export const NO_REQUEST_YET = new SingleRequest();
