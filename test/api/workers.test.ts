// new Client({ workers }): transfers run on worker threads, each with its own Multi, while the
// caller sees what one thread gives (status, headers, body, getInfo, progress, result codes), the
// connection limits hold across all workers, an unread body pauses its transfer, and a worker that
// crashes fails only its own transfers and is replaced.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, CurlCode, TscurlError } from '../../src/index.js';
import { type Pumped, pumpBody, startHttpServer, type TestServer } from '../helpers/http-server.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server that counts its open connections and remembers the most at once. */
interface CountingServer extends TestServer {
  open: number;
  maxOpen: number;
}

/** The latest /big response's progress: bytes the server handed to its socket. */
let latest: Pumped = { sent: 0 };

async function countingServer(): Promise<CountingServer> {
  const s = (await startHttpServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/big') {
      latest = pumpBody(res, Number(u.searchParams.get('size')));
      return;
    }
    const delay = Number(u.searchParams.get('delay') ?? 0);
    const reply = () => {
      res.setHeader('x-path', u.pathname);
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(`hello ${u.search}`);
    };
    if (delay > 0) setTimeout(reply, delay);
    else reply();
  })) as CountingServer;
  s.open = 0;
  s.maxOpen = 0;
  s.server.on('connection', (sock) => {
    s.open++;
    s.maxOpen = Math.max(s.maxOpen, s.open);
    sock.on('close', () => s.open--);
  });
  return s;
}

let a: CountingServer;
let b: CountingServer;
before(async () => {
  a = await countingServer();
  b = await countingServer();
});
after(async () => {
  await a.close();
  await b.close();
});

