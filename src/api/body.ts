// Request bodies in (string, bytes, Blob, URLSearchParams, FormData, streams) and response bodies
// out (a Node Readable with text()/json()/arrayBuffer()/bytes()/blob() for request()).
//
// Small bodies of known size become one Uint8Array (CURLOPT_POSTFIELDS: sent with the head in one
// write). Streams, and Blobs / FormData above STREAM_THRESHOLD, are streamed through the engine's
// read callback (upload.ts): a known size is sent with Content-Length, an unknown one chunked.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { badArgument } from './errors.js';
import { type BodyOpener, chunkBytes } from './upload.js';

/** What fetch()/request() accept as a request body. */
export type RequestBody =
  | string
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | URLSearchParams
  | FormData
  | ReadableStream<Uint8Array>
  | AsyncIterable<BodyChunk>
  | null;

/** What a streamed body may yield: bytes (any view, a Buffer), an ArrayBuffer, or text (sent as UTF-8). */
export type BodyChunk = Uint8Array | ArrayBufferView | ArrayBuffer | string;

/**
 * A Blob or FormData up to this size is read into memory and sent with the head; a bigger one is
 * streamed. 64 KiB: libcurl's MAX_INITIAL_POST_SIZE, the most it sends together with the head.
 */
export const STREAM_THRESHOLD = 64 * 1024;

export type ExtractedBody =
  | {
      kind: 'bytes';
      bytes: Uint8Array;
      /** The Content-Type the body implies (fetch's "extract a body"), when it implies one. */
      contentType: string | undefined;
      replayable: true;
    }
  | {
      kind: 'stream';
      /** Opens the bytes from the start (once only for a one-shot source). */
      open: BodyOpener;
      /** Bytes, or -1 when unknown (sent chunked). */
      size: number;
      contentType: string | undefined;
      /** False for streams: they can be sent once, so a 307/308 redirect cannot resend them. */
      replayable: boolean;
    };

const encoder = new TextEncoder();

/** True for bodies that fetch() requires `duplex: 'half'` for. */
export function isStreamBody(body: unknown): body is ReadableStream<Uint8Array> | AsyncIterable<BodyChunk> {
  if (typeof body !== 'object' || body === null) return false;
  if (body instanceof ReadableStream) return true;
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer || body instanceof Blob) return false;
  return typeof (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

const bytesBody = (bytes: Uint8Array, contentType: string | undefined): ExtractedBody => ({
  kind: 'bytes',
  bytes,
  contentType,
  replayable: true,
});

/** fetch's "extract a body": bytes for small bodies of known size, an opener for the others. */
export async function extractBody(body: RequestBody): Promise<ExtractedBody | undefined> {
  if (body === null) return undefined;
  if (typeof body === 'string') return bytesBody(encoder.encode(body), 'text/plain;charset=UTF-8');
  if (body instanceof URLSearchParams) {
    return bytesBody(encoder.encode(body.toString()), 'application/x-www-form-urlencoded;charset=UTF-8');
  }
  if (body instanceof ArrayBuffer) return bytesBody(new Uint8Array(body.slice(0)), undefined);
  if (ArrayBuffer.isView(body)) {
    // Copied: the caller may reuse its buffer while the request is still being sent.
    const view = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return bytesBody(view.slice(), undefined);
  }
  if (body instanceof Blob) {
    const type = body.type === '' ? undefined : body.type;
    if (body.size <= STREAM_THRESHOLD) return bytesBody(new Uint8Array(await body.arrayBuffer()), type);
    return {
      kind: 'stream',
      open: () => iterate(body.stream()),
      size: body.size,
      contentType: type,
      replayable: true,
    };
  }
  if (body instanceof FormData) {
    const { parts, size, boundary } = multipartParts(body);
    const contentType = `multipart/form-data; boundary=${boundary}`;
    if (size <= STREAM_THRESHOLD) return bytesBody(await readParts(parts, size), contentType);
    return { kind: 'stream', open: () => streamParts(parts), size, contentType, replayable: true };
  }
  if (body instanceof ReadableStream) {
    if (body.locked) throw badArgument('Request body stream is locked or disturbed');
    return {
      kind: 'stream',
      open: once(() => iterate(body)),
      size: -1,
      contentType: undefined,
      replayable: false,
    };
  }
  if (isStreamBody(body)) {
    const iterable = body as AsyncIterable<unknown>;
    return {
      kind: 'stream',
      open: once(() => iterable[Symbol.asyncIterator]()),
      size: -1,
      contentType: undefined,
      replayable: false,
    };
  }
  throw badArgument(`Unsupported body type: ${Object.prototype.toString.call(body)}`);
}

function iterate(stream: ReadableStream<Uint8Array>): AsyncIterator<unknown> {
  return (stream as unknown as AsyncIterable<unknown>)[Symbol.asyncIterator]();
}

function once(open: BodyOpener): BodyOpener {
  let used = false;
  return () => {
    if (used) throw badArgument('A streamed request body cannot be sent twice');
    used = true;
    return open();
  };
}

/** Reads a whole body (for a Request given as fetch input and for small multipart bodies). */
export async function readAll(iterator: AsyncIterator<unknown>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) {
    const bytes = chunkBytes(r.value);
    parts.push(bytes);
    total += bytes.length;
  }
  return concat(parts, total);
}

