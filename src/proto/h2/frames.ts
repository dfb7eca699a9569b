// HTTP/2 frame layout (RFC 9113 4 and 6): type, flag, error code and setting numbers, and the
// writers for every frame a client sends.

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** RFC 9113 7 error codes. */
export const H2ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

const ERROR_NAMES = Object.keys(H2ErrorCode);

/** The RFC's name of an error code ("PROTOCOL_ERROR"), or "unknown error 0x.." as nghttp2 says. */
export function h2ErrorName(code: number): string {
  return ERROR_NAMES[code] ?? `unknown error 0x${code.toString(16)}`;
}

export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** The connection preface a client sends first (RFC 9113 3.4). */
export const CLIENT_PREFACE = new Uint8Array([
  0x50, 0x52, 0x49, 0x20, 0x2a, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x32, 0x2e, 0x30, 0x0d, 0x0a, 0x0d, 0x0a,
  0x53, 0x4d, 0x0d, 0x0a, 0x0d, 0x0a,
]);

export const FRAME_HEADER_BYTES = 9;
/** RFC 9113 6.5.2: the initial and smallest SETTINGS_MAX_FRAME_SIZE, and its largest value. */
export const MIN_MAX_FRAME_SIZE = 16384;
export const MAX_MAX_FRAME_SIZE = 16777215;
/** RFC 9113 6.9.1: windows may not exceed 2^31-1. */
export const MAX_WINDOW = 0x7fffffff;
/** RFC 9113 6.9.2: every window starts at 65,535. */
export const DEFAULT_WINDOW = 65535;

export function writeFrameHeader(
  out: Uint8Array,
  pos: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  out[pos] = (length >>> 16) & 0xff;
  out[pos + 1] = (length >>> 8) & 0xff;
  out[pos + 2] = length & 0xff;
  out[pos + 3] = type;
  out[pos + 4] = flags;
  writeU32(out, pos + 5, streamId & MAX_WINDOW);
}

export function writeU32(out: Uint8Array, pos: number, v: number): void {
  out[pos] = (v >>> 24) & 0xff;
  out[pos + 1] = (v >>> 16) & 0xff;
  out[pos + 2] = (v >>> 8) & 0xff;
  out[pos + 3] = v & 0xff;
}

export function readU32(b: Uint8Array, pos: number): number {
  return ((b[pos]! << 24) | (b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!) >>> 0;
}

export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array | null = null,
): Uint8Array {
  const len = payload === null ? 0 : payload.length;
  const out = new Uint8Array(FRAME_HEADER_BYTES + len);
  writeFrameHeader(out, 0, len, type, flags, streamId);
  if (payload !== null) out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

export function settingsFrame(settings: ReadonlyArray<readonly [id: number, value: number]>): Uint8Array {
  const payload = new Uint8Array(settings.length * 6);
  settings.forEach(([id, value], i) => {
    payload[i * 6] = id >>> 8;
    payload[i * 6 + 1] = id & 0xff;
    writeU32(payload, i * 6 + 2, value);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

export function u32Frame(type: number, streamId: number, value: number): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + 4);
  writeFrameHeader(out, 0, 4, type, 0, streamId);
  writeU32(out, FRAME_HEADER_BYTES, value);
  return out;
}

export function goawayFrame(lastStreamId: number, errorCode: number, debug: string): Uint8Array {
  const payload = new Uint8Array(8 + debug.length);
  writeU32(payload, 0, lastStreamId & MAX_WINDOW);
  writeU32(payload, 4, errorCode);
  for (let i = 0; i < debug.length; i++) payload[8 + i] = debug.charCodeAt(i) & 0xff;
  return frame(FrameType.GOAWAY, 0, 0, payload);
}

/** A header block as HEADERS followed by CONTINUATION frames of at most maxFrameSize each. */
export function headerFrames(
  streamId: number,
  block: Uint8Array,
  endStream: boolean,
  maxFrameSize: number,
): Uint8Array {
  const n = Math.max(1, Math.ceil(block.length / maxFrameSize));
  const out = new Uint8Array(block.length + n * FRAME_HEADER_BYTES);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const start = i * maxFrameSize;
    const end = Math.min(block.length, start + maxFrameSize);
    const type = i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
    let flags = i === n - 1 ? Flag.END_HEADERS : 0;
    if (i === 0 && endStream) flags |= Flag.END_STREAM;
    writeFrameHeader(out, pos, end - start, type, flags, streamId);
    out.set(block.subarray(start, end), pos + FRAME_HEADER_BYTES);
    pos += FRAME_HEADER_BYTES + end - start;
  }
  return out;
}
