// https:// on the simulator: the handshake costs round trips of virtual time (appconnect minus
// connect), ALPN is negotiated, and each simulated TLS fault ends the one transfer with its code
// while a transfer beside it succeeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CurlCode, Easy } from '../../src/index.js';
import { SimNetwork, type SimTlsServerOptions } from '../../src/sim.js';

const LATENCY = 10;

async function fetchOne(
  tls: SimTlsServerOptions,
  options: ConstructorParameters<typeof Easy>[0] = {},
): Promise<{ code: number; message: string; easy: Easy; body: string; besideOk: boolean; debug: string }> {
  const net = new SimNetwork({ seed: 7 });
  net.listen('secure.test', 443, (_q, r) => r.end('secret'), { latencyMs: LATENCY, tls });
  net.listen('fine.test', 443, (_q, r) => r.end('fine'), { latencyMs: LATENCY, tls: {} });
  const multi = net.createMulti();
  let body = '';
  let debug = '';
  const easy = new Easy({
    url: 'https://secure.test/',
    writeFunction: (c) => {
      body += c.toString();
      return c.length;
    },
    debugFunction: (type, d) => {
      if (type === 'text') debug += String(d);
    },
    ...options,
  });
  const beside = new Easy({ url: 'https://fine.test/', writeFunction: (c) => c.length });
  multi.addHandle(easy);
  multi.addHandle(beside);
  await net.run();
  const results = new Map<Easy, number>();
  for (let m = multi.infoRead(); m !== undefined; m = multi.infoRead()) results.set(m.easy, m.result);
  multi.close();
  return {
    code: results.get(easy) ?? -1,
    message: easy.errorBuffer,
    easy,
    body,
    besideOk: results.get(beside) === CurlCode.OK,
    debug,
  };
}

test('sim https: TLS 1.3 costs one round trip after the TCP connect, TLS 1.2 two', async () => {
  const v13 = await fetchOne({});
  assert.equal(v13.code, CurlCode.OK, v13.message);
  assert.equal(v13.body, 'secret');
  const i13 = v13.easy.getInfo();
  assert.equal(i13.connectTime, (2 * LATENCY) / 1000);
  assert.equal(i13.appconnectTime, (4 * LATENCY) / 1000);
  assert.equal(i13.sslVerifyResult, 0);
  assert.match(
    v13.debug,
    /SSL connection using TLSv1\.3 \/ TLS_AES_128_GCM_SHA256\nALPN: server accepted http\/1\.1\n/,
  );
  assert.match(v13.debug, / subject: CN=secure\.test, O=tscurl sim\n/);
  const v12 = await fetchOne({ maxVersion: 'TLSv1.2' });
  assert.equal(v12.code, CurlCode.OK);
  assert.equal(v12.easy.getInfo().appconnectTime, (6 * LATENCY) / 1000);
});

test('sim https: a server without the offered ALPN protocol negotiates none', async () => {
  const r = await fetchOne({ alpn: ['spdy/3.1'] });
  assert.equal(r.code, CurlCode.OK);
  assert.match(r.debug, /ALPN: server did not agree on a protocol\. Uses default\./);
});

const faults: Array<[string, SimTlsServerOptions, number, RegExp]> = [
  [
    'expired certificate',
    { certificate: { fault: 'expired' } },
    60,
    /SSL certificate problem: certificate has expired in connection to secure\.test:443/,
  ],
  [
    'untrusted certificate',
    { certificate: { fault: 'untrusted' } },
    60,
    /SSL certificate problem: self-signed certificate/,
  ],
  [
    'wrong host',
    { certificate: { dnsNames: ['other.test'] } },
    60,
    /no alternative certificate subject name matches target host name 'secure\.test'/,
  ],
  [
    'reset during the handshake',
    { handshakeFault: 'reset' },
    35,
    /TLS connect error: Connection reset by peer|TLS connect error: Client network socket disconnected/,
  ],
  ['no common TLS version', { minVersion: 'TLSv1.3' }, 35, /TLS connect error: .*unsupported protocol/],
];

for (const [name, tls, code, message] of faults) {
  test(`sim https: ${name} ends with ${code}; the transfer beside it succeeds`, async () => {
    const r = await fetchOne(tls, name === 'no common TLS version' ? { sslVersion: 6 | (6 << 16) } : {});
    assert.equal(r.code, code, r.message);
    assert.match(r.message, message);
    assert.ok(r.besideOk);
  });
}

test('sim https: -k (sslVerifyPeer and sslVerifyHost off) accepts each certificate fault', async () => {
  for (const certificate of [
    { fault: 'expired' as const },
    { fault: 'untrusted' as const },
    { dnsNames: ['x.test'] },
  ]) {
    const r = await fetchOne({ certificate }, { sslVerifyPeer: false, sslVerifyHost: 0 });
    assert.equal(r.code, CurlCode.OK, r.message);
    assert.equal(r.body, 'secret');
  }
});

test('sim https: a handshake that never ends is covered by connectTimeoutMs (28) at the virtual deadline', async () => {
  const r = await fetchOne({ handshakeFault: 'stall' }, { connectTimeoutMs: 5000 });
  assert.equal(r.code, CurlCode.OPERATION_TIMEDOUT);
  assert.match(r.message, /^Connection timed out after 5000 milliseconds/);
});

test('sim https: a pinned key that does not match: 90', async () => {
  const r = await fetchOne({}, { pinnedPublicKey: 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' });
  assert.equal(r.code, CurlCode.SSL_PINNEDPUBKEYNOTMATCH);
});

test('sim https: the second connection resumes (TLS 1.2: one round trip instead of two)', async () => {
  const net = new SimNetwork({ seed: 7 });
  net.listen('secure.test', 443, (_q, r) => r.end('x'), {
    latencyMs: LATENCY,
    tls: { maxVersion: 'TLSv1.2' },
  });
  const multi = net.createMulti();
  const times: number[] = [];
  for (let i = 0; i < 2; i++) {
    const e = new Easy({ url: 'https://secure.test/', forbidReuse: true, writeFunction: (c) => c.length });
    multi.addHandle(e);
    await net.run();
    assert.equal(multi.infoRead()?.result, CurlCode.OK);
    const info = e.getInfo();
    times.push(info.appconnectTimeT - info.connectTimeT);
    multi.removeHandle(e);
  }
  multi.close();
  assert.deepEqual(times, [4 * LATENCY * 1000, 2 * LATENCY * 1000]);
});
