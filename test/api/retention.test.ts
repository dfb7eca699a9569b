// What a finished call leaves behind once the application dropped it: nothing of its own. The
// idle pooled connection stays (the next call reuses it), but neither it, the pool nor the driver
// may keep the last transfer it carried (its Easy, the call's result, its body stream) until a
// later transfer replaces it. Each case runs calls to their end, drops them, collects the garbage
// and checks through WeakRefs that every call's objects are gone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client, Easy, HttpVersion, NodeDriver, type RequestOptions } from '../../src/index.js';
import { type H2cServer, startH2cServer } from '../helpers/h2c-server.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

// The collector on demand without --expose-gc on the command line: the flag set now gives a new
// context its gc().
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CALLS = 8;
const BODY = Buffer.alloc(100 * 1024, 'b');
let server: TestServer;
let h2: H2cServer;

before(async () => {
  server = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.end(BODY);
  });
  h2 = await startH2cServer((stream) => {
    stream.respond({ ':status': 200, 'content-length': BODY.length });
    stream.end(BODY);
  });
});
after(async () => {
  await server.close();
  await h2.close();
});

/**
 * Runs CALLS calls of `call` concurrently to their end (each returns the objects it made), drops
 * them, and counts how many of those objects are still alive after full collections (with turns
 * between).
 */
async function liveAfterCalls(call: () => Promise<object[]>): Promise<number> {
  const refs: WeakRef<object>[] = [];
  await Promise.all(
    Array.from({ length: CALLS }, async () => {
      for (const o of await call()) refs.push(new WeakRef(o));
    }),
  );
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return refs.filter((r) => r.deref() !== undefined).length;
}

/** request() of `url` with its body read: the result and its body stream. */
async function requestRead(client: Client, url: string, options?: RequestOptions): Promise<object[]> {
  const r = await client.request(url, options);
  assert.equal((await r.body.arrayBuffer()).byteLength, BODY.length);
  return [r, r.body];
}

/** Whether a further call on `client` found an idle connection to reuse. */
async function reused(client: Client, url: string, options?: RequestOptions): Promise<boolean> {
  const r = await client.request(url, options);
  await r.body.arrayBuffer();
  return r.info.numConnects === 0;
}

describe('a finished call keeps nothing of its own alive once idle', () => {
  test('request(): the result, its body stream and what they reach', async () => {
    const client = new Client();
    const live = await liveAfterCalls(() => requestRead(client, server.url));
    assert.equal(live, 0, 'objects of finished request() calls still alive');
    assert.ok(await reused(client, server.url), 'the idle connections stayed pooled');
    await client.close();
  });

  test('request() over HTTP/2: the streams of one session', async () => {
    const client = new Client();
    const options = { httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE };
    const live = await liveAfterCalls(() => requestRead(client, h2.base, options));
    assert.equal(live, 0, 'objects of finished HTTP/2 calls still alive');
    assert.ok(await reused(client, h2.base, options), 'the session stayed pooled');
    await client.close();
  });

  test('fetch(): the Response and its body', async () => {
    const client = new Client();
    const live = await liveAfterCalls(async () => {
      const r = await client.fetch(server.url);
      assert.equal((await r.arrayBuffer()).byteLength, BODY.length);
      return [r];
    });
    assert.equal(live, 0, 'objects of finished fetch() calls still alive');
    assert.ok(await reused(client, server.url), 'the idle connections stayed pooled');
    await client.close();
  });

  test('NodeDriver: the Easy handles once removed and dropped', async () => {
    const driver = new NodeDriver();
    const live = await liveAfterCalls(async () => {
      let got = 0;
      const easy = new Easy({
        url: server.url,
        writeFunction: (chunk) => {
          got += chunk.length;
        },
      });
      assert.equal((await driver.add(easy)).result, 0);
      assert.equal(got, BODY.length);
      return [easy];
    });
    assert.equal(live, 0, 'finished Easy handles still alive');
    const next = new Easy({ url: server.url, writeFunction: () => {} });
    assert.equal((await driver.add(next)).result, 0);
    assert.equal(next.getInfo().numConnects, 0, 'the idle connections stayed pooled');
    driver.close();
  });
});
