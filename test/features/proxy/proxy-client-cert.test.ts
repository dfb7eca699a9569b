// TLS to an HTTPS proxy that asks for a client certificate (proxySslCert / proxySslKey /
// proxyKeyPasswd, the CLI's --proxy-cert / --proxy-key / --proxy-pass), and a proxy whose TLS
// handshake fails: the engine's codes, and the command line beside curl 7.88 with the same flags.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CurlCode } from '../../../src/index.js';
import { haveCurl, runCommand, tscurl } from '../../cli/helpers.js';
import { startEchoOrigin, startHttpProxy, type TestProxy } from '../../helpers/http-proxy.js';
import { type TestPki, testPki } from '../../helpers/tls-certs.js';
import { run } from '../run.js';

let pki: TestPki;
let mtlsProxy: TestProxy;
/** The same, TLS 1.2 at most: the refusal of a missing certificate comes inside the handshake. */
let mtls12Proxy: TestProxy;
let plainProxy: TestProxy;
let origin: { url: string; close(): void };

before(async () => {
  pki = testPki();
  const mtls = {
    cert: pki.read(pki.serverCert),
    key: pki.read(pki.serverKey),
    ca: pki.read(pki.caCert),
    requestCert: true,
    rejectUnauthorized: true,
  };
  mtlsProxy = await startHttpProxy({ tls: mtls });
  mtls12Proxy = await startHttpProxy({ tls: { ...mtls, maxVersion: 'TLSv1.2' } });
  plainProxy = await startHttpProxy();
  origin = await startEchoOrigin();
});
after(async () => {
  await mtlsProxy.close();
  await mtls12Proxy.close();
  await plainProxy.close();
  origin.close();
});

describe('engine', () => {
  test('client certificate and key: 0; an encrypted key with proxyKeyPasswd: 0', async () => {
    const ok = await run({
      url: `${origin.url}/mtls`,
      proxy: mtlsProxy.url,
      proxyCaInfo: pki.caCert,
      proxySslCert: pki.clientCert,
      proxySslKey: pki.clientKey,
    });
    assert.equal(ok.code, CurlCode.OK, ok.error);
    assert.equal(ok.body.toString(), 'origin saw GET /mtls');
    const enc = await run({
      url: `${origin.url}/enc`,
      proxy: mtlsProxy.url,
      proxyCaInfo: pki.caCert,
      proxySslCert: pki.clientCert,
      proxySslKey: pki.clientKeyEncrypted,
      proxyKeyPasswd: pki.clientKeyPassword,
    });
    assert.equal(enc.code, CurlCode.OK, enc.error);
  });

  test('no client certificate: 35 (TLS 1.2), 56 (TLS 1.3); a file that cannot be read: 58 naming it', async () => {
    const none = await run({ url: `${origin.url}/none`, proxy: mtls12Proxy.url, proxyCaInfo: pki.caCert });
    assert.equal(none.code, CurlCode.SSL_CONNECT_ERROR, none.error);
    assert.match(none.error, /127\.0\.0\.1/);
    // TLS 1.3: the client's handshake is over before the proxy checks its (missing) certificate;
    // the proxy's alert arrives when the CONNECT answer is read (OpenSSL's SSL_read in libcurl).
    const late = await run({ url: `${origin.url}/none`, proxy: mtlsProxy.url, proxyCaInfo: pki.caCert });
    assert.equal(late.code, CurlCode.RECV_ERROR, late.error);
    assert.match(late.error, /SSL alert number 116/);
    const bad = await run({
      url: `${origin.url}/bad`,
      proxy: mtlsProxy.url,
      proxyCaInfo: pki.caCert,
      proxySslCert: '/nonexistent/client.pem',
    });
    assert.equal(bad.code, CurlCode.SSL_CERTPROBLEM, bad.error);
    assert.match(bad.error, /\/nonexistent\/client\.pem/);
  });

  test('a proxy whose TLS handshake fails (it speaks plain HTTP): 35', async () => {
    const r = await run({
      url: `${origin.url}/x`,
      proxy: `https://127.0.0.1:${plainProxy.port}`,
      proxyCaInfo: pki.caCert,
      timeoutMs: 10_000,
    });
    assert.equal(r.code, CurlCode.SSL_CONNECT_ERROR, r.error);
  });
});

// (Without a certificate curl 7.88 does not notice the proxy's alert and waits for its timeout,
// so that case is checked against the engine only, above and in the last test.)
describe('command line, beside curl', { concurrency: 3 }, () => {
  const cases: Array<[string, () => string[], number]> = [
    [
      '--proxy-cert and --proxy-key',
      () => ['--proxy-cert', pki.clientCert, '--proxy-key', pki.clientKey, `${origin.url}/c`],
      0,
    ],
    [
      '--proxy-key encrypted with --proxy-pass',
      () => [
        '--proxy-cert',
        pki.clientCert,
        '--proxy-key',
        pki.clientKeyEncrypted,
        '--proxy-pass',
        pki.clientKeyPassword,
        `${origin.url}/p`,
      ],
      0,
    ],
    ['--proxy-cert with a missing file', () => ['--proxy-cert', '/nonexistent.pem', `${origin.url}/m`], 58],
  ];
  for (const [name, args, code] of cases) {
    test(`${name}: exit ${code}`, async () => {
      const full = ['-s', '-x', mtlsProxy.url, '--proxy-cacert', pki.caCert, ...args()];
      const mine = await tscurl(full);
      assert.equal(mine.code, code, mine.stderr);
      if (code === 0) assert.match(mine.stdout.toString(), /^origin saw GET \/[cp]$/);
      if (!haveCurl) return;
      const theirs = await runCommand('/usr/bin/curl', full);
      assert.equal(theirs.code, code, theirs.stderr);
      assert.equal(mine.stdout.toString(), theirs.stdout.toString());
    });
  }
  test('no --proxy-cert against the TLS 1.2 proxy: exit 35', async () => {
    const r = await tscurl(['-sS', '-x', mtls12Proxy.url, '--proxy-cacert', pki.caCert, `${origin.url}/n`]);
    assert.equal(r.code, 35, r.stderr);
  });
});
