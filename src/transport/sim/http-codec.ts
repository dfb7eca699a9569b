// The simulated server's own HTTP/1.1 request parser, independent of the engine's proto/h1 (so a
// bug there cannot hide behind the same bug here). Incremental: push bytes, get events.
import { concatBytes, latin1 } from './bytes.js';

/** Like node:http's default maxHeaderSize (16 KiB) doubled: generous for tests, still bounded. */
export const MAX_REQUEST_HEAD_BYTES = 32 * 1024;

export interface RequestHead {
  method: string;
  url: string;
  httpVersion: '1.0' | '1.1';
  /** Lower-case names; repeated fields joined with ', '. */
  headers: Record<string, string>;
  rawHeaders: Array<[string, string]>;
}

export type RequestEvent =
  | { type: 'head'; head: RequestHead }
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'end' }
  | { type: 'error'; status: number; message: string };

type State =
  | { s: 'head' }
  | { s: 'length'; left: number }
  | { s: 'chunk-size' }
  | { s: 'chunk-data'; left: number }
  | { s: 'chunk-crlf' }
  | { s: 'trailers' }
  | { s: 'failed' };

const CRLF2 = [13, 10, 13, 10];

export class RequestParser {
  private buf: Uint8Array = new Uint8Array(0);
  private state: State = { s: 'head' };

  push(bytes: Uint8Array): RequestEvent[] {
    const events: RequestEvent[] = [];
    if (this.state.s === 'failed') return events;
    this.buf = this.buf.length === 0 ? bytes : concatBytes([this.buf, bytes]);
    for (;;) {
      const before = this.buf.length;
      const st: State['s'] = this.state.s;
      this.step(events);
      if ((this.state as State).s === 'failed') break;
      if (this.buf.length === before && this.state.s === st) break;
    }
    return events;
  }

  private step(events: RequestEvent[]): void {
    const st = this.state;
    switch (st.s) {
      case 'head': {
        // Tolerate empty lines before a request (RFC 9112 section 2.2).
        let skip = 0;
        while (skip + 1 < this.buf.length && this.buf[skip] === 13 && this.buf[skip + 1] === 10) skip += 2;
        if (skip) this.buf = this.buf.subarray(skip);
        const end = indexOf(this.buf, CRLF2);
        if (end < 0) {
          if (this.buf.length > MAX_REQUEST_HEAD_BYTES) this.fail(events, 431, 'request head too large');
          return;
        }
        const text = latin1(this.buf.subarray(0, end));
        this.buf = this.buf.subarray(end + 4);
        const head = parseHead(text);
        if (typeof head === 'string') {
          this.fail(events, 400, head);
          return;
        }
        events.push({ type: 'head', head });
        const te = head.headers['transfer-encoding'];
        const cl = head.headers['content-length'];
        if (te !== undefined) {
          if (te.toLowerCase().split(',').pop()?.trim() !== 'chunked') {
            this.fail(events, 501, `unsupported transfer-encoding: ${te}`);
            return;
          }
          this.state = { s: 'chunk-size' };
        } else if (cl !== undefined) {
          if (!/^\d+$/.test(cl)) {
            this.fail(events, 400, `bad content-length: ${cl}`);
            return;
          }
          const n = Number(cl);
          if (n === 0) {
            events.push({ type: 'end' });
          } else this.state = { s: 'length', left: n };
        } else {
          events.push({ type: 'end' });
        }
        return;
      }
      case 'length': {
        if (this.buf.length === 0) return;
        const n = Math.min(st.left, this.buf.length);
        events.push({ type: 'data', bytes: this.buf.subarray(0, n) });
        this.buf = this.buf.subarray(n);
        if (st.left === n) {
          this.state = { s: 'head' };
          events.push({ type: 'end' });
        } else this.state = { s: 'length', left: st.left - n };
        return;
      }
      case 'chunk-size': {
        const eol = indexOf(this.buf, [13, 10]);
        if (eol < 0) {
          if (this.buf.length > 1024) this.fail(events, 400, 'chunk size line too long');
          return;
        }
        const line = latin1(this.buf.subarray(0, eol)).split(';')[0]!.trim();
        this.buf = this.buf.subarray(eol + 2);
        if (!/^[0-9a-fA-F]+$/.test(line)) {
          this.fail(events, 400, `bad chunk size: ${line}`);
          return;
        }
        const size = Number.parseInt(line, 16);
        this.state = size === 0 ? { s: 'trailers' } : { s: 'chunk-data', left: size };
        return;
      }
      case 'chunk-data': {
        if (this.buf.length === 0) return;
        const n = Math.min(st.left, this.buf.length);
        events.push({ type: 'data', bytes: this.buf.subarray(0, n) });
        this.buf = this.buf.subarray(n);
        this.state = st.left === n ? { s: 'chunk-crlf' } : { s: 'chunk-data', left: st.left - n };
        return;
      }
      case 'chunk-crlf': {
        if (this.buf.length < 2) return;
        if (this.buf[0] !== 13 || this.buf[1] !== 10) {
          this.fail(events, 400, 'missing CRLF after chunk');
          return;
        }
        this.buf = this.buf.subarray(2);
        this.state = { s: 'chunk-size' };
        return;
      }
      case 'trailers': {
        const eol = indexOf(this.buf, [13, 10]);
        if (eol < 0) return;
        this.buf = this.buf.subarray(eol + 2);
        if (eol === 0) {
          this.state = { s: 'head' };
          events.push({ type: 'end' });
        }
        return;
      }
      case 'failed':
        return;
    }
  }

  private fail(events: RequestEvent[], status: number, message: string): void {
    this.state = { s: 'failed' };
    this.buf = new Uint8Array(0);
    events.push({ type: 'error', status, message });
  }
}

function parseHead(text: string): RequestHead | string {
  const lines = text.split('\r\n');
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.([01])$/.exec(lines[0] ?? '');
  if (!m) return `bad request line: ${JSON.stringify(lines[0])}`;
  const headers: Record<string, string> = {};
  const rawHeaders: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) return `bad header line: ${JSON.stringify(line)}`;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    rawHeaders.push([name, value]);
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return { method: m[1]!, url: m[2]!, httpVersion: m[3] === '0' ? '1.0' : '1.1', headers, rawHeaders };
}

function indexOf(hay: Uint8Array, needle: readonly number[]): number {
  const first = needle[0]!;
  outer: for (
    let i = hay.indexOf(first);
    i >= 0 && i <= hay.length - needle.length;
    i = hay.indexOf(first, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const REASONS: Record<number, string> = {
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Unknown';
}

/** The response head as bytes-to-be: status line, fields, empty line. */
export function serializeHead(status: number, reason: string, headers: Array<[string, string]>): string {
  let s = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (const [k, v] of headers) s += `${k}: ${v}\r\n`;
  return `${s}\r\n`;
}
