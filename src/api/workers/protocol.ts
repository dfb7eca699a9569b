// Messages between a Client's main thread and its worker threads. Everything here is structured-
// clonable; body chunks travel as transferred ArrayBuffers (moved, not copied).
import type { EasyInfo } from '../../multi/info.js';
import type { MultiOptions } from '../../multi/multi.js';
import type { TransferOptions } from '../transfer-options.js';

/** Limits and pool settings each worker's Multi gets (the connection limits are enforced by grants too). */
export type WorkerLimits = Pick<
  MultiOptions,
  | 'maxTotalConnections'
  | 'maxHostConnections'
  | 'maxConcurrentStreams'
  | 'maxConnects'
  | 'maxIdleAgeMs'
  | 'dnsCacheTimeoutMs'
>;

export interface WorkerData {
  limits: WorkerLimits;
  /** Client defaults without functions, headers as pairs. */
  defaults: WireOptions & { headers?: Array<[string, string]> };
  /** Body bytes a worker may have sent but the caller not yet taken before it stops reading. */
  window: number;
}

/** Easy options that cross to a worker (no functions). */
export type WireOptions = {
  [K in keyof TransferOptions]?: Exclude<TransferOptions[K], (...a: never[]) => unknown>;
};

export interface StartMessage {
  t: 'start';
  id: number;
  kind: 'request' | 'fetch';
  url: string;
  method: string | undefined;
  headers: Array<[string, string]> | undefined;
  body: Uint8Array | undefined;
  /** fetch's redirect mode. */
  redirect: 'follow' | 'error' | 'manual' | undefined;
  options: WireOptions;
  /** The caller set xferInfoFunction: the worker forwards every progress call. */
  progress: boolean;
  highWaterMark: number | undefined;
}

export type ToWorker =
  | StartMessage
  /** The caller took `bytes` of body: that much credit back. */
  | { t: 'ack'; id: number; bytes: number }
  | { t: 'abort'; id: number; error: WireError }
  /** Close one idle connection to hostKey (a revoked grant), then answer 'evicted'. */
  | { t: 'evict'; hostKey: string }
  /** Test hook: throw from the worker's loop, as a bug would. */
  | { t: 'crash' };

export interface WireHead {
  status: number;
  statusText: string;
  /** Field lines in order: name, value, ... */
  fields: string[];
  /** fetch only: the final URL, whether a redirect was followed, the response type. */
  url?: string;
  redirected?: boolean;
  type?: 'basic' | 'cors' | 'default' | 'error' | 'opaque' | 'opaqueredirect';
}

export interface WireError {
  curlCode: number;
  message: string;
  name: string;
  side?: 'local' | 'remote' | 'transport' | undefined;
  phase?: string | undefined;
  host?: string | undefined;
}

export type FromWorker =
  | { t: 'head'; id: number; head: WireHead; info: EasyInfo | undefined }
  | { t: 'data'; id: number; chunk: ArrayBuffer }
  | { t: 'progress'; id: number; dltotal: number; dlnow: number; ultotal: number; ulnow: number }
  | { t: 'end'; id: number; info: EasyInfo | undefined }
  | { t: 'fail'; id: number; error: WireError; info: EasyInfo | undefined }
  | { t: 'evicted'; hostKey: string };
