// Side by side: the same cases through Node's global fetch and tscurl's fetch against the same
// node:http servers; status, statusText, headers, body, redirect and error behaviour must match.
// Differences on purpose are asserted separately below (and listed in docs/fetch.md).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, TscurlError } from '../../src/index.js';
import type { Echo } from './routes.js';
import { startServers } from './routes.js';

type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

let servers: Awaited<ReturnType<typeof startServers>>;
let client: Client;
let A = '';
let B = '';

before(async () => {
  servers = await startServers();
  A = servers.a.url;
  B = servers.b.url;
  client = new Client();
});
after(async () => {
  await client.close();
  await servers.close();
});

const tscurlFetch: FetchFn = (input, init) => client.fetch(input, init);
const nodeFetch: FetchFn = (input, init) => globalThis.fetch(input, init);

/** Transport-level response fields that are not about the exchange. */
const dropped = new Set(['date', 'connection', 'keep-alive']);

type Outcome =
  | {
      status: number;
      statusText: string;
      ok: boolean;
      redirected: boolean;
      url: string;
      type: string;
      headers: Array<[string, string]>;
      setCookie: string[];
      bodyNull: boolean;
      body: string | null;
      bodyError: string | null;
    }
  | { error: string };

function errorKind(e: unknown): string {
  if (e instanceof DOMException) return e.name;
  if (e instanceof TypeError) return 'TypeError';
  return e instanceof Error ? e.constructor.name : typeof e;
}

/** Echo bodies say how the request looked; fields that differ on purpose are left out. */
function normalizeBody(text: string, contentType: string | null): string {
  if (!contentType?.startsWith('application/json') || !text.startsWith('{"method"')) return text;
  const e = JSON.parse(text) as Partial<Echo>;
  if (e.contentType?.startsWith('multipart/form-data')) {
    // Each side picks its own boundary; the bytes around it must be the same.
    const boundary = e.contentType.slice(e.contentType.indexOf('boundary=') + 9);
    // The length depends on the boundary's: compared as "the body's exact length".
    if (e.contentLength === String(Buffer.byteLength(e.body ?? ''))) e.contentLength = 'body length';
    e.body = (e.body ?? '').split(boundary).join('BOUNDARY');
    e.contentType = 'multipart/form-data';
  }
  return JSON.stringify(e);
}

async function run(
  f: FetchFn,
  input: () => string | URL | Request,
  init?: () => RequestInit,
): Promise<Outcome> {
  let res: Response;
  try {
    res = await f(input(), init?.());
  } catch (e) {
    return { error: errorKind(e) };
  }
  let body: string | null = null;
  let bodyError: string | null = null;
  try {
    body = res.body === null ? null : normalizeBody(await res.text(), res.headers.get('content-type'));
  } catch (e) {
    bodyError = errorKind(e);
  }
  const base = new URL(A).origin;
  return {
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    redirected: res.redirected,
    url: res.url.replace(base, 'A').replace(new URL(B).origin, 'B'),
    type: res.type,
    headers: [...res.headers].filter(([n]) => !dropped.has(n)),
    setCookie: res.headers.getSetCookie(),
    bodyNull: res.body === null,
    body,
    bodyError,
  };
}

interface Case {
  name: string;
  input: () => string | URL | Request;
  init?: () => RequestInit;
}

