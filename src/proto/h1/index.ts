// The sans-I/O HTTP/1.1 codec: request writer, response reader, their events and limits.

export type { ByteAllocator } from '../bytes.js';
export { connectAuthority, encodeConnectRequest } from './connect.js';
export { installLatin1Decoder, type Latin1Decoder, latin1Decode, latin1Encode } from './latin1.js';
export { encodeChunk, encodeLastChunk, encodeRequestHead } from './request-writer.js';
export { type H1Limits, ResponseReader, type StartResponseOptions } from './response-reader.js';
export * from './types.js';
