// Transfers through proxies made in the tests, end to end on loopback: absolute-form and CONNECT
// through an HTTP proxy, Basic and Digest proxy auth (407), SOCKS4/4a, the environment variables,
// libcurl's error codes (5, 7, 56, 97), connection reuse through a tunnel (per origin) and for
// absolute-form (per proxy).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { CurlCode, Easy, HttpAuth, NodeDriver, ProxyCode } from '../../../src/index.js';
import { startEchoOrigin, startHttpProxy } from '../../helpers/http-proxy.js';
import { startSocks4Server } from '../../helpers/socks4-server.js';
import { run } from '../run.js';

let origin: { url: string; close(): void };
let originUrl = '';
before(async () => {
  origin = await startEchoOrigin();
  originUrl = origin.url;
});
after(() => origin.close());

describe('HTTP proxy', () => {
  test('one URL on one driver: straight, through a proxy, then straight again (each its own route)', async () => {
    // A transfer straight to a URL uses a route its target keeps for every such transfer; one
    // through a proxy makes its own (with the proxy's first hop and the addresses it resolved).
    const proxy = await startHttpProxy();
    const driver = new NodeDriver();
    try {
      const url = `${originUrl}/same`;
      const direct = await run({ url }, driver);
      assert.equal(direct.code, CurlCode.OK, direct.error);
      assert.equal(direct.info.usedProxy, 0);
      const proxied = await run({ url, proxy: proxy.url }, driver);
      assert.equal(proxied.code, CurlCode.OK, proxied.error);
      assert.equal(proxied.info.usedProxy, 1);
      assert.equal(proxy.requests.length, 1);
      assert.equal(proxy.requests[0]!.url, url);
      const again = await run({ url }, driver);
      assert.equal(again.code, CurlCode.OK, again.error);
      assert.equal(again.info.usedProxy, 0);
      assert.equal(again.body.toString(), 'origin saw GET /same');
      assert.equal(proxy.requests.length, 1, 'the direct transfer went straight');
    } finally {
      driver.close();
      await proxy.close();
    }
  });
  test('plain http goes in absolute-form with Proxy-Connection: Keep-Alive', async () => {
    const proxy = await startHttpProxy();
    try {
      const r = await run({ url: `${originUrl}/a?b=1`, proxy: proxy.url });
      assert.equal(r.code, CurlCode.OK, r.error);
      assert.equal(r.body.toString(), 'origin saw GET /a?b=1');
      assert.equal(proxy.requests[0]!.url, `${originUrl}/a?b=1`);
      assert.equal(proxy.requests[0]!.headers['proxy-connection'], 'Keep-Alive');
      assert.equal(r.info.usedProxy, 1);
      assert.equal(r.info.httpConnectCode, 0);
    } finally {
      await proxy.close();
    }
  });
  test('httpProxyTunnel: CONNECT, then the request inside the tunnel', async () => {
    const proxy = await startHttpProxy();
    try {
      const headers: string[] = [];
      const r = await run({
        url: `${originUrl}/t`,
        proxy: proxy.url,
        httpProxyTunnel: true,
        proxyHeader: ['X-To-Proxy: yes'],
        headerFunction: (l) => void headers.push(l),
      });
      assert.equal(r.code, CurlCode.OK, r.error);
      assert.equal(r.body.toString(), 'origin saw GET /t');
      const c = proxy.requests[0]!;
      assert.equal(c.method, 'CONNECT');
      assert.equal(c.url, originUrl.slice('http://'.length));
      assert.equal(c.headers['x-to-proxy'], 'yes');
      assert.equal(r.info.httpConnectCode, 200);
      assert.equal(
        headers[0],
        'HTTP/1.1 200 Connection established\r\n',
        'the CONNECT answer goes to the header callback',
      );
      const quiet: string[] = [];
      await run({
        url: `${originUrl}/t`,
        proxy: proxy.url,
        httpProxyTunnel: true,
        suppressConnectHeaders: true,
        headerFunction: (l) => void quiet.push(l),
      });
      assert.ok(quiet[0]!.startsWith('HTTP/1.1 200 OK'), quiet[0]);
    } finally {
      await proxy.close();
    }
  });
  test('CONNECT answered 403: 56 "CONNECT tunnel failed, response 403", httpConnectCode 403', async () => {
    const proxy = await startHttpProxy();
    proxy.connectStatus = 403;
    try {
      const r = await run({ url: `${originUrl}/`, proxy: proxy.url, httpProxyTunnel: true });
      assert.equal(r.code, CurlCode.RECV_ERROR);
      assert.equal(r.error, 'CONNECT tunnel failed, response 403');
      assert.equal(r.info.httpConnectCode, 403);
    } finally {
      await proxy.close();
    }
  });
  test('Basic proxy auth: absolute-form and CONNECT; without credentials the 407 is visible', async () => {
    const proxy = await startHttpProxy({ user: 'u', password: 'p w' });
    try {
      const plain = await run({ url: `${originUrl}/p`, proxy: proxy.url, proxyUserPwd: 'u:p w' });
      assert.equal(plain.code, CurlCode.OK, plain.error);
      assert.equal(plain.info.responseCode, 200);
      const inUrl = await run({
        url: `${originUrl}/p`,
        proxy: `http://u:p%20w@127.0.0.1:${proxy.port}`,
        httpProxyTunnel: true,
      });
      assert.equal(inUrl.body.toString(), 'origin saw GET /p');
      const none = await run({ url: `${originUrl}/p`, proxy: proxy.url });
      assert.equal(none.code, CurlCode.OK);
      assert.equal(none.info.responseCode, 407);
      assert.equal(none.info.proxyAuthAvail, HttpAuth.BASIC);
      const tunnel = await run({ url: `${originUrl}/p`, proxy: proxy.url, httpProxyTunnel: true });
      assert.equal(tunnel.code, CurlCode.RECV_ERROR);
      assert.equal(tunnel.info.httpConnectCode, 407);
    } finally {
      await proxy.close();
    }
  });
  test('Digest proxy auth: the 407 challenge is answered on a second CONNECT', async () => {
    const proxy = await startHttpProxy({ digest: true });
    try {
      const r = await run({
        url: `${originUrl}/d`,
        proxy: proxy.url,
        httpProxyTunnel: true,
        proxyUserPwd: 'user:pw',
        proxyAuth: HttpAuth.DIGEST,
      });
      assert.equal(r.code, CurlCode.OK, r.error);
      const auth = proxy.requests.map((q) => q.headers['proxy-authorization']);
      assert.equal(auth[0], undefined);
      assert.match(auth[1]!, /^Digest username="user", realm="tp", nonce="abc123", uri="127\.0\.0\.1:\d+", /);
      assert.equal(proxy.connections, 1, 'the 407 round on the same connection');
    } finally {
      await proxy.close();
    }
  });
  test('a tunnel is reused for its origin only (counted at the proxy)', async () => {
    const proxy = await startHttpProxy();
    const other = createServer((_q, res) => res.end('other'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const driver = new NodeDriver();
    try {
      const o = { proxy: proxy.url, httpProxyTunnel: true };
      await run({ url: `${originUrl}/1`, ...o }, driver);
      await run({ url: `${originUrl}/2`, ...o }, driver);
      assert.equal(proxy.connections, 1);
      await run({ url: `http://127.0.0.1:${(other.address() as { port: number }).port}/`, ...o }, driver);
      assert.equal(proxy.connections, 2);
      await run({ url: `${originUrl}/3`, ...o, proxyUserPwd: 'a:b' }, driver);
      assert.equal(proxy.connections, 3, 'other credentials, another connection');
    } finally {
      driver.close();
      other.close();
      await proxy.close();
    }
  });

  test('absolute-form: one proxy connection serves every origin (the key is the proxy, not the origin)', async () => {
    const proxy = await startHttpProxy();
    const other = createServer((_q, res) => res.end('other'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherUrl = `http://localhost:${(other.address() as { port: number }).port}`;
    const driver = new NodeDriver();
    const lines: string[] = [];
    const debugFunction = (type: string, d: string | Uint8Array): void => {
      if (type === 'text') lines.push(String(d).trimEnd());
    };
    try {
      const a = await run({ url: `${originUrl}/1`, proxy: proxy.url }, driver);
      const b = await run({ url: `${otherUrl}/2`, proxy: proxy.url, debugFunction }, driver);
      const c = await run({ url: `${originUrl}/3`, proxy: proxy.url }, driver);
      assert.equal(a.body.toString(), 'origin saw GET /1');
      assert.equal(b.body.toString(), 'other');
      assert.equal(c.body.toString(), 'origin saw GET /3');
      assert.deepEqual(
        proxy.requests.map((q) => q.url),
        [`${originUrl}/1`, `${otherUrl}/2`, `${originUrl}/3`],
      );
      assert.equal(proxy.connections, 1, 'three origins, one connection to the proxy');
      assert.equal(c.info.numConnects, 0);
      assert.ok(
        lines.some((l) => /^Re-using existing connection with proxy 127\.0\.0\.1$/.test(l)),
        lines.join('\n'),
      );
      // Other credentials, or a tunnel, are another connection.
      await run({ url: `${otherUrl}/4`, proxy: proxy.url, proxyUserPwd: 'a:b' }, driver);
      assert.equal(proxy.connections, 2);
      await run({ url: `${otherUrl}/5`, proxy: proxy.url, httpProxyTunnel: true }, driver);
      assert.equal(proxy.connections, 3);
    } finally {
      driver.close();
      other.close();
      await proxy.close();
    }
  });
});

describe('errors', () => {
  test('an unresolvable proxy is 5, a refused one 7, an unknown scheme 7', async () => {
    const r5 = await run({ url: `${originUrl}/`, proxy: 'http://no-such-proxy.invalid:3128', resolve: [] });
    assert.equal(r5.code, CurlCode.COULDNT_RESOLVE_PROXY);
    assert.equal(r5.error, 'Could not resolve proxy: no-such-proxy.invalid');
    const r7 = await run({ url: `${originUrl}/`, proxy: 'http://127.0.0.1:1' });
    assert.equal(r7.code, CurlCode.COULDNT_CONNECT);
    assert.match(
      r7.error,
      /^Failed to connect to 127\.0\.0\.1 port 1 after \d+ ms: Could not connect to server$/,
    );
    const rs = await run({ url: `${originUrl}/`, proxy: 'gopher://127.0.0.1:1' });
    assert.equal(rs.code, CurlCode.COULDNT_CONNECT);
    assert.equal(rs.error, 'Unsupported proxy scheme for "gopher://127.0.0.1:1"');
  });
});

describe('SOCKS', () => {
  test('SOCKS4a sends the name, SOCKS4 the address; a rejection is 97 with REQUEST_FAILED', async () => {
    const s = await startSocks4Server();
    try {
      const a = await run({
        url: `http://localhost:${new URL(originUrl).port}/s`,
        proxy: `socks4a://127.0.0.1:${s.port}`,
      });
      assert.equal(a.code, CurlCode.OK, a.error);
      assert.equal(a.body.toString(), 'origin saw GET /s');
      assert.equal(s.requests[0]!.host, 'localhost');
      const four = await run({
        url: `http://localhost:${new URL(originUrl).port}/s`,
        proxy: `socks4://127.0.0.1:${s.port}`,
      });
      assert.equal(four.code, CurlCode.OK, four.error);
      assert.equal(s.requests[1]!.host, '127.0.0.1');
      s.reject = true;
      const no = await run({
        url: `${originUrl}/s`,
        proxy: `socks4://127.0.0.1:${s.port}`,
        proxyUserPwd: 'ident',
      });
      assert.equal(no.code, CurlCode.PROXY);
      assert.equal(no.info.proxyError, ProxyCode.REQUEST_FAILED);
      assert.match(
        no.error,
        /^Can't complete SOCKS4 connection to 0\.0\.0\.0:0\. \(91\), request rejected or failed\.$/,
      );
      assert.equal(s.requests[2]!.user, 'ident');
    } finally {
      await s.close();
    }
  });
});

describe('environment', () => {
  test('http_proxy is used without any option; NO_PROXY and proxy: "" turn it off', async () => {
    const proxy = await startHttpProxy();
    const saved = { ...process.env };
    try {
      process.env.http_proxy = proxy.url;
      const via = await run({ url: `${originUrl}/env` });
      assert.equal(via.code, CurlCode.OK, via.error);
      assert.equal(via.info.usedProxy, 1);
      assert.equal(proxy.requests.length, 1);
      const off = await run({ url: `${originUrl}/env`, proxy: '' });
      assert.equal(off.info.usedProxy, 0);
      process.env.NO_PROXY = '127.0.0.0/8';
      const bypass = await run({ url: `${originUrl}/env` });
      assert.equal(bypass.info.usedProxy, 0);
      assert.equal(proxy.requests.length, 1);
      process.env.HTTP_PROXY = 'http://127.0.0.1:1';
      delete process.env.http_proxy;
      delete process.env.NO_PROXY;
      const upper = await run({ url: `${originUrl}/env` });
      assert.equal(upper.info.usedProxy, 0, 'HTTP_PROXY is not read');
    } finally {
      for (const k of ['http_proxy', 'HTTP_PROXY', 'NO_PROXY']) delete process.env[k];
      Object.assign(process.env, saved);
      await proxy.close();
    }
  });

  test('one Multi sees a variable set between two of its calls', async () => {
    const proxy = await startHttpProxy();
    const saved = process.env.http_proxy;
    const driver = new NodeDriver();
    const easy = (path: string) => new Easy({ url: `${originUrl}${path}`, writeFunction: (c) => c.length });
    try {
      delete process.env.http_proxy;
      const direct = await driver.add(easy('/env1'));
      assert.equal(direct.result, CurlCode.OK);
      assert.equal(direct.easy.getInfo().usedProxy, 0);
      process.env.http_proxy = proxy.url;
      const via = await driver.add(easy('/env2'));
      assert.equal(via.result, CurlCode.OK, via.easy.errorBuffer);
      assert.equal(via.easy.getInfo().usedProxy, 1);
      assert.equal(proxy.requests.length, 1);
    } finally {
      if (saved === undefined) delete process.env.http_proxy;
      else process.env.http_proxy = saved;
      driver.close();
      await proxy.close();
    }
  });
});
