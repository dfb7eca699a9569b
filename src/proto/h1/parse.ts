// The pure parsing pieces of the response reader: status line, field lines, framing fields,
// chunk-size lines. Each either returns a value or throws ProtocolError with libcurl's code.

import { CurlCode } from '../../core/codes.js';
import { latin1Decode } from './latin1.js';
import { hexValue, isDigit, quoteForMessage, TCHAR } from './syntax.js';
import { ProtocolError } from './types.js';

/** How much of a bad status line an error message quotes. */
export const SHOWN_STATUS_BYTES = 40;

/**
 * `s.toLowerCase() === lower` for an ASCII-lowercase `lower`, without allocating the lowered copy
 * (three framing fields are looked up per response head).
 */
export function equalsLowerAscii(s: string, lower: string): boolean {
  return s.length === lower.length && equalsLowerAsciiAt(s, 0, lower);
}

/** `s.slice(start, start + lower.length).toLowerCase() === lower`, without the copies. */
export function equalsLowerAsciiAt(s: string, start: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    let c = s.charCodeAt(start + i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Where the line text[start, stop) ends without its LF or CRLF. */
export function contentEnd(text: string, start: number, stop: number): number {
  return stop - start >= 2 && text.charCodeAt(stop - 2) === 0x0d ? stop - 2 : stop - 1;
}

/**
 * libcurl's checks on every head line (the status line included), content without its line
 * ending: a NUL anywhere, or a CR that does not end the line, fails the response.
 */
export function checkHeadLine(text: string, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x00) throw new ProtocolError(CurlCode.WEIRD_SERVER_REPLY, 'Nul byte in header');
    if (c === 0x0d) {
      throw new ProtocolError(CurlCode.WEIRD_SERVER_REPLY, 'Carriage return found in header');
    }
  }
}

/**
 * Whether every line of `text` (whole lines, each ending in LF or CRLF) passes checkHeadLine: no
 * NUL, and every CR right before an LF. A few native searches over the block instead of a loop
 * over every character of every line; false means a line fails and checkHeadLine says which.
 */
export function headBlockClean(text: string): boolean {
  if (text.indexOf('\0') !== -1) return false;
  for (let cr = text.indexOf('\r'); cr !== -1; cr = text.indexOf('\r', cr + 2)) {
    if (text.charCodeAt(cr + 1) !== 0x0a) return false;
  }
  return true;
}

/**
 * A first line that cannot start "HTTP/": HTTP/0.9, which is refused; on a connection that
 * already carried a response, or after an interim response, it is a broken status line.
 */
export function notHttpError(seenHttp: boolean): ProtocolError {
  return seenHttp
    ? new ProtocolError(CurlCode.WEIRD_SERVER_REPLY, 'Invalid status line')
    : new ProtocolError(CurlCode.UNSUPPORTED_PROTOCOL, 'Received HTTP/0.9 when not allowed');
}

export interface StatusLine {
  status: number;
  version: 10 | 11 | 20 | 30;
  reason: string;
}

/** libcurl's ISBLANK. */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Three digits at line[i..i+2] followed by white space (ISSPACE) or the line's end; else -1. */
function statusCodeAt(line: string, i: number): number {
  const a = line.charCodeAt(i);
  const b = line.charCodeAt(i + 1);
  const c = line.charCodeAt(i + 2);
  if (!isDigit(a) || !isDigit(b) || !isDigit(c)) return -1;
  const next = line.charCodeAt(i + 3);
  if (i + 3 < line.length && next !== 0x20 && (next < 0x09 || next > 0x0d)) return -1;
  return (a - 0x30) * 100 + (b - 0x30) * 10 + (c - 0x30);
}

function unsupportedProtocol(message: string): ProtocolError {
  return new ProtocolError(CurlCode.UNSUPPORTED_PROTOCOL, message);
}

/**
 * The status line as libcurl reads it (its first five bytes are "HTTP/" in any case, checked
 * before): "HTTP/1.0" or "HTTP/1.1", a blank, three digits, then white space or the end, else
 * "Unsupported HTTP/1 subversion"; "HTTP/2" and "HTTP/3" the same without a minor version; any
 * other major version is refused. A line that starts "HTTP/" but matches none of these (other
 * case, "HTTP/2x") is libcurl's HTTP 200 alias: HTTP/1.0 200.
 */
