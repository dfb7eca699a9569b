// Share (libcurl's share interface): cookies, the DNS cache and idle connections shared between
// handles of two Multis; the socket callback contract kept (a shared connection's socket is
// announced only by the Multi whose transfer uses it); handles without a share keep their own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, type EasyOptions, Share } from '../../src/index.js';
import { NodeTransport } from '../../src/transport/node/transport.js';
import { AppLoop } from '../helpers/app-loop.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { tableLookup } from '../helpers/offline-dns.js';

let srv: TestServer;
const cookiesSeen: Array<string | undefined> = [];

before(async () => {
  srv = await startHttpServer((req, res) => {
    cookiesSeen.push(req.headers.cookie);
    if (req.url === '/set') res.setHeader('Set-Cookie', 'shared=yes; Path=/');
    res.end('ok');
  });
});

after(async () => {
  await srv.close();
});

function countingTransport(): { transport: NodeTransport; lookups: string[] } {
  const lookups: string[] = [];
  const inner = tableLookup({ 'app.test': ['127.0.0.1'] });
  const transport = new NodeTransport({
    lookup: (host, options, cb) => {
      lookups.push(host);
      inner(host, options, cb);
    },
  });
  return { transport, lookups };
}

/** Run one Easy on `loop` to completion. */
async function go(loop: AppLoop, opts: EasyOptions): Promise<Easy> {
  const easy = new Easy({ writeFunction: (c) => c.length, ...opts });
  loop.multi.addHandle(easy);
  await loop.untilIdle();
  const done = loop.done.at(-1)!;
  assert.equal(done.easy, easy);
  assert.equal(done.result, CurlCode.OK, easy.errorBuffer);
  loop.multi.removeHandle(easy);
  return easy;
}

test('cookies: a cookie set through one Multi is sent by a handle of another; without the share it is not', async () => {
  const share = new Share({ share: ['cookie'] });
  const { transport } = countingTransport();
  const a = new AppLoop({ transport });
  const b = new AppLoop({ transport });
  try {
    cookiesSeen.length = 0;
    await go(a, { url: `${srv.url}/set`, cookieFile: '', share });
    await go(b, { url: `${srv.url}/x`, cookieFile: '', share });
    await go(b, { url: `${srv.url}/x`, cookieFile: '' });
    assert.deepEqual(cookiesSeen, [undefined, 'shared=yes', undefined]);
    assert.equal(share.cookies?.all.length, 1);
    // Leaving the share: the handle's own (empty) store again.
    const easy = new Easy({ url: `${srv.url}/x`, cookieFile: '', share, writeFunction: (c) => c.length });
    easy.setOptions({ share: undefined });
    cookiesSeen.length = 0;
    a.multi.addHandle(easy);
    await a.untilIdle();
    assert.deepEqual(cookiesSeen, [undefined]);
  } finally {
    a.close();
    b.close();
    share.close();
  }
});

test('cookies: a cookie share alone turns the cookie engine on (no cookieFile needed), as libcurl', async () => {
  const share = new Share({ share: ['cookie'] });
  const a = new AppLoop();
  try {
    cookiesSeen.length = 0;
    await go(a, { url: `${srv.url}/set`, share });
    await go(a, { url: `${srv.url}/x`, share });
    await go(a, { url: `${srv.url}/x` });
    assert.deepEqual(cookiesSeen, [undefined, 'shared=yes', undefined]);
  } finally {
    a.close();
    share.close();
  }
});

test('dns: one lookup for two Multis with the share, one per Multi without', async () => {
  const url = `http://app.test:${srv.port}/x`;
  {
    const share = new Share({ share: ['dns'] });
    const { transport, lookups } = countingTransport();
    const a = new AppLoop({ transport });
    const b = new AppLoop({ transport });
    try {
      await go(a, { url, share, forbidReuse: true });
      await go(b, { url, share, forbidReuse: true });
      assert.deepEqual(lookups, ['app.test']);
    } finally {
      a.close();
      b.close();
      share.close();
    }
  }
  const { transport, lookups } = countingTransport();
  const a = new AppLoop({ transport });
  const b = new AppLoop({ transport });
  try {
    await go(a, { url, forbidReuse: true });
    await go(b, { url, forbidReuse: true });
    assert.deepEqual(lookups, ['app.test', 'app.test']);
  } finally {
    a.close();
    b.close();
  }
});

test('connect: a connection left by one Multi is reused by another, whose socket callback alone announces it', async () => {
  const share = new Share({ share: ['connect'] });
  const { transport } = countingTransport();
  const fdsA: string[] = [];
  const fdsB: string[] = [];
  const a = new AppLoop({ transport }, { onSocket: (_e, s, w) => void fdsA.push(`${s.fd}:${w}`) });
  const b = new AppLoop({ transport }, { onSocket: (_e, s, w) => void fdsB.push(`${s.fd}:${w}`) });
  try {
    const before = srv.connections;
    const e1 = await go(a, { url: `${srv.url}/1`, share });
    assert.equal(share.idleConnections, 1);
    assert.equal(a.multi.pool.size, 0);
    const aEvents = fdsA.length;
    const e2 = await go(b, { url: `${srv.url}/2`, share });
    assert.equal(srv.connections - before, 1);
    assert.equal(e1.getInfo().numConnects, 1);
    assert.equal(e2.getInfo().numConnects, 0);
    // A said nothing more once its transfer was over; B announced the same socket and removed it.
    assert.equal(fdsA.length, aEvents);
    const fd = fdsA[0]!.split(':')[0];
    assert.equal(fdsA.at(-1), `${fd}:4`);
    assert.ok(fdsB.length > 0 && fdsB.every((x) => x.startsWith(`${fd}:`)));
    assert.equal(fdsB.at(-1), `${fd}:4`);
    assert.equal(share.idleConnections, 1);
    // Back in A: taken from the share again.
    const e3 = await go(a, { url: `${srv.url}/3`, share });
    assert.equal(e3.getInfo().numConnects, 0);
    assert.equal(srv.connections - before, 1);
  } finally {
    a.close();
    b.close();
    share.close();
  }
  assert.equal(share.idleConnections, 0);
});

test('connect: without a share each Multi opens its own; a closed server connection in the share is not reused', async () => {
  const { transport } = countingTransport();
  const a = new AppLoop({ transport });
  const b = new AppLoop({ transport });
  const before = srv.connections;
  try {
    await go(a, { url: `${srv.url}/1` });
    await go(b, { url: `${srv.url}/2` });
    assert.equal(srv.connections - before, 2);
  } finally {
    a.close();
    b.close();
  }
  const share = new Share({ share: ['connect'] });
  const c = new AppLoop({ transport });
  try {
    await go(c, { url: `${srv.url}/1`, share });
    assert.equal(share.idleConnections, 1);
    srv.server.closeAllConnections();
    await new Promise((r) => setTimeout(r, 50));
    const e = await go(c, { url: `${srv.url}/2`, share });
    assert.equal(e.getInfo().numConnects, 1);
  } finally {
    c.close();
    share.close();
  }
});

test('Share checks what it shares; the share option takes only a Share', () => {
  assert.throws(() => new Share({ share: ['ssl' as 'dns'] }), TypeError);
  assert.throws(() => new Easy({ share: {} as Share }), { code: CurlCode.BAD_FUNCTION_ARGUMENT });
});
