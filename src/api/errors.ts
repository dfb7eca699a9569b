// Errors of the promise API. A failed transfer rejects with a TscurlError: a TypeError (the fetch
// spec rejects with TypeError on network errors) carrying libcurl's result code by name and number,
// the transfer's own message (host and phase), who is at fault, and the engine error as `cause`.
import { CurlCode as Codes, type CurlCodeName, curlCodeName, curlStrerror } from '../core/codes.js';
import { type FaultSide, type Phase, TransferError } from '../core/errors.js';
import type { Easy } from '../multi/easy.js';

// A brand instead of plain instanceof, so that errors from another copy of the package (or another
// realm) still match (undici's errors.js does the same with Symbol.for).
const brand = Symbol.for('tscurl.error');

export interface TscurlErrorOptions {
  cause?: unknown;
  side?: FaultSide | undefined;
  phase?: Phase | undefined;
  host?: string | undefined;
}

export class TscurlError extends TypeError {
  override readonly name = 'TscurlError';
  /** The CurlCode name, e.g. 'COULDNT_CONNECT'. */
  readonly code: CurlCodeName | `UNKNOWN_${number}`;
  /** The CurlCode number, e.g. 7 (what curl's exit code would be). */
  readonly curlCode: number;
  /** Who is at fault: 'local' (options, callbacks, abort), 'remote' (the server) or 'transport'. */
  readonly side: FaultSide;
  /** The transfer phase the failure happened in, when known. */
  readonly phase: Phase | undefined;
  /** 'host:port' the transfer was for, when known. */
  readonly host: string | undefined;
  declare readonly [brand]: true;

  constructor(curlCode: number, message: string, options: TscurlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.curlCode = curlCode;
    this.code = curlCodeName(curlCode) as CurlCodeName;
    this.side = options.side ?? 'local';
    this.phase = options.phase;
    this.host = options.host;
    Object.defineProperty(this, brand, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/** The rejection for a transfer that ended with `result`: its message names the host and phase. */
export function transferFailure(easy: Easy, result: number, host: string): TscurlError {
  const engineError = easy.error;
  const te = engineError instanceof TransferError ? engineError : undefined;
  const base = easy.errorBuffer !== '' ? easy.errorBuffer : curlStrerror(result);
  const phase = te?.phase;
  const where = phase === undefined ? `host ${host}` : `host ${host}, phase ${phase}`;
  return new TscurlError(result, `${base} (${where})`, {
    cause: engineError ?? undefined,
    side: te?.side,
    phase,
    host,
  });
}

/** A local usage error (bad argument) raised before any transfer starts. */
export function badArgument(message: string, cause?: unknown): TscurlError {
  return new TscurlError(Codes.BAD_FUNCTION_ARGUMENT, message, { cause, phase: 'setup' });
}
