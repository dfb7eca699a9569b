// A small HTTP/2 server (h2c with prior knowledge) on a simulated connection, with the same
// node:http-shaped handler as the HTTP/1.1 one. It speaks just enough of RFC 9113 to exercise a
// client deterministically: SETTINGS (with the stream limit and window the test chooses), HPACK
// both ways, response DATA within the client's flow-control windows, request bodies, and the
// failures a client must survive on purpose: RST_STREAM (res.resetStream), GOAWAY
// (Http2ServerConnection.goaway), SETTINGS changes mid-flight.
import { ByteQueue } from '../../proto/h2/byte-queue.js';
import {
  CLIENT_PREFACE,
  DEFAULT_WINDOW,
  Flag,
  FRAME_HEADER_BYTES,
  FrameType,
  frame,
  goawayFrame,
  H2ErrorCode,
  headerFrames,
  readU32,
  SettingId,
  settingsFrame,
  u32Frame,
  writeFrameHeader,
} from '../../proto/h2/frames.js';
import { type HeaderList, HpackDecoder, HpackEncoder } from '../../proto/h2/hpack.js';
import { toBytes } from './bytes.js';
import {
  BodyStream,
  type HeaderValue,
  type SimHandler,
  type SimRequest,
  type SimResponse,
} from './http-server.js';
import type { PeerConn } from './peer.js';
import type { SimWorld } from './world.js';

export interface Http2ServerOptions {
  /** SETTINGS_MAX_CONCURRENT_STREAMS sent to the client (default: none sent, unlimited). */
  maxConcurrentStreams?: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE sent to the client: how much request body it may send unasked. */
  initialWindowSize?: number;
  /** Called with every new connection (to send GOAWAY or SETTINGS from a test). */
  onConnection?: (c: Http2ServerConnection) => void;
}

interface ServerStream {
  id: number;
  body: BodyStream;
  /** Response bytes the client's windows do not allow yet, and whether END_STREAM follows. */
  pending: Uint8Array[];
  pendingEnd: boolean;
  sendWindow: number;
  closed: boolean;
}

export class Http2ServerConnection {
  readonly #input = new ByteQueue();
  readonly #decoder = new HpackDecoder();
  readonly #encoder = new HpackEncoder();
  readonly #streams = new Map<number, ServerStream>();
  #prefaceSeen = false;
  #block: { id: number; endStream: boolean; parts: Uint8Array[] } | undefined;
  #clientWindow = DEFAULT_WINDOW;
  #clientInitialWindow = DEFAULT_WINDOW;
  #clientMaxFrame = 16384;
  #highestStream = 0;
  #goaway = false;
  readonly #maxStreams: number;
  /** Streams the client opened over the connection's life (requests seen). */
  requests = 0;

