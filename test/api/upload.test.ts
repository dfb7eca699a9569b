// Streamed request bodies: fetch's ReadableStream / Blob / FormData and request()'s async
// iterables go through the engine's read callback, not into memory first. Known size ->
// Content-Length, unknown -> chunked; a source with nothing yet pauses sending, data resumes it.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Client, TscurlError } from '../../src/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { type Echo, echo } from './routes.js';

const MiB = 1024 * 1024;

let server: TestServer;
let client: Client;
/** Request bytes the /count route received so far (for the request in progress). */
let received = 0;
/** Resolvers waiting for `received` to reach a count. */
let waiters: Array<{ at: number; resolve: () => void }> = [];
/** Headers of the latest request. */
let lastHeaders: IncomingMessage['headers'] = {};

function untilReceived(n: number): Promise<void> {
  if (received >= n) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ at: n, resolve }));
}

function count(req: IncomingMessage, res: ServerResponse): void {
  received = 0;
  lastHeaders = req.headers;
  req.on('data', (c: Buffer) => {
    received += c.length;
    const ready = waiters.filter((w) => received >= w.at);
    waiters = waiters.filter((w) => received < w.at);
    for (const w of ready) w.resolve();
  });
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ received, te: req.headers['transfer-encoding'] ?? null }));
  });
}

before(async () => {
  server = await startHttpServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/count') count(req, res);
    else if (p === '/early') {
      // Answers before reading the body (a 413-style refusal).
      res.writeHead(413);
      res.end('too big');
    } else if (p === '/307') {
      req.resume();
      req.on('end', () => {
        res.writeHead(307, { location: '/echo' });
        res.end();
      });
    } else
      echo(req).then(
        (e) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(e));
        },
        () => res.destroy(), // the client gave up on the upload
      );
  });
  client = new Client();
});
after(async () => {
  await client.close();
  await server.close();
});

