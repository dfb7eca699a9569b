import {
  type CurlCode,
  curlCodeName,
  type MultiCode,
  multiCodeName,
  multiStrerror,
  type ProxyCode,
} from './codes.js';

/** Who is at fault for a failed transfer (h11's Local/RemoteProtocolError split). */
export type FaultSide = 'local' | 'remote' | 'transport';

/** Where in the transfer something failed; named in every message. */
export type Phase =
  | 'setup'
  | 'resolve'
  | 'connect'
  | 'tls'
  | 'proxy'
  | 'send'
  | 'recv'
  | 'callback'
  | 'timeout'
  | 'decode';

/**
 * A transfer failure: the CurlCode it ends with, a human message (CURLOPT_ERRORBUFFER), who is at
 * fault, the phase, and the underlying cause. Thrown and caught inside the engine only; it never
 * escapes `socketAction()`: the transfer ends with it.
 */
export class TransferError extends Error {
  override readonly name = 'TransferError';
  readonly code: CurlCode;
  readonly side: FaultSide;
  readonly phase: Phase | undefined;
  /** CURLINFO_PROXY_ERROR: why a proxy handshake failed (with PROXY, 97). */
  readonly proxyCode: ProxyCode | undefined;
  constructor(
    code: CurlCode,
    message: string,
    opts: { side?: FaultSide; phase?: Phase; cause?: unknown; proxyCode?: ProxyCode } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.side = opts.side ?? 'local';
    this.phase = opts.phase;
    this.proxyCode = opts.proxyCode;
  }
  get codeName(): string {
    return curlCodeName(this.code);
  }
}

/** API misuse of a Multi (curl_multi_* returning a CURLMcode). */
export class MultiError extends Error {
  override readonly name = 'MultiError';
  readonly code: MultiCode;
  constructor(code: MultiCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? multiStrerror(code), options);
    this.code = code;
  }
  get codeName(): string {
    return multiCodeName(this.code);
  }
}

/** API misuse of an Easy handle (curl_easy_setopt & co. returning a CURLcode). */
export class EasyError extends Error {
  override readonly name = 'EasyError';
  readonly code: CurlCode;
  constructor(code: CurlCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  get codeName(): string {
    return curlCodeName(this.code);
  }
}