export function parseStatusLine(line: string): StatusLine {
  let status = -1;
  let version: StatusLine['version'] = 11;
  let at = 0;
  if (line.startsWith('HTTP/')) {
    const major = line.charCodeAt(5);
    if (major === 0x31) {
      const minor = line.charCodeAt(7);
      if (line.charCodeAt(6) === 0x2e && (minor === 0x30 || minor === 0x31) && isBlank(line.charCodeAt(8))) {
        version = minor === 0x30 ? 10 : 11;
        status = statusCodeAt(line, 9);
        at = 12;
      }
      if (status === -1) throw unsupportedProtocol('Unsupported HTTP/1 subversion in response');
    } else if (major === 0x32 || major === 0x33) {
      if (isBlank(line.charCodeAt(6))) {
        version = major === 0x32 ? 20 : 30;
        status = statusCodeAt(line, 7);
        at = 10;
      }
    } else {
      throw unsupportedProtocol('Unsupported HTTP version in response');
    }
  }
  if (status === -1) return { status: 200, version: 10, reason: '' };
  if (status < 100) throw unsupportedProtocol('Unsupported response code in HTTP response');
  // The reason phrase: what follows the white space after the code, as sent.
  return { status, version, reason: line.length > at + 1 ? line.slice(at + 1) : '' };
}

/**
 * A response header line as libcurl takes it: the name is whatever comes before the first colon,
 * the value is trimmed of blanks; a line without a colon fails.
 */
export function parseHeaderField(text: string, start: number, end: number): [string, string] {
  const colon = fieldColon(text, start, end);
  return [text.slice(start, colon), fieldLineValue(text, colon, end)];
}

/** Where the field line text[start, end) has its colon; a line without one fails the response. */
export function fieldColon(text: string, start: number, end: number): number {
  const colon = text.indexOf(':', start);
  if (colon === -1 || colon >= end) {
    throw new ProtocolError(CurlCode.WEIRD_SERVER_REPLY, 'Header without colon');
  }
  return colon;
}

/** The value of a field line whose colon is at `colon`, without its OWS. */
export function fieldLineValue(text: string, colon: number, end: number): string {
  let vStart = colon + 1;
  let vEnd = end;
  while (vStart < vEnd && isOws(text.charCodeAt(vStart))) vStart++;
  while (vEnd > vStart && isOws(text.charCodeAt(vEnd - 1))) vEnd--;
  return text.slice(vStart, vEnd);
}

