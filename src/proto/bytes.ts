// Where the codecs write the bytes they hand out (a request head, an HPACK block): the caller may
// pass an allocator over a pool (Node's Buffer pool), since a new Uint8Array of a few hundred
// bytes gets a backing store of its own, a malloc and a free for every request.

/** A new array of `size` bytes (contents undefined: the codec writes all it hands out). */
export type ByteAllocator = (size: number) => Uint8Array;

export const newBytes: ByteAllocator = (size) => new Uint8Array(size);

/** No bytes: the one empty array the codecs and filters hand out or start from (never written). */
export const EMPTY_BYTES = new Uint8Array(0);

/** `parts` joined into one array of `total` bytes (the one part itself when there is one). */
export function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
