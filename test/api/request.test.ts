// request(): status, headers object, a Readable body with the body mixins, and getInfo().
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BodyReadable, Client, TscurlError } from '../../src/index.js';
import type { Echo } from './routes.js';
import { startServers } from './routes.js';

let servers: Awaited<ReturnType<typeof startServers>>;
let client: Client;
let A = '';

before(async () => {
  servers = await startServers();
  A = servers.a.url;
  client = new Client();
});
after(async () => {
  await client.close();
  await servers.close();
});

describe('request()', () => {
  test('statusCode, statusText, lower-cased headers, repeated ones as arrays', async () => {
    const r = await client.request(`${A}/headers`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.statusText, 'OK');
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2']);
    assert.deepEqual(r.headers['x-multi'], ['one', 'two']);
    assert.equal(r.headers['x-mixed-case'], 'Value');
    assert.equal(r.headers, r.headers, 'the same object on every read');
    assert.equal(await r.body.text(), 'h');
  });

  test('headers first read after the connection carried the next response are still its own', async () => {
    const one = new Client({ maxTotalConnections: 1 });
    try {
      const first = await one.request(`${A}/headers`);
      assert.equal(await first.body.text(), 'h');
      const second = await one.request(`${A}/status/201?text=Made`);
      assert.equal(await second.body.text(), 'status 201');
      assert.equal(second.info.numConnects, 0, 'the connection was reused');
      assert.deepEqual(first.headers['set-cookie'], ['a=1; Path=/', 'b=2']);
      assert.deepEqual(first.headers['x-multi'], ['one', 'two']);
      assert.equal(first.headers['x-status'], undefined);
      assert.equal(second.headers['x-status'], '201');
      assert.equal(second.headers['x-multi'], undefined);
      assert.equal(second.statusText, 'Made');
    } finally {
      await one.close();
    }
  });

  test('body mixins: text, json, bytes, arrayBuffer, blob', async () => {
    assert.deepEqual(await (await client.request(`${A}/json`)).body.json(), { a: 1, b: [true, null] });
    assert.equal(await (await client.request(`${A}/text`)).body.text(), 'hello, world');
    const bytes = await (await client.request(`${A}/text`)).body.bytes();
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(Buffer.from(bytes).toString(), 'hello, world');
    const ab = await (await client.request(`${A}/text`)).body.arrayBuffer();
    assert.ok(ab instanceof ArrayBuffer);
    assert.equal(ab.byteLength, 12);
    const blob = await (await client.request(`${A}/text`)).body.blob();
    assert.equal(await blob.text(), 'hello, world');
  });

  test('the body is a Readable, async-iterable, usable once', async () => {
    const r = await client.request(`${A}/chunked`);
    assert.ok(r.body instanceof Readable);
    assert.ok(r.body instanceof BodyReadable);
    const parts: string[] = [];
    for await (const c of r.body) parts.push(String(c));
    assert.equal(parts.join(''), 'part0;part1;part2;part3;part4;end');
    await assert.rejects(r.body.text(), TypeError);
  });

  test('info is the transfer getInfo(): timings, sizes, connection reuse', async () => {
    const fresh = new Client();
    try {
      const r1 = await fresh.request(`${A}/text`);
      await r1.body.text();
      const i1 = r1.info;
      assert.equal(i1.responseCode, 200);
      assert.equal(i1.sizeDownload, 12);
      assert.equal(i1.numConnects, 1);
      assert.ok(i1.totalTime >= i1.starttransferTime && i1.starttransferTime >= i1.connectTime);
      assert.equal(i1.primaryIp, '127.0.0.1');
      const r2 = await fresh.request(`${A}/text`);
      await r2.body.dump();
      assert.equal(r2.info.numConnects, 0, 'second request reused the connection');
    } finally {
      await fresh.close();
    }
  });

  test('method, headers and body; Easy options per call', async () => {
    const r = await client.request(`${A}/echo`, {
      method: 'PATCH',
      headers: { 'x-custom': 'yes' },
      body: JSON.stringify({ x: 1 }),
      userAgent: 'mine/2',
    });
    const e = (await r.body.json()) as Echo;
    assert.equal(e.method, 'PATCH');
    assert.equal(e.custom, 'yes');
    assert.equal(e.body, '{"x":1}');
    assert.equal(e.contentType, 'text/plain;charset=UTF-8');
  });

  test('redirects are not followed (as curl without -L)', async () => {
    const r = await client.request(`${A}/redirect/302`);
    assert.equal(r.statusCode, 302);
    assert.equal(r.headers.location, '/echo');
    await r.body.dump();
  });

  test('a failure rejects with TscurlError: code, curlCode, host and phase', async () => {
    const err = await client.request('http://127.0.0.1:1/x').then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TscurlError);
    assert.equal(err.code, 'COULDNT_CONNECT');
    assert.equal(err.curlCode, 7);
    assert.equal(err.host, '127.0.0.1:1');
    assert.match(err.message, /127\.0\.0\.1.*phase connect/);
  });

  test('timeoutMs fails with OPERATION_TIMEDOUT; a body cut short errors the stream', async () => {
    await assert.rejects(client.request(`${A}/hang`, { timeoutMs: 80 }), {
      code: 'OPERATION_TIMEDOUT',
      curlCode: 28,
    });
    const r = await client.request(`${A}/truncated`);
    await assert.rejects(r.body.text(), { code: 'PARTIAL_FILE', curlCode: 18 });
  });

  test('bad Easy options are rejected at the call', async () => {
    await assert.rejects(client.request(`${A}/text`, { timeoutMs: -1 }), {
      name: 'TscurlError',
      code: 'BAD_FUNCTION_ARGUMENT',
    });
  });

  test('signal: abort before and during the body', async () => {
    await assert.rejects(client.request(`${A}/text`, { signal: AbortSignal.abort() }), {
      name: 'AbortError',
    });
    const ac = new AbortController();
    const r = await client.request(`${A}/slow`, { signal: ac.signal });
    ac.abort();
    await assert.rejects(r.body.text(), { name: 'AbortError' });
    assert.equal(client.running, 0);
  });

  test('calls in flight together each get their own head, body and end', async () => {
    // The engine's callbacks (body bytes, heads, completion) are one function for every call,
    // finding the call through its handle: each call's head and bytes must still be its own.
    const ac = new AbortController();
    const slow = client.request(`${A}/slow`, { signal: ac.signal });
    const calls = Array.from({ length: 12 }, (_, i) =>
      client.request(i % 3 === 2 ? `${A}/chunked` : `${A}/status/${230 + i}?text=Call${i}`),
    );
    const results = await Promise.all(calls);
    const cut = await slow;
    ac.abort();
    for (const [i, r] of results.entries()) {
      if (i % 3 === 2) {
        assert.equal(r.statusCode, 200, `call ${i}`);
        assert.equal(await r.body.text(), 'part0;part1;part2;part3;part4;end', `call ${i}`);
      } else {
        assert.equal(r.statusCode, 230 + i, `call ${i}`);
        assert.equal(r.statusText, `Call${i}`, `call ${i}`);
        assert.equal(r.headers['x-status'], String(230 + i), `call ${i}`);
        assert.equal(await r.body.text(), `status ${230 + i}`, `call ${i}`);
        assert.equal(r.info.responseCode, 230 + i, `call ${i}`);
      }
    }
    await assert.rejects(cut.body.text(), { name: 'AbortError' });
    assert.equal(client.running, 0);
  });
});

