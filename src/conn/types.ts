// The seam between transfers and protocols. A connection is a filter chain (src/filters/) plus a
// protocol session; a transfer asks the session for a stream and talks only to it: send the
// request head, send body bytes (the session frames them), take response events, abandon it.
// Everything above this seam (redirects, auth, cookies, decoding, ranges, pause, rate limits) is
// protocol-agnostic and works unchanged over HTTP/1.1 and HTTP/2 (compare undici's
// connectH1/connectH2, which return the same shape for both).
//
// Everything here is synchronous and readiness-driven: a call completes or says it would block,
// and the connection's poll interest is derived from what its streams want, through the filter
// chain (so a TLS filter can want OUT while the streams only want IN).
import type { HeaderList, NEED_DATA, ResponseData, ResponseEnd, ResponseHead } from '../proto/h1/types.js';
import type { EOF } from '../transport/types.js';

/** What a transfer wants sent: protocol-agnostic; each session encodes it its own way. */
export interface RequestHead {
  method: string;
  /** The request target (path and query), as it goes on the request line or in :path. */
  path: string;
  /** 'http' | 'https' (HTTP/2's :scheme). */
  scheme: string;
  /**
   * The header list in send order, Host first (HTTP/1 sends it as a field; HTTP/2 turns it into
   * :authority). Custom headers are already applied.
   */
  headers: HeaderList;
  /**
   * A body follows (endBody() or stopBody() will be called). False: the request ends with its head
   * (HTTP/2: END_STREAM on HEADERS).
   */
  body: boolean;
  /** CURLOPT_HTTP_VERSION's HTTP/1 minor version: 10 or 11 (HTTP/2 ignores it). */
  version: 10 | 11;
  /** How the response must be read (HEAD has no body whatever the headers say). */
  responseMethod: string;
  /** CURLOPT_IGNORE_CONTENT_LENGTH. */
  ignoreContentLength: boolean;
  /** CURLOPT_HTTP_TRANSFER_DECODING off: chunked bodies handed over as received (HTTP/1 only). */
  rawChunked: boolean;
  /**
   * The response heads' raw lines are wanted (a header or debug callback); false leaves the
   * head events' `rawLines` empty (HTTP/1: no string per line). Default true.
   */
  rawLines?: boolean;
}

/** What sendHead() did, for the transfer's counters and debug output. */
export interface HeadSent {
  /** The head as it is shown to CURLOPT_DEBUGFUNCTION ('header-out') and counted in requestSize. */
  bytes: Uint8Array;
  /**
   * The session frames body bytes (HTTP/1 chunked). A framed body never rides in the same send
   * as the head: it goes out in the performing state, where the framing is written.
   */
  framedBody: boolean;
  /** Informational lines for CURLOPT_DEBUGFUNCTION ('text') before the head (HTTP/2: the stream and its fields). */
  debugText?: string[];
}

/** A response head; `version` 10, 11 (HTTP/1.x), 20 (HTTP/2) or 30 (HTTP/3). */
export type StreamHead = Omit<ResponseHead, 'version'> & { version: 10 | 11 | 20 | 30 };
/**
 * What a stream hands to its transfer, in order: zero or more interim heads (1xx), the final head,
 * data, then end (with trailers). An error is thrown (TransferError, or ProtocolError with its
 * CurlCode) from the call that met it.
 */
export type StreamEvent = StreamHead | ResponseData | ResponseEnd;

/** Result of Stream.fill(): bytes taken from the connection for this stream, would block, or EOF. */
export type FillResult = number | null | typeof EOF;

/**
 * Why the request body stops before it was all sent (the server answered first). HTTP/1 keeps the
 * connection only after an 'expectation-failed' (417) that came before any body byte went out;
 * HTTP/2 ends or resets the stream and the connection carries on either way.
 */
export type StopBodyReason = 'expectation-failed' | 'final-response';

/** The transfer a stream belongs to; opaque to the sessions (the multi knows what it is). */
export interface StreamOwner {
  readonly id: number;
}

