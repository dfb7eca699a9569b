// HTTP/1.1 request serialization: the head, and chunked body framing (RFC 9112 3, 5, 7.1).
// Everything is validated before a byte is produced: a CR/LF smuggled into a method, target or
// field would let the caller inject a second request (request splitting), so it is an error.

import { CurlCode } from '../../core/codes.js';
import { type ByteAllocator, newBytes } from '../bytes.js';
import { latin1Encode, latin1Write } from './latin1.js';
import { isToken, quoteForMessage, TCHAR } from './syntax.js';
import { type HeaderList, ProtocolError } from './types.js';

/** The line end (a chunk's data ends with it too; shared: never written into). */
export const CRLF = new Uint8Array([0x0d, 0x0a]);

function invalidRequest(message: string): ProtocolError {
  return new ProtocolError(CurlCode.BAD_FUNCTION_ARGUMENT, message);
}

/** field-value: any latin1 except NUL, CR, LF. */
function checkFields(fields: HeaderList, what: 'header' | 'trailer'): void {
  for (const [name, value] of fields) {
    if (!isToken(name)) throw invalidRequest(`Invalid request ${what} name: ${quoteForMessage(name)}`);
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 0x00 || c === 0x0a || c === 0x0d || c > 0xff) {
        throw invalidRequest(`Invalid request ${what} value for ${quoteForMessage(name)}`);
      }
    }
  }
}

function fieldsLength(fields: HeaderList): number {
  let n = 0;
  // An empty value is written 'name:' without the space (as libcurl sends 'Name;' headers).
  for (const [name, value] of fields) n += name.length + (value === '' ? 1 : 2 + value.length) + 2;
  return n;
}

function writeFields(out: Uint8Array, offset: number, fields: HeaderList): number {
  let o = offset;
  for (const [name, value] of fields) {
    o = latin1Write(out, o, name);
    out[o++] = 0x3a;
    if (value !== '') {
      out[o++] = 0x20;
      o = latin1Write(out, o, value);
    }
    out[o++] = 0x0d;
    out[o++] = 0x0a;
  }
  return o;
}

/** request-target, written at `o`: no CTL, no SP, nothing beyond latin1 (the URL layer percent-encodes). */
function writeTarget(out: Uint8Array, o: number, target: string): number {
  if (target.length === 0) throw invalidRequest('Invalid request target: empty');
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c > 0xff) {
      throw invalidRequest(`Invalid request target: ${quoteForMessage(target)}`);
    }
    out[o++] = c;
  }
  return o;
}

/** The header fields written at `o`, each checked as checkFields does, in the same order. */
function writeCheckedFields(out: Uint8Array, o: number, fields: HeaderList): number {
  for (const [name, value] of fields) {
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c > 0xff || TCHAR[c] === 0)
        throw invalidRequest(`Invalid request header name: ${quoteForMessage(name)}`);
      out[o++] = c;
    }
    if (name.length === 0) throw invalidRequest(`Invalid request header name: ${quoteForMessage(name)}`);
    out[o++] = 0x3a;
    if (value !== '') {
      out[o++] = 0x20;
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c === 0x00 || c === 0x0a || c === 0x0d || c > 0xff) {
          throw invalidRequest(`Invalid request header value for ${quoteForMessage(name)}`);
        }
        out[o++] = c;
      }
    }
    out[o++] = 0x0d;
    out[o++] = 0x0a;
  }
  return o;
}

/**
 * `METHOD SP target SP HTTP/1.x CRLF`, one `name: value CRLF` (`name: CRLF` when empty) per field, CRLF. Fields are sent as
 * given (order and case kept); the caller adds Host, Content-Length, etc. `alloc` makes the
 * array the head is written into. Each part is checked as it is written (one loop over it, not a
 * check and then a copy), in the order it is sent, so the first bad part is the one named; a head
 * that fails leaves its array unused.
 */
export function encodeRequestHead(
  method: string,
  target: string,
  headers: HeaderList,
  version: 10 | 11 = 11,
  alloc: ByteAllocator = newBytes,
): Uint8Array {
  if (!isToken(method)) throw invalidRequest(`Invalid request method: ${quoteForMessage(method)}`);
  const out = alloc(method.length + target.length + 12 + fieldsLength(headers) + 2);
  let o = latin1Write(out, 0, method);
  out[o++] = 0x20;
  o = writeTarget(out, o, target);
  o = latin1Write(out, o, version === 10 ? ' HTTP/1.0\r\n' : ' HTTP/1.1\r\n');
  o = writeCheckedFields(out, o, headers);
  out[o++] = 0x0d;
  out[o] = 0x0a;
  return out;
}

/**
 * One chunk as [size line, data, CRLF]; data is not copied (write the three in order, e.g. with
 * writev). An empty data would read as the last chunk, so it yields no pieces at all.
 */
export function encodeChunk(data: Uint8Array): Uint8Array[] {
  if (data.length === 0) return [];
  return [latin1Encode(`${data.length.toString(16)}\r\n`), data, CRLF];
}

/** The last chunk `0 CRLF`, trailer fields, CRLF. */
export function encodeLastChunk(trailers: HeaderList = []): Uint8Array {
  checkFields(trailers, 'trailer');
  const out = new Uint8Array(3 + fieldsLength(trailers) + 2);
  let o = latin1Write(out, 0, '0\r\n');
  o = writeFields(out, o, trailers);
  out[o++] = 0x0d;
  out[o] = 0x0a;
  return out;
}
