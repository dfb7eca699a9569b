// The sans-I/O HTTP/2 client codec: frames, HPACK, the connection state machine, its events and limits.
export { H2ClientConnection } from './connection.js';
export { Flag, FrameType, H2ErrorCode, h2ErrorName, SettingId } from './frames.js';
export { checkResponseHead, type RequestTarget, requestHeaderList } from './headers.js';
export { HpackDecoder, HpackEncoder, HpackError } from './hpack.js';
export { huffmanDecode, huffmanEncodeInto, huffmanLength } from './huffman.js';
export * from './types.js';
