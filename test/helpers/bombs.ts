// Decompression bombs built cheaply, streamed from a few repeated pieces rather than compressed
// whole: a server writes `head`, then `repeat` `count` times, then `tail`.
//  - gzip: one member (a second one fails the transfer, as in libcurl) whose deflate data is
//    segments of 16 MiB of zeros (about 16 KB each), each ended by a full flush (byte-aligned, no
//    back-references across it), so one segment repeated gives any size at deflate's ~1000:1.
//    The member never ends: the limits under test stop the transfer first.
//  - br: a brotli stream of zeros flushed every 16 MiB settles into one identical 14-byte
//    meta-block sequence; repeated, then closed by an empty last meta-block (ISLAST, ISLASTEMPTY).
//  - deflate: the same full-flushed segments inside one zlib stream.
//  - zstd: frames, which may follow one another, repeated.
import type { Socket } from 'node:net';
import * as zlib from 'node:zlib';

export interface Bomb {
  coding: string;
  head: Buffer;
  repeat: Buffer;
  count: number;
  tail: Buffer;
  /** Decoded size. */
  size: number;
}

const SEGMENT = 16 * 1024 * 1024;
const zeros = Buffer.alloc(SEGMENT);

/** A full-flushed raw deflate segment of 16 MiB of zeros; any number of them is valid deflate. */
function rawSegment(): Buffer {
  return zlib.deflateRawSync(zeros, { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
}

/** A gzip bomb of `segments` x 16 MiB of zeros: one member, never finished. */
export function gzipBomb(segments: number): Bomb {
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
  const segment = rawSegment();
  return {
    coding: 'gzip',
    head: Buffer.concat([header, segment]),
    repeat: segment,
    count: segments - 1,
    tail: Buffer.alloc(0),
    size: segments * SEGMENT,
  };
}

/** A zlib ('deflate') bomb: full-flushed segments repeated inside one stream, never finished. */
export function deflateBomb(segments: number): Bomb {
  const d = zlib.deflateSync(zeros, { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  const d2 = rawSegment();
  // d = 2-byte zlib header + the first segment; d2 is a raw segment starting with an empty window,
  // which is what follows a full flush.
  return {
    coding: 'deflate',
    head: d,
    repeat: d2,
    count: segments - 1,
    tail: Buffer.alloc(0),
    size: segments * SEGMENT,
  };
}

/** A brotli bomb of `segments` x 16 MiB of zeros (4 GiB is 256 segments, about 3.6 KB). */
export async function brotliBomb(segments: number): Promise<Bomb> {
  const enc = zlib.createBrotliCompress({
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_LGWIN]: 24 },
  });
  let cur: Buffer[] = [];
  enc.on('data', (d: Buffer) => cur.push(d));
  const pieces: Buffer[] = [];
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => {
      enc.write(zeros);
      enc.flush(zlib.constants.BROTLI_OPERATION_FLUSH, () => resolve());
    });
    pieces.push(Buffer.concat(cur));
    cur = [];
  }
  enc.destroy();
  if (!pieces[1]!.equals(pieces[2]!)) throw new Error('brotli flush pieces differ: cannot build the bomb');
  return {
    coding: 'br',
    head: Buffer.concat([pieces[0]!, pieces[1]!]),
    repeat: pieces[1]!,
    count: segments - 2,
    tail: Buffer.from([0x03]),
    size: segments * SEGMENT,
  };
}

/** Encoded size of the bomb. */
export function encodedSize(b: Bomb): number {
  return b.head.length + b.repeat.length * b.count + b.tail.length;
}

/** Bytes per socket write: a whole small bomb arrives in one read, as from a real server. */
const WRITE_SIZE = 64 * 1024;

/**
 * Write the bomb's body to `socket` in writes of up to 64 KiB with backpressure (so the server
 * holds at most a socket buffer), stopping when the socket closes.
 */
export function streamBomb(socket: Socket, b: Bomb, done?: () => void): void {
  const perWrite = Math.max(1, Math.floor(WRITE_SIZE / b.repeat.length));
  let left = b.count;
  let headSent = false;
  const next = (): void => {
    while (!socket.destroyed) {
      const parts: Buffer[] = [];
      if (!headSent) {
        parts.push(b.head);
        headSent = true;
      }
      const n = Math.min(left, perWrite);
      for (let i = 0; i < n; i++) parts.push(b.repeat);
      left -= n;
      if (left === 0) {
        parts.push(b.tail);
        socket.end(Buffer.concat(parts), done);
        return;
      }
      if (!socket.write(Buffer.concat(parts))) {
        socket.once('drain', next);
        return;
      }
    }
  };
  next();
}