describe('Client({ workers })', () => {
  test('request(): status, headers, body and getInfo as with one thread, spread over the workers', async () => {
    await using client = new Client({ workers: 2 });
    const one = new Client();
    try {
      const calls = Array.from({ length: 20 }, (_, i) => client.request(`${a.url}/p?i=${i}&delay=30`));
      await sleep(10);
      assert.deepEqual(
        client._workers!.busy.map((n) => n > 0),
        [true, true],
        'both workers run transfers',
      );
      const results = await Promise.all(calls);
      const ref = await one.request(`${a.url}/p?i=0&delay=30`);
      const refText = await ref.body.text();
      for (const [i, r] of results.entries()) {
        assert.equal(r.statusCode, 200);
        assert.equal(r.headers['x-path'], '/p');
        assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
        assert.equal(await r.body.text(), `hello ?i=${i}&delay=30`);
        assert.equal(r.info.responseCode, 200);
        assert.equal(r.info.sizeDownload, Buffer.byteLength(`hello ?i=${i}&delay=30`));
        assert.ok(r.info.totalTime > 0);
      }
      assert.equal(refText, 'hello ?i=0&delay=30');
      assert.deepEqual(Object.keys(results[0]!.info).sort(), Object.keys(ref.info).sort());
      assert.deepEqual(Object.keys(results[0]!.headers).sort(), Object.keys(ref.headers).sort());
    } finally {
      await one.close();
    }
  });

  test('fetch() works through the workers', async () => {
    await using client = new Client({ workers: 2 });
    const res = await client.fetch(`${a.url}/f?x=1`);
    assert.equal(res.status, 200);
    assert.equal(res.url, `${a.url}/f?x=1`);
    assert.equal(res.headers.get('x-path'), '/f');
    assert.equal(await res.text(), 'hello ?x=1');
  });

  test('maxHostConnections holds across all workers together', async () => {
    a.maxOpen = a.open;
    await using client = new Client({ workers: 2, maxHostConnections: 2 });
    const base = a.open;
    const texts = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        client.request(`${a.url}/h?i=${i}&delay=20`).then((r) => r.body.text()),
      ),
    );
    assert.equal(texts.length, 30);
    assert.ok(a.maxOpen - base <= 2, `the server saw ${a.maxOpen - base} connections at once (limit 2)`);
  });

  test('maxTotalConnections holds across workers and hosts: idle connections are closed to make room', async () => {
    await using client = new Client({ workers: 2, maxTotalConnections: 2 });
    const base = a.open + b.open;
    let maxBoth = 0;
    const watch = setInterval(() => {
      maxBoth = Math.max(maxBoth, a.open + b.open - base);
    }, 1);
    try {
      const texts = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          client.request(`${(i % 2 === 0 ? a : b).url}/t?i=${i}&delay=10`).then((r) => r.body.text()),
        ),
      );
      assert.equal(texts[23], 'hello ?i=23&delay=10');
    } finally {
      clearInterval(watch);
    }
    assert.ok(maxBoth <= 2, `${maxBoth} connections open at once across both servers (limit 2)`);
  });

  test('an unread body pauses its transfer in the worker; reading resumes it; chunks arrive whole', async () => {
    await using client = new Client({ workers: 1 });
    const { body } = await client.request(`${a.url}/big?size=${1024 * MiB}`);
    await sleep(300);
    const stalledAt = latest.sent;
    await sleep(200);
    assert.ok(stalledAt < 32 * MiB, `server sent ${stalledAt} bytes to a reader that read nothing`);
    assert.equal(latest.sent, stalledAt, 'the server kept sending to a paused transfer');
    let got = 0;
    for await (const chunk of body) {
      got += (chunk as Buffer).length;
      if (got >= 8 * MiB) break;
    }
    assert.ok(latest.sent > stalledAt, 'reading did not resume the transfer');
  });

  test('result codes and messages as with one thread', async () => {
    await using client = new Client({ workers: 1 });
    const one = new Client();
    const url = 'http://127.0.0.1:1/refused';
    const threaded = await client.request(url).catch((e: unknown) => e);
    const single = await one.request(url).catch((e: unknown) => e);
    await one.close();
    assert.ok(threaded instanceof TscurlError);
    assert.ok(single instanceof TscurlError);
    assert.equal(threaded.curlCode, CurlCode.COULDNT_CONNECT);
    const ms = (m: string) => m.replace(/after \d+ ms/, 'after N ms');
    assert.equal(ms(threaded.message), ms(single.message));
    assert.equal(threaded.phase, single.phase);
    const bad = await client.request('http://[::1', {}).catch((e: unknown) => e);
    assert.ok(bad instanceof TscurlError);
    assert.equal(bad.curlCode, CurlCode.URL_MALFORMAT);
    await assert.rejects(client.request(a.url, { debugFunction: () => {} }), {
      code: 'BAD_FUNCTION_ARGUMENT',
    });
  });

  test('progress callbacks run on the caller thread; a non-zero return aborts with 42', async () => {
    await using client = new Client({ workers: 1 });
    const seen: number[] = [];
    const r = await client.request(`${a.url}/big?size=${MiB}`, {
      noProgress: false,
      xferInfoFunction: (_dt, dn) => {
        seen.push(dn);
        return 0;
      },
    });
    assert.equal((await r.body.bytes()).length, MiB);
    assert.ok(seen.length > 0 && seen.at(-1) === MiB, `last progress ${seen.at(-1)}`);
    const aborted = client.request(`${a.url}/big?size=${64 * MiB}`, {
      noProgress: false,
      xferInfoFunction: (_dt, dn) => (dn > 0 ? 1 : 0),
    });
    const e = await aborted.then((res) => res.body.bytes()).catch((err: unknown) => err);
    assert.ok(e instanceof TscurlError);
    assert.equal(e.curlCode, CurlCode.ABORTED_BY_CALLBACK);
  });

  test('a crashed worker fails only its own transfers (42, named) and is replaced', async () => {
    await using client = new Client({ workers: 2 });
    const pool = client._workers!;
    const calls = Array.from({ length: 4 }, (_, i) => client.request(`${a.url}/c?i=${i}&delay=400`));
    await sleep(100);
    assert.deepEqual(pool.busy, [2, 2]);
    pool._crash(0);
    const outcomes = await Promise.allSettled(calls);
    const failed = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(failed.length, 2, 'exactly the crashed worker’s two transfers failed');
    for (const f of failed) {
      const e = (f as PromiseRejectedResult).reason;
      assert.ok(e instanceof TscurlError);
      assert.equal(e.curlCode, CurlCode.ABORTED_BY_CALLBACK);
      assert.match(e.message, /Worker thread 0 stopped/);
    }
    assert.equal(pool.replaced, 1);
    const again = await Promise.all(Array.from({ length: 4 }, (_, i) => client.request(`${a.url}/d?i=${i}`)));
    assert.deepEqual(
      again.map((r) => r.statusCode),
      [200, 200, 200, 200],
    );
    for (const r of again) await r.body.dump();
  });

  test("workers: 'auto' uses the available cores; a bad count is refused", async () => {
    await using client = new Client({ workers: 'auto' });
    assert.ok(client._workers!.size >= 1);
    assert.throws(() => new Client({ workers: 0 }), { code: 'BAD_FUNCTION_ARGUMENT' });
  });
});
