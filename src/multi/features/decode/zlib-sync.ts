// Synchronous streaming decompression on node:zlib's native handles.
//
// Why this file reaches into zlib internals: the engine is synchronous (a chunk received inside
// socketAction must be decoded before the call returns), but node:zlib offers only
//  - streams (createGunzip...), which decode on the thread pool and answer later, and
//  - one-shot *Sync helpers; their engine, `_processChunk(chunk, flush)` without a callback
//    (processChunkSync in lib/zlib.js), closes the handle at the end of every call, so it cannot
//    carry a stream across chunks.
// processChunkSync is a loop over the handle's `writeSync(flush, in, inOff, inLen, out, outOff,
// outLen)` reading `_writeState` ([availOutAfter, availInAfter]). This is that loop without the
// close. It uses `_handle`, `_writeState` and `_chunkSize`, which every Node release from 10 to 24
// has, and it checks for them once, so a Node that changes them fails loudly here rather than
// deep in a transfer. Everything above sees only the StreamDecoder interface: a pure-JS decoder
// (fflate, fzstd) can replace this file without touching the engine.
import type * as Zlib from 'node:zlib';
import { EMPTY_BYTES } from '../../../proto/bytes.js';

/**
 * Decodes one coding, pulled piece by piece: `push` hands over input, each `read` decodes at most
 * one output piece (DECODE_PIECE bytes) from it. Nothing is decoded that nobody asked for, so a
 * reader that stops asking holds only the input it was given.
 */
export interface StreamDecoder {
  /** Give encoded bytes; only once `read` returned null for the previous input. */
  push(chunk: Uint8Array): void;
  /** The next decoded piece, or null when the input given so far is used up. Throws on corrupt input. */
  read(): Buffer | null;
  /** Release native memory (idempotent). */
  close(): void;
}

interface NativeHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
}

interface ZlibEngine {
  _handle: NativeHandle | null;
  _writeState: Uint32Array;
  _chunkSize: number;
  errored: Error | null;
  on(event: 'error', fn: (e: Error) => void): unknown;
  close(): void;
}

export type Coding = 'gzip' | 'deflate' | 'deflate-raw' | 'br' | 'zstd';

/** An inflater (zlib or raw deflate) that says where its stream ended. */
export interface RawInflater extends StreamDecoder {
  /**
   * Once the stream has ended and more input came: the input it did not take (what followed the
   * stream), handed out once; else undefined.
   */
  takeUnused(): Uint8Array | undefined;
}

/** The most one read() decodes: zlib's default chunk (Z_DEFAULT_CHUNK), 16 KiB. */
export const DECODE_PIECE = 16 * 1024;
const CHUNK = DECODE_PIECE;

type ZstdCtor = new (opts: { chunkSize: number }) => unknown;

/** node:zlib, loaded at the first decoder or question about codings (not at start-up). */
function nodeZlib(): typeof Zlib {
  return process.getBuiltinModule('node:zlib');
}

function zstdCtor(): ZstdCtor | undefined {
  return (nodeZlib() as unknown as { ZstdDecompress?: ZstdCtor }).ZstdDecompress;
}

/** Codings the running Node can decode. */
export function nativeCodings(): Coding[] {
  return zstdCtor() === undefined ? ['deflate', 'gzip', 'br'] : ['deflate', 'gzip', 'br', 'zstd'];
}

/** gzip is not among them: it is framed by GzipDecoder (gzip.ts) around a raw inflate. */
export type EngineCoding = Exclude<Coding, 'gzip'>;

