// Handing a response to the application (libcurl's client writers): header lines to
// headerFunction, body bytes through the content decoder to writeFunction, with maxFileSize
// counted on decoded bytes and a PAUSE keeping what was not taken for later.
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import { PAUSE } from '../constants.js';
import type { Multi } from '../multi.js';
import type { Transfer } from '../transfer.js';

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

/**
 * Body bytes as received: counted (sizeDownload is the encoded size, as libcurl), decoded, written.
 * False when the transfer is paused with output still held.
 */
export function receiveBody(m: Multi, t: Transfer, data: Uint8Array): boolean {
  t.sizeDownload += data.length;
  // The closure only when decoding: plain bodies allocate nothing per chunk here.
  if (t.decoder !== undefined) t.decoder.write(data, (piece: Buffer) => writeBody(m, t, piece));
  else
    writeBody(
      m,
      t,
      Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    );
  return t.heldOutput.length === 0 && !t.recvPaused;
}

/** Write what a pause held back; false while still paused. */
export function flushHeld(m: Multi, t: Transfer): boolean {
  const held = t.heldOutput;
  while (held.length > 0) {
    if (t.recvPaused || !deliver(m, t, held[0]!)) return false;
    held.shift();
  }
  return !t.recvPaused;
}

function writeBody(m: Multi, t: Transfer, piece: Buffer): void {
  const max = t.o.maxFileSize;
  // On decoded bytes: a small encoded body that inflates past the limit (a decompression bomb)
  // stops here. As libcurl: the bytes up to the limit are written, then the transfer fails.
  if (max !== undefined && max > 0 && t.bodyBytes + piece.length > max) {
    const allowed = max - t.bodyBytes;
    if (allowed > 0) writeBody(m, t, piece.subarray(0, allowed));
    throw new TransferError(
      CurlCode.FILESIZE_EXCEEDED,
      `Exceeded the maximum allowed file size (${max}) with ${t.bodyBytes} bytes`,
      { phase: 'recv' },
    );
  }
  t.bodyBytes += piece.length;
  if (t.heldOutput.length > 0 || t.recvPaused || !deliver(m, t, piece)) t.heldOutput.push(piece);
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
