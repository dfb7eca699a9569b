// Request bodies (libcurl's client readers and http.c's body rules): postFields bytes, or a
// readFunction stream with a known size (Content-Length) or not (chunked); Expect: 100-continue
// for big or unknown bodies, with its timeout and the 417 retry; stopping early when the server
// answers before the body is sent.
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import type { HeaderList } from '../../proto/h1/types.js';
import { PAUSE, READFUNC_ABORT } from '../constants.js';
import type { EasyOptions } from '../options.js';
import type { RequestShape } from '../request.js';
import type { MimeReader } from './mime.js';

/** libcurl's EXPECT_100_THRESHOLD: bodies above this (or of unknown size) ask first. */
export const EXPECT_100_THRESHOLD = 1024 * 1024;
/** libcurl's MAX_INITIAL_POST_SIZE: a body this small goes out with the head in one send. */
export const MAX_INITIAL_POST_SIZE = 64 * 1024;
/** CURLOPT_UPLOAD_BUFFERSIZE default: what one readFunction call may fill. */
export const UPLOAD_BUFFER_SIZE = 64 * 1024;
/** CURLOPT_EXPECT_100_TIMEOUT_MS default. */
export const DEFAULT_EXPECT_100_TIMEOUT_MS = 1000;

export type BodySource =
  | { kind: 'bytes'; data: Uint8Array }
  /** A read callback body; `mime` when it is a mimePost body (its own reader and Content-Type). */
  | { kind: 'read'; size: number; mime?: { reader: MimeReader; contentType: string } };

const postFieldsEncoder = new TextEncoder();

/** The body the options ask for (none after a redirect turned the request into a GET). */
export function bodySource(o: EasyOptions, s: RequestShape): BodySource | undefined {
  // A HEAD (nobody) never carries a body, whatever else is set (libcurl's HTTPREQ_HEAD).
  if (s.postToGet || o.httpGet || o.nobody) return undefined;
  if (o.upload) return { kind: 'read', size: o.inFileSize ?? -1 };
  if (o.mimePost !== undefined) {
    // libcurl's HTTPREQ_POST_MIME (mimePost wins over postFields: one options object has no order).
    const reader = o.mimePost._reader();
    return { kind: 'read', size: reader.size, mime: { reader, contentType: o.mimePost.contentType } };
  }
  if (o.postFields !== undefined) {
    const data = typeof o.postFields === 'string' ? postFieldsEncoder.encode(o.postFields) : o.postFields;
    if (o.postFieldSize !== undefined && o.postFieldSize >= 0 && o.postFieldSize < data.length)
      return { kind: 'bytes', data: data.subarray(0, o.postFieldSize) };
    return { kind: 'bytes', data };
  }
  if (o.post) return { kind: 'read', size: o.postFieldSize ?? -1 };
  return undefined;
}

export function bodyLength(b: BodySource | undefined): number {
  if (b === undefined) return 0;
  return b.kind === 'bytes' ? b.data.length : b.size;
}

/** Whether libcurl would add Expect: 100-continue (HTTP/1.1, big or unknown size, not disabled by a 417). */
export function wantsExpect(b: BodySource | undefined, http10: boolean, s: RequestShape): boolean {
  if (b === undefined || http10 || s.disableExpect) return false;
  const len = bodyLength(b);
  return len < 0 || len > EXPECT_100_THRESHOLD;
}

function firstHeaderValue(list: HeaderList, lower: string): string | undefined {
  for (const [n, v] of list) if (n.toLowerCase() === lower) return v;
  return undefined;
}

/** After custom headers were applied: the request asks for 100 Continue before its body. */
export function expects100(list: HeaderList): boolean {
  const expect = firstHeaderValue(list, 'expect');
  return expect !== undefined && expect.trim().toLowerCase() === '100-continue';
}

/**
 * The body being sent in the performing state: payload bytes only; the stream frames them
 * (HTTP/1 chunked, HTTP/2 DATA frames).
 */
export class Upload {
  /** Payload bytes ready to go. */
  pending: Uint8Array[] = [];
  /** Payload bytes still to read (-1: until the callback says EOF). */
  remaining: number;
  /** Read everything, pending may still hold bytes. */
  eof = false;
  /** Everything sent, the stream's end of body included. */
  done = false;
  /** 'waiting' for a 100 (or the timeout, or a final response); 'go' otherwise. */
  expect: 'waiting' | 'go';
  /** Bytes already read from the readFunction (a retry then needs a rewind). */
  readBytes = 0;
  /** The server answered before the body was sent: stop sending. */
  stopped = false;
  private readonly buf: Buffer | undefined;

