// CURLOPT_RANGE and CURLOPT_RESUME_FROM_LARGE for HTTP (libcurl's Curl_http_range, http_resume,
// the Content-Range parsing in http.c and http_firstwrite):
// - a GET asks `Range: bytes=<range>` or `bytes=<resumeFrom>-` (resumeFrom wins over range);
// - an upload says `Content-Range: bytes ...` and skips the first resumeFrom bytes of its body
//   (seekFunction, else read and dropped), sending only the rest;
// - a resumed GET answered without a matching Content-Range: 33 "HTTP server doesn't seem to
//   support byte ranges. Cannot resume.", unless the answer's size equals the resume point (the
//   document is complete: OK, no body); a 416 to it is no error and its body is dropped.
// libcurl uses 36 (BAD_DOWNLOAD_RESUME) only for FILE, FTP and SFTP; HTTP never gives it.
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import type { HeaderList } from '../../proto/h1/types.js';
import { PAUSE, READFUNC_ABORT } from '../constants.js';
import type { EasyOptions } from '../options.js';
import type { BodySource } from './upload.js';

function hasCustom(o: EasyOptions, lower: string): boolean {
  for (const line of o.httpHeader ?? []) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === lower) return true;
  }
  return false;
}

/** The byte range asked for: resumeFrom wins over range (libcurl's state.range). */
export function requestedRange(o: EasyOptions): string | undefined {
  if (o.resumeFrom !== undefined && o.resumeFrom > 0) return `${o.resumeFrom}-`;
  if (o.range !== undefined && o.range !== '') return o.range;
  return undefined;
}

/** The Range or Content-Range header for this request, if any (not when given as a custom header). */
export function rangeHeader(
  o: EasyOptions,
  body: BodySource | undefined,
  bodyLen: number,
): [string, string] | undefined {
  const resume = o.resumeFrom ?? 0;
  if (body === undefined) {
    const range = requestedRange(o);
    if (range === undefined || hasCustom(o, 'range')) return undefined;
    return ['Range', `bytes=${range}`];
  }
  if ((resume === 0 && (o.range === undefined || o.range === '')) || hasCustom(o, 'content-range'))
    return undefined;
  if (resume < 0) return ['Content-Range', `bytes 0-${bodyLen - 1}/${bodyLen}`];
  if (resume > 0) {
    const total = resume + bodyLen;
    return ['Content-Range', `bytes ${resume}-${total - 1}/${total}`];
  }
  return ['Content-Range', `bytes ${o.range}/${bodyLen}`];
}

/**
 * An upload resumed at resumeFrom: the body's first bytes are skipped (seekFunction, else read
 * and dropped) and its size shrinks. Returns the body to send.
 */
export function resumeUpload(
  o: EasyOptions,
  self: unknown,
  body: BodySource | undefined,
): BodySource | undefined {
  const offset = o.resumeFrom ?? 0;
  if (offset <= 0 || body === undefined) return body;
  if (body.kind === 'bytes') {
    if (offset > body.data.length) {
      throw new TransferError(CurlCode.READ_ERROR, `Unable to resume from offset ${offset}`, {
        phase: 'send',
      });
    }
    if (offset === body.data.length) throw alreadyUploaded();
    return { kind: 'bytes', data: body.data.subarray(offset) };
  }
  skipRead(o, self, offset);
  if (body.size < 0) return body;
  if (body.size - offset <= 0) throw alreadyUploaded();
  return { kind: 'read', size: body.size - offset };
}

function alreadyUploaded(): TransferError {
  return new TransferError(CurlCode.PARTIAL_FILE, 'File already completely uploaded', { phase: 'send' });
}

/** libcurl's cr_in_resume_from: seek if it can, else read and drop. */
function skipRead(o: EasyOptions, self: unknown, offset: number): void {
  const seek = o.seekFunction;
  if (seek !== undefined) {
    const r = seek.call(self, offset, 0);
    if (r === 0) return;
    if (r !== 2) throw new TransferError(CurlCode.READ_ERROR, 'Could not seek stream', { phase: 'callback' });
  }
  const read = o.readFunction;
  const buf = Buffer.allocUnsafe(Math.min(offset, 64 * 1024));
  let passed = 0;
  while (passed < offset) {
    const want = Math.min(buf.length, offset - passed);
    const n = read === undefined ? 0 : read.call(self, buf.subarray(0, want));
    if (n === PAUSE || n === READFUNC_ABORT || typeof n !== 'number' || n <= 0 || n > want) {
      throw new TransferError(CurlCode.READ_ERROR, `Could only read ${passed} bytes from the input`, {
        phase: 'callback',
      });
    }
    passed += n;
  }
}

export type ResumeVerdict = 'ok' | 'ignore-body' | 'complete';

/**
 * A final response to a request with resumeFrom: whether its body is the part asked for ('ok'),
 * to be dropped (a 416), or the document was complete already. Throws 33 otherwise.
 */
export function checkResume(
  o: EasyOptions,
  resumedGet: boolean,
  status: number,
  headers: HeaderList,
  contentLength: number,
): ResumeVerdict {
  const resume = o.resumeFrom ?? 0;
  if (!resumedGet || resume <= 0) return 'ok';
  if (status === 416) return 'ignore-body';
  let matched = false;
  for (const [name, value] of headers) {
    if (name.length !== 13 || name.toLowerCase() !== 'content-range') continue;
    const m = /^\s*(?:bytes:?\s*)?(\d+)?/i.exec(value);
    if (m?.[1] !== undefined) matched = Number(m[1]) === resume;
    else if (status < 300) return 'ok'; // "*/size" on a success: libcurl takes it all (resume_from = 0)
  }
  if (matched) return 'ok';
  if (contentLength === resume) return 'complete';
  throw new TransferError(
    CurlCode.RANGE_ERROR,
    "HTTP server doesn't seem to support byte ranges. Cannot resume.",
    { side: 'remote', phase: 'recv' },
  );
}
