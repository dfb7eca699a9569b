// Events, limits and errors of the sans-I/O HTTP/2 client codec. No Node types: bytes are
// Uint8Array and time is never used (timeouts belong to the engine).
import { CurlCode } from '../../core/codes.js';
import type { HeaderList } from './hpack.js';

export type { HeaderList } from './hpack.js';

/** A response head: interim (1xx) or final. `headers` holds the regular fields, pseudo-headers removed. */
export interface H2Head {
  type: 'head';
  streamId: number;
  status: number;
  interim: boolean;
  headers: HeaderList;
  /** RFC 7541 size of the decoded list (what the header size info reports). */
  headerBytes: number;
  /** The content-length field's value (all its values agree), or -1 when there is none. */
  contentLength: number;
}

export interface H2Data {
  type: 'data';
  streamId: number;
  /** A view into received bytes (no copy). Hand its length back with consume() once taken. */
  data: Uint8Array;
}

export interface H2Trailers {
  type: 'trailers';
  streamId: number;
  headers: HeaderList;
}

/** The peer ended its side of the stream (END_STREAM after a valid response). */
export interface H2End {
  type: 'end';
  streamId: number;
}

/** The stream ended abnormally: the peer reset it, a GOAWAY left it out, or it broke a rule. */
export interface H2Reset {
  type: 'reset';
  streamId: number;
  errorCode: number;
  /** True when the peer reset it (RST_STREAM or GOAWAY), false when we did after a stream error. */
  remote: boolean;
  /** True when the server certainly did not process the request (REFUSED_STREAM, above a GOAWAY's last stream id). */
  retryable: boolean;
  message: string;
}

/** The peer's settings changed (they are applied already). */
export interface H2SettingsEvent {
  type: 'settings';
  settings: Readonly<H2PeerSettings>;
}

export interface H2Goaway {
  type: 'goaway';
  lastStreamId: number;
  errorCode: number;
  debugData: string;
}

/** A send window grew (streamId 0: the connection's): blocked uploads may continue. */
export interface H2Window {
  type: 'window';
  streamId: number;
}

export interface H2PingAck {
  type: 'ping-ack';
  payload: Uint8Array;
}

/** The peer closed the transport after every complete frame. */
export interface H2Closed {
  type: 'closed';
}

export type H2Event =
  | H2Head
  | H2Data
  | H2Trailers
  | H2End
  | H2Reset
  | H2SettingsEvent
  | H2Goaway
  | H2Window
  | H2PingAck
  | H2Closed;

export interface H2PeerSettings {
  headerTableSize: number;
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  maxHeaderListSize: number;
}

/** Limits and local settings, each with precedent. */
export const H2_LIMITS = {
  /** Our SETTINGS_MAX_HEADER_LIST_SIZE: 100 KiB, like the HTTP/1 head limit (libcurl's 100 KiB). */
  maxHeaderListSize: 100 * 1024,
  /** Compressed bytes of one header block (HEADERS + CONTINUATION); beyond the list size plus a frame. */
  maxHeaderBlockBytes: 100 * 1024 + 16384,
  /** CONTINUATION frames in one header block (nghttp2 allows 8 by default since CVE-2024-28182). */
  maxContinuationFrames: 32,
  /** Our SETTINGS_HEADER_TABLE_SIZE: the RFC default. */
  headerTableSize: 4096,
  /** Our SETTINGS_INITIAL_WINDOW_SIZE: data one stream may hold unread (libcurl uses up to 10 MiB). */
  streamWindow: 1024 * 1024,
  /** Our connection window: data all streams together may hold unread. */
  connectionWindow: 16 * 1024 * 1024,
  /** Our SETTINGS_MAX_FRAME_SIZE. */
  maxFrameSize: 16384,
  /** PING and SETTINGS acknowledgements queued and not yet taken (nghttp2's max_outbound_ack is 1000). */
  maxQueuedAcks: 1000,
  /**
   * Frames that do nothing useful (empty DATA or CONTINUATION, frames on streams long closed,
   * RST_STREAM for streams already ended): Node's http2 allows 1000 per session.
   */
  maxInvalidFrames: 1000,
} as const;

export type H2Limits = { -readonly [K in keyof typeof H2_LIMITS]: number };

/** Returned by nextEvent() when more bytes (or EOF) are needed: the same sentinel as HTTP/1's. */
export { NEED_DATA } from '../h1/types.js';

/**
 * A connection error (RFC 9113 5.4.1): a GOAWAY with `h2Code` is queued and every stream is dead.
 * `code` is the CurlCode for the transfers (16, HTTP2), `remote` says the peer is at fault.
 */
export class H2ConnectionError extends Error {
  override readonly name = 'H2ConnectionError';
  readonly code: CurlCode = CurlCode.HTTP2;
  readonly h2Code: number;
  constructor(h2Code: number, message: string) {
    super(message);
    this.h2Code = h2Code;
  }
}
