// Drives a ResponseReader over a list of input chunks the way the engine does, and flattens the
// events into plain comparable values (data events concatenated, bytes shown as latin1).
import assert from 'node:assert/strict';
import {
  type H1Limits,
  type HeaderList,
  latin1Decode,
  latin1Encode,
  NEED_DATA,
  ProtocolError,
  ResponseReader,
} from '../../../src/proto/h1/index.js';

export type FlatEvent =
  | {
      type: 'head';
      interim: boolean;
      status: number;
      reason: string;
      version: 10 | 11 | 20 | 30;
      headers: HeaderList;
      rawLines: string[];
      headerBytes: number;
      framing: string;
      contentLength: number | undefined;
      contentLengthOverflow?: boolean;
    }
  | { type: 'data'; data: string }
  | { type: 'end'; trailers: HeaderList; rawTrailerLines: string[]; keepAlive: boolean };

export interface DriveResult {
  events: FlatEvent[];
  error: ProtocolError | undefined;
  /** Bytes left buffered in the reader when the drive stopped. */
  buffered: number;
  /** Bytes not consumed: buffered in the reader plus chunks never fed. */
  leftover: number;
  /** Sum of data event lengths. */
  dataBytes: number;
  /** nextEvent() calls made, to bound loops. */
  calls: number;
}

export interface DriveOptions {
  /** Methods of the requests answered, one per expected response; the drive stops after the last 'end'. */
  methods?: string[];
  ignoreContentLength?: boolean;
  /** StartResponseOptions.rawLines (default: not given, which keeps them). */
  rawLines?: boolean;
  limits?: Partial<H1Limits>;
  /** Feed EOF after the last chunk (default true). */
  eof?: boolean;
  /** Give up (and fail) after this many nextEvent() calls. */
  maxCalls?: number;
}

export const bytes = (s: string): Uint8Array => latin1Encode(s);

export function drive(chunks: Uint8Array[], opts: DriveOptions = {}): DriveResult {
  const methods = opts.methods ?? ['GET'];
  const sendEof = opts.eof ?? true;
  const maxCalls = opts.maxCalls ?? 1_000_000;
  const reader = new ResponseReader(opts.limits);
  const start = (method: string): void =>
    reader.startResponse({
      method,
      ...(opts.ignoreContentLength === undefined ? {} : { ignoreContentLength: opts.ignoreContentLength }),
      ...(opts.rawLines === undefined ? {} : { rawLines: opts.rawLines }),
    });
  const events: FlatEvent[] = [];
  let mi = 0;
  let ci = 0;
  let eofSent = false;
  let calls = 0;
  let dataBytes = 0;
  let error: ProtocolError | undefined;
  start(methods[0]!);
  for (;;) {
    assert.ok(++calls <= maxCalls, `no progress after ${maxCalls} nextEvent() calls`);
    let ev: ReturnType<ResponseReader['nextEvent']>;
    try {
      ev = reader.nextEvent();
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      error = e;
      // Errors are sticky.
      assert.throws(
        () => reader.nextEvent(),
        (e2) => e2 === e,
      );
      break;
    }
    if (ev === NEED_DATA) {
      assert.ok(!eofSent, 'NEED_DATA after EOF while a response is being read');
      if (ci < chunks.length) reader.receiveData(chunks[ci++]!);
      else if (sendEof) {
        reader.receiveData(null);
        eofSent = true;
      } else break;
      continue;
    }
    if (ev.type === 'data') {
      assert.ok(ev.data.length > 0, 'empty data event');
      dataBytes += ev.data.length;
      const text = latin1Decode(ev.data);
      const last = events[events.length - 1];
      if (last?.type === 'data') last.data += text;
      else events.push({ type: 'data', data: text });
    } else if (ev.type === 'head') {
      // `headers` may be a getter (the pairs are cut on first use) and `noted` must agree with
      // them: both are checked here, and the flat event keeps the pairs only. flatFields() gives
      // the same fields, read before the pairs are made (cut from the text) and after.
      const flatBefore = ev.flatFields?.();
      const { noted, ...head } = { ...ev, headers: ev.headers };
      assert.deepEqual(noted, notedOf(ev.headers), 'noted fields differ from the headers');
      assert.equal(typeof ev.flatFields, 'function', 'the reader gives its fields flat');
      const flat = ev.headers.flat();
      assert.deepEqual(flatBefore, flat, 'flatFields() before the pairs were made');
      assert.deepEqual(ev.flatFields?.(), flat, 'flatFields() after the pairs were made');
      events.push(head);
    } else {
      events.push({ ...ev });
    }
    if (ev.type === 'end') {
      if (++mi === methods.length) break;
      start(methods[mi]!);
    }
  }
  let leftover = reader.bufferedBytes;
  for (let i = ci; i < chunks.length; i++) leftover += chunks[i]!.length;
  return { events, error, buffered: reader.bufferedBytes, leftover, dataBytes, calls };
}

/** What the reader must note of a head's fields: the last Content-Type, a Retry-After, a Last-Modified. */
function notedOf(headers: HeaderList): {
  contentType: string | undefined;
  retryAfter: boolean;
  lastModified: boolean;
  contentEncoding: boolean;
} {
  let contentType: string | undefined;
  let retryAfter = false;
  let lastModified = false;
  let contentEncoding = false;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'content-type') contentType = value;
    if (lower === 'retry-after') retryAfter = true;
    if (lower === 'last-modified') lastModified = true;
    if (lower === 'content-encoding') contentEncoding = true;
  }
  return { contentType, retryAfter, lastModified, contentEncoding };
}

/** Splits bytes at the given cut points (any numbers; taken modulo length+1, sorted, deduped). */
export function splitAt(input: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    if (p > prev) out.push(input.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  if (prev < input.length) out.push(input.subarray(prev));
  return out;
}

export function oneByteChunks(input: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < input.length; i++) out.push(input.subarray(i, i + 1));
  return out;
}

/** A comparable summary of a drive: events, and the error as code + message. */
export function outcome(r: DriveResult): { events: FlatEvent[]; error: string | undefined } {
  return { events: r.events, error: r.error ? `${r.error.code}: ${r.error.message}` : undefined };
}