describe('the body is full once MORE than highWaterMark bytes wait in it', () => {
  // A bulk body arrives in 64 KiB reads: were one read enough to fill a 64 KiB body, every chunk
  // would pause and resume its transfer however fast the reader is.
  const KiB = 1024;
  test('held (nobody reads yet) and streaming (a reader took over)', () => {
    let demands = 0;
    const body = new BodyReadable({ demand: () => demands++, destroyed: () => {} }, 64 * KiB);
    assert.equal(body._deliver(Buffer.alloc(64 * KiB)), true, 'one highWaterMark of bytes is not full');
    assert.equal(body._deliver(Buffer.alloc(1)), false);
    // Reading moves the held chunks into the stream; read() then hands out the whole buffer on
    // Node 20 and its first chunk on Node 26: drain it all.
    let drained = 0;
    for (let c = body.read() as Buffer | null; c !== null; c = body.read() as Buffer | null) {
      drained += c.length;
    }
    assert.equal(drained, 64 * KiB + 1);
    assert.equal(body._deliver(Buffer.alloc(64 * KiB)), true);
    assert.equal(body._deliver(Buffer.alloc(1)), false);
    body.destroy();
  });
});

describe('for await over a body still arriving (chunks straight from the transfer)', () => {
  test('chunks in order, full past highWaterMark, then end and close as a stream read to its end', async () => {
    let demands = 0;
    const body = new BodyReadable({ demand: () => demands++, destroyed: () => {} }, 4);
    const events: string[] = [];
    body.on('end', () => events.push('end'));
    body.on('close', () => events.push('close'));
    body._deliver(Buffer.from('ab'));
    const it = body[Symbol.asyncIterator]();
    assert.equal(String((await it.next()).value), 'ab');
    const pending = it.next();
    assert.equal(body._deliver(Buffer.from('cd')), true);
    assert.equal(String((await pending).value), 'cd');
    assert.equal(body._deliver(Buffer.from('efg')), true);
    assert.equal(body._deliver(Buffer.from('hi')), false, 'more than highWaterMark waits: full');
    body._end();
    const rest: string[] = [];
    for (let r = await it.next(); r.done !== true; r = await it.next()) rest.push(String(r.value));
    assert.deepEqual(rest, ['efg', 'hi']);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events, ['end', 'close']);
    assert.ok(body.readableEnded);
    assert.ok(demands > 0, 'reading asked the transfer for more');
    assert.equal(body.bodyUsed, true);
  });

  test('destroyed while a next() waits: a premature close; a failure: its error', async () => {
    const body = new BodyReadable({ demand: () => {}, destroyed: () => {} }, 4);
    body._deliver(Buffer.from('x'));
    const it = body[Symbol.asyncIterator]();
    await it.next();
    const waiting = it.next();
    body.destroy();
    await assert.rejects(waiting, { code: 'ERR_STREAM_PREMATURE_CLOSE' });

    const failing = new BodyReadable({ demand: () => {}, destroyed: () => {} }, 4);
    failing._deliver(Buffer.from('y'));
    const it2 = failing[Symbol.asyncIterator]();
    failing._fail(new TscurlError(18, 'cut short'));
    await assert.rejects(it2.next(), { message: 'cut short' });
  });
});

