// tscurl: libcurl's multi_socket transfer engine for Node.js.

// Promise API: fetch(), request(), Client.
export { type BodyChunk, BodyReadable, type RequestBody } from './api/body.js';
export {
  Client,
  type ClientDefaults,
  type ClientOptions,
  getDefaultClient,
  setDefaultClient,
} from './api/client.js';
export { NodeDriver, type NodeDriverOptions } from './api/driver.js';
export { TscurlError } from './api/errors.js';
export { type FetchInit, type FetchInput, fetch } from './api/fetch.js';
export { type RequestOptions, type RequestResult, type ResponseHeaders, request } from './api/request.js';
export { renderTimeline, type TimelineOptions, type TimelineRecord } from './api/timeline.js';
export type { HeadersInput, TransferOptions } from './api/transfer-options.js';
export {
  CurlCode,
  type CurlCodeName,
  curlCodeName,
  curlStrerror,
  MultiCode,
  type MultiCodeName,
  multiCodeName,
  multiStrerror,
  ProxyCode,
  proxyCodeName,
} from './core/codes.js';
export { EasyError, MultiError, TransferError } from './core/errors.js';
export {
  CSelect,
  PAUSE,
  Pause,
  Poll,
  type PollWhat,
  READFUNC_ABORT,
  SOCKET_TIMEOUT,
} from './multi/constants.js';
export { channels as diagnosticsChannels } from './multi/diagnostics.js';
export { Easy } from './multi/easy.js';
export { HttpAuth } from './multi/features/auth.js';
export { Mime, type MimePartInit } from './multi/features/mime.js';
export { Netrc } from './multi/features/netrc.js';
export { ProxyType } from './multi/features/proxy/parse.js';
export type { EasyInfo } from './multi/info.js';
export {
  type DoneMessage,
  Multi,
  type MultiOptions,
  type SocketFunction,
  type TimerFunction,
} from './multi/multi.js';
export {
  type DebugFunction,
  type DebugInfoType,
  type EasyOptions,
  type HeaderFunction,
  HttpVersion,
  IpResolve,
  SeekFunc,
  type SeekFunction,
  SslOpt,
  SslVersion,
  type WriteFunction,
  type XferInfoFunction,
} from './multi/options.js';
export { Share, type ShareData, type ShareOptions } from './multi/share.js';
export type { Interest, Socket } from './transport/types.js';
