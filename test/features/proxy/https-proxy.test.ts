// TLS and proxies: an https:// origin through an HTTP proxy (TLS inside the CONNECT tunnel), an
// HTTPS proxy (TLS to the proxy, verified with its own proxyCaInfo) for http:// and for https://
// origins (TLS inside TLS), and the proxy's certificate refused: 60, or accepted with
// proxySslVerifyPeer off.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { after, before, test } from 'node:test';
import { CurlCode } from '../../../src/index.js';
import { startHttpProxy, type TestProxy } from '../../helpers/http-proxy.js';
import { type TestPki, testPki } from '../../helpers/tls-certs.js';
import { run } from '../run.js';

let pki: TestPki;
let origin: Server;
let originUrl = '';
let httpsProxy: TestProxy;
const serverTls = (): { cert: string; key: string } => ({
  cert: pki.read(pki.serverCert),
  key: pki.read(pki.serverKey),
});
before(async () => {
  pki = testPki();
  const tls = serverTls();
  origin = createServer(tls, (req, res) => res.end(`secure origin saw ${req.url}`));
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originUrl = `https://localhost:${(origin.address() as { port: number }).port}`;
  httpsProxy = await startHttpProxy({ tls });
});
after(async () => {
  origin.close();
  await httpsProxy.close();
});

test('https origin through an HTTP proxy: CONNECT, then TLS to the origin inside the tunnel', async () => {
  const proxy = await startHttpProxy();
  try {
    const r = await run({ url: `${originUrl}/in-tunnel`, proxy: proxy.url, caInfo: pki.caCert });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.body.toString(), 'secure origin saw /in-tunnel');
    assert.equal(proxy.requests[0]!.method, 'CONNECT');
    assert.equal(r.info.httpConnectCode, 200);
  } finally {
    await proxy.close();
  }
});

test('HTTPS proxy: verified with proxyCaInfo; https origin over TLS inside TLS', async () => {
  const plain = await run({
    url: 'http://127.0.0.1:1/never',
    proxy: httpsProxy.url,
    proxyCaInfo: pki.caCert,
    timeoutMs: 5000,
  });
  // The proxy cannot reach port 1: it answers 502, which is the transfer's answer (absolute-form).
  assert.equal(plain.code, CurlCode.OK, plain.error);
  assert.equal(plain.info.responseCode, 502);
  const r = await run({
    url: `${originUrl}/tls-in-tls`,
    proxy: httpsProxy.url,
    proxyCaInfo: pki.caCert,
    caInfo: pki.caCert,
  });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(r.body.toString(), 'secure origin saw /tls-in-tls');
});

test("the HTTPS proxy's certificate: 60 without its CA, accepted with proxySslVerifyPeer off", async () => {
  const bad = await run({ url: `${originUrl}/x`, proxy: httpsProxy.url, caInfo: pki.caCert });
  assert.equal(bad.code, CurlCode.PEER_FAILED_VERIFICATION, bad.error);
  assert.match(bad.error, /127\.0\.0\.1/);
  const ok = await run({
    url: `${originUrl}/x`,
    proxy: httpsProxy.url,
    proxySslVerifyPeer: false,
    proxySslVerifyHost: 0,
    caInfo: pki.caCert,
  });
  assert.equal(ok.code, CurlCode.OK, ok.error);
});

/** A run with the debug callback's text lines collected. */
async function verboseRun(
  opts: Parameters<typeof run>[0],
): Promise<{ r: Awaited<ReturnType<typeof run>>; text: string[] }> {
  const text: string[] = [];
  const r = await run({
    ...opts,
    debugFunction: (type, d) => {
      if (type === 'text')
        text.push(
          ...String(d)
            .split('\n')
            .filter((l) => l !== ''),
        );
    },
  });
  return { r, text };
}

