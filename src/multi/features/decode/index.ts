// Content decoding (libcurl's content_encoding.c): CURLOPT_ACCEPT_ENCODING sends Accept-Encoding
// and turns on decoding of whatever Content-Encoding the response names, codings stacked in the
// order the server applied them, at most MAX_ENCODE_STACK deep. Pulled, not pushed: a received
// chunk is handed to the chain and decoded one piece (DECODE_PIECE) per read(), so a consumer that
// stops reading (a pause, a spent budget) leaves at most that chunk and one piece per stage held,
// however much the chunk would expand to.
import { CurlCode } from '../../../core/codes.js';
import { TransferError } from '../../../core/errors.js';
import type { HeaderList } from '../../../proto/h1/types.js';
import { dataAfterEnd, GzipDecoder } from './gzip.js';
import {
  createNativeDecoder,
  type EngineCoding,
  nativeCodings,
  type RawInflater,
  type StreamDecoder,
} from './zlib-sync.js';

export { DECODE_PIECE, type StreamDecoder } from './zlib-sync.js';

/** libcurl's MAX_ENCODE_STACK: more codings than this is refused. */
export const MAX_ENCODE_STACK = 5;

/** What acceptEncoding '' expands to: every coding this build decodes (libcurl's order). */
export function allEncodings(): string {
  return nativeCodings().join(', ');
}

/** The Accept-Encoding value for the option, or undefined when decoding is off. */
export function acceptEncodingHeader(option: string | undefined): string | undefined {
  if (option === undefined) return undefined;
  return option === '' ? allEncodings() : option;
}

function decodeError(cause: unknown): TransferError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new TransferError(
    CurlCode.BAD_CONTENT_ENCODING,
    `Error while processing content unencoding: ${msg}`,
    {
      side: 'remote',
      phase: 'decode',
      cause,
    },
  );
}

/**
 * 'deflate' is a zlib stream, but some servers send raw deflate; libcurl accepts both. As in
 * libcurl, a byte after the end of a zlib stream fails with CURLE_WRITE_ERROR; after raw deflate,
 * up to 4 bytes (a trailer of unknown kind) are tolerated first.
 */
class DeflateDecoder implements StreamDecoder {
  private inner: RawInflater | undefined;
  private head: Uint8Array | undefined;
  /** Bytes after the end of the stream that are tolerated. */
  private allowance = 0;

  push(chunk: Uint8Array): void {
    if (this.inner !== undefined) {
      this.inner.push(chunk);
      return;
    }
    const data = this.head === undefined ? chunk : Buffer.concat([this.head, chunk]);
    if (data.length < 2) {
      this.head = Buffer.from(data);
      return;
    }
    this.head = undefined;
    // RFC 1950: CM = 8 in the low nibble, and the two header bytes are a multiple of 31.
    const zlibHeader = (data[0]! & 0x0f) === 8 && ((data[0]! << 8) | data[1]!) % 31 === 0;
    this.inner = createNativeDecoder(zlibHeader ? 'deflate' : 'deflate-raw');
    this.allowance = zlibHeader ? 0 : 4;
    this.inner.push(data);
  }

  read(): Buffer | null {
    if (this.inner === undefined) return null;
    const out = this.inner.read();
    if (out === null) {
      const after = this.inner.takeUnused();
      if (after !== undefined) {
        this.allowance -= after.length;
        if (this.allowance < 0) throw dataAfterEnd();
      }
    }
    return out;
  }

  close(): void {
    this.inner?.close();
  }
}

class UnknownCoding implements StreamDecoder {
  push(): void {
    throw new TransferError(
      CurlCode.BAD_CONTENT_ENCODING,
      `Unrecognized content encoding type. libcurl understands ${allEncodings()} content encodings.`,
      { side: 'remote', phase: 'decode' },
    );
  }
  read(): null {
    return null;
  }
  close(): void {}
}

function decoderFor(name: string): StreamDecoder | undefined {
  switch (name) {
    case 'identity':
    case 'none':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return new GzipDecoder();
    case 'deflate':
      return new DeflateDecoder();
    default:
      if ((nativeCodings() as string[]).includes(name)) return createNativeDecoder(name as EngineCoding);
      return new UnknownCoding();
  }
}

/** A response's decoding chain: the last coding applied is undone first. */
export class ContentDecoder {
  private constructor(private readonly stages: StreamDecoder[]) {}

  /** From the final response's headers; undefined when the body is not encoded. */
  static forResponse(headers: HeaderList): ContentDecoder | undefined {
    const names: string[] = [];
    for (const [name, value] of headers) {
      if (name.length !== 16 || name.toLowerCase() !== 'content-encoding') continue;
      for (const part of value.split(',')) {
        const n = part.trim().toLowerCase();
        if (n !== '') names.push(n);
      }
    }
    if (names.length === 0) return undefined;
    if (names.length > MAX_ENCODE_STACK) {
      throw new TransferError(
        CurlCode.BAD_CONTENT_ENCODING,
        'Reject response due to more than 5 content encodings',
        { side: 'remote', phase: 'decode' },
      );
    }
    const stages: StreamDecoder[] = [];
    try {
      for (let i = names.length - 1; i >= 0; i--) {
        const d = decoderFor(names[i]!);
        if (d !== undefined) stages.push(d);
      }
    } catch (e) {
      for (const s of stages) s.close();
      throw decodeError(e);
    }
    return stages.length === 0 ? undefined : new ContentDecoder(stages);
  }

  /** Give one received chunk; only once read() returned null (the previous one is used up). */
  push(chunk: Uint8Array): void {
    try {
      this.stages[0]!.push(chunk);
    } catch (e) {
      throw e instanceof TransferError ? e : decodeError(e);
    }
  }

  /** The next decoded piece (at most DECODE_PIECE bytes), or null when the chunks given are used up. */
  read(): Buffer | null {
    try {
      return this.pull(this.stages.length - 1);
    } catch (e) {
      throw e instanceof TransferError ? e : decodeError(e);
    }
  }

  /** A piece out of stage i, feeding it from stage i - 1 as it runs dry (the first coding undone first). */
  private pull(i: number): Buffer | null {
    const stage = this.stages[i]!;
    for (;;) {
      const piece = stage.read();
      if (piece !== null || i === 0) return piece;
      const input = this.pull(i - 1);
      if (input === null) return null;
      stage.push(input);
    }
  }

  close(): void {
    for (const s of this.stages) s.close();
  }
}
