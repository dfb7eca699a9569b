// Events and limits of the sans-I/O HTTP/1.1 codec (h11's shape: receiveData / nextEvent).
// No Node types here: bytes are Uint8Array, time is not used at all.
import type { CurlCode } from '../../core/codes.js';

/** Header fields in arrival order, names as sent (case kept), values trimmed of OWS. */
export type HeaderList = Array<[name: string, value: string]>;

/**
 * A header pair meant for many requests (the engine's Host, User-Agent and Accept): frozen, which
 * is how sharedPair tells it from a pair that is one request's own.
 */
export function sharedPairOf(name: string, value: string): [name: string, value: string] {
  return Object.freeze([name, value]) as [string, string];
}

/** The pair was made by sharedPairOf. */
export function sharedPair(pair: readonly [string, string]): boolean {
  return Object.isFrozen(pair);
}

export interface ResponseHead {
  type: 'head';
  /** 1xx interim response (100 Continue, 103 Early Hints...); 101 is final. */
  interim: boolean;
  status: number;
  reason: string;
  /**
   * 10 for HTTP/1.0, 11 for HTTP/1.1; 20 or 30 for a status line naming HTTP/2 or HTTP/3 as the
   * first response on a connection, which libcurl accepts (CURLINFO_HTTP_VERSION is mapped above).
   */
  version: 10 | 11 | 20 | 30;
  headers: HeaderList;
  /**
   * The fields flat (name, value, name, value, ...; as `headers` has them), when the reader can
   * give them without making `headers`' pairs (the HTTP/1.1 reader can). A new array each call.
   */
  flatFields?(): string[];
  /**
   * What the engine reads of every head, noted while the lines were checked so that `headers`
   * need not be built for it (set by the HTTP/1.1 reader; absent: look in `headers`).
   */
  noted?: NotedFields;
  /**
   * The raw lines of the head as received, each with its line ending as libcurl hands them to
   * CURLOPT_HEADERFUNCTION: the status line, every field line, and the final empty line.
   */
  rawLines: string[];
  /** Bytes of the head on the wire (status line to the empty line inclusive). */
  headerBytes: number;
  /** How the body is framed (after interim: the final response's framing). */
  framing: 'none' | 'length' | 'chunked' | 'close';
  /** Content-Length when framing is 'length'. */
  contentLength: number | undefined;
  /**
   * Set when Content-Length did not fit 63 bits: libcurl reads such a body until close (and a
   * CURLOPT_MAXFILESIZE fails it with "Maximum file size exceeded").
   */
  contentLengthOverflow?: boolean;
}

/**
 * Read only: a head taken from a kept one (the response reader) shares the kept head's record, so
 * one record may stand for many heads.
 */
export interface NotedFields {
  /** The value of the last Content-Type field (CURLINFO_CONTENT_TYPE); undefined: none came. */
  readonly contentType: string | undefined;
  /** A Retry-After field came (CURLINFO_RETRY_AFTER). */
  readonly retryAfter: boolean;
  /** A Last-Modified field came (CURLINFO_FILETIME). */
  readonly lastModified: boolean;
  /** A Content-Encoding field came (the body may need decoding). */
  readonly contentEncoding: boolean;
}

export interface ResponseData {
  type: 'data';
  /** A view into the received bytes (no copy); valid until the caller drops it. */
  data: Uint8Array;
}

export interface ResponseEnd {
  type: 'end';
  /** Trailer fields of a chunked body, if any. */
  trailers: HeaderList;
  /** Raw trailer lines (like rawLines), for the header callback. */
  rawTrailerLines: string[];
  /** False when the connection cannot carry another request (close-delimited, Connection: close, HTTP/1.0 without keep-alive). */
  keepAlive: boolean;
}

export type ResponseEvent = ResponseHead | ResponseData | ResponseEnd;

/** Returned by nextEvent() when more bytes (or EOF) are needed. */
export const NEED_DATA: unique symbol = Symbol('NEED_DATA');

/** Limits, libcurl's where it has one. */
export const H1_LIMITS = {
  /** All heads of one response together, interim heads included: MAX_HTTP_RESP_HEADER_SIZE. */
  maxHeaderBytes: 300 * 1024,
  /** One head line with its line ending: CURL_MAX_HTTP_HEADER (a line this long fails, 100). */
  maxHeaderLineBytes: 100 * 1024,
  /** Header fields of one response, interim heads and trailers included: MAX_HTTP_RESP_HEADER_COUNT. */
  maxHeaderCount: 5000,
  /** Chunk-size line incl. extensions (h11 allows 16 KiB for any line). */
  maxChunkLineBytes: 16 * 1024,
} as const;

/** A framing or syntax error, blamed on the peer; `code` is the CurlCode the transfer ends with. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: CurlCode;
  constructor(code: CurlCode, message: string) {
    super(message);
    this.code = code;
  }
}