test("HTTPS proxy, http origin: the proxy's handshake told as curl does ('Proxy certificate:', no ALPN offered), none of the origin's TLS info", async () => {
  const proxy = await startHttpProxy({ tls: { ...serverTls(), ALPNProtocols: ['http/1.1'] } });
  try {
    const { r, text } = await verboseRun({
      url: 'http://127.0.0.1:1/never',
      proxy: proxy.url,
      proxyCaInfo: pki.caCert,
      certInfo: true,
      timeoutMs: 5000,
    });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.ok(text.includes('Proxy certificate:'), text.join('\n'));
    assert.ok(!text.includes('Server certificate:'), text.join('\n'));
    // curl offers ALPN to the proxy only for an origin that uses it (https).
    assert.deepEqual(
      text.filter((l) => l.startsWith('ALPN')),
      [],
    );
    assert.deepEqual(proxy.alpn, [false]);
    // CURLINFO_APPCONNECT_TIME is the origin's handshake: none here.
    assert.equal(r.info.appconnectTime, 0);
    assert.equal(r.info.appconnectTimeT, 0);
    assert.ok(r.info.connectTime > 0);
    assert.equal(r.info.sslVerifyResult, 0);
    assert.equal(r.info.proxySslVerifyResult, 0);
    // libcurl fills CERTINFO from every handshake it does: here the proxy's is the only one.
    assert.match(r.info.certInfo[0]![0]!, /^Subject:CN=localhost/);
  } finally {
    await proxy.close();
  }
});

test("HTTPS proxy, https origin: the proxy's handshake (ALPN http/1.1) before the CONNECT, the origin's after it", async () => {
  const proxy = await startHttpProxy({ tls: { ...serverTls(), ALPNProtocols: ['http/1.1'] } });
  try {
    const { r, text } = await verboseRun({
      url: `${originUrl}/v`,
      proxy: proxy.url,
      proxyCaInfo: pki.caCert,
      caInfo: pki.caCert,
    });
    assert.equal(r.code, CurlCode.OK, r.error);
    const at = (l: string, from = 0): number => {
      const i = text.indexOf(l, from);
      assert.ok(i >= 0, `${l} in\n${text.join('\n')}`);
      return i;
    };
    const proxyOffer = at('ALPN: offers http/1.1');
    const proxyCert = at('Proxy certificate:');
    const connect = at(`Establish HTTP proxy tunnel to ${originUrl.slice('https://'.length)}`);
    const originOffer = at('ALPN: offers h2,http/1.1');
    const serverCert = at('Server certificate:');
    assert.ok(
      proxyOffer < proxyCert && proxyCert < connect && connect < originOffer && originOffer < serverCert,
    );
    assert.equal(text.filter((l) => l.endsWith('certificate:')).length, 2);
    assert.deepEqual(proxy.alpn, ['http/1.1']);
    assert.ok(r.info.appconnectTime > 0);
  } finally {
    await proxy.close();
  }
});

test("HTTPS proxy: its verify result is CURLINFO_PROXY_SSL_VERIFYRESULT, not the origin's", async () => {
  // Accepted without its CA (proxySslVerifyPeer off): the result says why it was not verified.
  const lax = await run({
    url: 'http://127.0.0.1:1/never',
    proxy: httpsProxy.url,
    proxySslVerifyPeer: false,
    proxySslVerifyHost: 0,
    timeoutMs: 5000,
  });
  assert.equal(lax.code, CurlCode.OK, lax.error);
  assert.notEqual(lax.info.proxySslVerifyResult, 0);
  assert.equal(lax.info.sslVerifyResult, 0);
  // Refused: the same number, and the origin's stays 0.
  const bad = await run({ url: `${originUrl}/x`, proxy: httpsProxy.url, caInfo: pki.caCert });
  assert.equal(bad.code, CurlCode.PEER_FAILED_VERIFICATION, bad.error);
  assert.equal(bad.info.proxySslVerifyResult, lax.info.proxySslVerifyResult);
  assert.equal(bad.info.sslVerifyResult, 0);
});
