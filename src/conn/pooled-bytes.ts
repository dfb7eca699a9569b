// Where the sessions have the codecs write what they send (an HTTP/1 request head, an HTTP/2
// HEADERS frame and rendered head).

import type { ByteAllocator } from '../proto/bytes.js';

/**
 * Bytes from Node's Buffer pool: a new Uint8Array of a request head's size (over 64 bytes) gets a
 * backing store of its own, a malloc and a free at GC for every request (5-8 times the cost), and
 * the socket's write() would wrap it in a Buffer again.
 */
export const pooledBytes: ByteAllocator = (size) => Buffer.allocUnsafe(size);