describe('a body that arrived whole ends as a stream read to its end', () => {
  /** The events a body emits and its state once read by `read`, after the ticks that follow. */
  async function endOf(read: (body: BodyReadable) => Promise<unknown>) {
    let destroyedByReader = 0;
    const body = new BodyReadable({ demand: () => {}, destroyed: () => destroyedByReader++ }, 64);
    const events: string[] = [];
    for (const e of ['end', 'close', 'error']) body.on(e, () => events.push(e));
    body._deliver(Buffer.from('ab'));
    body._deliver(Buffer.from('c'));
    body._end();
    const got = await read(body);
    await new Promise((r) => setImmediate(r));
    return { got, events, ended: body.readableEnded, destroyed: body.destroyed, destroyedByReader };
  }

  // What Node's own Readable gives for the same body read to its end.
  test('for await, text(), bytes(), dump(): end, then close; ended and destroyed; the transfer untouched', async () => {
    const plain = new Readable({ read() {} });
    const plainEvents: string[] = [];
    for (const e of ['end', 'close', 'error']) plain.on(e, () => plainEvents.push(e));
    plain.push('abc');
    plain.push(null);
    for await (const _ of plain) {
      // read to the end
    }
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(plainEvents, ['end', 'close']);

    const iterate = async (body: BodyReadable) => {
      let s = '';
      for await (const c of body) s += String(c);
      return s;
    };
    const readers: Array<[string, (body: BodyReadable) => Promise<unknown>, unknown]> = [
      ['for await', iterate, 'abc'],
      ['text()', (b) => b.text(), 'abc'],
      ['bytes()', async (b) => Buffer.from(await b.bytes()).toString(), 'abc'],
      ['dump()', (b) => b.dump(), undefined],
    ];
    for (const [name, read, expected] of readers) {
      const r = await endOf(read);
      assert.equal(r.got, expected, name);
      assert.deepEqual(r.events, plainEvents, name);
      assert.equal(r.ended, true, name);
      assert.equal(r.destroyed, true, name);
      assert.equal(r.destroyedByReader, 0, `${name}: a body read to its end does not end the transfer`);
    }
  });
});
