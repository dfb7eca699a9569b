// Latin-1 (ISO-8859-1) by hand: proto/ has no TextDecoder/Buffer, and latin1 maps every byte to
// the code point of the same value, which is exactly how HTTP/1 field bytes are meant to be read
// (RFC 9110 5.5: obs-text is opaque; a client must not guess UTF-8).

/** Largest argument count handed to String.fromCharCode.apply (well under engines' stack limits). */
const APPLY_CHUNK = 0x2000;

/** A platform latin1 decoder, e.g. on Node `(b, s, e) => Buffer.prototype.latin1Slice.call(b, s, e)`. */
export type Latin1Decoder = (bytes: Uint8Array, start: number, end: number) => string;

let platformDecoder: Latin1Decoder | undefined;

/**
 * Lets the platform layer plug in a native decoder (about 10x faster than fromCharCode.apply for a
 * response head); proto/ itself cannot reach for Buffer. The decoder is checked against the
 * portable one on every byte value before it is used. `undefined` restores the portable one.
 */
export function installLatin1Decoder(decoder: Latin1Decoder | undefined): void {
  if (decoder !== undefined) {
    const probe = new Uint8Array(300);
    for (let i = 0; i < probe.length; i++) probe[i] = (i * 7 + 3) & 0xff;
    if (decoder(probe, 5, 290) !== portableDecode(probe, 5, 290)) {
      throw new Error('installLatin1Decoder: the decoder does not decode latin1');
    }
  }
  platformDecoder = decoder;
}

/** Decodes bytes[start, end) one byte per UTF-16 code unit. */
export function latin1Decode(bytes: Uint8Array, start = 0, end: number = bytes.length): string {
  if (platformDecoder !== undefined && end - start > 24) return platformDecoder(bytes, start, end);
  return portableDecode(bytes, start, end);
}

function portableDecode(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return '';
  if (n <= 24) {
    // Short field lines: a plain loop beats creating a subarray for apply().
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  if (n <= APPLY_CHUNK) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  let s = '';
  for (let i = start; i < end; i += APPLY_CHUNK) {
    const stop = Math.min(i + APPLY_CHUNK, end);
    s += String.fromCharCode.apply(null, bytes.subarray(i, stop) as unknown as number[]);
  }
  return s;
}

/**
 * Encodes a string whose code units are all <= 0xFF. Callers validate first (see
 * request-writer); a code unit above 0xFF is an error rather than silently truncated.
 */
export function latin1Encode(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`latin1Encode: code unit 0x${c.toString(16)} at index ${i}`);
    out[i] = c;
  }
  return out;
}

/** Writes s into out at offset (latin1; no checks), returning the offset after it. */
export function latin1Write(out: Uint8Array, offset: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[offset + i] = s.charCodeAt(i);
  return offset + s.length;
}