const blobFile = () => new Blob(['file content'], { type: 'text/x-note' });
/** Over STREAM_THRESHOLD (64 KiB): streamed with Content-Length, not read into memory first. */
const bigText = (n: number) => 'x'.repeat(n - 10) + '0123456789';
const bigBlob = () => new Blob([bigText(300_000)], { type: 'application/x-big' });
/** A ReadableStream that yields its chunks on later turns (so the upload pauses and resumes). */
const slowStream = (chunks: string[], delayMs = 2) => {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      await new Promise((r) => setTimeout(r, delayMs));
      if (i < chunks.length) c.enqueue(new TextEncoder().encode(chunks[i++]));
      else c.close();
    },
  });
};
const cases: Case[] = [
  { name: 'GET text', input: () => `${A}/text` },
  { name: 'GET json', input: () => `${A}/json` },
  { name: 'GET URL object', input: () => new URL('/text?q=1#frag', A) },
  { name: '404 with body', input: () => `${A}/status/404` },
  { name: '500 custom statusText', input: () => `${A}/status/500?text=Broken%20Thing` },
  { name: '204 null body', input: () => `${A}/status/204` },
  { name: 'repeated headers, set-cookie', input: () => `${A}/headers` },
  { name: 'chunked body', input: () => `${A}/chunked` },
  { name: 'gzip body decoded', input: () => `${A}/gzip` },
  { name: 'HEAD', input: () => `${A}/text`, init: () => ({ method: 'HEAD' }) },
  { name: 'POST string', input: () => `${A}/echo`, init: () => ({ method: 'POST', body: 'héllo' }) },
  {
    name: 'POST bytes',
    input: () => `${A}/echo`,
    init: () => ({ method: 'POST', body: new Uint8Array([104, 105]) }),
  },
  {
    name: 'POST ArrayBuffer',
    input: () => `${A}/echo`,
    init: () => ({ method: 'POST', body: new Uint8Array([65]).buffer }),
  },
  {
    name: 'POST Blob with type',
    input: () => `${A}/echo`,
    init: () => ({ method: 'POST', body: blobFile() }),
  },
  {
    name: 'POST URLSearchParams',
    input: () => `${A}/echo`,
    init: () => ({ method: 'POST', body: new URLSearchParams({ a: '1', b: 'x y' }) }),
  },
  {
    name: 'POST FormData',
    input: () => `${A}/echo`,
    init: () => {
      const fd = new FormData();
      fd.append('field', 'va"lue\nline');
      fd.append('file', blobFile(), 'note.txt');
      fd.append('blob', new Blob(['raw']));
      return { method: 'POST', body: fd };
    },
  },
  {
    name: 'POST ReadableStream duplex half',
    input: () => `${A}/echo`,
    init: () =>
      ({
        method: 'POST',
        duplex: 'half',
        body: new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode('streamed '));
            c.enqueue(new TextEncoder().encode('body'));
            c.close();
          },
        }),
      }) as RequestInit,
  },
  {
    name: 'POST ReadableStream, chunks arriving over time (chunked)',
    input: () => `${A}/echo`,
    init: () =>
      ({
        method: 'PUT',
        duplex: 'half',
        body: slowStream(['one;', '', 'two;', 'x'.repeat(100_000), ';three']),
      }) as RequestInit,
  },
  {
    name: 'POST big Blob (streamed, Content-Length)',
    input: () => `${A}/echo`,
    init: () => ({ method: 'POST', body: bigBlob() }),
  },
  {
    name: 'POST FormData with a big file (streamed, Content-Length)',
    input: () => `${A}/echo`,
    init: () => {
      const fd = new FormData();
      fd.append('name', 'big');
      fd.append('file', bigBlob(), 'big.txt');
      fd.append('after', 'tail');
      return { method: 'POST', body: fd };
    },
  },
  {
    name: 'redirect 307 resends a big Blob',
    input: () => `${A}/redirect/307`,
    init: () => ({ method: 'POST', body: bigBlob() }),
  },
  {
    name: 'redirect 303 after a streamed body becomes GET',
    input: () => `${A}/redirect/303`,
    init: () => ({ method: 'POST', duplex: 'half', body: slowStream(['a', 'b']) }) as RequestInit,
  },
  {
    name: 'redirect 307 after a streamed body fails',
    input: () => `${A}/redirect/307`,
    init: () => ({ method: 'POST', duplex: 'half', body: slowStream(['a', 'b']) }) as RequestInit,
  },
  {
    name: 'request body stream that errors',
    input: () => `${A}/echo`,
    init: () =>
      ({
        method: 'POST',
        duplex: 'half',
        body: new ReadableStream({
          pull(c) {
            c.enqueue(new Uint8Array([1, 2]));
            c.error(new Error('source broke'));
          },
        }),
      }) as RequestInit,
  },
  {
    name: 'POST explicit content-type wins',
    input: () => `${A}/echo`,
    init: () => ({ method: 'POST', body: 'x', headers: { 'content-type': 'application/x-mine' } }),
  },
  { name: 'POST empty', input: () => `${A}/echo`, init: () => ({ method: 'POST' }) },
  { name: 'PUT', input: () => `${A}/echo`, init: () => ({ method: 'put', body: 'p' }) },
  { name: 'DELETE', input: () => `${A}/echo`, init: () => ({ method: 'DELETE' }) },
  { name: 'custom method', input: () => `${A}/echo`, init: () => ({ method: 'PURGE' }) },
  {
    name: 'headers as array, Headers, record',
    input: () => `${A}/echo`,
    init: () => ({ headers: [['X-Custom', 'a']] }),
  },
  {
    name: 'Request input with body and headers',
    input: () =>
      new Request(`${A}/echo`, { method: 'POST', body: 'from request', headers: { 'x-custom': 'r' } }),
  },
  {
    name: 'Request input, init overrides method',
    input: () => new Request(`${A}/echo`, { headers: { 'x-custom': 'r' } }),
    init: () => ({ method: 'DELETE' }),
  },
  { name: 'redirect 301 GET', input: () => `${A}/redirect/301` },
  {
    name: 'redirect 302 POST becomes GET',
    input: () => `${A}/redirect/302`,
    init: () => ({ method: 'POST', body: 'b' }),
  },
  {
    name: 'redirect 303 PUT becomes GET',
    input: () => `${A}/redirect/303`,
    init: () => ({ method: 'PUT', body: 'b' }),
  },
  {
    name: 'redirect 307 keeps POST body',
    input: () => `${A}/redirect/307`,
    init: () => ({ method: 'POST', body: 'b' }),
  },
  {
    name: 'redirect 308 keeps PUT body',
    input: () => `${A}/redirect/308`,
    init: () => ({ method: 'PUT', body: 'b' }),
  },
  { name: 'redirect relative location', input: () => `${A}/redirect/302?to=..%2Fecho%3Fx%3D1` },
  { name: 'redirect chain of 5', input: () => `${A}/chain/5` },
  { name: 'redirect chain of 20 (the limit)', input: () => `${A}/chain/20` },
  { name: 'redirect chain of 21 (over)', input: () => `${A}/chain/21` },
  { name: 'redirect loop', input: () => `${A}/loop` },
  { name: "redirect: 'manual'", input: () => `${A}/redirect/302`, init: () => ({ redirect: 'manual' }) },
  { name: "redirect: 'error'", input: () => `${A}/redirect/301`, init: () => ({ redirect: 'error' }) },
  {
    name: 'cross-origin redirect drops authorization and cookie',
    input: () => `${A}/cross`,
    init: () => ({ headers: { authorization: 'Bearer t', cookie: 'c=1', 'x-custom': 'kept' } }),
  },
  { name: 'truncated body', input: () => `${A}/truncated` },
  { name: 'connection refused', input: () => 'http://127.0.0.1:1/' },
  { name: 'invalid URL', input: () => 'http://exa mple.com:99999/' },
  { name: 'URL with credentials', input: () => `http://u:p@127.0.0.1:${servers.a.port}/text` },
  { name: 'GET with body', input: () => `${A}/echo`, init: () => ({ body: 'x' }) },
  {
    name: 'stream body without duplex',
    input: () => `${A}/echo`,
    init: () => ({ method: 'POST', body: new ReadableStream() }) as RequestInit,
  },
  { name: 'invalid method', input: () => `${A}/echo`, init: () => ({ method: 'BAD METHOD' }) },
  { name: 'forbidden method CONNECT', input: () => `${A}/echo`, init: () => ({ method: 'CONNECT' }) },
  { name: 'already aborted signal', input: () => `${A}/text`, init: () => ({ signal: AbortSignal.abort() }) },
  {
    name: 'abort while waiting for the head',
    input: () => `${A}/hang`,
    init: () => ({ signal: AbortSignal.timeout(50) }),
  },
  {
    name: 'abort while reading the body',
    input: () => `${A}/slow`,
    init: () => ({ signal: AbortSignal.timeout(150) }),
  },
];

