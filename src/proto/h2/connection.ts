// The sans-I/O HTTP/2 client connection (RFC 9113), in the shape of python-hyper's h2 and of our
// HTTP/1 codec: bytes in with receiveData() (null = EOF), events out of nextEvent(), actions
// (request, sendData, consume, reset, ping, goaway) queue frames that takeOutput() hands over.
// Acknowledgements (SETTINGS, PING) and WINDOW_UPDATEs are queued by the codec itself.
//
// Flow control bounds memory: the peer may send a stream at most `streamWindow` bytes and the
// connection at most `connectionWindow` beyond what the application has consumed(), so a stream
// nobody reads stops its sender instead of growing a buffer. Pausing a transfer is simply not
// calling consume() for it.

import { type ByteAllocator, concatBytes, EMPTY_BYTES, newBytes } from '../bytes.js';
import { ByteQueue } from './byte-queue.js';
import {
  CLIENT_PREFACE,
  DEFAULT_WINDOW,
  Flag,
  FRAME_HEADER_BYTES,
  FrameType,
  frame,
  goawayFrame,
  H2ErrorCode,
  h2ErrorName,
  headerFrames,
  MAX_MAX_FRAME_SIZE,
  MAX_WINDOW,
  MIN_MAX_FRAME_SIZE,
  readU32,
  SettingId,
  settingsFrame,
  u32Frame,
  writeFrameHeader,
} from './frames.js';
import { CheckedFields, checkResponseHead, checkTrailers } from './headers.js';
import { type HeaderList, HpackDecoder, HpackEncoder, HpackError } from './hpack.js';
import {
  H2_LIMITS,
  H2ConnectionError,
  type H2Event,
  type H2Limits,
  type H2PeerSettings,
  type H2Reset,
  NEED_DATA,
} from './types.js';

interface Stream {
  id: number;
  /** We sent END_STREAM (or never will send more). */
  sendClosed: boolean;
  /** 'head': waiting for the final head; 'body': after it; 'closed': the peer ended its side. */
  recv: 'head' | 'body' | 'closed';
  sendWindow: number;
  /** Bytes the peer may still send before our next WINDOW_UPDATE. */
  recvWindow: number;
  /** Consumed by the application and not yet given back in a WINDOW_UPDATE. */
  unacked: number;
  /** HEAD request or 304: a content-length describes a body that is not sent. */
  noBody: boolean;
  method: string;
  contentLength: number;
  received: number;
  /** Data handed out in events and not yet consume()d: owed to the connection window. */
  pendingApp: number;
}

export class H2ClientConnection {
  readonly #limits: H2Limits;
  readonly #decoder: HpackDecoder;
  /** Response fields found valid before: a repeated field is not checked again. */
  readonly #checked = new CheckedFields();
  readonly #encoder: HpackEncoder;
  readonly #alloc: ByteAllocator;
  readonly #streams = new Map<number, Stream>();
  /** Streams ended or reset whose data the application has not consumed yet. */
  readonly #draining = new Map<number, Stream>();
  #nextStreamId = 1;

  // Input.
  readonly #input = new ByteQueue();
  #eof = false;
  #closedReported = false;
  // The frame whose payload is awaited (#frameLength -1: none, a frame header comes next); fields,
  // not an object per frame.
  #frameLength = -1;
  #frameType = 0;
  #frameFlags = 0;
  #frameStream = 0;
  readonly #head = new Uint8Array(FRAME_HEADER_BYTES);
  /**
   * An unpadded DATA frame whose payload did not arrive in one piece is handed out as its bytes
   * come (views, never a copy): the bytes still due, the stream they go to (undefined: dropped, the
   * window already given back) and whether END_STREAM waits for the last of them.
   */
  #dataLeft = 0;
  #dataStream: Stream | undefined;
  #dataEnd = false;
  #sawSettings = false;
  #events: H2Event[] = [];
  #ei = 0;
  #error: H2ConnectionError | undefined;

  // A header block being collected across CONTINUATION frames.
  #blockStream = 0;
  #blockEndStream = false;
  #blockParts: Uint8Array[] = [];
  #blockBytes = 0;
  #continuations = 0;

  // Output.
  #out: Uint8Array[] = [];
  #outBytes = 0;
  #queuedAcks = 0;

  // Flow control: connection level.
  #connSendWindow = DEFAULT_WINDOW;
  #connRecvWindow = DEFAULT_WINDOW;
  #connUnacked = 0;

