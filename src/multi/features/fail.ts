// CURLOPT_FAILONERROR (libcurl's http_should_fail in http.c): a final response >= 400 ends the
// transfer with 22 once its header lines were handed over, before any body byte is written. The
// exceptions: a 416 to a resumed GET, and a 401 / 407 that authentication is still working on.
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import type { EasyOptions } from '../options.js';

export interface FailContext {
  /** The request resumes a download (resumeFrom) with GET. */
  resumedGet: boolean;
  /** Credentials were given for the server (401 then belongs to the auth exchange). */
  hasUser: boolean;
  /** Authentication gave up (libcurl's state.authproblem). */
  authProblem: boolean;
}

export function httpShouldFail(o: EasyOptions, status: number, c: FailContext): boolean {
  if (!o.failOnError || status < 400) return false;
  if (status === 416 && c.resumedGet) return false;
  if (status !== 401 && status !== 407) return true;
  // 407 is for a proxy's credentials: there are no proxies yet, so it always fails.
  if (status === 407 || !c.hasUser) return true;
  return c.authProblem;
}

export function httpReturnedError(status: number): TransferError {
  return new TransferError(CurlCode.HTTP_RETURNED_ERROR, `The requested URL returned error: ${status}`, {
    side: 'remote',
    phase: 'recv',
  });
}
