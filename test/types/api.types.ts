// Type tests for the promise API: compiled by `tsc -p tsconfig.test.json` (never run). Each
// expected-error directive must meet an error, or tsc fails with "Unused directive".
import { Readable } from 'node:stream';
import {
  type BodyChunk,
  type BodyReadable,
  Client,
  type ClientOptions,
  type EasyInfo,
  type FetchInit,
  fetch,
  HttpVersion,
  type RequestOptions,
  type RequestResult,
  request,
  TscurlError,
} from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

export async function fetchTypes(): Promise<void> {
  // fetch returns Node's own Response and accepts what the global fetch accepts.
  expectType<Equal<Awaited<ReturnType<typeof fetch>>, Response>>(true);
  const init: RequestInit = { method: 'POST', body: 'x', redirect: 'manual' };
  await fetch('http://127.0.0.1/', init);
  await fetch(new URL('http://127.0.0.1/'));
  await fetch(new Request('http://127.0.0.1/'));
  await fetch('http://127.0.0.1/', { body: new FormData(), method: 'POST' });
  await fetch('http://127.0.0.1/', { body: new URLSearchParams(), method: 'POST' });
  await fetch('http://127.0.0.1/', { body: new Blob([]), method: 'POST' });
  await fetch('http://127.0.0.1/', { body: new Uint8Array(1), method: 'POST' });
  await fetch('http://127.0.0.1/', { signal: AbortSignal.timeout(10) });
  await fetch('http://127.0.0.1/', { options: { timeoutMs: 1000, connectTimeoutMs: 100 } });
  const fi: FetchInit = { headers: [['a', 'b']] };
  await fetch('http://127.0.0.1/', fi);

  // @ts-expect-error a number is not a URL
  await fetch(42);
  // @ts-expect-error redirect modes are 'follow' | 'manual' | 'error'
  await fetch('http://127.0.0.1/', { redirect: 'sometimes' });
  // @ts-expect-error the API owns the write callback
  await fetch('http://127.0.0.1/', { options: { writeFunction: () => 0 } });
  // @ts-expect-error timeoutMs is a number
  await fetch('http://127.0.0.1/', { options: { timeoutMs: '5s' } });
}

export async function requestTypes(): Promise<void> {
  const r = await request('http://127.0.0.1/', {
    method: 'PUT',
    body: 'x',
    timeoutMs: 5,
    headers: { a: 'b' },
  });
  expectType<Equal<typeof r, RequestResult>>(true);
  expectType<Equal<typeof r.statusCode, number>>(true);
  expectType<Equal<typeof r.info, EasyInfo>>(true);
  expectType<Equal<typeof r.body, BodyReadable>>(true);
  expectType<Equal<Awaited<ReturnType<typeof r.body.text>>, string>>(true);
  expectType<Equal<Awaited<ReturnType<typeof r.body.bytes>>, Uint8Array>>(true);
  expectType<Equal<Awaited<ReturnType<typeof r.body.arrayBuffer>>, ArrayBuffer>>(true);
  expectType<Equal<Awaited<ReturnType<typeof r.body.json>>, unknown>>(true);
  const h: string | string[] | undefined = r.headers['set-cookie'];
  void h;
  for await (const chunk of r.body) void chunk;

  // @ts-expect-error statusCode is read-only information, not a string
  const s: string = r.statusCode;
  void s;
  const info = r.info;
  // @ts-expect-error info is read-only
  r.info = info;
  // @ts-expect-error unknown options are refused
  const bad: RequestOptions = { notAnOption: true };
  void bad;
  // @ts-expect-error the API owns the header callback
  await request('http://127.0.0.1/', { headerFunction: () => 0 });

  // Streamed bodies: async iterables of bytes or text, a Node Readable, a ReadableStream.
  async function* gen(): AsyncGenerator<Uint8Array | string> {
    yield 'a';
    yield new Uint8Array(1);
  }
  await request('http://127.0.0.1/', { method: 'POST', body: gen() });
  await request('http://127.0.0.1/', { method: 'POST', body: Readable.from(['x']) });
  await request('http://127.0.0.1/', { method: 'POST', body: new ReadableStream<Uint8Array>() });
  const chunk: BodyChunk = new DataView(new ArrayBuffer(1));
  void chunk;
  // @ts-expect-error the API owns the read callback (a body is given as `body`)
  await request('http://127.0.0.1/', { readFunction: () => 0 });
  // @ts-expect-error ... and the seek callback
  await request('http://127.0.0.1/', { seekFunction: () => 0 });
  async function* numbers(): AsyncGenerator<number> {
    yield 1;
  }
  // @ts-expect-error an iterable of numbers is not a body
  await request('http://127.0.0.1/', { method: 'POST', body: numbers() });

  // Easy options that make sense per call.
  const opts: RequestOptions = {
    timeoutMs: 1,
    connectTimeoutMs: 1,
    lowSpeedLimit: 1,
    lowSpeedTime: 1,
    httpVersion: HttpVersion.V1_0,
    acceptEncoding: '',
    maxRecvSpeed: 1,
    maxSendSpeed: 1,
    followLocation: true,
    maxRedirs: 3,
    failOnError: true,
    maxFileSize: 1,
    range: '0-1',
    expect100TimeoutMs: 1,
    resolve: ['a:80:127.0.0.1'],
  };
  void opts;
  // @ts-expect-error httpVersion is one of the HttpVersion numbers
  const badVersion: RequestOptions = { httpVersion: 9 };
  void badVersion;
}

export async function clientTypes(): Promise<void> {
  const options: ClientOptions = {
    maxTotalConnections: 256,
    maxHostConnections: 6,
    maxConcurrentStreams: 100,
    defaults: { headers: { 'user-agent': 'x' }, timeoutMs: 30_000 },
  };
  await using client = new Client(options);
  expectType<Equal<Awaited<ReturnType<typeof client.fetch>>, Response>>(true);
  expectType<Equal<Awaited<ReturnType<typeof client.request>>, RequestResult>>(true);
  expectType<Equal<ReturnType<typeof client.close>, Promise<void>>>(true);
  expectType<Equal<ReturnType<typeof client.destroy>, Promise<void>>>(true);
  const d: AsyncDisposable = client;
  void d;

  // @ts-expect-error limits are numbers
  new Client({ maxTotalConnections: 'many' });
  // @ts-expect-error unknown client option
  new Client({ keepAlive: true });
}

export function errorTypes(e: unknown): void {
  if (e instanceof TscurlError) {
    expectType<Equal<typeof e.curlCode, number>>(true);
    const name: string = e.code;
    const te: TypeError = e;
    void name;
    void te;
    // @ts-expect-error code is a CurlCode name, not a number
    const n: number = e.code;
    void n;
  }
}
