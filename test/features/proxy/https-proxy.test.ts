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
before(async () => {
  pki = testPki();
  const tls = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) };
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
