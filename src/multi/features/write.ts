// Handing a response to the application (libcurl's client writers): header lines to
// headerFunction, body bytes through the content decoder to writeFunction, with maxFileSize
// counted on decoded bytes and a PAUSE keeping what was not taken for later.
//
// Decoded output is pulled, one piece at a time, only while the transfer may deliver: not paused,
// nothing held, and budget left in this run. So a paused transfer decodes nothing, what it holds
// is bounded (MAX_HELD_OUTPUT), and one run's work is bounded in decoded bytes however much a
// received chunk expands: with budget spent the transfer yields and is run again from the timer
// (libcurl's EXPIRE_RUN_NOW), so other transfers and deadlines are served in between.
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import { PAUSE } from '../constants.js';
import type { Multi } from '../multi.js';
import { Timer } from '../timers.js';
import type { Transfer } from '../transfer.js';
import { DECODE_PIECE } from './decode/index.js';

/**
 * Decoded body bytes delivered for one transfer in one run before it yields: a decompression bomb
 * decodes at most this much per socketAction (about 1 ms of brotli, less of gzip). Plain bodies are
 * bounded by the read budget (MAX_READ_PER_RUN): what is delivered is what was read.
 */
export const MAX_DECODE_PER_RUN = 256 * 1024;

/**
 * What a paused transfer holds of its response body, at most: one received chunk not yet decoded
 * (a read, at most the transport's 64 KiB buffer), one decoded piece per coding in the stack, and
 * the one piece the write callback refused. Decoding stops at a pause, so this does not grow with
 * the body's expansion; `heldBytes()` reports it.
 */
export const MAX_HELD_OUTPUT = 64 * 1024 + 6 * DECODE_PIECE;

export function headerLine(m: Multi, t: Transfer, line: string): void {
  const fn = t.o.headerFunction;
  if (t.o.debugFunction !== undefined) m.callDebug(t, 'header-in', line);
  if (fn === undefined) return;
  let r: ReturnType<typeof fn>;
  try {
    r = fn.call(t.easy, line);
  } catch (cause) {
    throw new TransferError(
      CurlCode.WRITE_ERROR,
      `Failed writing header: headerFunction threw: ${String(cause)}`,
      {
        phase: 'callback',
        cause,
      },
    );
  }
  if (r === false || (typeof r === 'number' && r !== line.length)) {
    throw new TransferError(CurlCode.WRITE_ERROR, 'Failed writing header', { phase: 'callback' });
  }
}

/** A run starts: the transfer may decode MAX_DECODE_PER_RUN bytes before it yields. */
export function startDecodeRun(t: Transfer): void {
  t.decodeBudget = MAX_DECODE_PER_RUN;
}

/**
 * Body bytes as received: counted (sizeDownload is the encoded size, as libcurl), decoded, written.
 * False when the transfer cannot take more now: paused with output held, or its run's budget spent
 * (then it is due again at once, from the timer).
 */
export function receiveBody(m: Multi, t: Transfer, data: Uint8Array, now: number): boolean {
  t.sizeDownload += data.length;
  if (t.req.decoder !== undefined) {
    t.req.decoder.push(data);
    return drainDecoder(m, t, now);
  }
  writeBody(m, t, Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  return t.req.heldOutput.length === 0 && !t.recvPaused;
}

/** Write what a pause or a spent budget held back, then decode what is left; false while it cannot go on. */
export function flushHeld(m: Multi, t: Transfer, now: number): boolean {
  const held = t.req.heldOutput;
  while (held.length > 0) {
    if (t.recvPaused || !deliver(m, t, held[0]!)) return false;
    held.shift();
  }
  if (t.recvPaused) return false;
  return t.req.decoder === undefined || drainDecoder(m, t, now);
}

/** Bytes held for a paused consumer: refused pieces (the decoder's input is the reader's chunk). */
export function heldBytes(t: Transfer): number {
  let n = 0;
  for (const b of t.req.heldOutput) n += b.length;
  return n;
}

function drainDecoder(m: Multi, t: Transfer, now: number): boolean {
  const d = t.req.decoder!;
  while (canDeliver(m, t, now)) {
    const piece = d.read();
    if (piece === null) return true;
    t.decodeBudget -= piece.length;
    writeBody(m, t, piece);
  }
  return false;
}

/** Not paused, nothing held and budget left; with the budget spent the transfer is due again now. */
function canDeliver(m: Multi, t: Transfer, now: number): boolean {
  if (t.req.heldOutput.length > 0 || t.recvPaused) return false;
  if (t.decodeBudget > 0) return true;
  t.yieldedIn = m._action;
  m.expire(t, Timer.RUN_NOW, now);
  return false;
}

function writeBody(m: Multi, t: Transfer, piece: Buffer): void {
  const max = t.o.maxFileSize;
  // On decoded bytes: a small encoded body that inflates past the limit (a decompression bomb)
  // stops here. As libcurl: the bytes up to the limit are written, then the transfer fails.
  if (max !== undefined && max > 0 && t.req.bodyBytes + piece.length > max) {
    const allowed = max - t.req.bodyBytes;
    if (allowed > 0) writeBody(m, t, piece.subarray(0, allowed));
    throw new TransferError(
      CurlCode.FILESIZE_EXCEEDED,
      `Exceeded the maximum allowed file size (${max}) with ${t.req.bodyBytes} bytes`,
      { phase: 'recv' },
    );
  }
  t.req.bodyBytes += piece.length;
  if (t.req.heldOutput.length > 0 || t.recvPaused || !deliver(m, t, piece)) holdOutput(t, piece);
}

/** One piece to the write callback; false when it returned PAUSE (the piece was not taken). */
function deliver(m: Multi, t: Transfer, chunk: Buffer): boolean {
  const o = t.o;
  if (o.debugFunction !== undefined) m.callDebug(t, 'data-in', chunk);
  const fn = o.writeFunction;
  if (fn === undefined) return true;
  let r: ReturnType<typeof fn>;
  try {
    r = fn.call(t.easy, chunk);
  } catch (cause) {
    throw new TransferError(
      CurlCode.WRITE_ERROR,
      `Failure writing output to destination: writeFunction threw: ${String(cause)}`,
      { phase: 'callback', cause },
    );
  }
  if (r === PAUSE) {
    t.recvPaused = true;
    return false;
  }
  if (typeof r === 'number' && r !== chunk.length) {
    throw new TransferError(
      CurlCode.WRITE_ERROR,
      `Failure writing output to destination, passed ${chunk.length} returned ${r}`,
      { phase: 'callback' },
    );
  }
  return true;
}

/** Hold `piece` back; the first one makes the request's own list (the shared empty one is never written). */
function holdOutput(t: Transfer, piece: Buffer): void {
  const held = t.req.heldOutput;
  if (held.length === 0) t.req.heldOutput = [piece];
  else held.push(piece);
}
