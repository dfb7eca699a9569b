// gzip (RFC 1952) as libcurl decodes it: one member. The header and the trailer are read here and
// the deflate data between them is inflated raw by zlib. node:zlib's Gunzip would go on into a
// second member, or skip zero padding after the first; libcurl's zlib stops at the end of the first
// member, and any byte after it fails the transfer with CURLE_WRITE_ERROR (content_encoding.c,
// process_trailer), which is what this decoder does. Header and trailer problems carry zlib's own
// words, as with libcurl.
import { CurlCode, curlStrerror } from '../../../core/codes.js';
import { TransferError } from '../../../core/errors.js';
import { EMPTY_BYTES } from '../../../proto/bytes.js';
import { createNativeDecoder, type RawInflater, type StreamDecoder } from './zlib-sync.js';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

type Stage = 'fixed' | 'xlen' | 'extra' | 'name' | 'comment' | 'hcrc' | 'body' | 'trailer' | 'done';

function crc32(data: Uint8Array, value: number): number {
  return process.getBuiltinModule('node:zlib').crc32(data, value);
}

/** Bytes after the end of the stream: libcurl fails with CURLE_WRITE_ERROR and no message of its own. */
export function dataAfterEnd(): TransferError {
  return new TransferError(CurlCode.WRITE_ERROR, curlStrerror(CurlCode.WRITE_ERROR), {
    side: 'remote',
    phase: 'decode',
  });
}

export class GzipDecoder implements StreamDecoder {
  #stage: Stage = 'fixed';
  /** Bytes of the current fixed-size part (10-byte header, XLEN, header CRC, 8-byte trailer). */
  #part: Uint8Array = EMPTY_BYTES;
  #flags = 0;
  /** Bytes of the extra field still to skip. */
  #skip = 0;
  /** CRC-32 of the header so far (FHCRC), then of the decoded data. */
  #crc = 0;
  /** Decoded length modulo 2^32 (the trailer's ISIZE). */
  #size = 0;
  /** Input given to push() that the header parse has not reached yet. */
  #input: Uint8Array = EMPTY_BYTES;
  readonly #inflate: RawInflater = createNativeDecoder('deflate-raw');

  push(chunk: Uint8Array): void {
    if (this.#stage === 'body') this.#inflate.push(chunk);
    else this.#input = chunk;
  }

  read(): Buffer | null {
    for (;;) {
      switch (this.#stage) {
        case 'body': {
          const out = this.#inflate.read();
          if (out !== null) {
            this.#crc = crc32(out, this.#crc);
            this.#size = (this.#size + out.length) >>> 0;
            return out;
          }
          const rest = this.#inflate.takeUnused();
          if (rest === undefined) return null;
          this.#stage = 'trailer';
          this.#input = rest;
          break;
        }
        case 'trailer':
          if (!this.#gather(8)) return null;
          this.#checkTrailer();
          break;
        case 'done':
          if (this.#input.length > 0) throw dataAfterEnd();
          return null;
        default:
          if (!this.#header()) return null;
      }
    }
  }

  close(): void {
    this.#inflate.close();
  }

  /** Moves `#input` into `#part` until it holds n bytes; true when it does. */
  #gather(n: number): boolean {
    const want = n - this.#part.length;
    if (want <= 0) return true;
    const take = this.#input.subarray(0, want);
    this.#input = this.#input.subarray(take.length);
    this.#part = this.#part.length === 0 ? take : Buffer.concat([this.#part, take]);
    return this.#part.length === n;
  }

  /** The header part `#part` is complete: into the header CRC, and cleared. */
  #consumed(): Uint8Array {
    const p = this.#part;
    this.#crc = crc32(p, this.#crc);
    this.#part = EMPTY_BYTES;
    return p;
  }

  /** Skips a NUL-terminated field of the input; true once the NUL was seen. */
  #skipZeroTerminated(): boolean {
    const nul = this.#input.indexOf(0);
    const upTo = nul < 0 ? this.#input.length : nul + 1;
    this.#crc = crc32(this.#input.subarray(0, upTo), this.#crc);
    this.#input = this.#input.subarray(upTo);
    return nul >= 0;
  }

  /** One step of the header; false when it needs more input. */
  #header(): boolean {
    switch (this.#stage) {
      case 'fixed': {
        if (!this.#gather(10)) return false;
        const h = this.#consumed();
        if (h[0] !== 0x1f || h[1] !== 0x8b) throw new Error('incorrect header check');
        if (h[2] !== 8) throw new Error('unknown compression method');
        this.#flags = h[3]!;
        if ((this.#flags & FRESERVED) !== 0) throw new Error('unknown header flags set');
        this.#stage = 'xlen';
        return true;
      }
      case 'xlen':
        if ((this.#flags & FEXTRA) !== 0) {
          if (!this.#gather(2)) return false;
          const x = this.#consumed();
          this.#skip = x[0]! | (x[1]! << 8);
        }
        this.#stage = 'extra';
        return true;
      case 'extra': {
        const n = Math.min(this.#skip, this.#input.length);
        this.#crc = crc32(this.#input.subarray(0, n), this.#crc);
        this.#input = this.#input.subarray(n);
        this.#skip -= n;
        if (this.#skip > 0) return false;
        this.#stage = 'name';
        return true;
      }
      case 'name':
        if ((this.#flags & FNAME) !== 0 && !this.#skipZeroTerminated()) return false;
        this.#stage = 'comment';
        return true;
      case 'comment':
        if ((this.#flags & FCOMMENT) !== 0 && !this.#skipZeroTerminated()) return false;
        this.#stage = 'hcrc';
        return true;
      default: {
        if ((this.#flags & FHCRC) !== 0) {
          const expected = this.#crc & 0xffff;
          if (!this.#gather(2)) return false;
          const c = this.#part;
          this.#part = EMPTY_BYTES;
          if ((c[0]! | (c[1]! << 8)) !== expected) throw new Error('header crc mismatch');
        }
        this.#stage = 'body';
        this.#crc = 0;
        this.#inflate.push(this.#input);
        this.#input = EMPTY_BYTES;
        return true;
      }
    }
  }

  #checkTrailer(): void {
    const t = this.#part;
    this.#part = EMPTY_BYTES;
    const crc = (t[0]! | (t[1]! << 8) | (t[2]! << 16) | (t[3]! << 24)) >>> 0;
    const size = (t[4]! | (t[5]! << 8) | (t[6]! << 16) | (t[7]! << 24)) >>> 0;
    if (crc !== this.#crc >>> 0) throw new Error('incorrect data check');
    if (size !== this.#size) throw new Error('incorrect length check');
    this.#stage = 'done';
  }
}