  constructor(
    readonly source: BodySource,
    /** The stream frames the body: its end must still be sent after the last payload byte. */
    framed: boolean,
    /** The head carries Expect: 100-continue. */
    readonly expectAnnounced: boolean,
    /** Bytes of a small body already sent with the head. */
    sentWithHead: boolean,
  ) {
    this.expect = expectAnnounced ? 'waiting' : 'go';
    if (source.kind === 'bytes') {
      this.remaining = 0;
      this.eof = true;
      this.buf = undefined;
      if (sentWithHead || (source.data.length === 0 && !framed)) this.done = true;
      else if (source.data.length > 0) this.pending = [source.data];
    } else {
      this.remaining = source.size;
      this.buf = Buffer.allocUnsafe(UPLOAD_BUFFER_SIZE);
      if (source.size === 0) {
        this.eof = true;
        this.done = !framed;
      }
    }
  }

  /** True while there is something to send now (the socket's OUT interest). */
  wantsToSend(sendPaused: boolean): boolean {
    return !this.done && !this.stopped && !sendPaused && this.expect === 'go';
  }

  /**
   * Fill `pending` from the read callback. Returns 'pause' when the callback paused, or
   * undefined. Throws 42 on READFUNC_ABORT, 26 on a bad return or a short body.
   */
  fill(o: EasyOptions, self: unknown): 'pause' | undefined {
    if (this.eof || this.source.kind === 'bytes') return undefined;
    const mime = this.source.mime;
    const fn: ((buf: Buffer) => ReturnType<NonNullable<EasyOptions['readFunction']>>) | undefined =
      mime !== undefined ? (buf) => mime.reader.read(buf) : o.readFunction;
    if (fn === undefined) {
      // libcurl reads stdin (fread) without a callback; an engine has no stdin: an empty body.
      return this.finishRead(o);
    }
    const want = this.remaining < 0 ? this.buf!.length : Math.min(this.buf!.length, this.remaining);
    const buf = this.buf!.subarray(0, want);
    let r: ReturnType<typeof fn>;
    try {
      r = fn.call(self, buf);
    } catch (cause) {
      throw new TransferError(
        CurlCode.READ_ERROR,
        `Failed reading the upload: readFunction threw: ${String(cause)}`,
        {
          phase: 'callback',
          cause,
        },
      );
    }
    if (r === PAUSE) return 'pause';
    if (r === READFUNC_ABORT) {
      throw new TransferError(CurlCode.ABORTED_BY_CALLBACK, 'operation aborted by callback', {
        phase: 'callback',
      });
    }
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r > want) {
      throw new TransferError(CurlCode.READ_ERROR, 'read function returned funny value', {
        phase: 'callback',
      });
    }
    if (r === 0) return this.finishRead(o);
    this.readBytes += r;
    // The buffer is reused for the next read: what goes out must be a copy.
    this.pending.push(Buffer.from(buf.subarray(0, r)));
    if (this.remaining > 0) {
      this.remaining -= r;
      if (this.remaining === 0) this.eof = true;
    }
    return undefined;
  }

  private finishRead(_o: EasyOptions): undefined {
    if (this.remaining > 0) {
      const total = this.readBytes + this.remaining;
      throw new TransferError(
        CurlCode.READ_ERROR,
        `client read function EOF fail, only ${this.readBytes}/${total} of needed bytes read`,
        { phase: 'send' },
      );
    }
    this.eof = true;
    return undefined;
  }
}

/**
 * Before the body is sent again (libcurl's cr_in_rewind): nothing to do for bytes or a read
 * callback not called yet; otherwise seekFunction(0, SEEK_SET) must say OK, else 65.
 */
export function rewindBody(o: EasyOptions, self: unknown, u: Upload | undefined): void {
  if (u === undefined || u.source.kind !== 'read' || u.readBytes === 0) return;
  if (u.source.mime !== undefined) {
    if (!u.source.mime.reader.rewind()) {
      throw new TransferError(CurlCode.SEND_FAIL_REWIND, "necessary data rewind wasn't possible", {
        phase: 'send',
      });
    }
    u.readBytes = 0;
    return;
  }
  const seek = o.seekFunction;
  if (seek === undefined) {
    throw new TransferError(CurlCode.SEND_FAIL_REWIND, "necessary data rewind wasn't possible", {
      phase: 'send',
    });
  }
  let r: number;
  try {
    r = seek.call(self, 0, 0);
  } catch (cause) {
    throw new TransferError(CurlCode.SEND_FAIL_REWIND, `seek callback threw: ${String(cause)}`, {
      phase: 'callback',
      cause,
    });
  }
  if (r !== 0) {
    throw new TransferError(CurlCode.SEND_FAIL_REWIND, `seek callback returned error ${r}`, {
      phase: 'callback',
    });
  }
  u.readBytes = 0;
}
