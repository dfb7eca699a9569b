// The TLS flags against node:https servers, side by side with Debian's curl: exit codes, output,
// -w's TLS variables and the -v handshake lines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type tls from 'node:tls';
import { type TestPki, testPki } from '../helpers/tls-certs.js';
import { curl, haveCurl, tscurl } from './helpers.js';

let pki: TestPki;
const closers: (() => void)[] = [];
const url: Record<string, string> = {};

async function serve(name: string, options: https.ServerOptions): Promise<void> {
  const srv = https.createServer(options, (req, res) => {
    const cn = (req.socket as tls.TLSSocket).getPeerCertificate()?.subject?.CN;
    res.end(`${name} ${req.url}${cn === undefined ? '' : ` client=${cn}`}\n`);
  });
  srv.on('tlsClientError', () => {});
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  url[name] = `https://localhost:${(srv.address() as AddressInfo).port}`;
  closers.push(() => srv.close());
}

before(async () => {
  pki = testPki();
  const key = readFileSync(pki.serverKey);
  await serve('good', { cert: readFileSync(pki.serverCert), key });
  await serve('self', { cert: readFileSync(pki.selfSignedCert), key });
  await serve('tls12', { cert: readFileSync(pki.serverCert), key, maxVersion: 'TLSv1.2' });
  await serve('tls13', { cert: readFileSync(pki.serverCert), key, minVersion: 'TLSv1.3' });
  await serve('mtls', {
    cert: readFileSync(pki.serverCert),
    key,
    ca: readFileSync(pki.caCert),
    requestCert: true,
    rejectUnauthorized: true,
  });
});
after(() => {
  for (const c of closers) c();
});

