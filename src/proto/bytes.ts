// Where the codecs write the bytes they hand out (a request head, an HPACK block): the caller may
// pass an allocator over a pool (Node's Buffer pool), since a new Uint8Array of a few hundred
// bytes gets a backing store of its own, a malloc and a free for every request.

/** A new array of `size` bytes (contents undefined: the codec writes all it hands out). */
export type ByteAllocator = (size: number) => Uint8Array;

export const newBytes: ByteAllocator = (size) => new Uint8Array(size);
