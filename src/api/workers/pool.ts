// The main-thread side of `new Client({ workers: N })`: N worker threads, each with its own Multi
// and connection pool (libcurl's "one multi per thread"). Calls are dispatched through connection
// grants (grants.ts), so maxTotalConnections and maxHostConnections hold across all workers.
// Response bodies arrive as transferred ArrayBuffers and are handed to the caller without a copy;
// the worker stops reading (and its transfer pauses) once `window` bytes are not taken yet. A
// worker that dies fails only its own transfers and is replaced.
import { cpus } from 'node:os';
import { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { CurlCode } from '../../core/codes.js';
import type { EasyInfo } from '../../multi/info.js';
import type { XferInfoFunction } from '../../multi/options.js';
import { parseTarget } from '../../multi/request.js';
import { BodyReadable, extractBody, type RequestBody } from '../body.js';
import { badArgument, TscurlError } from '../errors.js';
import type { FetchInit, FetchInput } from '../fetch.js';
import { headerObject, type RequestOptions, type RequestResult, type ResponseHeaders } from '../request.js';
import { type HeadersInput, headerPairs } from '../transfer-options.js';
import { Grants } from './grants.js';
import type {
  FromWorker,
  StartMessage,
  ToWorker,
  WireError,
  WireHead,
  WireOptions,
  WorkerLimits,
} from './protocol.js';
import { besides, startThread } from './start.js';

/** Body bytes in flight from a worker per transfer before it stops reading (its Multi then pauses). */
const WINDOW = 64 * 1024;

/** `workers: 'auto'`: one per available core. */
export function workerCount(workers: number | 'auto'): number {
  if (workers === 'auto') return Math.max(1, cpus().length);
  if (!Number.isInteger(workers) || workers < 1) {
    throw badArgument(`workers must be a positive integer or 'auto' (got ${String(workers)})`);
  }
  return workers;
}

export interface PoolHooks {
  /** A transfer started / ended (the Client keeps the process alive between the two). */
  enter(): void;
  leave(): void;
}

interface Job {
  readonly id: number;
  readonly msg: StartMessage;
  readonly hostKey: string;
  worker: number;
  info: EasyInfo | undefined;
  /** Made when the head arrives (a batch may carry the head, the body and the end together). */
  body: BodyReadable | undefined;
  onHead: (head: WireHead) => void;
  onData: ((chunk: Buffer) => boolean) | undefined;
  onEnd: (() => void) | undefined;
  onFail: (error: unknown) => void;
  onProgress: ((p: Extract<FromWorker, { t: 'progress' }>) => void) | undefined;
  unacked: number;
  settled: boolean;
  /** The body is full and nobody reads it: the job does not hold the process open meanwhile. */
  waitingForReader?: boolean;
  cleanup: (() => void) | undefined;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly grants: Grants;
  private readonly jobs = new Map<number, Job>();
  /** Transfers waiting for a grant, by host (a host at its limit does not hold up the others). */
  private readonly waiting = new Map<string, Job[]>();
  private nextId = 1;
  private readonly outbox: ToWorker[][] = [];
  private flushing = false;
  private closing = false;
  /** Workers replaced after a crash (for tests and diagnostics). */
  replaced = 0;

  constructor(
    readonly size: number,
    private readonly limits: WorkerLimits,
    private readonly defaults: { options: WireOptions; headers: Array<[string, string]> | undefined },
    private readonly hooks: PoolHooks,
  ) {
    this.grants = new Grants(size, limits.maxHostConnections ?? 0, limits.maxTotalConnections ?? 0);
    for (let i = 0; i < size; i++) {
      this.workers.push(this.spawn(i));
      this.outbox.push([]);
    }
  }

  /** Transfers running or waiting. */
  get running(): number {
    return this.jobs.size;
  }

  /** Transfers running on each worker (for diagnostics and tests). */
  get busy(): readonly number[] {
    return this.grants.busy;
  }

  private spawn(index: number): Worker {
    // Under tsx src/api/workers/thread.ts; in the package dist/src/thread.js, beside the chunk
    // this module is bundled into (scripts/build-lib.mjs).
    const w = startThread(besides(import.meta.url, 'thread'), {
      workerData: {
        limits: this.limits,
        defaults: { ...this.defaults.options, headers: this.defaults.headers },
        window: WINDOW,
      },
    });
    w.on('message', (batch: FromWorker[]) => {
      for (const m of batch) this.onMessage(index, m);
    });
    w.on('error', (e) => this.onDeath(index, w, e));
    w.on('exit', (code) => this.onDeath(index, w, new Error(`exit code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker's port again. The Client's
    // hold keeps the process alive while a transfer runs; an idle worker does not.
    w.unref();
    return w;
  }

  request(url: string | URL, options: RequestOptions = {}): Promise<RequestResult> {
    const { method, headers, body, signal, highWaterMark, xferInfoFunction, ...easy } = options;
    return this.start('request', url instanceof URL ? url.href : url, {
      method,
      headers,
      body,
      signal,
      easy,
      progress: xferInfoFunction,
      highWaterMark,
      redirect: undefined,
    }).then(({ job, head }) => new RemoteResult(head, job.body!, job));
  }

  async fetch(input: FetchInput, init: FetchInit = {}): Promise<Response> {
    let url: string;
    let { method, headers, body } = init;
    if (input instanceof Request) {
      url = input.url;
      method ??= input.method;
      headers ??= input.headers;
      if (body === undefined && input.body !== null) body = new Uint8Array(await input.arrayBuffer());
    } else url = input instanceof URL ? input.href : String(input);
    const easy = { ...init.options };
    const progress = easy.xferInfoFunction;
    delete easy.xferInfoFunction;
    const { job, head } = await this.start('fetch', url, {
      method,
      headers,
      body: body as RequestBody | undefined,
      signal: init.signal ?? undefined,
      easy,
      progress,
      highWaterMark: undefined,
      redirect: init.redirect as StartMessage['redirect'],
    });
    const nullBody = [101, 103, 204, 205, 304].includes(head.status) || method?.toUpperCase() === 'HEAD';
    const stream = nullBody ? null : (Readable.toWeb(job.body!) as ReadableStream<Uint8Array>);
    const response = new Response(stream, {
      status: head.status,
      statusText: head.statusText,
      headers: pairsOf(head.fields),
    });
    Object.defineProperties(response, {
      url: { value: head.url, enumerable: true },
      redirected: { value: head.redirected, enumerable: true },
      type: { value: head.type, enumerable: true },
    });
    return response;
  }

  private async start(
    kind: 'request' | 'fetch',
    url: string,
    call: {
      method: string | undefined;
      headers: HeadersInput | undefined;
      body: RequestBody | undefined;
      signal: AbortSignal | undefined;
      easy: Record<string, unknown>;
      progress: XferInfoFunction | undefined;
      highWaterMark: number | undefined;
      redirect: StartMessage['redirect'];
    },
  ): Promise<{ job: Job; head: WireHead }> {
    if (this.closing) throw new TscurlError(CurlCode.FAILED_INIT, 'The client is closed', { phase: 'setup' });
    if (call.signal?.aborted) throw call.signal.reason;
    for (const name in call.easy) {
      if (typeof call.easy[name] === 'function') {
        throw badArgument(
          `Option ${name} is a function: with workers only xferInfoFunction reaches the worker thread`,
        );
      }
    }
    let pairs = call.headers === undefined ? undefined : [...headerPairs(call.headers)];
    let bytes: Uint8Array | undefined;
    if (call.body !== undefined && call.body !== null) {
      const extracted = await extractBody(call.body);
      if (extracted?.kind === 'stream') {
        throw badArgument('A streamed request body cannot be sent with workers: give the bytes');
      }
      bytes = extracted?.bytes;
      const type = extracted?.contentType;
      if (type !== undefined && !pairs?.some(([n]) => n.toLowerCase() === 'content-type')) {
        pairs = [...(pairs ?? []), ['content-type', type]];
      }
    }
    const id = this.nextId++;
    const msg: StartMessage = {
      t: 'start',
      id,
      kind,
      url,
      method: call.method,
      headers: pairs,
      body: bytes,
      redirect: call.redirect,
      options: call.easy as WireOptions,
      progress: call.progress !== undefined,
      highWaterMark: call.highWaterMark,
    };
    return new Promise((resolve, reject) => {
      const job: Job = {
        id,
        msg,
        hostKey: hostKeyOfUrl(url),
        worker: -1,
        info: undefined,
        body: undefined,
        onHead: (head) => resolve({ job, head }),
        onData: undefined,
        onEnd: undefined,
        onFail: reject,
        onProgress: undefined,
        unacked: 0,
        settled: false,
        cleanup: undefined,
      };
      const progress = call.progress;
      if (progress !== undefined) {
        job.onProgress = (p) => {
          if (progress(p.dltotal, p.dlnow, p.ultotal, p.ulnow)) {
            this.abort(
              job,
              new TscurlError(
                CurlCode.ABORTED_BY_CALLBACK,
                'Operation was aborted by an application callback',
              ),
            );
          }
        };
      }
      const signal = call.signal;
      if (signal !== undefined) {
        const onAbort = () => this.abort(job, signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        job.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.jobs.set(id, job);
      this.hooks.enter();
      this.park(job);
      this.pump();
    });
  }

  private bodyFor(job: Job, highWaterMark: number | undefined): BodyReadable {
    const readable = new BodyReadable(
      {
        demand: () => {
          this.readerBack(job);
          this.ack(job);
        },
        destroyed: (error) =>
          this.abort(
            job,
            error ??
              new TscurlError(CurlCode.ABORTED_BY_CALLBACK, 'The response body was destroyed before its end'),
          ),
      },
      highWaterMark ?? WINDOW,
    );
    job.onData = (chunk) => {
      job.unacked += chunk.length;
      const more = readable._deliver(chunk);
      if (more && job.unacked >= WINDOW / 2) this.ack(job);
      if (!more && !job.waitingForReader && !job.settled) {
        job.waitingForReader = true;
        this.hooks.leave();
      }
      return more;
    };
    job.onEnd = () => readable._end();
    job.onFail = (error) => readable._fail(error);
    return readable;
  }

  /** The reader asks for more: the job holds the process open again while its transfer runs. */
  private readerBack(job: Job): void {
    if (!job.waitingForReader) return;
    job.waitingForReader = false;
    if (!job.settled) this.hooks.enter();
  }

  /** The job's share of the hold ends (unless it was already given up waiting for the reader). */
  private release(job: Job): void {
    if (job.waitingForReader) job.waitingForReader = false;
    else this.hooks.leave();
  }

  private ack(job: Job): void {
    if (job.unacked === 0 || job.settled) return;
    this.send(job.worker, { t: 'ack', id: job.id, bytes: job.unacked });
    job.unacked = 0;
  }

  /** Queue a job behind the others of its host; pump() starts it once a grant allows. */
  private park(job: Job): void {
    let q = this.waiting.get(job.hostKey);
    if (q === undefined) this.waiting.set(job.hostKey, (q = []));
    q.push(job);
  }

  /** Start queued jobs while grants allow (a host at its limit does not hold up the others). */
  private pump(): void {
    for (const [hostKey, q] of this.waiting) {
      while (q.length > 0) {
        const job = q[0]!;
        if (job.settled) {
          q.shift();
          continue;
        }
        const pick = this.grants.pick(hostKey);
        if (!('worker' in pick)) {
          if (pick.revoke !== undefined)
            this.send(pick.revoke.worker, { t: 'evict', hostKey: pick.revoke.hostKey });
          if (pick.wait === 'total') return;
          break;
        }
        q.shift();
        job.worker = pick.worker;
        this.send(pick.worker, job.msg);
      }
      if (q.length === 0) this.waiting.delete(hostKey);
    }
  }

  /** Queue a message for a worker: every worker gets one batch per turn of the loop. */
  private send(worker: number, m: ToWorker): void {
    this.outbox[worker]!.push(m);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushing = false;
    for (let i = 0; i < this.workers.length; i++) {
      const batch = this.outbox[i]!;
      if (batch.length === 0) continue;
      this.outbox[i] = [];
      this.workers[i]!.postMessage(batch);
    }
  };

  private onMessage(worker: number, m: FromWorker): void {
    if (m.t === 'evicted') {
      this.grants.released(worker, m.hostKey);
      this.pump();
      return;
    }
    const job = this.jobs.get(m.id);
    if (job === undefined || job.settled) return;
    switch (m.t) {
      case 'head':
        job.info = m.info;
        job.body = this.bodyFor(job, job.msg.highWaterMark);
        job.onHead(m.head);
        break;
      case 'data':
        job.onData?.(Buffer.from(m.chunk));
        break;
      case 'progress':
        job.onProgress?.(m);
        break;
      case 'end':
        job.info = m.info ?? job.info;
        this.finish(job);
        job.onEnd?.();
        break;
      case 'fail':
        job.info = m.info ?? job.info;
        this.finish(job);
        job.onFail(fromWire(m.error));
        break;
    }
  }

  /** The caller (signal, destroyed body, progress callback) ends a transfer. */
  private abort(job: Job, reason: unknown): void {
    if (job.settled) return;
    if (job.worker >= 0) {
      this.send(job.worker, {
        t: 'abort',
        id: job.id,
        error: { curlCode: CurlCode.ABORTED_BY_CALLBACK, message: String(reason), name: 'AbortError' },
      });
      // The worker's 'fail' answer frees the grant; the caller learns now.
      const fail = job.onFail;
      job.onFail = () => {};
      job.onEnd = undefined;
      job.onData = undefined;
      fail(reason);
      return;
    }
    this.finish(job);
    job.onFail(reason);
  }

  private finish(job: Job): void {
    job.settled = true;
    job.cleanup?.();
    this.jobs.delete(job.id);
    if (job.worker >= 0) {
      this.grants.done(job.worker, job.hostKey);
      this.pump();
    }
    this.release(job);
  }

  private onDeath(index: number, w: Worker, cause: Error): void {
    if (this.workers[index] !== w) return; // the 'exit' after an 'error' already handled
    if (this.closing) return;
    const error = new TscurlError(
      CurlCode.ABORTED_BY_CALLBACK,
      `Worker thread ${index} stopped (${cause.message}): its transfers were aborted`,
      { cause, side: 'local' },
    );
    this.grants.dropWorker(index);
    this.replaced++;
    this.outbox[index] = [];
    this.workers[index] = this.spawn(index);
    for (const job of [...this.jobs.values()]) {
      if (job.worker !== index) continue;
      job.worker = -1; // its grant went with dropWorker
      job.settled = true;
      job.cleanup?.();
      this.jobs.delete(job.id);
      this.release(job);
      job.onFail(error);
    }
    this.pump();
  }

  /** Test hook: make worker `index` throw from its loop. */
  _crash(index: number): void {
    this.workers[index]!.postMessage([{ t: 'crash' }] satisfies ToWorker[]);
  }

  /** Every transfer fails with `error` now. */
  abortAll(error: unknown): void {
    for (const job of [...this.jobs.values()]) this.abort(job, error);
  }

  /** Stop the threads (after the transfers ended, or to end them). */
  terminate(): void {
    this.closing = true;
    for (const w of this.workers) void w.terminate();
  }

  /** Resolves once no transfer runs or waits. */
  async drained(): Promise<void> {
    while (this.jobs.size > 0) await new Promise((r) => setTimeout(r, 5));
  }
}

class RemoteResult implements RequestResult {
  statusCode: number;
  statusText: string;
  headers: ResponseHeaders;
  body: BodyReadable;
  readonly #job: Job;

  constructor(head: WireHead, body: BodyReadable, job: Job) {
    this.statusCode = head.status;
    this.statusText = head.statusText;
    this.headers = headerObject(head.fields);
    this.body = body;
    this.#job = job;
  }

  /** The worker's getInfo(): as of the head, then final once the body ended. */
  get info(): EasyInfo {
    return this.#job.info!;
  }
}

function pairsOf(fields: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < fields.length; i += 2) out.push([fields[i]!, fields[i + 1]!]);
  return out;
}

function fromWire(e: WireError): Error {
  if (e.name === 'TscurlError') {
    return new TscurlError(e.curlCode, e.message, { side: e.side, phase: e.phase as never, host: e.host });
  }
  const err = e.name === 'TypeError' ? new TypeError(e.message) : new Error(e.message);
  if (e.name !== 'TypeError') err.name = e.name;
  return err;
}

/** The engine's pool key for a URL ('host:port'), or '' when it does not parse (the worker says why). */
function hostKeyOfUrl(url: string): string {
  try {
    const t = parseTarget(url, undefined);
    return `${t.host}:${t.port}`;
  } catch {
    return '';
  }
}
