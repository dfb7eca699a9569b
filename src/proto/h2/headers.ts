// RFC 9113 8.2 and 8.3 field rules: checking a response head or trailer section, and turning a
// request into the list a client sends (pseudo-headers first, lower-case names, no
// connection-specific fields).

import { quoteForMessage } from '../h1/syntax.js';
import type { HeaderList } from './hpack.js';

/** RFC 9113 8.2.2: fields that only mean something to one HTTP/1 connection. */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
]);

/** Bytes allowed in a field name (RFC 9113 8.2.1: tchar, never upper-case). */
const NAME_CHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") NAME_CHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) NAME_CHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) NAME_CHAR[c] = 1;

export interface CheckedHead {
  status: number;
  /** Regular fields in arrival order. */
  fields: HeaderList;
  /** The content-length value, or -1 when absent. */
  contentLength: number;
}

function nameError(name: string): string | undefined {
  if (name.length === 0) return 'empty field name';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0xff || NAME_CHAR[c] === 0) {
      if (c >= 0x41 && c <= 0x5a) return `upper-case field name ${quoteForMessage(name)}`;
      return `invalid character in field name ${quoteForMessage(name)}`;
    }
  }
  return undefined;
}

function valueError(name: string, value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return `invalid character in the value of ${name}`;
  }
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) {
    return `white space around the value of ${name}`;
  }
  return undefined;
}

/** Checks one regular field; returns the error or undefined. */
function fieldError(name: string, value: string): string | undefined {
  const ne = nameError(name);
  if (ne !== undefined) return ne;
  if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name}`;
  return valueError(name, value);
}

/**
 * Fields already found valid on one connection (name -> value), so the same field in the next
 * response costs a lookup: servers repeat most of their fields. Bounded: a server sending ever new
 * names empties it now and then.
 */
export class CheckedFields {
  readonly #valid = new Map<string, string>();
  #clValue = '';
  #clNumber = -1;

  has(name: string, value: string): boolean {
    return this.#valid.get(name) === value;
  }
  add(name: string, value: string): void {
    if (this.#valid.size >= CHECKED_FIELDS_MAX) this.#valid.clear();
    this.#valid.set(name, value);
  }
  /** The content-length value of the last head that had one, and its number. */
  contentLength(value: string): number {
    return value === this.#clValue ? this.#clNumber : -2;
  }
  setContentLength(value: string, n: number): void {
    this.#clValue = value;
    this.#clNumber = n;
  }
}

const CHECKED_FIELDS_MAX = 64;

/** Checks a response head (RFC 9113 8.3.2); returns it split up, or an error message. */
export function checkResponseHead(list: HeaderList, checked?: CheckedFields): CheckedHead | string {
  let status = -1;
  let i = 0;
  for (; i < list.length; i++) {
    const [name, value] = list[i]!;
    if (name.charCodeAt(0) !== 0x3a) break;
    if (name !== ':status') return `pseudo-header ${quoteForMessage(name)} in a response`;
    if (status !== -1) return 'two :status fields';
    if (!/^[0-9]{3}$/.test(value)) return `malformed :status ${quoteForMessage(value)}`;
    status = Number(value);
  }
  if (status === -1) return 'no :status in the response';
  const fields: HeaderList = i === 0 ? list : list.slice(i);
  let contentLength = -1;
  for (const [name, value] of fields) {
    if (checked === undefined || !checked.has(name, value)) {
      if (name.charCodeAt(0) === 0x3a) return `pseudo-header ${quoteForMessage(name)} after a regular field`;
      const err = fieldError(name, value);
      if (err !== undefined) return err;
      checked?.add(name, value);
    }
    if (name === 'content-length') {
      const known = checked === undefined ? -2 : checked.contentLength(value);
      if (known >= 0 && (contentLength === -1 || contentLength === known)) {
        contentLength = known;
        continue;
      }
      // Several values (or a list) must all agree (RFC 9110 8.6).
      for (const part of value.split(',')) {
        const v = part.trim();
        if (!/^[0-9]{1,15}$/.test(v)) return `malformed content-length ${quoteForMessage(value)}`;
        const n = Number(v);
        if (contentLength !== -1 && n !== contentLength) return 'conflicting content-length values';
        contentLength = n;
      }
      checked?.setContentLength(value, contentLength);
    }
  }
  return { status, fields, contentLength };
}

/** Checks a trailer section: regular fields only. */
export function checkTrailers(list: HeaderList): string | undefined {
  for (const [name, value] of list) {
    if (name.charCodeAt(0) === 0x3a) return `pseudo-header ${quoteForMessage(name)} in trailers`;
    const err = fieldError(name, value);
    if (err !== undefined) return err;
  }
  return undefined;
}

export interface RequestTarget {
  method: string;
  scheme: string;
  /** host[:port] as in the URL (RFC 9113 8.3.1: :authority replaces Host). */
  authority: string;
  /** path and query ('*' for OPTIONS *); ignored for CONNECT. */
  path: string;
}

/**
 * The header list a client sends for a request: pseudo-headers first, field names lower-cased,
 * connection-specific fields dropped and a Host field turned into :authority, as libcurl does.
 * Fields whose name or value cannot be sent are an error (returned as the message).
 */
export function requestHeaderList(target: RequestTarget, fields: HeaderList): HeaderList | string {
  // libcurl's (and nghttp2's) order: :method, :path, :scheme, :authority (set after the fields,
  // a Host field may change it).
  const connect = target.method === 'CONNECT';
  const authority: [string, string] = [':authority', target.authority];
  const out: HeaderList = connect
    ? [[':method', target.method], authority]
    : [[':method', target.method], [':path', target.path], [':scheme', target.scheme], authority];
  for (const field of fields) {
    const [rawName, value] = field;
    const name = rawName.toLowerCase();
    if (name === 'host') {
      authority[1] = value;
      continue;
    }
    if (CONNECTION_SPECIFIC.has(name)) continue;
    // RFC 9113 8.2.2: TE may only say "trailers".
    if (name === 'te') {
      if (
        value
          .toLowerCase()
          .split(',')
          .some((t) => t.trim() === 'trailers')
      )
        out.push(['te', 'trailers']);
      continue;
    }
    const ne = nameError(name);
    if (ne !== undefined) return ne;
    const trimmed = value.trim();
    const ve = valueError(name, trimmed);
    if (ve !== undefined) return ve;
    // A field already lower-case and trimmed is sent as given (no new pair).
    out.push(name === rawName && trimmed === value ? field : [name, trimmed]);
  }
  return out;
}