describe('fetch side by side with Node fetch', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const theirs = await run(nodeFetch, c.input, c.init);
      const ours = await run(tscurlFetch, c.input, c.init);
      assert.deepEqual(ours, theirs);
    });
  }
});

describe('fetch: differences on purpose and tscurl specifics', () => {
  test('a streamed body goes out chunked and a big Blob with Content-Length, as with Node', async () => {
    const stream = () =>
      ({
        method: 'POST',
        duplex: 'half',
        body: new ReadableStream({
          start(c) {
            c.enqueue(new Uint8Array([97, 98]));
            c.close();
          },
        }),
      }) as RequestInit;
    const theirs = (await (await nodeFetch(`${A}/echo`, stream())).json()) as Echo;
    const ours = (await (await tscurlFetch(`${A}/echo`, stream())).json()) as Echo;
    assert.equal(theirs.transferEncoding, 'chunked');
    assert.equal(ours.transferEncoding, 'chunked');
    assert.equal(ours.contentLength, null);
    assert.equal(ours.body, theirs.body);
    const blob = () => ({ method: 'POST', body: new Blob([new Uint8Array(100_000)]) });
    const theirBlob = (await (await nodeFetch(`${A}/echo`, blob())).json()) as Echo;
    const ourBlob = (await (await tscurlFetch(`${A}/echo`, blob())).json()) as Echo;
    assert.equal(ourBlob.contentLength, '100000');
    assert.equal(ourBlob.contentLength, theirBlob.contentLength);
    assert.equal(ourBlob.transferEncoding, null);
  });

  test('errors are TscurlError (a TypeError) with code, curlCode, host and phase in the message, and cause', async () => {
    const err = await client.fetch('http://127.0.0.1:1/').then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TscurlError);
    assert.ok(err instanceof TypeError);
    assert.equal(err.code, 'COULDNT_CONNECT');
    assert.equal(err.curlCode, 7);
    assert.equal(err.phase, 'connect');
    assert.match(err.message, /127\.0\.0\.1/);
    assert.match(err.message, /phase connect/);
    assert.ok(err.cause instanceof Error);
  });

  test('a body cut short errors the stream with PARTIAL_FILE', async () => {
    const res = await client.fetch(`${A}/truncated`);
    const err = await res.text().then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TscurlError);
    assert.equal(err.code, 'PARTIAL_FILE');
  });

  test("too many redirects and redirect: 'error' reject with TOO_MANY_REDIRECTS", async () => {
    for (const [url, init] of [
      [`${A}/loop`, {}],
      [`${A}/redirect/301`, { redirect: 'error' }],
    ] as const) {
      const err = await client.fetch(url, init).then(
        () => assert.fail('resolved'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof TscurlError);
      assert.equal(err.code, 'TOO_MANY_REDIRECTS');
    }
  });

  test('a 307 redirect cannot resend a streamed body', async () => {
    const err = await client
      .fetch(`${A}/redirect/307`, {
        method: 'POST',
        duplex: 'half',
        body: new ReadableStream({
          start(c) {
            c.enqueue(new Uint8Array([1]));
            c.close();
          },
        }),
      } as RequestInit)
      .then(
        () => assert.fail('resolved'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof TscurlError);
    assert.equal(err.code, 'SEND_FAIL_REWIND');
  });

  test('per-call Easy options: timeoutMs ends a hung transfer with OPERATION_TIMEDOUT', async () => {
    const err = await client.fetch(`${A}/hang`, { options: { timeoutMs: 100 } }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TscurlError);
    assert.equal(err.code, 'OPERATION_TIMEDOUT');
    assert.equal(err.curlCode, 28);
  });

  test('abort frees the connection slot at once', async () => {
    const one = new Client({ maxTotalConnections: 1 });
    try {
      const ac = new AbortController();
      const hung = one.fetch(`${A}/hang`, { signal: ac.signal });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(one.running, 1);
      ac.abort();
      await assert.rejects(hung, { name: 'AbortError' });
      assert.equal(one.running, 0);
      assert.equal(one.driver.multi.runningHandles, 0);
      const started = Date.now();
      const res = await one.fetch(`${A}/text`);
      assert.equal(await res.text(), 'hello, world');
      assert.ok(Date.now() - started < 1000);
    } finally {
      await one.destroy();
    }
  });

  test('cancelling the body ends the transfer', async () => {
    const res = await client.fetch(`${A}/slow`);
    assert.equal(client.running, 1);
    await res.body?.cancel();
    assert.equal(client.running, 0);
  });

  test('request headers: tscurl/0.1 user agent, no accept-language / sec-fetch-mode; Node adds them', async () => {
    const theirs = (await (await nodeFetch(`${A}/request-headers`)).json()) as Record<string, string>;
    const ours = (await (await tscurlFetch(`${A}/request-headers`)).json()) as Record<string, string>;
    assert.equal(ours['user-agent'], 'tscurl/0.1');
    assert.equal(theirs['user-agent'], 'node');
    assert.equal(ours.accept, '*/*');
    assert.equal(ours['accept-language'], undefined);
    assert.equal(ours['sec-fetch-mode'], undefined);
    assert.equal(theirs['sec-fetch-mode'], 'cors');
    assert.match(ours['accept-encoding'] ?? '', /gzip/);
    assert.equal(ours.expect, undefined);
  });

  test('Accept-Encoding: every coding by default; a request header, or acceptEncoding in the call or the Client defaults, names its own', async () => {
    const seen = async (c: Client, init?: Parameters<Client['fetch']>[1]) => {
      const res = await c.fetch(`${A}/request-headers`, init);
      return ((await res.json()) as Record<string, string>)['accept-encoding'];
    };
    assert.match((await seen(client)) ?? '', /gzip/);
    assert.equal(await seen(client, { headers: { 'accept-encoding': 'identity' } }), 'identity');
    assert.equal(await seen(client, { options: { acceptEncoding: 'gzip' } }), 'gzip');
    // Given as undefined (a JavaScript caller can): no Accept-Encoding at all, as libcurl without
    // CURLOPT_ACCEPT_ENCODING.
    const unset = { options: { acceptEncoding: undefined } } as unknown as Parameters<Client['fetch']>[1];
    assert.equal(await seen(client, unset), undefined);
    const withDefault = new Client({ defaults: { acceptEncoding: 'br' } });
    try {
      assert.equal(await seen(withDefault), 'br');
      assert.equal(await seen(withDefault, { options: { acceptEncoding: 'gzip' } }), 'gzip');
      assert.equal(await seen(withDefault, { headers: { 'accept-encoding': 'identity' } }), 'identity');
    } finally {
      await withDefault.close();
    }
  });

  test("the body is the stream Node's Response would hold: a ReadableStream, transferable, read once", async () => {
    const res = await tscurlFetch(`${A}/text`);
    const body = res.body!;
    assert.equal(Object.getPrototypeOf(body), ReadableStream.prototype);
    assert.equal(res.body, body);
    assert.equal(res.bodyUsed, false);
    const moved = structuredClone(body, { transfer: [body as never] });
    assert.equal(body.locked, true);
    assert.equal(res.bodyUsed, true);
    assert.equal(await new Response(moved).text(), 'hello, world');
    await assert.rejects(res.text(), TypeError);
    // A null-body status has no stream, as with Node's constructor.
    const empty = await tscurlFetch(`${A}/status/204`);
    assert.equal(empty.body, null);
    assert.equal(await empty.text(), '');
  });

  test('url / redirected / type live on the instance: clone() has the defaults', async () => {
    const res = await tscurlFetch(`${A}/redirect/301`);
    assert.equal(res.redirected, true);
    const copy = res.clone();
    assert.equal(copy.redirected, false);
    assert.equal(copy.url, '');
    await res.text();
    await copy.text();
  });

  test("a response's header fields reach its Headers when first needed: headers, blob(), formData(), clone()", async () => {
    const url = `${A}/form`;
    // Each method called first, before anything else read the headers.
    const blob = await (await tscurlFetch(url)).blob();
    assert.equal(blob.type, 'application/x-www-form-urlencoded');
    const form = await (await tscurlFetch(url)).formData();
    assert.deepEqual(
      [...form],
      [
        ['a', '1'],
        ['b', 'two'],
      ],
    );
    const res = await tscurlFetch(url);
    const copy = res.clone();
    assert.equal(copy.headers.get('x-one'), '1');
    assert.equal(copy.headers.get('content-type'), 'application/x-www-form-urlencoded');
    assert.equal(await copy.text(), 'a=1&b=two');
    // The original: the same Headers object each time, holding each field once.
    assert.equal(Object.getPrototypeOf(res), Response.prototype);
    assert.ok(res.headers instanceof Headers);
    assert.equal(res.headers, res.headers);
    assert.equal(res.headers.get('x-one'), '1');
    assert.deepEqual(
      [...res.headers].filter(([n]) => !dropped.has(n)),
      [...(await nodeFetch(url)).headers].filter(([n]) => !dropped.has(n)),
    );
    assert.equal(await res.text(), 'a=1&b=two');
    // Node's own getter sees the same list once it was filled.
    const protoHeaders = Object.getOwnPropertyDescriptor(Response.prototype, 'headers')?.get;
    assert.equal(protoHeaders?.call(res), res.headers);
    // Nothing of the mechanism shows as an enumerable property: none at all, as Node's.
    const theirs = await nodeFetch(url);
    await theirs.body?.cancel();
    assert.deepEqual(Object.keys(res), Object.keys(theirs));
    assert.deepEqual(Object.keys(res), []);
  });

  test('a Request input with a stream body is read to bytes first (Content-Length), Node streams it', async () => {
    const make = () =>
      new Request(`${A}/echo`, {
        method: 'POST',
        duplex: 'half',
        body: new ReadableStream({
          start(c) {
            c.enqueue(new Uint8Array([65, 66]));
            c.close();
          },
        }),
      } as RequestInit);
    const theirs = (await (await nodeFetch(make())).json()) as Echo;
    const ours = (await (await tscurlFetch(make())).json()) as Echo;
    assert.equal(theirs.transferEncoding, 'chunked');
    assert.equal(ours.contentLength, '2');
    assert.equal(ours.body, theirs.body);
  });

  test('https: a closed port fails with COULDNT_CONNECT as http does (TLS comes after the connect)', async () => {
    const err = await tscurlFetch('https://127.0.0.1:1/').then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TscurlError);
    assert.equal(err.code, 'COULDNT_CONNECT');
  });

  test('Client defaults: headers merged under the call, options applied', async () => {
    const c = new Client({
      defaults: { headers: { 'x-custom': 'default', authorization: 'd' }, userAgent: 'ua/1' },
    });
    try {
      const e = (await (await c.fetch(`${A}/echo`, { headers: { 'x-custom': 'call' } })).json()) as Echo;
      assert.equal(e.custom, 'call');
      assert.equal(e.authorization, 'd');
    } finally {
      await c.close();
    }
  });
});
