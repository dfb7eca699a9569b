// tscurl's engine against Debian's nginx over https (certificates from a test CA made at test
// time): TLS 1.2 and 1.3, keep-alive reuse of the TLS connection, a 100 MiB download checked by
// its SHA-256, the 1,000-transfer fan-out of the HTTP/1 suite, and the verification failures.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, type EasyOptions, NodeDriver, SslVersion } from '../../src/index.js';
import { run } from '../features/run.js';
import { AppLoop } from '../helpers/app-loop.js';
import { download, fanOut, type Hashing, hashing as hashWith, sequentialReuse } from '../helpers/hashing.js';
import { type NginxServer, startNginx } from '../helpers/nginx.js';
import { chainPki, testPki } from '../helpers/tls-certs.js';

const pki = testPki();
let nginx: NginxServer;
let nginx12: NginxServer;
let expired: NginxServer;
before(async () => {
  nginx = await startNginx({ tls: { cert: pki.serverCert, key: pki.serverKey } });
  nginx12 = await startNginx({
    tls: { cert: pki.serverCert, key: pki.serverKey, protocols: 'TLSv1.2' },
    bigFileBytes: 1024,
  });
  expired = await startNginx({ tls: { cert: pki.expiredCert, key: pki.serverKey }, bigFileBytes: 1024 });
});
after(async () => {
  await Promise.all([nginx?.stop(), nginx12?.stop(), expired?.stop()]);
});

const trust: EasyOptions = { caInfo: pki.caCert };

/** hashing() with the test CA trusted. */
function hashing(url: string, extra: EasyOptions = {}): Hashing {
  return hashWith(url, { ...trust, ...extra });
}

test('TLS 1.3 and TLS 1.2 nginx: verified, the version as configured, ALPN http/1.1', async () => {
  const driver = new NodeDriver();
  for (const [server, version] of [
    [nginx, 'TLSv1.3'],
    [nginx12, 'TLSv1.2'],
  ] as const) {
    let text = '';
    const t = hashing(`${server.baseUrl}/small.txt`, {
      verbose: true,
      debugFunction: (type, d) => {
        if (type === 'text') text += String(d);
      },
    });
    const m = await driver.add(t.easy);
    assert.equal(m.result, CurlCode.OK, t.easy.errorBuffer);
    assert.equal(t.digest(), server.files.get('/small.txt')!.sha256);
    assert.match(text, new RegExp(`SSL connection using ${version.replace('.', '\\.')} / `));
    assert.match(text, /ALPN: server accepted http\/1\.1/);
    assert.equal(t.easy.getInfo().sslVerifyResult, 0);
  }
  // Asking for 1.3 only from the 1.2 server fails the handshake (35).
  const only13 = hashing(`${nginx12.baseUrl}/small.txt`, { sslVersion: SslVersion.TLSv1_3 });
  assert.equal((await driver.add(only13.easy)).result, CurlCode.SSL_CONNECT_ERROR);
  driver.close();
});

test('expired certificate: 60; -k reads it', async () => {
  const driver = new NodeDriver();
  const t = hashing(`${expired.baseUrl}/small.txt`);
  assert.equal((await driver.add(t.easy)).result, CurlCode.PEER_FAILED_VERIFICATION);
  assert.match(t.easy.errorBuffer, /certificate has expired/);
  const k = hashing(`${expired.baseUrl}/small.txt`, { sslVerifyPeer: false, sslVerifyHost: 0 });
  assert.equal((await driver.add(k.easy)).result, CurlCode.OK, k.easy.errorBuffer);
  driver.close();
});

test('keep-alive: ten sequential transfers over one TLS connection', async () => {
  await sequentialReuse(`${nginx.baseUrl}/small.txt`, nginx.files.get('/small.txt')!.sha256, 10, trust);
});

test('100 MiB over TLS: SHA-256 matches', async () => {
  await download(`${nginx.baseUrl}/big.bin`, nginx.files.get('/big.bin')!, trust);
});

test('1,000 https transfers at once with maxHostConnections 20: all complete, at most 20 connections', async () => {
  const loop = new AppLoop({ maxHostConnections: 20 });
  await fanOut(loop, `${nginx.baseUrl}/1k.bin`, 1000, nginx.files.get('/1k.bin')!.sha256, 20, trust);
  loop.close();
});

test('certInfo lists the certificates nginx sends, as curl -w %{num_certs} counts them (not the root the trust store adds)', async () => {
  const chains = chainPki();
  const { execFile } = await import('node:child_process');
  for (const [cert, sent] of [
    [chains.withIntermediate, 2],
    [chains.withRoot, 3],
  ] as const) {
    const server = await startNginx({ tls: { cert, key: chains.serverKey }, bigFileBytes: 1024 });
    try {
      const url = `${server.baseUrl}/small.txt`;
      const r = await run({ url, caInfo: chains.caCert, certInfo: true });
      assert.equal(r.code, CurlCode.OK, r.error);
      const curl = await new Promise<string>((resolve) =>
        execFile(
          'curl',
          ['-s', '-o', '/dev/null', '--cacert', chains.caCert, '-w', '%{num_certs}', url],
          (_e, out) => resolve(out),
        ),
      );
      assert.equal(Number(curl), sent, cert);
      assert.equal(r.info.certInfo.length, sent, cert);
      assert.ok(
        r.info.certInfo[1]!.includes('Subject:CN=tscurl test intermediate, O=tscurl'),
        r.info.certInfo[1]!.join('|'),
      );
    } finally {
      await server.stop();
    }
  }
});