/** A trailer field: `name ":" OWS value OWS` from text[start, end), the name a token. */
export function parseField(
  text: string,
  start: number,
  end: number,
  what: 'header' | 'trailer',
): [string, string] {
  const c0 = text.charCodeAt(start);
  if (c0 === 0x20 || c0 === 0x09) {
    throw new ProtocolError(
      CurlCode.WEIRD_SERVER_REPLY,
      `Invalid response ${what}: obs-fold not allowed: ${quoteForMessage(text.slice(start, end))}`,
    );
  }
  let colon = start;
  for (; colon < end; colon++) {
    const c = text.charCodeAt(colon);
    if (c === 0x3a) break;
    if (TCHAR[c] !== 1) colon = end + 1; // not a token: reported below
  }
  if (colon === end) {
    throw new ProtocolError(
      CurlCode.WEIRD_SERVER_REPLY,
      `Invalid response ${what}: no colon: ${quoteForMessage(text.slice(start, end))}`,
    );
  }
  if (colon === start || colon > end) {
    throw new ProtocolError(
      CurlCode.WEIRD_SERVER_REPLY,
      `Invalid response ${what} name: ${quoteForMessage(text.slice(start, end))}`,
    );
  }
  let vStart = colon + 1;
  let vEnd = end;
  while (vStart < vEnd && isOws(text.charCodeAt(vStart))) vStart++;
  while (vEnd > vStart && isOws(text.charCodeAt(vEnd - 1))) vEnd--;
  for (let i = vStart; i < vEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d || c === 0x00) {
      throw new ProtocolError(
        CurlCode.WEIRD_SERVER_REPLY,
        `Invalid response ${what} value (CR or NUL) in ${quoteForMessage(text.slice(start, colon))}`,
      );
    }
  }
  return [text.slice(start, colon), text.slice(vStart, vEnd)];
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Trims SP/HTAB only (String#trim would also eat \xa0, \v, \f: not OWS). */
function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isOws(s.charCodeAt(a))) a++;
  while (b > a && isOws(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Whether a comma-separated list (values already OWS-trimmed) holds token, case-insensitively. */
export function hasToken(list: string, token: string): boolean {
  if (list.indexOf(',') === -1) return list.length === token.length && list.toLowerCase() === token;
  for (const part of list.split(',')) {
    if (trimOws(part).toLowerCase() === token) return true;
  }
  return false;
}

/** Transfer-Encoding state across the head's fields. */
export interface TransferCodings {
  chunked: boolean;
}

/**
 * One Transfer-Encoding field as libcurl's unencoding stack reads it with transfer decoding off
 * (its default): "identity" is skipped, "chunked" decodes the body (repeated: the rest of the
 * field is ignored), any other coding is refused: listed after chunked, or unsolicited. With raw
 * transfer coding (skip), the first coding that is not chunked ends the field unread.
 */
export function transferCodings(value: string, state: TransferCodings, skip: boolean): void {
  let hasChunked = false;
  for (const part of value.split(',')) {
    // Leading blanks skipped; the name ends at its last byte above space (libcurl's rule).
    let a = 0;
    let b = part.length;
    while (a < b && isOws(part.charCodeAt(a))) a++;
    while (b > a && part.charCodeAt(b - 1) <= 0x20) b--;
    const name = part.slice(a, b);
    if (name.length === 0) continue;
    const lower = name.toLowerCase();
    if (lower === 'chunked') {
      if (state.chunked) return;
      state.chunked = true;
      hasChunked = true;
      continue;
    }
    if (skip) return;
    if (hasChunked) {
      throw new ProtocolError(
        CurlCode.BAD_CONTENT_ENCODING,
        `A Transfer-Encoding (${name}) was listed after chunked`,
      );
    }
    if (lower === 'identity') continue;
    throw new ProtocolError(CurlCode.BAD_CONTENT_ENCODING, `Unsolicited Transfer-Encoding (${name}) found`);
  }
}

/** 2^63-1 as digits: libcurl keeps sizes in a signed 64-bit curl_off_t. */
const OFF_T_MAX = '9223372036854775807';

/** Whether a string of decimal digits (no sign, leading zeros allowed) exceeds 2^63-1. */
function overflowsOffT(digits: string): boolean {
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 0x30) i++;
  const d = i === 0 ? digits : digits.slice(i);
  return d.length > OFF_T_MAX.length || (d.length === OFF_T_MAX.length && d > OFF_T_MAX);
}

const INVALID_CL = 'Invalid Content-Length: value';

/**
 * One Content-Length field as libcurl 8 reads it: a comma list of decimal numbers with optional
 * blanks around each, all equal, and equal to any earlier field's (previous, -1 for none).
 * Returns the length, or Infinity when it does not fit 63 bits (libcurl: "Overflow
 * Content-Length", read until close). Anything else fails with "Invalid Content-Length: value".
 */
export function parseContentLength(value: string, previous: number): number {
  // The usual value: one number of at most 15 digits (exact as a double, far below 2^63).
  if (value.length <= 15) {
    let n = 0;
    let i = 0;
    for (; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      n = n * 10 + (c - 0x30);
    }
    if (i > 0 && i === value.length) {
      if (previous !== -1 && n !== previous) throw new ProtocolError(CurlCode.WEIRD_SERVER_REPLY, INVALID_CL);
      return n;
    }
  }
  let result = previous;
  for (const part of value.indexOf(',') === -1 ? [value] : value.split(',')) {
    const s = trimOws(part);
    if (s.length === 0) throw new ProtocolError(CurlCode.WEIRD_SERVER_REPLY, INVALID_CL);
    for (let i = 0; i < s.length; i++) {
      if (!isDigit(s.charCodeAt(i))) throw new ProtocolError(CurlCode.WEIRD_SERVER_REPLY, INVALID_CL);
    }
    // Beyond 2^53 a double is not exact; such a body is never read to its end anyway.
    const n = overflowsOffT(s) ? Number.POSITIVE_INFINITY : Number(s);
    if (result !== -1 && n !== result) throw new ProtocolError(CurlCode.WEIRD_SERVER_REPLY, INVALID_CL);
    result = n;
  }
  return result;
}

/** libcurl's CHUNK_MAXNUM_LEN: hex digits in a chunk size. */
const CHUNK_MAX_DIGITS = 16;

/**
 * A chunk-size line as libcurl's http_chunks.c reads it: hex digits (at most 16, at most 2^63-1),
 * then anything up to the line feed is ignored (extensions included).
 */
export function parseChunkSize(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && hexValue(buf[i]!) !== -1) i++;
  const digits = i - start;
  if (digits === 0) {
    throw new ProtocolError(
      CurlCode.RECV_ERROR,
      `chunk hex-length char not a hex digit: 0x${buf[start]!.toString(16)}`,
    );
  }
  if (digits > CHUNK_MAX_DIGITS) {
    throw new ProtocolError(CurlCode.RECV_ERROR, `chunk hex-length longer than ${CHUNK_MAX_DIGITS}`);
  }
  const hex = latin1Decode(buf, start, i);
  if (digits === CHUNK_MAX_DIGITS && hexValue(buf[start]!) > 7) {
    throw new ProtocolError(CurlCode.RECV_ERROR, `invalid chunk size: '${hex}'`);
  }
  // Up to 13 hex digits are exact in a double; beyond, the size is never reached anyway.
  return digits <= 13 ? Number.parseInt(hex, 16) : Number(BigInt(`0x${hex}`));
}
