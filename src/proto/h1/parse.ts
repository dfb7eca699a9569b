// The pure parsing pieces of the response reader: status line, field lines, framing fields,
// chunk-size lines. Each either returns a value or throws ProtocolError with libcurl's code.

import { CurlCode } from '../../core/codes.js';
import { latin1Decode } from './latin1.js';
import { hexValue, quoteForMessage, TCHAR } from './syntax.js';
import { ProtocolError } from './types.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53-1: Content-Length and chunk-size ceiling
/** How much of a bad status line an error message quotes. */
export const SHOWN_STATUS_BYTES = 40;

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * `s.toLowerCase() === lower` for an ASCII-lowercase `lower`, without allocating the lowered copy
 * (three framing fields are looked up per response head).
 */
export function equalsLowerAscii(s: string, lower: string): boolean {
  if (s.length !== lower.length) return false;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Where the line text[start, stop) ends without its LF or CRLF. */
export function contentEnd(text: string, start: number, stop: number): number {
  return stop - start >= 2 && text.charCodeAt(stop - 2) === 0x0d ? stop - 2 : stop - 1;
}

/** NUL or CR inside a line (RFC 9110 5.5: reject rather than guess). */
export function hasForbiddenChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x00 || c === 0x0d) return true;
  }
  return false;
}

export function statusLineError(seen: string): ProtocolError {
  if (/^HTTP\/[023]/.test(seen)) {
    return new ProtocolError(
      CurlCode.WEIRD_SERVER_REPLY,
      `Unsupported HTTP version in status line: ${quoteForMessage(seen, SHOWN_STATUS_BYTES)}`,
    );
  }
  return new ProtocolError(
    CurlCode.WEIRD_SERVER_REPLY,
    `Invalid status line: ${quoteForMessage(seen, SHOWN_STATUS_BYTES)}`,
  );
}

/** `name ":" OWS value OWS` from text[start, end). */
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

export function lastCodingIsChunked(te: string): boolean {
  if (te.length === 7) return te.toLowerCase() === 'chunked';
  const parts = te.split(',');
  for (let i = parts.length - 1; i >= 0; i--) {
    let coding = parts[i]!;
    const semi = coding.indexOf(';');
    if (semi !== -1) coding = coding.slice(0, semi);
    coding = trimOws(coding);
    if (coding.length === 0) continue; // empty list elements are ignored (RFC 9110 5.6.1)
    return coding.toLowerCase() === 'chunked';
  }
  return false;
}

/** Every Content-Length value (comma lists and repeated fields) must be the same number. */
export function parseContentLength(values: string[]): number {
  let result = -1;
  for (const field of values) {
    for (const part of field.indexOf(',') === -1 ? [field] : field.split(',')) {
      const s = trimOws(part);
      let n = 0;
      if (s.length === 0) {
        throw new ProtocolError(
          CurlCode.WEIRD_SERVER_REPLY,
          `Invalid Content-Length: ${quoteForMessage(field)}`,
        );
      }
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (!isDigit(c)) {
          throw new ProtocolError(
            CurlCode.WEIRD_SERVER_REPLY,
            `Invalid Content-Length: ${quoteForMessage(field)}`,
          );
        }
        n = n * 10 + (c - 0x30);
        if (n > MAX_SAFE) {
          throw new ProtocolError(
            CurlCode.WEIRD_SERVER_REPLY,
            `Content-Length too large: ${quoteForMessage(field)}`,
          );
        }
      }
      if (result !== -1 && n !== result) {
        throw new ProtocolError(
          CurlCode.WEIRD_SERVER_REPLY,
          `Conflicting Content-Length: ${result} and ${n}`,
        );
      }
      result = n;
    }
  }
  return result;
}

/** chunk-size [BWS ";" chunk-ext] (CR)LF; extensions are skipped unparsed. */
export function parseChunkSize(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let n = 0;
  for (; i < end; i++) {
    const d = hexValue(buf[i]!);
    if (d === -1) break;
    if (n * 16 > MAX_SAFE - d) {
      throw new ProtocolError(CurlCode.WEIRD_SERVER_REPLY, 'Bad chunk size: larger than 2^53-1');
    }
    n = n * 16 + d;
  }
  const digits = i - start;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  const c = buf[i];
  const lineEnd = c === 0x0a || (c === 0x0d && i + 2 === end && buf[i + 1] === 0x0a);
  if (digits === 0 || !(lineEnd || c === 0x3b)) {
    const shown = latin1Decode(buf, start, Math.min(end, start + 64));
    throw new ProtocolError(CurlCode.WEIRD_SERVER_REPLY, `Bad chunk size line: ${quoteForMessage(shown)}`);
  }
  return n;
}