  constructor(
    private readonly world: SimWorld,
    readonly conn: PeerConn,
    private readonly handler: SimHandler,
    options: Http2ServerOptions,
    private readonly onError: (err: unknown) => void,
  ) {
    this.#maxStreams = options.maxConcurrentStreams ?? Number.POSITIVE_INFINITY;
    const settings: Array<[number, number]> = [];
    if (options.maxConcurrentStreams !== undefined)
      settings.push([SettingId.MAX_CONCURRENT_STREAMS, options.maxConcurrentStreams]);
    if (options.initialWindowSize !== undefined)
      settings.push([SettingId.INITIAL_WINDOW_SIZE, options.initialWindowSize]);
    conn.write(settingsFrame(settings));
    conn.onData((b) => this.#onBytes(b));
    conn.onEnd(() => conn.end());
    options.onConnection?.(this);
  }

  /** Sends GOAWAY: streams above `lastStreamId` (default: the highest seen) were not processed. */
  goaway(lastStreamId = this.#highestStream, code: number = H2ErrorCode.NO_ERROR, debug = ''): void {
    this.#goaway = true;
    this.conn.write(goawayFrame(lastStreamId, code, debug));
    for (const [id, s] of this.#streams) {
      if (id > lastStreamId) {
        s.closed = true;
        s.body.fail(new Error('GOAWAY'));
        this.#streams.delete(id);
      }
    }
  }

  /** Sends a SETTINGS frame mid-flight (e.g. a lower stream limit). */
  settings(entries: Array<[number, number]>): void {
    this.conn.write(settingsFrame(entries));
  }

  /** @internal the response of stream `id` ends or is reset. */
  resetStream(id: number, code: number): void {
    const s = this.#streams.get(id);
    if (s === undefined) return;
    s.closed = true;
    this.#streams.delete(id);
    this.conn.write(u32Frame(FrameType.RST_STREAM, id, code));
  }

  /** @internal */
  sendHead(id: number, list: HeaderList, endStream: boolean): void {
    const s = this.#streams.get(id);
    if (s === undefined || s.closed) return;
    this.conn.write(headerFrames(id, this.#encoder.encode(list), endStream, this.#clientMaxFrame));
    if (endStream) this.#finish(s);
  }

  /** @internal body bytes within the windows now, the rest when the client opens them. */
  sendData(id: number, data: Uint8Array, endStream: boolean): void {
    const s = this.#streams.get(id);
    if (s === undefined || s.closed) return;
    if (data.length > 0) s.pending.push(data);
    if (endStream) s.pendingEnd = true;
    this.#pump(s);
  }

  #pump(s: ServerStream): void {
    while (s.pending.length > 0) {
      const room = Math.min(s.sendWindow, this.#clientWindow, this.#clientMaxFrame);
      if (room <= 0) return;
      const chunk = s.pending[0]!;
      const n = Math.min(room, chunk.length);
      const last = n === chunk.length && s.pending.length === 1 && s.pendingEnd;
      const head = new Uint8Array(FRAME_HEADER_BYTES);
      writeFrameHeader(head, 0, n, FrameType.DATA, last ? Flag.END_STREAM : 0, s.id);
      this.conn.write(head);
      this.conn.write(chunk.subarray(0, n));
      s.sendWindow -= n;
      this.#clientWindow -= n;
      if (n === chunk.length) s.pending.shift();
      else s.pending[0] = chunk.subarray(n);
      if (last) {
        this.#finish(s);
        return;
      }
    }
    if (s.pendingEnd) {
      this.conn.write(frame(FrameType.DATA, Flag.END_STREAM, s.id));
      this.#finish(s);
    }
  }

  #finish(s: ServerStream): void {
    s.closed = true;
    this.#streams.delete(s.id);
  }

  #onBytes(bytes: Uint8Array): void {
    this.#input.push(bytes);
    if (!this.#prefaceSeen) {
      if (this.#input.length < CLIENT_PREFACE.length) return;
      const p = this.#input.take(CLIENT_PREFACE.length);
      if (!p.every((b, i) => b === CLIENT_PREFACE[i])) {
        this.conn.close();
        return;
      }
      this.#prefaceSeen = true;
    }
    for (;;) {
      if (this.#head === undefined) {
        if (this.#input.length < FRAME_HEADER_BYTES) return;
        this.#head = this.#input.take(FRAME_HEADER_BYTES).slice();
      }
      const h = this.#head;
      const len = (h[0]! << 16) | (h[1]! << 8) | h[2]!;
      if (this.#input.length < len) return;
      this.#head = undefined;
      this.#frame(
        h[3]!,
        h[4]!,
        readU32(h, 5) & 0x7fffffff,
        len === 0 ? new Uint8Array(0) : this.#input.take(len),
      );
    }
  }

  /** A frame header whose payload has not all arrived. */
  #head: Uint8Array | undefined;

  #frame(type: number, flags: number, id: number, p: Uint8Array): void {
    switch (type) {
      case FrameType.SETTINGS: {
        if (flags & Flag.ACK) return;
        for (let i = 0; i + 6 <= p.length; i += 6) {
          const sid = (p[i]! << 8) | p[i + 1]!;
          const v = readU32(p, i + 2);
          if (sid === SettingId.INITIAL_WINDOW_SIZE) {
            const delta = v - this.#clientInitialWindow;
            this.#clientInitialWindow = v;
            for (const s of this.#streams.values()) s.sendWindow += delta;
          } else if (sid === SettingId.MAX_FRAME_SIZE) this.#clientMaxFrame = v;
        }
        this.conn.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
        for (const s of [...this.#streams.values()]) this.#pump(s);
        return;
      }
      case FrameType.PING:
        if ((flags & Flag.ACK) === 0) this.conn.write(frame(FrameType.PING, Flag.ACK, 0, p));
        return;
      case FrameType.WINDOW_UPDATE: {
        const inc = readU32(p, 0) & 0x7fffffff;
        if (id === 0) {
          this.#clientWindow += inc;
          for (const s of [...this.#streams.values()]) this.#pump(s);
        } else {
          const s = this.#streams.get(id);
          if (s !== undefined) {
            s.sendWindow += inc;
            this.#pump(s);
          }
        }
        return;
      }
      case FrameType.RST_STREAM: {
        const s = this.#streams.get(id);
        if (s !== undefined) {
          s.closed = true;
          s.body.fail(new Error('stream reset by the client'));
          this.#streams.delete(id);
        }
        return;
      }
      case FrameType.HEADERS: {
        let start = 0;
        let end = p.length;
        if (flags & Flag.PADDED) {
          start = 1;
          end -= p[0]!;
        }
        if (flags & Flag.PRIORITY) start += 5;
        this.#block = { id, endStream: (flags & Flag.END_STREAM) !== 0, parts: [p.subarray(start, end)] };
        if (flags & Flag.END_HEADERS) this.#headerBlock();
        return;
      }
      case FrameType.CONTINUATION:
        this.#block?.parts.push(p);
        if (flags & Flag.END_HEADERS) this.#headerBlock();
        return;
      case FrameType.DATA: {
        // Credit at once: the simulated server always reads what it is sent.
        if (p.length > 0) {
          this.conn.write(u32Frame(FrameType.WINDOW_UPDATE, 0, p.length));
          if ((flags & Flag.END_STREAM) === 0)
            this.conn.write(u32Frame(FrameType.WINDOW_UPDATE, id, p.length));
        }
        const s = this.#streams.get(id);
        if (s === undefined) return;
        const start = flags & Flag.PADDED ? 1 : 0;
        const data = p.subarray(start, p.length - (start ? p[0]! : 0));
        if (data.length > 0) s.body.push(data);
        if (flags & Flag.END_STREAM) s.body.end();
        return;
      }
      default:
        return;
    }
  }

  #headerBlock(): void {
    const b = this.#block!;
    this.#block = undefined;
    const total = b.parts.reduce((n, x) => n + x.length, 0);
    const block = new Uint8Array(total);
    let at = 0;
    for (const x of b.parts) {
      block.set(x, at);
      at += x.length;
    }
    const { headers } = this.#decoder.decode(block, 1 << 20);
    const existing = this.#streams.get(b.id);
    if (existing !== undefined) {
      // Request trailers end the body.
      existing.body.end();
      return;
    }
    // Refused unprocessed, as nghttp2 does: after GOAWAY, or over our stream limit (a client may
    // open streams before our SETTINGS reach it).
    if (this.#goaway || this.#streams.size >= this.#maxStreams) {
      this.conn.write(u32Frame(FrameType.RST_STREAM, b.id, H2ErrorCode.REFUSED_STREAM));
      return;
    }
    this.#highestStream = Math.max(this.#highestStream, b.id);
    this.requests++;
    const body = new BodyStream(this.world);
    const s: ServerStream = {
      id: b.id,
      body,
      pending: [],
      pendingEnd: false,
      sendWindow: this.#clientInitialWindow,
      closed: false,
    };
    this.#streams.set(b.id, s);
    if (b.endStream) body.end();
    this.#dispatch(s, headers);
  }

  #dispatch(s: ServerStream, list: HeaderList): void {
    const pseudo = new Map<string, string>();
    const headers: Record<string, string> = {};
    const rawHeaders: Array<[string, string]> = [];
    for (const [n, v] of list) {
      if (n.startsWith(':')) pseudo.set(n, v);
      else {
        headers[n] = headers[n] === undefined ? v : `${headers[n]}, ${v}`;
        rawHeaders.push([n, v]);
      }
    }
    if (pseudo.has(':authority') && headers.host === undefined) headers.host = pseudo.get(':authority')!;
    const request: SimRequest = {
      method: pseudo.get(':method') ?? 'GET',
      url: pseudo.get(':path') ?? '/',
      httpVersion: '2.0',
      headers,
      rawHeaders,
      body: s.body,
      conn: this.conn,
      bytes: () => s.body.all(),
      text: async () => new TextDecoder().decode(await request.bytes()),
    };
    const res = new H2Response(this, s.id);
    this.world.drainNeeded = true;
    const failed = (err: unknown): void => {
      this.onError(err);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end('handler failed\n');
      } else res.resetStream(H2ErrorCode.INTERNAL_ERROR);
    };
    try {
      const r = this.handler(request, res);
      if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(undefined, failed);
    } catch (err) {
      failed(err);
    }
  }
}

/** A response on one stream; `resetStream(code)` sends RST_STREAM instead of finishing. */
export class H2Response implements SimResponse {
  statusCode = 200;
  headersSent = false;
  finished = false;
  readonly #headers = new Map<string, string>();

  constructor(
    readonly server: Http2ServerConnection,
    readonly streamId: number,
  ) {}

  get conn(): PeerConn {
    return this.server.conn;
  }

  writeHead(status: number, a?: string | Record<string, HeaderValue>, b?: Record<string, HeaderValue>): this {
    this.statusCode = status;
    const headers = typeof a === 'string' ? b : a;
    if (headers) for (const [k, v] of Object.entries(headers)) this.setHeader(k, v);
    return this;
  }
  setHeader(name: string, value: HeaderValue): this {
    this.#headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    return this;
  }
  getHeader(name: string): string | undefined {
    return this.#headers.get(name.toLowerCase());
  }
  removeHeader(name: string): void {
    this.#headers.delete(name.toLowerCase());
  }
  flushHeaders(): void {
    this.#sendHead(false);
  }
  #sendHead(endStream: boolean, length?: number): void {
    if (this.headersSent) return;
    this.headersSent = true;
    if (length !== undefined && !this.#headers.has('content-length'))
      this.#headers.set('content-length', String(length));
    const list: HeaderList = [[':status', String(this.statusCode)], ...this.#headers];
    this.server.sendHead(this.streamId, list, endStream);
  }
  write(chunk: Uint8Array | string): boolean {
    if (this.finished) throw new Error('sim: write after end');
    this.#sendHead(false);
    this.server.sendData(this.streamId, toBytes(chunk), false);
    return true;
  }
  end(chunk?: Uint8Array | string): void {
    if (this.finished) return;
    this.finished = true;
    const last = chunk === undefined ? new Uint8Array(0) : toBytes(chunk);
    if (!this.headersSent) {
      this.#sendHead(last.length === 0, last.length);
      if (last.length === 0) return;
    }
    this.server.sendData(this.streamId, last, true);
  }
  /** RST_STREAM with this error code (default INTERNAL_ERROR). */
  resetStream(code: number = H2ErrorCode.INTERNAL_ERROR): void {
    this.finished = true;
    this.server.resetStream(this.streamId, code);
  }
  destroy(): void {
    this.resetStream(H2ErrorCode.INTERNAL_ERROR);
  }
}
