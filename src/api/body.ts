// Request bodies in (string, bytes, Blob, URLSearchParams, FormData, streams) and response bodies
// out (a Node Readable with text()/json()/arrayBuffer()/bytes()/blob() for request()).
//
// Request bodies are buffered into one Uint8Array and sent as CURLOPT_POSTFIELDS: the engine has no
// CURLOPT_READFUNCTION yet, so a ReadableStream body is read to its end before the request starts
// (docs/fetch.md lists this as a difference from Node's fetch, which streams it).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { badArgument } from './errors.js';

/** What fetch()/request() accept as a request body. */
export type RequestBody =
  | string
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | URLSearchParams
  | FormData
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | null;

export interface ExtractedBody {
  bytes: Uint8Array;
  /** The Content-Type the body implies (fetch's "extract a body"), when it implies one. */
  contentType: string | undefined;
  /** False for streams: they can be sent once, so a 307/308 redirect cannot resend them. */
  replayable: boolean;
}

const encoder = new TextEncoder();

/** True for bodies that fetch() requires `duplex: 'half'` for. */
export function isStreamBody(body: unknown): body is ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> {
  if (typeof body !== 'object' || body === null) return false;
  if (body instanceof ReadableStream) return true;
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer || body instanceof Blob) return false;
  return typeof (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

/** fetch's "extract a body", buffered. */
export async function extractBody(body: RequestBody): Promise<ExtractedBody | undefined> {
  if (body === null) return undefined;
  if (typeof body === 'string') {
    return { bytes: encoder.encode(body), contentType: 'text/plain;charset=UTF-8', replayable: true };
  }
  if (body instanceof URLSearchParams) {
    return {
      bytes: encoder.encode(body.toString()),
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      replayable: true,
    };
  }
  if (body instanceof ArrayBuffer)
    return { bytes: new Uint8Array(body.slice(0)), contentType: undefined, replayable: true };
  if (ArrayBuffer.isView(body)) {
    // Copied: the caller may reuse its buffer while the request is still being sent.
    const view = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return { bytes: view.slice(), contentType: undefined, replayable: true };
  }
  if (body instanceof Blob) {
    return {
      bytes: new Uint8Array(await body.arrayBuffer()),
      contentType: body.type === '' ? undefined : body.type,
      replayable: true,
    };
  }
  if (body instanceof FormData) {
    const { bytes, boundary } = await encodeMultipart(body);
    return { bytes, contentType: `multipart/form-data; boundary=${boundary}`, replayable: true };
  }
  if (isStreamBody(body)) return { bytes: await readAll(body), contentType: undefined, replayable: false };
  throw badArgument(`Unsupported body type: ${Object.prototype.toString.call(body)}`);
}

async function readAll(stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const iterable =
    stream instanceof ReadableStream
      ? (stream as unknown as AsyncIterable<unknown>)
      : (stream as AsyncIterable<unknown>);
  for await (const chunk of iterable) {
    const bytes =
      typeof chunk === 'string'
        ? encoder.encode(chunk)
        : chunk instanceof Uint8Array
          ? chunk
          : ArrayBuffer.isView(chunk)
            ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
            : undefined;
    if (bytes === undefined) throw badArgument('Request body stream yielded a chunk that is not bytes');
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

export async function encodeMultipart(form: FormData): Promise<{ bytes: Uint8Array; boundary: string }> {
  const boundary = `----tscurl-formdata-${randomBytes(12).toString('hex')}`;
  const parts: Uint8Array[] = [];
  let total = 0;
  const add = (u: Uint8Array) => {
    parts.push(u);
    total += u.length;
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
      add(new Uint8Array(await value.arrayBuffer()));
      add(encoder.encode('\r\n'));
    }
  }
  add(encoder.encode(`--${boundary}--\r\n`));
  return { bytes: concat(parts, total), boundary };
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