function engineFor(coding: EngineCoding): { engine: ZlibEngine; flush: number } {
  const opts = { chunkSize: CHUNK };
  const zlib = nodeZlib();
  const c = zlib.constants;
  let engine: unknown;
  let flush: number = c.Z_SYNC_FLUSH;
  switch (coding) {
    case 'deflate':
      engine = new zlib.Inflate(opts);
      break;
    case 'deflate-raw':
      engine = new zlib.InflateRaw(opts);
      break;
    case 'br':
      engine = new zlib.BrotliDecompress(opts);
      flush = c.BROTLI_OPERATION_PROCESS;
      break;
    case 'zstd': {
      const zstd = zstdCtor();
      if (zstd === undefined) throw new Error('zstd is not available in this Node');
      engine = new zstd(opts);
      flush = (c as unknown as { ZSTD_e_continue?: number }).ZSTD_e_continue ?? 0;
      break;
    }
  }
  const e = engine as ZlibEngine;
  if (
    e._handle === null ||
    typeof e._handle.writeSync !== 'function' ||
    !(e._writeState instanceof Uint32Array)
  ) {
    throw new Error('node:zlib internals changed: no synchronous handle.writeSync (see zlib-sync.ts)');
  }
  // A native error destroys the stream, which emits 'error' on the next tick: it is reported
  // synchronously through `errored` below, so the event itself is only swallowed here.
  e.on('error', () => {});
  return { engine: e, flush };
}

class NativeDecoder implements RawInflater {
  private readonly engine: ZlibEngine;
  private readonly flush: number;
  private buf: Buffer;
  private off = 0;
  private input: Uint8Array = new Uint8Array(0);
  private inOff = 0;
  private availIn = 0;
  /** The last call filled the output buffer: the decoder may hold more output without new input. */
  private outputPending = false;
  /** Input left over when the stream had ended. */
  private rest: Uint8Array | undefined;

  constructor(coding: EngineCoding) {
    const { engine, flush } = engineFor(coding);
    this.engine = engine;
    this.flush = flush;
    this.buf = Buffer.allocUnsafe(engine._chunkSize);
  }

  push(chunk: Uint8Array): void {
    this.input = chunk;
    this.inOff = 0;
    this.availIn = chunk.byteLength;
  }

  read(): Buffer | null {
    const e = this.engine;
    const size = e._chunkSize;
    const state = e._writeState;
    while (this.availIn > 0 || this.outputPending) {
      const handle = e._handle;
      if (handle === null) throw e.errored ?? new Error('decoder closed');
      const availOut = size - this.off;
      const availIn = this.availIn;
      handle.writeSync(this.flush, this.input, this.inOff, availIn, this.buf, this.off, availOut);
      if (e.errored !== null) throw e.errored;
      const availOutAfter = state[0]!;
      const availInAfter = state[1]!;
      const have = availOut - availOutAfter;
      const start = this.off;
      this.inOff += availIn - availInAfter;
      this.availIn = availInAfter;
      this.outputPending = availOutAfter === 0;
      if (have === 0 && availInAfter === availIn && !this.outputPending) {
        // Asked only for output the last call might have held back (it had filled the buffer as
        // the input ran out), and there was none: the stream goes on with the next input. This is
        // not its end; taken for one, it failed valid data split at such a point.
        if (availIn === 0) break;
        // No progress on input: it is past the end of the stream. It is kept for takeUnused(),
        // not spun on.
        this.rest = this.input.subarray(this.inOff, this.inOff + availIn);
        this.availIn = 0;
        break;
      }
      if (have === 0) continue;
      // Pieces already handed out are never written again: a full buffer is replaced.
      if (start + have >= size) {
        const full = this.buf;
        this.buf = Buffer.allocUnsafe(size);
        this.off = 0;
        return full.subarray(start, start + have);
      }
      this.off = start + have;
      return this.buf.subarray(start, start + have);
    }
    this.input = EMPTY_BYTES;
    return null;
  }

  takeUnused(): Uint8Array | undefined {
    const rest = this.rest;
    this.rest = undefined;
    return rest;
  }

  close(): void {
    if (this.engine._handle !== null) this.engine.close();
  }
}

export function createNativeDecoder(coding: EngineCoding): RawInflater {
  return new NativeDecoder(coding);
}