/**
 * One request/response exchange on a connection. HTTP/1: the connection itself, one at a time;
 * HTTP/2: one stream id among many.
 */
export interface Stream {
  readonly owner: StreamOwner;
  readonly session: Session;
  /**
   * Encode and queue the request head (flush() pushes it out). Throws TransferError for a request
   * the protocol cannot carry (HTTP/1.0 with a chunked body: 25).
   */
  sendHead(head: RequestHead): HeadSent;
  /**
   * Offer request body bytes; returns how many were written to the connection (fewer than offered:
   * wait for writable and offer the rest again). Framing (chunked, DATA frames, flow control) is
   * the session's: what is returned counts payload only.
   */
  sendBody(data: Uint8Array): number;
  /** The request body is complete (HTTP/1 chunked: the last chunk; HTTP/2: END_STREAM). */
  endBody(): void;
  /** The server answered before the body was all sent: no more body bytes go out. */
  stopBody(reason: StopBodyReason): void;
  /** Push queued protocol bytes (head, framing); true once nothing of this stream waits to go out. */
  flush(): boolean;
  /** The next response event, or NEED_DATA: call fill() (and, when it would block, wait). */
  nextEvent(): StreamEvent | typeof NEED_DATA;
  /**
   * Take input for this stream from the connection, at most `maxBytes` (maxRecvSpeed: the rest of
   * a read stays in the session for the next call). HTTP/1 reads its socket; HTTP/2 reads frames,
   * queues other streams' events on them and marks those streams ready.
   */
  fill(maxBytes: number): FillResult;
  /**
   * Optional: the transfer holds no view of anything fill() took (every data event delivered and
   * let go), so the connection may receive into that memory again (TransportSocket.recycle). The
   * session passes it on only when it holds none of those bytes itself.
   */
  releaseInput?(): void;
  /**
   * What the transfer wants now: to receive (false while paused or rate limited: HTTP/2 withholds
   * WINDOW_UPDATE) and to send. The connection's poll interest is derived from this.
   */
  setInterest(recv: boolean, send: boolean): void;
  /** The response ended and the stream is finished; the connection decides if it can be reused. */
  done(): void;
  /**
   * Give the stream up before its end (error, removal, response not wanted): HTTP/1 closes the
   * connection, HTTP/2 sends RST_STREAM. Idempotent.
   */
  abandon(): void;
}

/**
 * A protocol session over one connected filter chain. Created by the factory once the chain is
 * connected (ALPN decides which one); gives streams to transfers and decides reuse.
 */
export interface Session {
  /** 'http/1.1' or 'h2' (the ALPN id). */
  readonly protocol: string;
  /** Several streams at once (HTTP/2): the pool keeps it findable while busy. */
  readonly multiplexed: boolean;
  /** A new stream for `owner`; undefined when none is free now (HTTP/1: one in use). */
  openStream(owner: StreamOwner): Stream | undefined;
  /** Streams open now. */
  readonly activeStreams: number;
  /** Whether openStream() would give a stream now (and the connection is not going away). */
  canOpenStream(): boolean;
  /** The connection may carry another request once its streams are done (keep-alive, no GOAWAY). */
  readonly reusable: boolean;
  /**
   * HTTP/1: the server answered HTTP/1.0 on this connection, so later requests on it go as
   * HTTP/1.0 (libcurl's httpversion_seen). Absent for HTTP/2.
   */
  readonly http10?: boolean;
  /**
   * The socket is ready: read what is there (HTTP/2: frames for every stream, PING, SETTINGS,
   * GOAWAY), write what is queued. HTTP/1 reads in its stream's fill() instead (it has one reader).
   */
  onSocketReady(now: number): void;
  /** Call `visit` for each stream with something to do after onSocketReady (only those run). */
  forEachReady(visit: (stream: Stream) => void): void;
  /** Poll interest for the socket (IN/OUT bits), from the streams' interest through the chain. */
  pollset(): number;
  /** An idle connection is dead when it has unread input or EOF (HTTP/2: a PING may be due). */
  isAlive(): boolean;
}