export function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// multipart/form-data as the HTML standard's "multipart/form-data encoding algorithm" (and undici)
// writes it: names and filenames escape CR, LF and '"'; string values get CRLF line breaks.
const escapeQuoted = (s: string) => s.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
const normalizeLinefeeds = (s: string) => s.replace(/\r?\n|\r/g, '\r\n');

type Part = Uint8Array | Blob;

/** The multipart/form-data encoding of a FormData as byte parts and Blobs (read later), and its size. */
export function multipartParts(form: FormData): { parts: Part[]; size: number; boundary: string } {
  const boundary = `----tscurl-formdata-${randomBytes(12).toString('hex')}`;
  const parts: Part[] = [];
  let size = 0;
  const add = (p: Part) => {
    parts.push(p);
    size += p instanceof Blob ? p.size : p.length;
  };
  for (const [name, value] of form) {
    const n = escapeQuoted(normalizeLinefeeds(name));
    if (typeof value === 'string') {
      add(
        encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${normalizeLinefeeds(value)}\r\n`,
        ),
      );
    } else {
      const type = value.type === '' ? 'application/octet-stream' : value.type;
      add(
        encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="${n}"; filename="${escapeQuoted(value.name)}"\r\nContent-Type: ${type}\r\n\r\n`,
        ),
      );
      add(value);
      add(encoder.encode('\r\n'));
    }
  }
  add(encoder.encode(`--${boundary}--\r\n`));
  return { parts, size, boundary };
}

async function readParts(parts: readonly Part[], size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    const bytes = p instanceof Blob ? new Uint8Array(await p.arrayBuffer()) : p;
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

async function* streamParts(parts: readonly Part[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) {
    if (!(p instanceof Blob)) yield p;
    else for await (const chunk of p.stream() as unknown as AsyncIterable<Uint8Array>) yield chunk;
  }
}

/**
 * The response body of request(): a Readable (async-iterable, pipeable) with the body mixins.
 * Reading it is what lets the transfer go on: when its buffer is full the transfer pauses.
 */
export class BodyReadable extends Readable {
  private readonly onDemand: () => void;
  private readonly onDestroy: (error: Error | null) => void;
  private consumed = false;

  constructor(onDemand: () => void, onDestroy: (error: Error | null) => void, highWaterMark: number) {
    super({ highWaterMark });
    this.onDemand = onDemand;
    this.onDestroy = onDestroy;
  }

  // Synchronous with destroy(): the transfer (and its connection slot) ends at once.
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.readableEnded) this.onDestroy(error);
    callback(error);
  }

  override _read(): void {
    this.onDemand();
  }

  /** True once text()/json()/arrayBuffer()/bytes()/blob() started reading. */
  get bodyUsed(): boolean {
    return this.consumed || this.readableDidRead;
  }

  async bytes(): Promise<Uint8Array> {
    if (this.bodyUsed) throw new TypeError('Body already used');
    this.consumed = true;
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this as AsyncIterable<Uint8Array>) {
      parts.push(chunk);
      total += chunk.length;
    }
    const all = concat(parts, total);
    return parts.length === 1 ? new Uint8Array(all) : all;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.bytes();
    return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
      ? (b.buffer as ArrayBuffer)
      : (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()]);
  }

  /** Read and discard the rest, so the connection can be reused. */
  async dump(): Promise<void> {
    this.consumed = true;
    for await (const _ of this as AsyncIterable<Uint8Array>) {
      // discard
    }
  }
}
