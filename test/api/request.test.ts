// request(): status, headers object, a Readable body with the body mixins, and getInfo().
import assert from 'node:assert/strict';
import stream, { Readable, Writable } from 'node:stream';
import streamPromises from 'node:stream/promises';
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

describe('a body nobody reads yet is full once the callback that filled it returned', () => {
  // A response that arrives in one burst (several TLS records in one read) fills the body before
  // its caller's continuation can start reading: its source (the exchange) looks again a
  // microtask later, through _stillFull.
  const KiB = 1024;
  function source() {
    const s = {
      laters: 0,
      demands: 0,
      pauseLater: () => s.laters++,
      demand: () => s.demands++,
      destroyed: () => {},
    };
    return s;
  }

  test('read at once: no longer full when the source looks', async () => {
    const s = source();
    const body = new BodyReadable(s, 64 * KiB);
    assert.equal(body._deliver(Buffer.alloc(64 * KiB)), true);
    assert.equal(s.laters, 0, 'one highWaterMark of bytes is not full');
    assert.equal(body._deliver(Buffer.alloc(36 * KiB)), true, 'not full at once');
    assert.equal(s.laters, 1, 'the source is asked to look again');
    assert.equal(body._stillFull(), true);
    let got = 0;
    const read = (async () => {
      for await (const chunk of body) got += (chunk as Buffer).length;
    })();
    await null;
    assert.equal(body._stillFull(), false, 'the reader took the chunks before the look');
    body._end();
    await read;
    assert.equal(got, 100 * KiB);
  });

  test('left unread: still full when the source looks, and reading resumes it', async () => {
    const s = source();
    const body = new BodyReadable(s, 64 * KiB);
    body._deliver(Buffer.alloc(64 * KiB));
    body._deliver(Buffer.alloc(1));
    body._deliver(Buffer.alloc(1));
    await null;
    assert.equal(body._stillFull(), true);
    const it = body[Symbol.asyncIterator]();
    assert.equal(((await it.next()).value as Buffer).length, 64 * KiB);
    assert.ok(s.demands > 0, 'reading asked the transfer for more');
    body._end();
    for (let r = await it.next(); r.done !== true; r = await it.next()) {
      // the rest
    }
    assert.equal(body.readableEnded, true);
  });

  test('the transfer ended or the body was destroyed before the look: nothing to pause', async () => {
    const whole = new BodyReadable(source(), 4);
    whole._deliver(Buffer.from('abcdef'));
    whole._end();
    const destroyed = new BodyReadable(source(), 4);
    destroyed._deliver(Buffer.from('abcdef'));
    destroyed.destroy();
    await null;
    assert.equal(whole._stillFull(), false);
    assert.equal(destroyed._stillFull(), false);
    assert.equal(await whole.text(), 'abcdef');
  });

  test('a whole body of several chunks: for await hands out each chunk as it came, not a copy', async () => {
    const body = new BodyReadable(source(), 64 * KiB);
    const chunks = [Buffer.from('ab'), Buffer.from('cd'), Buffer.from('e')];
    for (const c of chunks) body._deliver(c);
    body._end();
    const got: unknown[] = [];
    for await (const c of body) got.push(c);
    assert.equal(got.length, 3);
    for (let i = 0; i < 3; i++) assert.equal(got[i], chunks[i]);
    assert.equal(body.readableEnded, true);
    assert.equal(body.destroyed, true);
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

describe("a body's end leaves the state of a stream read to its end, whether or not anything listens", () => {
  type Read = (body: BodyReadable) => Promise<unknown>;
  const iterate: Read = async (body) => {
    let s = '';
    for await (const c of body) s += String(c);
    return s;
  };
  const readers: Array<[string, Read]> = [
    ['for await', iterate],
    ['text()', (b) => b.text()],
    ['json()', (b) => b.json().catch((e: Error) => e.name)],
    ['bytes()', async (b) => Buffer.from(await b.bytes()).toString()],
    ['arrayBuffer()', async (b) => Buffer.from(await b.arrayBuffer()).toString()],
    ['blob()', async (b) => (await b.blob()).text()],
    ['dump()', (b) => b.dump()],
  ];
  const ticks = async () => {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };

  /**
   * Everything the stream's state holds: Node 22+ (and Node 20 since 20.10 or so) keep its flags as
   * bits behind accessors on ReadableState's prototype, the bits themselves under a symbol.
   */
  function stateOf(body: Readable): Record<string, unknown> {
    const state = (body as unknown as { _readableState: Record<PropertyKey, unknown> })._readableState;
    const out: Record<string, unknown> = {};
    // The stream's own fields too (ours and Node's), but for the listeners each test adds.
    for (const k of Reflect.ownKeys(body)) {
      if (k === '_readableState' || k === '_events' || k === '_eventsCount') continue;
      const v = (body as unknown as Record<PropertyKey, unknown>)[k];
      out[`stream.${String(k)}`] = typeof v === 'object' && v !== null ? v.constructor?.name : v;
    }
    for (let o: object = state; o !== Object.prototype; o = Object.getPrototypeOf(o) as object) {
      for (const k of Reflect.ownKeys(o)) {
        if (k === 'constructor' || String(k) in out) continue;
        const v = state[k];
        out[String(k)] =
          typeof v === 'function'
            ? 'function'
            : typeof v === 'object' && v !== null
              ? `${v.constructor?.name}(${(v as { length?: number }).length})`
              : v;
      }
    }
    return out;
  }

  /** The getters that tell a stream's end, as a plain Readable has them too. */
  const ENDED = ['readable', 'readableEnded', 'destroyed', 'closed', 'readableAborted', 'errored'] as const;

  /** What anything that asks a body after its end sees, asked the same way on every body. */
  async function askAfterEnd(body: BodyReadable, destroyedCalls: () => number) {
    const seen: Record<string, unknown> = { state: stateOf(body) };
    for (const k of [...ENDED, 'readableDidRead', 'readableFlowing', 'readableLength', 'bodyUsed'] as const) {
      seen[k] = body[k];
    }
    seen.isDisturbed = Readable.isDisturbed(body);
    seen.isErrored = stream.isErrored(body);
    seen.isReadable = stream.isReadable(body);
    const late: string[] = [];
    for (const e of ['end', 'close', 'error', 'readable', 'data']) body.on(e, () => late.push(e));
    seen.finished = await new Promise((r) =>
      stream.finished(body, (e) => r(e === undefined ? 'ok' : (e as NodeJS.ErrnoException).code)),
    );
    seen.finishedPromise = await streamPromises.finished(body).then(
      () => 'ok',
      (e: NodeJS.ErrnoException) => e.code,
    );
    seen.read = body.read();
    seen.iterateAgain = await iterate(body).catch((e: NodeJS.ErrnoException) => e.code);
    seen.pipeline = await streamPromises.pipeline(body, new Writable({ write: (_c, _e, cb) => cb() })).then(
      () => 'ok',
      (e: NodeJS.ErrnoException) => e.code,
    );
    seen.text = await body.text().catch((e: Error) => e.name);
    body.destroy();
    await ticks();
    seen.late = late;
    seen.destroyedCalls = destroyedCalls();
    seen.stateAtLast = stateOf(body);
    return seen;
  }

  /**
   * A body read by `read` after `arrival` (a body that arrived whole, or one still arriving while
   * a `for await` reads it), with `listen` events listened to before the read; then asked.
   */
  async function endOf(read: Read, arrival: 'whole' | 'arriving', chunks: string[], listen: string[]) {
    let destroyed = 0;
    const body = new BodyReadable({ demand: () => {}, destroyed: () => destroyed++ }, 64);
    const events: string[] = [];
    for (const e of listen) body.on(e, () => events.push(e));
    let got: Promise<unknown>;
    if (arrival === 'whole') {
      for (const c of chunks) body._deliver(Buffer.from(c));
      body._end();
      got = read(body);
    } else {
      if (chunks.length > 0) body._deliver(Buffer.from(chunks[0]!));
      got = read(body);
      for (const c of chunks.slice(1)) {
        await null;
        body._deliver(Buffer.from(c));
      }
      await null;
      body._end();
    }
    const value = await got;
    await ticks();
    return { value, events, seen: await askAfterEnd(body, () => destroyed) };
  }

  const cases: Array<[string, 'whole' | 'arriving', string[]]> = [
    ['whole, one chunk', 'whole', ['{"a":1}']],
    ['whole, two chunks', 'whole', ['{"a"', ':1}']],
    ['whole, empty', 'whole', []],
    ['arriving', 'arriving', ['{"a"', ':1', '}']],
    ['arriving, empty', 'arriving', []],
  ];

  test('unobserved and listened to: the same state and the same answers after the end', async () => {
    for (const [shape, arrival, chunks] of cases) {
      for (const [name, read] of readers) {
        const what = `${name}, ${shape}`;
        const listened = await endOf(read, arrival, chunks, ['end', 'close', 'error']);
        assert.deepEqual(listened.events, ['end', 'close'], what);
        const quiet = await endOf(read, arrival, chunks, []);
        assert.deepEqual(quiet.value, listened.value, what);
        assert.deepEqual(quiet.seen, listened.seen, what);
        // As Node's: ended, destroyed and closed; nothing fires for listeners added after the end;
        // finished() answers at once; destroying a body read to its end leaves its transfer be.
        assert.equal(quiet.seen.readableEnded, true, what);
        assert.equal(quiet.seen.destroyed, true, what);
        assert.equal(quiet.seen.closed, true, what);
        assert.equal(quiet.seen.readable, false, what);
        assert.equal(quiet.seen.finished, 'ok', what);
        assert.equal(quiet.seen.finishedPromise, 'ok', what);
        assert.equal(quiet.seen.read, null, what);
        assert.deepEqual(quiet.seen.late, [], what);
        assert.equal(quiet.seen.destroyedCalls, 0, what);
      }
    }
  });

  test('a listener for one of the events alone still gets it, once', async () => {
    for (const [shape, arrival, chunks] of cases) {
      for (const e of ['end', 'close']) {
        const r = await endOf(iterate, arrival, chunks, [e]);
        assert.deepEqual(r.events, [e], `${e}, ${shape}`);
        const t = await endOf((b) => b.text(), arrival, chunks, [e]);
        assert.deepEqual(t.events, [e], `${e}, text(), ${shape}`);
      }
    }
  });

  test('a plain Readable read to its end is as ended, destroyed and closed', async () => {
    const plain = new Readable({ read() {} });
    plain.push('abc');
    plain.push(null);
    await iterate(plain as BodyReadable);
    await ticks();
    const body = (await endOf(iterate, 'arriving', ['abc'], [])).seen;
    for (const k of ENDED) {
      assert.equal(body[k], plain[k], k);
    }
    assert.equal(stream.isErrored(plain), body.isErrored);
  });

  test('over a connection: read to the end with nothing listening, the connection is reused', async () => {
    const one = new Client({ maxTotalConnections: 1 });
    try {
      for (const read of [iterate, (b: BodyReadable) => b.text(), (b: BodyReadable) => b.dump()]) {
        const r = await one.request(`${A}/chunked`);
        await read(r.body);
        await ticks();
        assert.equal(r.body.readableEnded, true);
        assert.equal(r.body.destroyed, true);
        r.body.destroy(new Error('after the end'));
        assert.equal(r.body.errored, null, 'a body read to its end is not errored by a later destroy');
      }
      const last = await one.request(`${A}/text`);
      assert.equal(await last.body.text(), 'hello, world');
      assert.equal(last.info.numConnects, 0, 'the connection was reused');
    } finally {
      await one.close();
    }
  });
});