  #peer: H2PeerSettings = {
    headerTableSize: 4096,
    maxConcurrentStreams: Number.POSITIVE_INFINITY,
    initialWindowSize: DEFAULT_WINDOW,
    maxFrameSize: MIN_MAX_FRAME_SIZE,
    maxHeaderListSize: Number.POSITIVE_INFINITY,
  };
  #goawayLastId = -1;
  #goawaySent = false;
  #invalidFrames = 0;

  /**
   * `alloc`: where a request's HEADERS frame is written (the caller's may come from a pool; the
   * frame is referenced until takeOutput() hands it over).
   */
  constructor(limits: Partial<H2Limits> = {}, alloc: ByteAllocator = newBytes) {
    this.#limits = { ...H2_LIMITS, ...limits };
    this.#alloc = alloc;
    const l = this.#limits;
    this.#decoder = new HpackDecoder(l.headerTableSize);
    this.#encoder = new HpackEncoder();
    const settings: Array<[number, number]> = [
      [SettingId.ENABLE_PUSH, 0],
      [SettingId.MAX_CONCURRENT_STREAMS, 100],
      [SettingId.INITIAL_WINDOW_SIZE, l.streamWindow],
      [SettingId.MAX_HEADER_LIST_SIZE, l.maxHeaderListSize],
    ];
    if (l.headerTableSize !== 4096) settings.push([SettingId.HEADER_TABLE_SIZE, l.headerTableSize]);
    if (l.maxFrameSize !== MIN_MAX_FRAME_SIZE) settings.push([SettingId.MAX_FRAME_SIZE, l.maxFrameSize]);
    this.#push(CLIENT_PREFACE);
    this.#push(settingsFrame(settings));
    if (l.connectionWindow > DEFAULT_WINDOW) {
      this.#push(u32Frame(FrameType.WINDOW_UPDATE, 0, l.connectionWindow - DEFAULT_WINDOW));
      this.#connRecvWindow = l.connectionWindow;
    }
  }

  // --- queries ---------------------------------------------------------------------------

  get peerSettings(): Readonly<H2PeerSettings> {
    return this.#peer;
  }

  /** Streams open (requests sent and not yet ended or reset). */
  get openStreams(): number {
    return this.#streams.size;
  }

  /** Whether request() may open one more stream now. */
  get canOpenStream(): boolean {
    return (
      this.#error === undefined &&
      this.#goawayLastId === -1 &&
      !this.#goawaySent &&
      this.#nextStreamId <= MAX_WINDOW &&
      this.#streams.size < this.#peer.maxConcurrentStreams
    );
  }

  /** The peer sent GOAWAY, we did, or the connection failed: no new stream will ever open. */
  get goingAway(): boolean {
    return this.#goawayLastId !== -1 || this.#goawaySent || this.#error !== undefined || this.#eof;
  }

  get bufferedBytes(): number {
    return this.#input.length;
  }

  /** Bytes queued for the peer and not yet taken. */
  get outputBytes(): number {
    return this.#outBytes;
  }

  /** How many bytes sendData() would accept for the stream now (both windows). */
  sendWindow(streamId: number): number {
    const s = this.#streams.get(streamId);
    if (s === undefined || s.sendClosed) return 0;
    return Math.max(0, Math.min(s.sendWindow, this.#connSendWindow));
  }

  isOpen(streamId: number): boolean {
    return this.#streams.has(streamId);
  }

  // --- output ----------------------------------------------------------------------------

  #push(bytes: Uint8Array): void {
    this.#out.push(bytes);
    this.#outBytes += bytes.length;
  }

  /** The frames queued since the last call, in order; the caller writes them to the transport. */
  takeOutput(): Uint8Array[] {
    const out = this.#out;
    this.#out = [];
    this.#outBytes = 0;
    this.#queuedAcks = 0;
    return out;
  }

  // --- actions ---------------------------------------------------------------------------

  /**
   * Opens a stream with a request header list (from requestHeaderList()); returns its id.
   * `endStream`: no body follows.
   */
  request(headers: HeaderList, endStream: boolean): number {
    if (this.#error !== undefined) throw this.#error;
    if (!this.canOpenStream) throw new Error('request(): no stream can be opened on this connection');
    const id = this.#nextStreamId;
    this.#nextStreamId += 2;
    let method = 'GET';
    for (const [n, v] of headers) if (n === ':method') method = v;
    this.#streams.set(id, {
      id,
      sendClosed: endStream,
      recv: 'head',
      sendWindow: this.#peer.initialWindowSize,
      recvWindow: this.#limits.streamWindow,
      unacked: 0,
      noBody: method === 'HEAD',
      method,
      contentLength: -1,
      received: 0,
      pendingApp: 0,
    });
    // The block is encoded behind room for a frame header: one HEADERS frame needs no copy.
    const block = this.#encoder.encode(headers, FRAME_HEADER_BYTES, this.#alloc);
    if (block.length <= this.#peer.maxFrameSize) {
      const out = new Uint8Array(
        block.buffer,
        block.byteOffset - FRAME_HEADER_BYTES,
        block.length + FRAME_HEADER_BYTES,
      );
      const flags = Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0);
      writeFrameHeader(out, 0, block.length, FrameType.HEADERS, flags, id);
      this.#push(out);
    } else {
      this.#push(headerFrames(id, block, endStream, this.#peer.maxFrameSize));
    }
    return id;
  }

  /**
   * Sends body bytes as DATA frames as far as the flow-control windows allow; returns how many
   * were taken (the rest waits for a 'window' event). END_STREAM goes out only with the last byte.
   * The bytes are referenced, not copied, until takeOutput() hands them over.
   */
  sendData(streamId: number, data: Uint8Array, endStream: boolean): number {
    const s = this.#streams.get(streamId);
    if (s === undefined || s.sendClosed) return 0;
    const n = Math.min(data.length, this.sendWindow(streamId));
    const max = this.#peer.maxFrameSize;
    let off = 0;
    while (off < n) {
      const len = Math.min(max, n - off);
      const last = off + len === n;
      const head = new Uint8Array(FRAME_HEADER_BYTES);
      writeFrameHeader(
        head,
        0,
        len,
        FrameType.DATA,
        last && endStream && n === data.length ? Flag.END_STREAM : 0,
        streamId,
      );
      this.#push(head);
      this.#push(data.subarray(off, off + len));
      off += len;
    }
    s.sendWindow -= n;
    this.#connSendWindow -= n;
    if (endStream && n === data.length) {
      if (n === 0) this.#push(frame(FrameType.DATA, Flag.END_STREAM, streamId));
      this.#closeSend(s);
    }
    return n;
  }

  /** Ends the request body with trailer fields (HEADERS with END_STREAM). */
  sendTrailers(streamId: number, trailers: HeaderList): void {
    const s = this.#streams.get(streamId);
    if (s === undefined || s.sendClosed) return;
    const block = this.#encoder.encode(trailers.map(([n, v]) => [n.toLowerCase(), v]));
    this.#push(headerFrames(streamId, block, true, this.#peer.maxFrameSize));
    this.#closeSend(s);
  }

  /**
   * The application took n bytes of the stream's data: once half a window is taken, a
   * WINDOW_UPDATE gives it back to the peer (the connection's likewise).
   */
  consume(streamId: number, n: number): void {
    if (n <= 0 || this.#error !== undefined) return;
    const s = this.#streams.get(streamId) ?? this.#draining.get(streamId);
    if (s === undefined) return;
    n = Math.min(n, s.pendingApp);
    s.pendingApp -= n;
    this.#creditConnection(n);
    if (s.pendingApp === 0) this.#draining.delete(streamId);
    if (s.recv === 'closed' || !this.#streams.has(streamId)) return;
    s.unacked += n;
    if (s.unacked >= this.#limits.streamWindow / 2) {
      this.#push(u32Frame(FrameType.WINDOW_UPDATE, streamId, s.unacked));
      s.recvWindow += s.unacked;
      s.unacked = 0;
    }
  }

  #creditConnection(n: number): void {
    this.#connUnacked += n;
    if (this.#connUnacked >= this.#limits.connectionWindow / 2) {
      this.#push(u32Frame(FrameType.WINDOW_UPDATE, 0, this.#connUnacked));
      this.#connRecvWindow += this.#connUnacked;
      this.#connUnacked = 0;
    }
  }

  /**
   * The application is done with a stream: an open one is reset (RST_STREAM, CANCEL by default)
   * and its later frames are dropped; data it was handed and did not consume goes back to the
   * connection window. Call it for every stream whose transfer ends without reading all its data.
   */
  reset(streamId: number, errorCode: number = H2ErrorCode.CANCEL): void {
    const s = this.#streams.get(streamId) ?? this.#draining.get(streamId);
    if (s === undefined) return;
    if (this.#streams.delete(streamId) && this.#error === undefined) {
      this.#push(u32Frame(FrameType.RST_STREAM, streamId, errorCode));
    }
    this.#draining.delete(streamId);
    if (this.#error === undefined && s.pendingApp > 0) this.#creditConnection(s.pendingApp);
    s.pendingApp = 0;
  }

  #remove(s: Stream): void {
    this.#streams.delete(s.id);
    if (s.pendingApp > 0) this.#draining.set(s.id, s);
  }

  ping(payload: Uint8Array = new Uint8Array(8)): void {
    if (payload.length !== 8) throw new Error('ping(): the payload is 8 bytes');
    this.#push(frame(FrameType.PING, 0, 0, payload));
  }

  /** Closes the connection politely: no new streams; the open ones may finish. */
  goaway(errorCode: number = H2ErrorCode.NO_ERROR, debug = ''): void {
    if (this.#goawaySent || this.#error !== undefined) return;
    this.#goawaySent = true;
    this.#push(goawayFrame(0, errorCode, debug));
  }

  // --- input -----------------------------------------------------------------------------

  receiveData(data: Uint8Array | null): void {
    if (this.#eof) throw new Error('receiveData() after EOF');
    if (data === null) {
      this.#eof = true;
      return;
    }
    if (data.length === 0 || this.#error !== undefined) return;
    this.#input.push(data);
  }

  nextEvent(): H2Event | typeof NEED_DATA {
    if (this.#error !== undefined) throw this.#error;
    try {
      for (;;) {
        if (this.#ei < this.#events.length) {
          const ev = this.#events[this.#ei++]!;
          if (this.#ei === this.#events.length) {
            this.#events = [];
            this.#ei = 0;
          }
          return ev;
        }
        if (!this.#readFrame()) {
          if (this.#eof && !this.#closedReported) {
            if (this.#input.length > 0 || this.#frameLength >= 0 || this.#dataLeft > 0) {
              throw new H2ConnectionError(
                H2ErrorCode.PROTOCOL_ERROR,
                'connection closed in the middle of a frame',
              );
            }
            this.#closedReported = true;
            return { type: 'closed' };
          }
          return NEED_DATA;
        }
      }
    } catch (e) {
      if (e instanceof H2ConnectionError) this.#fail(e);
      throw e;
    }
  }

  #fail(e: H2ConnectionError): void {
    this.#error = e;
    this.#input.clear();
    this.#dataLeft = 0;
    this.#dataStream = undefined;
    this.#events = [];
    this.#ei = 0;
    this.#streams.clear();
    this.#draining.clear();
    if (!this.#goawaySent) {
      this.#goawaySent = true;
      // The debug data is for the peer's logs; keep it short.
      this.#push(goawayFrame(0, e.h2Code, e.message.slice(0, 200)));
    }
  }

  /** Reads and handles one frame; false when a whole frame is not buffered yet. */
  #readFrame(): boolean {
    if (this.#dataLeft > 0) return this.#readDataPiece();
    if (this.#frameLength < 0) {
      if (this.#input.length < FRAME_HEADER_BYTES) return false;
      const h = this.#head;
      this.#input.takeInto(h, FRAME_HEADER_BYTES);
      const length = (h[0]! << 16) | (h[1]! << 8) | h[2]!;
      const type = h[3]!;
      const flags = h[4]!;
      const streamId = readU32(h, 5) & MAX_WINDOW;
      if (!this.#sawSettings && (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0)) {
        // "HTTP/" read as a frame header: a server that does not speak HTTP/2 at all.
        const http1 = h[0] === 0x48 && h[1] === 0x54 && h[2] === 0x54 && h[3] === 0x50 && h[4] === 0x2f;
        const why = http1
          ? 'the server answered in HTTP/1, not HTTP/2'
          : 'the server did not start with a SETTINGS frame';
        throw new H2ConnectionError(H2ErrorCode.PROTOCOL_ERROR, why);
      }
      if (length > this.#limits.maxFrameSize) {
        throw new H2ConnectionError(
          H2ErrorCode.FRAME_SIZE_ERROR,
          `frame of ${length} bytes exceeds our SETTINGS_MAX_FRAME_SIZE of ${this.#limits.maxFrameSize}`,
        );
      }
      if (this.#blockStream !== 0 && (type !== FrameType.CONTINUATION || streamId !== this.#blockStream)) {
        throw new H2ConnectionError(
          H2ErrorCode.PROTOCOL_ERROR,
          `frame of type ${type} inside the header block of stream ${this.#blockStream}`,
        );
      }
      this.#frameLength = length;
      this.#frameType = type;
      this.#frameFlags = flags;
      this.#frameStream = streamId;
    }
    const length = this.#frameLength;
    const flags = this.#frameFlags;
    if (
      this.#frameType === FrameType.DATA &&
      (flags & Flag.PADDED) === 0 &&
      length > 0 &&
      this.#input.length > 0 &&
      this.#input.contiguous < length
    ) {
      // Its payload spans reads (or is not all here yet): in pieces as it arrives, not copied whole.
      this.#frameLength = -1;
      this.#dataStream = this.#acceptData(flags, this.#frameStream, length, length);
      this.#dataLeft = length;
      this.#dataEnd = (flags & Flag.END_STREAM) !== 0;
      return this.#readDataPiece();
    }
    if (this.#input.length < length) return false;
    this.#frameLength = -1;
    const payload = length === 0 ? EMPTY_BYTES : this.#input.take(length);
    this.#handleFrame(this.#frameType, flags, this.#frameStream, payload);
    return true;
  }

  #invalid(what: string): void {
    if (++this.#invalidFrames > this.#limits.maxInvalidFrames) {
      throw new H2ConnectionError(
        H2ErrorCode.ENHANCE_YOUR_CALM,
        `more than ${this.#limits.maxInvalidFrames} useless frames from the peer (last: ${what})`,
      );
    }
  }

  #queueAck(bytes: Uint8Array, what: string): void {
    if (++this.#queuedAcks > this.#limits.maxQueuedAcks) {
      throw new H2ConnectionError(
        H2ErrorCode.ENHANCE_YOUR_CALM,
        `${what} flood: more than ${this.#limits.maxQueuedAcks} acknowledgements waiting to be sent`,
      );
    }
    this.#push(bytes);
  }

  /** A stream id the peer names: our open stream, undefined for a closed one; idle ones are an error. */
  #streamFor(streamId: number, what: string): Stream | undefined {
    if (streamId === 0) throw new H2ConnectionError(H2ErrorCode.PROTOCOL_ERROR, `${what} frame on stream 0`);
    const s = this.#streams.get(streamId);
    if (s !== undefined) return s;
    if (streamId % 2 === 0 || streamId >= this.#nextStreamId) {
      throw new H2ConnectionError(H2ErrorCode.PROTOCOL_ERROR, `${what} frame on idle stream ${streamId}`);
    }
    return undefined;
  }

  #handleFrame(type: number, flags: number, streamId: number, p: Uint8Array): void {
    switch (type) {
      case FrameType.DATA: {
        this.#onData(flags, streamId, p);
        return;
      }
      case FrameType.HEADERS: {
        this.#onHeaders(flags, streamId, p);
        return;
      }
      case FrameType.PRIORITY:
        if (streamId === 0)
          throw new H2ConnectionError(H2ErrorCode.PROTOCOL_ERROR, 'PRIORITY frame on stream 0');
        if (p.length !== 5)
          throw new H2ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, 'PRIORITY frame not 5 bytes long');
        // Deprecated by RFC 9113 5.3.2: accepted and ignored, but not for free.
        if (!this.#streams.has(streamId)) this.#invalid('PRIORITY');
        return;
      case FrameType.RST_STREAM: {
        this.#onRstStream(streamId, p);
        return;
      }
      case FrameType.SETTINGS: {
        this.#onSettings(flags, streamId, p);
        return;
      }
      case FrameType.PUSH_PROMISE:
        throw new H2ConnectionError(
          H2ErrorCode.PROTOCOL_ERROR,
          'PUSH_PROMISE although we disabled server push',
        );
      case FrameType.PING:
        if (streamId !== 0) throw new H2ConnectionError(H2ErrorCode.PROTOCOL_ERROR, 'PING frame on a stream');
        if (p.length !== 8)
          throw new H2ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, 'PING frame not 8 bytes long');
        if (flags & Flag.ACK) this.#events.push({ type: 'ping-ack', payload: p.slice() });
        else this.#queueAck(frame(FrameType.PING, Flag.ACK, 0, p), 'PING');
        return;
      case FrameType.GOAWAY: {
        this.#onGoaway(streamId, p);
        return;
      }
      case FrameType.WINDOW_UPDATE: {
        this.#onWindowUpdate(streamId, p);
        return;
      }
      case FrameType.CONTINUATION: {
        this.#onContinuation(flags, streamId, p);
        return;
      }
      default:
        // RFC 9113 5.5: unknown frame types are ignored.
        return;
    }
  }

  /** Strips padding (RFC 9113 6.1 / 6.2); returns the start and end of the content. */
  #unpad(flags: number, p: Uint8Array, what: string): [number, number] {
    if ((flags & Flag.PADDED) === 0) return [0, p.length];
    if (p.length < 1)
      throw new H2ConnectionError(
        H2ErrorCode.FRAME_SIZE_ERROR,
        `padded ${what} frame without its pad length`,
      );
    const pad = p[0]!;
    if (pad >= p.length)
      throw new H2ConnectionError(H2ErrorCode.PROTOCOL_ERROR, `${what} frame padding longer than the frame`);
    return [1, p.length - pad];
  }

  #onData(flags: number, streamId: number, p: Uint8Array): void {
    const [start, end] = this.#unpad(flags, p, 'DATA');
    const s = this.#acceptData(flags, streamId, p.length, end - start);
    if (s === undefined) return;
    if (end > start) {
      s.pendingApp += end - start;
      this.#events.push({ type: 'data', streamId, data: p.subarray(start, end) });
    }
    if ((flags & Flag.END_STREAM) !== 0) this.#endRecv(s);
  }

  /**
   * The checks and window accounting of a DATA frame of `length` bytes carrying `payload` bytes
   * of data: the stream its data goes to, or undefined when it is dropped (its window given back).
   */
  #acceptData(flags: number, streamId: number, length: number, payload: number): Stream | undefined {
    const s = this.#streamFor(streamId, 'DATA');
    if (length > this.#connRecvWindow) {
      throw new H2ConnectionError(
        H2ErrorCode.FLOW_CONTROL_ERROR,
        `DATA of ${length} bytes beyond the connection window of ${this.#connRecvWindow}`,
      );
    }
    this.#connRecvWindow -= length;
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (payload === 0 && !endStream) this.#invalid('empty DATA');
    if (s === undefined) {
      // A stream we reset or finished: nobody consumes this, the window goes back at once.
      this.#creditConnection(length);
      if (length === 0) this.#invalid('DATA on a closed stream');
      return undefined;
    }
    // Padding is never consumed by the application: credit it now.
    if (length - payload > 0) this.#creditConnection(length - payload);
    if (s.recv !== 'body') {
      this.#creditConnection(payload);
      const why = s.recv === 'head' ? 'DATA before the response head' : 'DATA after the end of the stream';
      this.#streamError(s, s.recv === 'head' ? H2ErrorCode.PROTOCOL_ERROR : H2ErrorCode.STREAM_CLOSED, why);
      return undefined;
    }
    if (length > s.recvWindow) {
      this.#creditConnection(payload);
      this.#streamError(
        s,
        H2ErrorCode.FLOW_CONTROL_ERROR,
        `DATA of ${length} bytes beyond the stream window of ${s.recvWindow}`,
      );
      return undefined;
    }
    s.recvWindow -= length;
    s.received += payload;
    if (s.contentLength >= 0 && s.received > s.contentLength) {
      this.#creditConnection(payload);
      this.#streamError(
        s,
        H2ErrorCode.PROTOCOL_ERROR,
        `more DATA than the content-length of ${s.contentLength}`,
      );
      return undefined;
    }
    return s;
  }

  /** The next piece of a DATA frame handed out as it arrives; false when none is buffered. */
  #readDataPiece(): boolean {
    if (this.#input.length === 0) return false;
    const piece = this.#input.takeUpTo(this.#dataLeft);
    this.#dataLeft -= piece.length;
    const s = this.#dataStream;
    // The application may have reset the stream between two pieces: the rest goes back at once.
    const live = s !== undefined && this.#streams.get(s.id) === s;
    if (live) {
      s.pendingApp += piece.length;
      this.#events.push({ type: 'data', streamId: s.id, data: piece });
    } else if (s !== undefined) this.#creditConnection(piece.length);
    if (this.#dataLeft === 0) {
      this.#dataStream = undefined;
      if (live && this.#dataEnd) this.#endRecv(s);
    }
    return true;
  }

  #endRecv(s: Stream): void {
    if (s.contentLength >= 0 && !s.noBody && s.received !== s.contentLength) {
      this.#streamError(
        s,
        H2ErrorCode.PROTOCOL_ERROR,
        `stream ended after ${s.received} bytes of a content-length of ${s.contentLength}`,
      );
      return;
    }
    s.recv = 'closed';
    this.#events.push({ type: 'end', streamId: s.id });
    if (s.sendClosed) this.#remove(s);
  }

  #closeSend(s: Stream): void {
    s.sendClosed = true;
    if (s.recv === 'closed') this.#remove(s);
  }

  /** A stream error (RFC 9113 5.4.2): RST_STREAM to the peer, a reset event for the application. */
  #streamError(s: Stream, code: number, why: string): void {
    this.#remove(s);
    this.#push(u32Frame(FrameType.RST_STREAM, s.id, code));
    this.#events.push(resetEvent(s.id, code, false, false, `HTTP/2 stream ${s.id}: ${why}`));
  }

  #onHeaders(flags: number, streamId: number, p: Uint8Array): void {
    if (streamId === 0) throw new H2ConnectionError(H2ErrorCode.PROTOCOL_ERROR, 'HEADERS frame on stream 0');
    let [start, end] = this.#unpad(flags, p, 'HEADERS');
    if (flags & Flag.PRIORITY) {
      if (end - start < 5)
        throw new H2ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, 'HEADERS frame too short for its priority');
      start += 5;
    }
    this.#blockStream = streamId;
    this.#blockEndStream = (flags & Flag.END_STREAM) !== 0;
    this.#blockParts = [];
    this.#blockBytes = 0;
    this.#continuations = 0;
    this.#addFragment(p.subarray(start, end), flags);
  }

  #onContinuation(flags: number, streamId: number, p: Uint8Array): void {
    if (this.#blockStream === 0 || streamId !== this.#blockStream) {
      throw new H2ConnectionError(
        H2ErrorCode.PROTOCOL_ERROR,
        'CONTINUATION frame without a header block to continue',
      );
    }
    if (++this.#continuations > this.#limits.maxContinuationFrames) {
      throw new H2ConnectionError(
        H2ErrorCode.ENHANCE_YOUR_CALM,
        `CONTINUATION flood: more than ${this.#limits.maxContinuationFrames} frames in one header block`,
      );
    }
    if (p.length === 0 && (flags & Flag.END_HEADERS) === 0) this.#invalid('empty CONTINUATION');
    this.#addFragment(p, flags);
  }

  #addFragment(fragment: Uint8Array, flags: number): void {
    this.#blockBytes += fragment.length;
    if (this.#blockBytes > this.#limits.maxHeaderBlockBytes) {
      throw new H2ConnectionError(
        H2ErrorCode.ENHANCE_YOUR_CALM,
        `header block of stream ${this.#blockStream} exceeds ${this.#limits.maxHeaderBlockBytes} bytes`,
      );
    }
    if (fragment.length > 0) this.#blockParts.push(fragment);
    if ((flags & Flag.END_HEADERS) === 0) return;
    const streamId = this.#blockStream;
    this.#blockStream = 0;
    const block = concatBytes(this.#blockParts, this.#blockBytes);
    this.#blockParts = [];
    let decoded: ReturnType<HpackDecoder['decode']>;
    try {
      // Decoded even for a closed stream: the dynamic table must follow the peer's encoder.
      decoded = this.#decoder.decode(block, this.#limits.maxHeaderListSize);
    } catch (e) {
      if (e instanceof HpackError) {
        throw new H2ConnectionError(
          H2ErrorCode.COMPRESSION_ERROR,
          `HPACK error on stream ${streamId}: ${e.message}`,
        );
      }
      throw e;
    }
    const s = this.#streamFor(streamId, 'HEADERS');
    if (s === undefined) {
      this.#invalid('HEADERS on a closed stream');
      return;
    }
    if (decoded.tooLarge) {
      this.#streamError(
        s,
        H2ErrorCode.PROTOCOL_ERROR,
        `header list of ${decoded.listSize} bytes exceeds our SETTINGS_MAX_HEADER_LIST_SIZE of ${this.#limits.maxHeaderListSize}`,
      );
      return;
    }
    const endStream = this.#blockEndStream;
    if (s.recv === 'closed') {
      this.#streamError(s, H2ErrorCode.STREAM_CLOSED, 'HEADERS after the end of the stream');
      return;
    }
    if (s.recv === 'body') {
      if (!endStream) {
        this.#streamError(s, H2ErrorCode.PROTOCOL_ERROR, 'trailers without END_STREAM');
        return;
      }
      const err = checkTrailers(decoded.headers);
      if (err !== undefined) {
        this.#streamError(s, H2ErrorCode.PROTOCOL_ERROR, `malformed trailers: ${err}`);
        return;
      }
      this.#events.push({ type: 'trailers', streamId, headers: decoded.headers });
      this.#endRecv(s);
      return;
    }
    const head = checkResponseHead(decoded.headers, this.#checked);
    if (typeof head === 'string') {
      this.#streamError(s, H2ErrorCode.PROTOCOL_ERROR, `malformed response head: ${head}`);
      return;
    }
    const interim = head.status < 200;
    if (head.status === 101) {
      this.#streamError(s, H2ErrorCode.PROTOCOL_ERROR, 'status 101 is not allowed in HTTP/2');
      return;
    }
    if (interim && endStream) {
      this.#streamError(s, H2ErrorCode.PROTOCOL_ERROR, 'interim response with END_STREAM');
      return;
    }
    this.#events.push({
      type: 'head',
      streamId,
      status: head.status,
      interim,
      headers: head.fields,
      headerBytes: decoded.listSize,
      contentLength: head.contentLength,
    });
    if (interim) return;
    s.recv = 'body';
    s.contentLength = head.contentLength;
    // RFC 9110 8.6: a 304's content-length describes the representation, not this (empty) body.
    if (head.status === 304) s.noBody = true;
    if (endStream) this.#endRecv(s);
  }

  #onRstStream(streamId: number, p: Uint8Array): void {
    if (p.length !== 4)
      throw new H2ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM frame not 4 bytes long');
    const s = this.#streamFor(streamId, 'RST_STREAM');
    if (s === undefined) {
      this.#invalid('RST_STREAM on a closed stream');
      return;
    }
    const code = readU32(p, 0);
    this.#remove(s);
    const message = `HTTP/2 stream ${streamId} was not closed cleanly: ${h2ErrorName(code)} (err ${code})`;
    this.#events.push(resetEvent(streamId, code, true, code === H2ErrorCode.REFUSED_STREAM, message));
  }

  #onSettings(flags: number, streamId: number, p: Uint8Array): void {
    if (streamId !== 0) throw new H2ConnectionError(H2ErrorCode.PROTOCOL_ERROR, 'SETTINGS frame on a stream');
    if (flags & Flag.ACK) {
      if (p.length !== 0)
        throw new H2ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
      return;
    }
    if (p.length % 6 !== 0)
      throw new H2ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS frame length not a multiple of 6');
    this.#sawSettings = true;
    const peer = { ...this.#peer };
    for (let i = 0; i < p.length; i += 6) {
      const id = (p[i]! << 8) | p[i + 1]!;
      const value = readU32(p, i + 2);
      switch (id) {
        case SettingId.HEADER_TABLE_SIZE:
          peer.headerTableSize = value;
          this.#encoder.setPeerMaxTableSize(value);
          break;
        case SettingId.ENABLE_PUSH:
          // RFC 9113 6.5.2: a server never sends 1.
          if (value !== 0)
            throw new H2ConnectionError(
              H2ErrorCode.PROTOCOL_ERROR,
              `SETTINGS_ENABLE_PUSH of ${value} from a server`,
            );
          break;
        case SettingId.MAX_CONCURRENT_STREAMS:
          peer.maxConcurrentStreams = value;
          break;
        case SettingId.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW) {
            throw new H2ConnectionError(
              H2ErrorCode.FLOW_CONTROL_ERROR,
              `SETTINGS_INITIAL_WINDOW_SIZE of ${value} above 2^31-1`,
            );
          }
          // RFC 9113 6.9.2: the change applies to every open stream's send window.
          const delta = value - peer.initialWindowSize;
          for (const s of this.#streams.values()) {
            s.sendWindow += delta;
            if (s.sendWindow > MAX_WINDOW) {
              throw new H2ConnectionError(H2ErrorCode.FLOW_CONTROL_ERROR, `stream ${s.id} window overflows`);
            }
          }
          peer.initialWindowSize = value;
          break;
        }
        case SettingId.MAX_FRAME_SIZE:
          if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) {
            throw new H2ConnectionError(
              H2ErrorCode.PROTOCOL_ERROR,
              `SETTINGS_MAX_FRAME_SIZE of ${value} out of range`,
            );
          }
          peer.maxFrameSize = value;
          break;
        case SettingId.MAX_HEADER_LIST_SIZE:
          peer.maxHeaderListSize = value;
          break;
        default:
          // RFC 9113 6.5.2: unknown settings are ignored.
          break;
      }
    }
    const grew = peer.initialWindowSize > this.#peer.initialWindowSize;
    this.#peer = peer;
    this.#queueAck(frame(FrameType.SETTINGS, Flag.ACK, 0), 'SETTINGS');
    this.#events.push({ type: 'settings', settings: peer });
    if (grew) this.#events.push({ type: 'window', streamId: 0 });
  }

  #onGoaway(streamId: number, p: Uint8Array): void {
    if (streamId !== 0) throw new H2ConnectionError(H2ErrorCode.PROTOCOL_ERROR, 'GOAWAY frame on a stream');
    if (p.length < 8)
      throw new H2ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, 'GOAWAY frame shorter than 8 bytes');
    const last = readU32(p, 0) & MAX_WINDOW;
    const code = readU32(p, 4);
    let debugData = '';
    for (let i = 8; i < Math.min(p.length, 8 + 256); i++) debugData += String.fromCharCode(p[i]!);
    this.#goawayLastId = this.#goawayLastId === -1 ? last : Math.min(this.#goawayLastId, last);
    this.#events.push({ type: 'goaway', lastStreamId: last, errorCode: code, debugData });
    // Streams above the last id were never processed: they may be retried elsewhere (RFC 9113 6.8).
    for (const s of [...this.#streams.values()]) {
      if (s.id > this.#goawayLastId) {
        this.#remove(s);
        const message = `HTTP/2 stream ${s.id} refused by GOAWAY (last stream ${last}, ${h2ErrorName(code)})`;
        this.#events.push(resetEvent(s.id, H2ErrorCode.REFUSED_STREAM, true, true, message));
      }
    }
  }

  #onWindowUpdate(streamId: number, p: Uint8Array): void {
    if (p.length !== 4)
      throw new H2ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE frame not 4 bytes long');
    const inc = readU32(p, 0) & MAX_WINDOW;
    if (streamId === 0) {
      if (inc === 0)
        throw new H2ConnectionError(H2ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of 0 on the connection');
      this.#connSendWindow += inc;
      if (this.#connSendWindow > MAX_WINDOW) {
        throw new H2ConnectionError(H2ErrorCode.FLOW_CONTROL_ERROR, 'connection send window above 2^31-1');
      }
      this.#events.push({ type: 'window', streamId: 0 });
      return;
    }
    const s = this.#streamFor(streamId, 'WINDOW_UPDATE');
    if (s === undefined) {
      this.#invalid('WINDOW_UPDATE on a closed stream');
      return;
    }
    if (inc === 0) {
      this.#streamError(s, H2ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of 0');
      return;
    }
    s.sendWindow += inc;
    if (s.sendWindow > MAX_WINDOW) {
      this.#streamError(s, H2ErrorCode.FLOW_CONTROL_ERROR, 'send window above 2^31-1');
      return;
    }
    if (!s.sendClosed) this.#events.push({ type: 'window', streamId });
  }
}

function resetEvent(
  streamId: number,
  errorCode: number,
  remote: boolean,
  retryable: boolean,
  message: string,
): H2Reset {
  return { type: 'reset', streamId, errorCode, remote, retryable, message };
}
