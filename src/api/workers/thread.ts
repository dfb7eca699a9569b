// The worker thread behind `new Client({ workers })`: one single-thread Client (its own Multi,
// NodeDriver and connection pool) running the transfers the main thread sends. A response body is
// read only while the caller has credit left (the window): past it the body's buffer fills and the
// transfer pauses, exactly as with one thread. Each chunk is copied once, here, into an ArrayBuffer
// of its own that is then transferred (moved) to the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { CurlCode } from '../../core/codes.js';
import type { EasyInfo } from '../../multi/info.js';
import { Client } from '../client.js';
import { TscurlError } from '../errors.js';
import type { FromWorker, StartMessage, ToWorker, WireError, WireHead, WorkerData } from './protocol.js';

const port = parentPort!;
const data = workerData as WorkerData;
const client = new Client({ ...data.limits, defaults: data.defaults });
const window = data.window;

interface Job {
  readonly abort: AbortController;
  outstanding: number;
  wake: (() => void) | undefined;
}
const jobs = new Map<number, Job>();

// Messages go out in one batch per turn of the loop: one postMessage carries every head, chunk
// and end of the transfers that progressed in that turn.
let outbox: FromWorker[] = [];
let moved: ArrayBuffer[] = [];
let flushing = false;

/** Heads in the outbox, by transfer: an end in the same batch makes their getInfo() copy moot. */
const heads = new Map<number, Extract<FromWorker, { t: 'head' }>>();

function post(message: FromWorker, transfer?: ArrayBuffer): void {
  if (message.t === 'head') heads.set(message.id, message);
  else if (message.t === 'end' || message.t === 'fail') {
    const head = heads.get(message.id);
    // The caller sees the end's figures before it could read the head's.
    if (head !== undefined) head.info = undefined;
  }
  outbox.push(message);
  if (transfer !== undefined) moved.push(transfer);
  if (!flushing) {
    flushing = true;
    setImmediate(flush);
  }
}

function flush(): void {
  flushing = false;
  const batch = outbox;
  const list = moved;
  outbox = [];
  moved = [];
  heads.clear();
  port.postMessage(batch, list);
}

port.on('message', (batch: ToWorker[]) => {
  for (const m of batch) receive(m);
});

function receive(m: ToWorker): void {
  switch (m.t) {
    case 'start':
      void run(m);
      break;
    case 'ack': {
      const job = jobs.get(m.id);
      if (job === undefined) break;
      job.outstanding -= m.bytes;
      if (job.outstanding < window) wake(job);
      break;
    }
    case 'abort': {
      const job = jobs.get(m.id);
      if (job === undefined) break;
      job.abort.abort(new TscurlError(m.error.curlCode, m.error.message, { side: 'local' }));
      wake(job);
      break;
    }
    case 'evict':
      // Outside any engine call: the pool closes the connection and the Multi wakes what waits.
      client.driver.multi.pool.evictOldestIdle(m.hostKey);
      post({ t: 'evicted', hostKey: m.hostKey });
      break;
    case 'crash':
      setImmediate(() => {
        throw new Error('worker crash requested');
      });
      break;
  }
}

function wake(job: Job): void {
  const w = job.wake;
  job.wake = undefined;
  w?.();
}

async function run(m: StartMessage): Promise<void> {
  const job: Job = { abort: new AbortController(), outstanding: 0, wake: undefined };
  jobs.set(m.id, job);
  let info: (() => EasyInfo) | undefined;
  try {
    const options: Record<string, unknown> = { ...m.options, signal: job.abort.signal };
    if (m.progress) {
      options.xferInfoFunction = (dltotal: number, dlnow: number, ultotal: number, ulnow: number) => {
        post({ t: 'progress', id: m.id, dltotal, dlnow, ultotal, ulnow });
        return 0;
      };
    }
    let body: AsyncIterable<Uint8Array> | null;
    if (m.kind === 'request') {
      const res = await client.request(
        m.url,
        defined({
          ...options,
          method: m.method,
          headers: m.headers,
          body: m.body,
          highWaterMark: m.highWaterMark,
        }),
      );
      info = () => res.info;
      const head: WireHead = {
        status: res.statusCode,
        statusText: res.statusText,
        fields: flat(res.headers),
      };
      post({ t: 'head', id: m.id, head, info: res.info });
      body = res.body;
    } else {
      const { signal, ...easy } = options as { signal: AbortSignal } & Record<string, unknown>;
      const res = await client.fetch(
        m.url,
        defined({
          signal,
          method: m.method,
          headers: m.headers,
          body: m.body,
          redirect: m.redirect,
          options: easy,
        }),
      );
      const fields: string[] = [];
      for (const [name, value] of res.headers) fields.push(name, value);
      const head: WireHead = {
        status: res.status,
        statusText: res.statusText,
        fields,
        url: res.url,
        redirected: res.redirected,
        type: res.type,
      };
      post({ t: 'head', id: m.id, head, info: undefined });
      body = res.body;
    }
    if (body !== null) {
      for await (const chunk of body) {
        // One copy into a buffer of its own (a socket read's Buffer shares its ArrayBuffer).
        const ab = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer;
        job.outstanding += ab.byteLength; // before the transfer detaches it
        post({ t: 'data', id: m.id, chunk: ab }, ab);
        if (job.outstanding >= window && !job.abort.signal.aborted) {
          await new Promise<void>((resolve) => {
            job.wake = resolve;
          });
        }
        if (job.abort.signal.aborted) throw job.abort.signal.reason;
      }
    }
    post({ t: 'end', id: m.id, info: info?.() });
  } catch (e) {
    post({ t: 'fail', id: m.id, error: wireError(e), info: info?.() });
  } finally {
    jobs.delete(m.id);
  }
}

function flat(headers: Record<string, string | string[]>): string[] {
  const out: string[] = [];
  for (const name in headers) {
    const v = headers[name]!;
    if (Array.isArray(v)) for (const one of v) out.push(name, one);
    else out.push(name, v);
  }
  return out;
}

function wireError(e: unknown): WireError {
  if (e instanceof TscurlError) {
    return {
      curlCode: e.curlCode,
      message: e.message,
      name: e.name,
      side: e.side,
      phase: e.phase,
      host: e.host,
    };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { curlCode: CurlCode.FAILED_INIT, message: err.message, name: err.name };
}

/** The object without its undefined properties (the call options are exact). */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]: Exclude<T[K], undefined> };
}