describe('tscurl TLS flags (compared with curl)', { concurrency: 4 }, () => {
  const cases: Array<[string, () => string[], number]> = [
    ['--cacert: verified', () => ['--cacert', pki.caCert, `${url.good}/a`], 0],
    ['the default store does not know the test CA', () => [`${url.good}/a`], 60],
    ['self-signed', () => ['--cacert', pki.caCert, `${url.self}/a`], 60],
    ['-k accepts a self-signed certificate', () => ['-k', `${url.self}/a`], 0],
    [
      '--pinnedpubkey match',
      () => ['--cacert', pki.caCert, '--pinnedpubkey', pki.serverPin, `${url.good}/p`],
      0,
    ],
    [
      '--pinnedpubkey mismatch',
      () => [
        '--cacert',
        pki.caCert,
        '--pinnedpubkey',
        'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        `${url.good}/p`,
      ],
      90,
    ],
    [
      '--pinnedpubkey with a PEM key file',
      () => ['--cacert', pki.caCert, '--pinnedpubkey', pki.serverPubPem, `${url.good}/p`],
      0,
    ],
    [
      '--cert and --key',
      () => ['--cacert', pki.caCert, '--cert', pki.clientCert, '--key', pki.clientKey, `${url.mtls}/m`],
      0,
    ],
    [
      '-E with an encrypted --key and --pass',
      () => [
        '--cacert',
        pki.caCert,
        '-E',
        pki.clientCert,
        '--key',
        pki.clientKeyEncrypted,
        '--pass',
        pki.clientKeyPassword,
        `${url.mtls}/m`,
      ],
      0,
    ],
    [
      '--cert file:password --cert-type P12',
      () => [
        '--cacert',
        pki.caCert,
        '--cert',
        `${pki.clientP12}:${pki.clientKeyPassword}`,
        '--cert-type',
        'P12',
        `${url.mtls}/m`,
      ],
      0,
    ],
    [
      '--cert with a missing file',
      () => ['--cacert', pki.caCert, '--cert', '/nonexistent.pem', `${url.mtls}/m`],
      58,
    ],
    ['--cacert with a missing file', () => ['--cacert', '/nonexistent-ca.pem', `${url.good}/m`], 77],
    ['--tlsv1.3 against a TLS 1.2 server', () => ['--cacert', pki.caCert, '--tlsv1.3', `${url.tls12}/v`], 35],
    [
      '--tls-max 1.2 against a TLS 1.3 server',
      () => ['--cacert', pki.caCert, '--tls-max', '1.2', `${url.tls13}/v`],
      35,
    ],
    [
      '--tlsv1.2 --tls-max 1.2 against a TLS 1.2 server',
      () => ['--cacert', pki.caCert, '--tlsv1.2', '--tls-max', '1.2', `${url.tls12}/v`],
      0,
    ],
    [
      '--tls13-ciphers',
      () => ['--cacert', pki.caCert, '--tls13-ciphers', 'TLS_CHACHA20_POLY1305_SHA256', `${url.tls13}/c`],
      0,
    ],
    [
      '--ciphers (TLS 1.2)',
      () => ['--cacert', pki.caCert, '--ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256', `${url.tls12}/c`],
      0,
    ],
  ];
  for (const [name, args, code] of cases) {
    test(`${name}: exit ${code}`, async () => {
      assert.ok(haveCurl);
      const a = ['-s', ...args()];
      const [mine, theirs] = await Promise.all([tscurl(a), curl(a)]);
      assert.equal(mine.code, code, mine.stderr);
      assert.equal(theirs.code, code, `curl: ${theirs.stderr}`);
      assert.equal(mine.stdout.toString(), theirs.stdout.toString());
    });
  }

  test("--ca-native (curl 8.2+; Debian's 7.88 lacks it) adds the system store to --cacert", async () => {
    const r = await tscurl(['-s', '--cacert', pki.caCert, '--ca-native', `${url.good}/n`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'good /n\n');
  });

  test('TLS flags are accepted for http:// too, as curl does', async () => {
    const r = await tscurl(['-s', '-k', '--cacert', pki.caCert, '--tlsv1.2', 'http://127.0.0.1:1/']);
    assert.equal(r.code, 7);
  });

  test('-w %{ssl_verify_result} %{num_certs} %{time_appconnect} %{certs}', async () => {
    const fmt = '%{ssl_verify_result} %{num_certs} %{time_appconnect}\\n%{certs}';
    const r = await tscurl(['-s', '-k', '-o', '/dev/null', '-w', fmt, `${url.self}/`]);
    assert.equal(r.code, 0);
    const [first = '', ...rest] = r.stdout.toString().split('\n');
    const [verify, certs, appconnect] = first.split(' ');
    assert.equal(verify, '18');
    assert.equal(certs, '1');
    assert.ok(Number(appconnect) > 0);
    assert.match(rest.join('\n'), /^Subject:CN=localhost\nIssuer:CN=localhost\n/);
    assert.match(rest.join('\n'), /Cert:-----BEGIN CERTIFICATE-----\n/);
    const theirs = await curl(['-s', '-k', '-o', '/dev/null', '-w', '%{ssl_verify_result}', `${url.self}/`]);
    assert.equal(theirs.stdout.toString(), '18');
  });

  test("-w through an HTTPS proxy to an http:// origin: the TLS fields are the proxy's only where curl says so", async () => {
    // The self-signed server as the proxy: it answers the absolute-form request itself.
    const fmt = '%{proxy_ssl_verify_result} %{ssl_verify_result} %{time_appconnect} %{num_certs}';
    const proxy = url.self!.replace('localhost', '127.0.0.1');
    const args = ['-s', '--proxy-insecure', '-x', proxy, '-o', '/dev/null', '-w', fmt, 'http://origin.test/'];
    const [mine, theirs] = await Promise.all([tscurl(args), curl(args)]);
    assert.equal(mine.code, 0, mine.stderr);
    assert.equal(mine.stdout.toString(), '18 0 0.000000 1');
    assert.equal(mine.stdout.toString(), theirs.stdout.toString());
  });

  test('-v prints the handshake lines a curl user expects', async () => {
    const args = ['-sv', '--cacert', pki.caCert, '-o', '/dev/null', `${url.tls13}/`];
    const [mine, theirs] = await Promise.all([tscurl(args), curl(args)]);
    for (const re of [
      /^\* SSL connection using TLSv1\.3 \/ TLS_AES_256_GCM_SHA384$/m,
      /^\* ALPN: server accepted http\/1\.1$/m,
      /^\* Server certificate:$/m,
      /^\* {2}subject: CN=localhost$/m,
      /^\* {2}start date: \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$/m,
      /^\* {2}expire date: /m,
      /^\* {2}issuer: CN=tscurl test CA; O=tscurl$|^\* {2}issuer: CN=tscurl test CA, O=tscurl$/m,
      /^\* {2}SSL certificate verify ok\.$/m,
    ]) {
      assert.match(mine.stderr, re, mine.stderr);
      assert.match(theirs.stderr.replace(/^\* {2}issuer: (.*?); /m, '*  issuer: $1, '), re, theirs.stderr);
    }
  });
});