/** A ReadableStream whose second chunk only comes once the server holds the first: a buffering client deadlocks. */
function gatedStream(
  first: Uint8Array,
  second: Uint8Array,
  cancelled?: () => void,
): ReadableStream<Uint8Array> {
  let step = 0;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      if (step === 0) c.enqueue(first);
      else if (step === 1) {
        await untilReceived(first.length);
        c.enqueue(second);
      } else c.close();
      step++;
    },
    cancel: () => cancelled?.(),
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('streamed request bodies', () => {
  test('fetch sends a ReadableStream as it is produced, chunked (a buffering client would deadlock)', async () => {
    const body = gatedStream(new Uint8Array(1000).fill(97), new Uint8Array(500).fill(98));
    const res = await withTimeout(
      client.fetch(`${server.url}/count`, { method: 'POST', body, duplex: 'half' } as RequestInit),
      5000,
      'gated upload',
    );
    assert.deepEqual(await res.json(), { received: 1500, te: 'chunked' });
    assert.equal(lastHeaders['content-length'], undefined);
    assert.equal(lastHeaders.expect, undefined, 'fetch never asks for 100-continue');
  });

  test('request() streams an async iterable (chunked) and a Node Readable', async () => {
    async function* gen() {
      yield new Uint8Array(2000).fill(1);
      await untilReceived(2000);
      yield 'text chunk';
      yield Buffer.alloc(0);
      yield new Uint16Array([1, 2]);
    }
    const r = await withTimeout(
      client.request(`${server.url}/count`, { method: 'PUT', body: gen() }),
      5000,
      'async iterable',
    );
    assert.deepEqual(await r.body.json(), { received: 2014, te: 'chunked' });
    const readable = Readable.from([Buffer.from('ab'), Buffer.from('cd')]);
    const r2 = await client.request(`${server.url}/echo`, { method: 'POST', body: readable });
    const e = (await r2.body.json()) as Echo;
    assert.equal(e.body, 'abcd');
    assert.equal(e.transferEncoding, 'chunked');
    assert.equal(e.contentType, null, 'no implied content-type for a stream');
  });

  test('a stream with a content-length header is sent with Content-Length (request())', async () => {
    const r = await client.request(`${server.url}/echo`, {
      method: 'POST',
      headers: { 'content-length': '6' },
      body: Readable.from([Buffer.from('abc'), Buffer.from('def')]),
    });
    const e = (await r.body.json()) as Echo;
    assert.equal(e.contentLength, '6');
    assert.equal(e.transferEncoding, null);
    assert.equal(e.body, 'abcdef');
  });

  test('a big Blob is streamed with Content-Length', async () => {
    const blob = new Blob([new Uint8Array(3 * MiB).fill(7)]);
    const res = await client.fetch(`${server.url}/count`, { method: 'POST', body: blob });
    assert.deepEqual(await res.json(), { received: 3 * MiB, te: null });
    assert.equal(lastHeaders['content-length'], String(3 * MiB));
    assert.equal(lastHeaders.expect, undefined);
  });

  test("an 'expect: 100-continue' header asks first (request())", async () => {
    const r = await client.request(`${server.url}/count`, {
      method: 'POST',
      headers: { expect: '100-continue' },
      body: new Blob([new Uint8Array(200_000)]),
    });
    assert.deepEqual(await r.body.json(), { received: 200_000, te: null });
    assert.equal(lastHeaders.expect, '100-continue');
  });

  test('request() with followLocation resends a Blob on 307 (rewound), and fails for a stream (65)', async () => {
    const blob = new Blob([new Uint8Array(100_000).fill(120)]);
    const r = await client.request(`${server.url}/307`, { method: 'POST', body: blob, followLocation: true });
    const e = (await r.body.json()) as Echo;
    assert.equal(e.method, 'POST');
    assert.equal(e.body.length, 100_000);
    assert.equal(e.contentLength, '100000');
    async function* gen() {
      yield 'x'.repeat(70_000);
    }
    const err = await client
      .request(`${server.url}/307`, { method: 'POST', body: gen(), followLocation: true })
      .then(
        () => assert.fail('resolved'),
        (x: unknown) => x,
      );
    assert.ok(err instanceof TscurlError);
    assert.equal(err.code, 'SEND_FAIL_REWIND');
    assert.equal(err.curlCode, 65);
  });

  test('a failing source rejects with READ_ERROR and the source error as the root cause', async () => {
    const broke = new Error('source broke');
    async function* gen() {
      yield 'first';
      throw broke;
    }
    const err = await client.request(`${server.url}/echo`, { method: 'POST', body: gen() }).then(
      () => assert.fail('resolved'),
      (x: unknown) => x,
    );
    assert.ok(err instanceof TscurlError);
    assert.equal(err.code, 'READ_ERROR');
    assert.match(err.message, /host 127\.0\.0\.1:\d+/);
    assert.equal((err.cause as Error).cause, broke);
  });

  test('abort during the upload ends the transfer and cancels the source', async () => {
    let cancelled = false;
    const ac = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      pull: async (c) => {
        await new Promise((r) => setTimeout(r, 5));
        c.enqueue(new Uint8Array(1000));
      },
      cancel: () => {
        cancelled = true;
      },
    });
    const p = client.fetch(`${server.url}/count`, {
      method: 'POST',
      body,
      duplex: 'half',
      signal: ac.signal,
    } as RequestInit);
    await untilReceived(3000);
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    assert.equal(client.running, 0);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(cancelled, 'the body stream was not cancelled');
  });

  test('the server answering before the body is read stops the upload and cancels the source', async () => {
    let cancelled = false;
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: async (c) => {
        pulls++;
        await new Promise((r) => setTimeout(r, 2));
        c.enqueue(new Uint8Array(64 * 1024));
      },
      cancel: () => {
        cancelled = true;
      },
    });
    const res = await client.fetch(`${server.url}/early`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    await res.text();
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(cancelled, 'the body stream was not cancelled');
    assert.ok(pulls < 1000);
  });

  test('512 MiB generated upload: RSS growth stays bounded', async () => {
    const total = 512 * MiB;
    const block = new Uint8Array(64 * 1024).fill(0x61);
    let produced = 0;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (produced >= total) {
          c.close();
          return;
        }
        produced += block.length;
        if (produced % (16 * MiB) === 0) peak = Math.max(peak, process.memoryUsage().rss);
        // A fresh view each time: the stream hands it over; the same bytes keep the test cheap.
        c.enqueue(new Uint8Array(block.buffer, 0, block.length));
      },
    });
    const res = await client.fetch(`${server.url}/count`, {
      method: 'PUT',
      body,
      duplex: 'half',
    } as RequestInit);
    assert.deepEqual(await res.json(), { received: total, te: 'chunked' });
    const grown = (peak - baseline) / MiB;
    assert.ok(grown < 150, `RSS grew by ${grown.toFixed(0)} MiB while uploading 512 MiB`);
  });
});
