// A scripted HTTP/2 server side for codec tests: frame builders (with its own HPACK encoder), a
// driver that feeds bytes to a client connection and flattens its events, and a parser for the
// frames the client queued.
import {
  FrameType,
  H2ClientConnection,
  H2ConnectionError,
  type H2Event,
  HpackEncoder,
  NEED_DATA,
} from '../../../src/proto/h2/index.js';

export type Fields = Array<[string, string]>;

export function frameBytes(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  out[0] = (payload.length >>> 16) & 0xff;
  out[1] = (payload.length >>> 8) & 0xff;
  out[2] = payload.length & 0xff;
  out[3] = type;
  out[4] = flags;
  new DataView(out.buffer).setUint32(5, streamId);
  out.set(payload, 9);
  return out;
}

const u32 = (...vs: number[]): Uint8Array => {
  const out = new Uint8Array(vs.length * 4);
  const dv = new DataView(out.buffer);
  vs.forEach((v, i) => {
    dv.setUint32(i * 4, v);
  });
  return out;
};

export const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export interface HeadersOptions {
  endStream?: boolean;
  /** Pad length (PADDED flag). */
  pad?: number;
  priority?: boolean;
  /** Split the block into this many frames (HEADERS + CONTINUATIONs). */
  fragments?: number;
}

export class ServerScript {
  readonly encoder = new HpackEncoder();

  settings(entries: Array<[number, number]> = []): Uint8Array {
    const p = new Uint8Array(entries.length * 6);
    const dv = new DataView(p.buffer);
    entries.forEach(([id, v], i) => {
      dv.setUint16(i * 6, id);
      dv.setUint32(i * 6 + 2, v);
    });
    return frameBytes(FrameType.SETTINGS, 0, 0, p);
  }
  settingsAck(): Uint8Array {
    return frameBytes(FrameType.SETTINGS, 1, 0);
  }
  headers(streamId: number, fields: Fields, o: HeadersOptions = {}): Uint8Array {
    const block = this.encoder.encode(fields);
    const n = Math.max(1, Math.min(o.fragments ?? 1, block.length));
    const size = Math.ceil(block.length / n);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const frag = block.subarray(i * size, Math.min(block.length, (i + 1) * size));
      const last = i === n - 1;
      if (i === 0) {
        let flags = (o.endStream ? 1 : 0) | (last ? 4 : 0);
        let payload = frag;
        if (o.priority) {
          flags |= 0x20;
          payload = concatBytes([u32(0), new Uint8Array([16]), payload]);
        }
        if (o.pad !== undefined) {
          flags |= 0x8;
          payload = concatBytes([new Uint8Array([o.pad]), payload, new Uint8Array(o.pad)]);
        }
        parts.push(frameBytes(FrameType.HEADERS, flags, streamId, payload));
      } else {
        parts.push(frameBytes(FrameType.CONTINUATION, last ? 4 : 0, streamId, frag));
      }
    }
    return concatBytes(parts);
  }
  data(streamId: number, body: Uint8Array | string, endStream = false, pad?: number): Uint8Array {
    let payload = typeof body === 'string' ? latin1(body) : body;
    let flags = endStream ? 1 : 0;
    if (pad !== undefined) {
      flags |= 0x8;
      payload = concatBytes([new Uint8Array([pad]), payload, new Uint8Array(pad)]);
    }
    return frameBytes(FrameType.DATA, flags, streamId, payload);
  }
  rst(streamId: number, code: number): Uint8Array {
    return frameBytes(FrameType.RST_STREAM, 0, streamId, u32(code));
  }
  ping(payload: Uint8Array = new Uint8Array(8), ack = false): Uint8Array {
    return frameBytes(FrameType.PING, ack ? 1 : 0, 0, payload);
  }
  goaway(last: number, code: number, debug = ''): Uint8Array {
    return frameBytes(FrameType.GOAWAY, 0, 0, concatBytes([u32(last, code), latin1(debug)]));
  }
  windowUpdate(streamId: number, inc: number): Uint8Array {
    return frameBytes(FrameType.WINDOW_UPDATE, 0, streamId, u32(inc));
  }
  priority(streamId: number): Uint8Array {
    return frameBytes(FrameType.PRIORITY, 0, streamId, concatBytes([u32(0), new Uint8Array([16])]));
  }
}

/** Events as plain data (data views copied to strings) plus a final error entry, for deepEqual. */
export type FlatEvent = Record<string, unknown>;

function flatten(ev: H2Event): FlatEvent {
  if (ev.type === 'data')
    return { type: 'data', streamId: ev.streamId, data: Buffer.from(ev.data).toString('latin1') };
  if (ev.type === 'ping-ack') return { type: 'ping-ack', payload: Buffer.from(ev.payload).toString('hex') };
  if (ev.type === 'settings') return { type: 'settings', settings: { ...ev.settings } };
  return { ...ev };
}

/** Feeds every chunk (then EOF when `eof`), draining events after each; stops at a connection error. */
export function drive(
  conn: H2ClientConnection,
  chunks: Uint8Array[],
  opts: { eof?: boolean; consume?: boolean } = {},
): FlatEvent[] {
  const out: FlatEvent[] = [];
  const pump = (): boolean => {
    for (;;) {
      let ev: H2Event | typeof NEED_DATA;
      try {
        ev = conn.nextEvent();
      } catch (e) {
        if (e instanceof H2ConnectionError) {
          out.push({ type: 'error', h2Code: e.h2Code, message: e.message });
          return false;
        }
        throw e;
      }
      if (ev === NEED_DATA) return true;
      if (ev.type === 'data' && opts.consume !== false) conn.consume(ev.streamId, ev.data.length);
      out.push(flatten(ev));
    }
  };
  for (const c of chunks) {
    conn.receiveData(c);
    if (!pump()) return out;
  }
  if (opts.eof) {
    conn.receiveData(null);
    pump();
  }
  return out;
}

export interface ParsedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
}

/** Parses what the client queued (the preface, if present, skipped). */
export function parseOutput(chunks: Uint8Array[]): ParsedFrame[] {
  let b = concatBytes(chunks);
  if (b.length >= 24 && Buffer.from(b.subarray(0, 3)).toString() === 'PRI') b = b.subarray(24);
  const frames: ParsedFrame[] = [];
  let pos = 0;
  while (pos + 9 <= b.length) {
    const len = (b[pos]! << 16) | (b[pos + 1]! << 8) | b[pos + 2]!;
    const dv = new DataView(b.buffer, b.byteOffset + pos);
    frames.push({
      type: b[pos + 3]!,
      flags: b[pos + 4]!,
      streamId: dv.getUint32(5) & 0x7fffffff,
      payload: b.slice(pos + 9, pos + 9 + len),
    });
    pos += 9 + len;
  }
  return frames;
}

export const GET: Fields = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':authority', 'example.com'],
  [':path', '/'],
];

/** A client whose preface and first SETTINGS were already taken, and the server's SETTINGS read. */
export function connected(
  serverSettings: Array<[number, number]> = [],
  limits = {},
): { conn: H2ClientConnection; srv: ServerScript } {
  const conn = new H2ClientConnection(limits);
  const srv = new ServerScript();
  conn.takeOutput();
  drive(conn, [srv.settings(serverSettings)]);
  conn.takeOutput();
  return { conn, srv };
}
