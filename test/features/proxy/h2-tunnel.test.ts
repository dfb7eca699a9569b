// HTTP/2 inside a proxy tunnel: an https origin reached with CONNECT through an HTTP proxy, and
// through an HTTPS proxy (TLS inside TLS), negotiates h2 by ALPN inside the tunnel and multiplexes
// the transfers on it; the tunnel serves that origin only. The proxy itself is spoken to in
// HTTP/1.1 (libcurl offers only http/1.1 in the ALPN to a proxy).
import assert from 'node:assert/strict';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { CurlCode, NodeDriver } from '../../../src/index.js';
import { startEchoOrigin, startHttpProxy, type TestProxy } from '../../helpers/http-proxy.js';
import { type TestPki, testPki } from '../../helpers/tls-certs.js';
import { type RunResult, run } from '../run.js';

let pki: TestPki;
const origins: Array<{ server: Http2SecureServer; url: string; sessions: number }> = [];

async function h2Origin(name: string) {
  const tls = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) };
  const o = { server: createSecureServer(tls), url: '', sessions: 0 };
  o.server.on('session', () => o.sessions++);
  o.server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200 });
    stream.end(`${name} h2 ${headers[':path']}`);
  });
  await new Promise<void>((r) => o.server.listen(0, '127.0.0.1', r));
  o.url = `https://localhost:${(o.server.address() as AddressInfo).port}`;
  origins.push(o);
  return o;
}

before(() => {
  pki = testPki();
});
after(() => {
  for (const o of origins) o.server.close();
});

/** One transfer, then five at once on the same driver: all must ride the first h2 connection. */
async function batch(driver: NodeDriver, url: string, opts: Record<string, unknown>): Promise<RunResult[]> {
  const first = await run({ url: `${url}/0`, caInfo: pki.caCert, ...opts }, driver);
  const rest = await Promise.all(
    [1, 2, 3, 4, 5].map((i) => run({ url: `${url}/${i}`, caInfo: pki.caCert, ...opts }, driver)),
  );
  return [first, ...rest];
}

function connects(proxy: TestProxy): string[] {
  return proxy.requests.filter((r) => r.method === 'CONNECT').map((r) => r.url);
}

for (const kind of ['HTTP', 'HTTPS'] as const) {
  test(`${kind} proxy: h2 by ALPN inside the tunnel, multiplexed; the tunnel serves its origin only`, async () => {
    const a = await h2Origin('a');
    const b = await h2Origin('b');
    const tls = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) };
    // The HTTPS proxy would pick h2 if offered it: the client must offer http/1.1 only.
    const proxy = await startHttpProxy(
      kind === 'HTTP' ? {} : { tls: { ...tls, ALPNProtocols: ['h2', 'http/1.1'] } },
    );
    const opts = kind === 'HTTP' ? { proxy: proxy.url } : { proxy: proxy.url, proxyCaInfo: pki.caCert };
    const driver = new NodeDriver();
    try {
      const results = await batch(driver, a.url, opts);
      for (const [i, r] of results.entries()) {
        assert.equal(r.code, CurlCode.OK, r.error);
        assert.equal(r.body.toString(), `a h2 /${i}`);
        assert.equal(r.info.httpVersion, 3, 'HTTP/2');
        assert.equal(r.info.httpConnectCode, i === 0 ? 200 : 0);
      }
      assert.equal(a.sessions, 1, 'one h2 connection to the origin');
      assert.deepEqual(connects(proxy), [new URL(a.url).host], 'one tunnel');
      assert.equal(proxy.connections, 1);
      // Another origin through the same proxy: its own tunnel, never the first one.
      const other = await run({ url: `${b.url}/x`, caInfo: pki.caCert, ...opts }, driver);
      assert.equal(other.code, CurlCode.OK, other.error);
      assert.equal(other.body.toString(), 'b h2 /x');
      assert.deepEqual(connects(proxy), [new URL(a.url).host, new URL(b.url).host]);
      assert.equal(proxy.connections, 2);
      assert.equal(a.sessions, 1);
      // An http:// origin through the HTTPS proxy stays HTTP/1.1 to the proxy (absolute-form).
      if (kind === 'HTTPS') {
        const echo = await startEchoOrigin();
        try {
          const plain = await run({ url: `${echo.url}/plain`, ...opts }, driver);
          assert.equal(plain.code, CurlCode.OK, plain.error);
          assert.equal(plain.info.httpVersion, 2, 'HTTP/1.1');
          assert.match(plain.body.toString(), /origin saw GET \/plain/);
        } finally {
          echo.close();
        }
      }
    } finally {
      driver.close();
      await proxy.close();
    }
  });
}
