// DNS-over-HTTPS against DoH servers made here (node:http2 and node:https, answering from a fixed
// zone): the engine, the promise API and the command line (beside curl 7.88 with the same flags).
import assert from 'node:assert/strict';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CurlCode, Easy, Multi, request } from '../../../src/index.js';
import { DnsType } from '../../../src/proto/dns/index.js';
import { haveCurl, runCommand, tscurl } from '../../cli/helpers.js';
import { dohHandler, type Zone } from '../../helpers/dns-server.js';
import { startHttpProxy } from '../../helpers/http-proxy.js';
import { type TestPki, testPki } from '../../helpers/tls-certs.js';
import { run } from '../run.js';

const zone: Zone = {
  'site.doh.test': { a: ['127.0.0.1'], ttl: 120 },
  'alias.doh.test': { cname: 'site.doh.test' },
  'proxy.doh.test': { a: ['127.0.0.1'] },
};

let pki: TestPki;
let origin: Server;
let originPort = 0;
let h2: Http2SecureServer;
let h2Url = '';
let h2Sessions = 0;
const h2Seen: Array<{ name: string; type: number }> = [];
let h1: Server;
let h1Url = '';
const h1Seen: Array<{ name: string; type: number }> = [];

const listen = async (s: {
  listen(port: number, host: string, cb: () => void): unknown;
  address(): unknown;
}) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
};

before(async () => {
  pki = testPki();
  const tls = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) };
  origin = createHttpServer((req, res) => res.end(`origin ${req.headers.host} ${req.url}`));
  originPort = await listen(origin);
  const handle = dohHandler(zone, h2Seen) as unknown as Parameters<typeof createSecureServer>[1];
  h2 = createSecureServer(tls, handle);
  h2.on('session', () => h2Sessions++);
  h2Url = `https://127.0.0.1:${await listen(h2)}/dns-query`;
  h1 = createHttpsServer(tls, dohHandler(zone, h1Seen) as (q: IncomingMessage, s: ServerResponse) => void);
  h1Url = `https://localhost:${await listen(h1)}/dns-query`;
});
after(() => {
  origin.close();
  origin.closeAllConnections();
  h2.close();
  h1.close();
  h1.closeAllConnections();
});

describe('engine and promise API', () => {
  test('A and AAAA over one HTTP/2 connection; the origin is reached at the answer', async () => {
    const before = h2Seen.length;
    const sessions = h2Sessions;
    const r = await run({ url: `http://site.doh.test:${originPort}/p`, dohUrl: h2Url, caInfo: pki.caCert });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.body.toString(), `origin site.doh.test:${originPort} /p`);
    assert.equal(r.info.primaryIp, '127.0.0.1');
    assert.deepEqual(
      h2Seen
        .slice(before)
        .map((q) => q.type)
        .sort(),
      [DnsType.A, DnsType.AAAA],
    );
    assert.equal(h2Sessions - sessions, 1, 'both probes multiplexed on one h2 connection');
  });

  test('perform() + poll(): the probes run in the regular multi interface too', async () => {
    const multi = new Multi();
    let body = '';
    const easy = new Easy({
      url: `http://site.doh.test:${originPort}/poll`,
      dohUrl: h2Url,
      caInfo: pki.caCert,
      writeFunction: (c) => void (body += c),
    });
    multi.addHandle(easy);
    let rounds = 0;
    while (multi.perform() > 0 && rounds++ < 1000) await multi.poll(1000);
    const done = multi.infoRead();
    assert.equal(done?.easy, easy, 'one done message: the application handle');
    assert.equal(done?.result, CurlCode.OK, easy.errorBuffer);
    assert.equal(multi.infoRead(), undefined);
    assert.equal(body, `origin site.doh.test:${originPort} /poll`);
    multi.close();
  });

  test('request() over an HTTP/1.1 DoH server follows a CNAME', async () => {
    const r = await request(`http://alias.doh.test:${originPort}/q`, { dohUrl: h1Url, caInfo: pki.caCert });
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), `origin alias.doh.test:${originPort} /q`);
    assert.ok(h1Seen.some((q) => q.name === 'alias.doh.test'));
  });

  test('an unknown name: 6 with the DoH reason; the DoH certificate is checked (dohSslVerifyPeer)', async () => {
    const nx = await run({ url: `http://nx.doh.test:${originPort}/`, dohUrl: h2Url, caInfo: pki.caCert });
    assert.equal(nx.code, CurlCode.COULDNT_RESOLVE_HOST);
    assert.equal(
      nx.error,
      'Could not resolve host: nx.doh.test (DoH: A: Bad RCODE 3 (NXDOMAIN); AAAA: Bad RCODE 3 (NXDOMAIN))',
    );
    // No CA for the DoH server: its TLS fails inside the probes, the name with it.
    const untrusted = await run({ url: `http://site.doh.test:${originPort}/`, dohUrl: h2Url });
    assert.equal(untrusted.code, CurlCode.COULDNT_RESOLVE_HOST);
    assert.match(
      untrusted.error,
      /^Could not resolve host: site\.doh\.test \(DoH: A: SSL certificate problem: .*; AAAA: SSL certificate problem/,
    );
    const insecure = await run({
      url: `http://site.doh.test:${originPort}/`,
      dohUrl: h2Url,
      dohSslVerifyPeer: false,
      dohSslVerifyHost: 0,
    });
    assert.equal(insecure.code, CurlCode.OK, insecure.error);
    // The probes check the DoH server only: the transfer's own sslVerifyPeer does not turn it off.
    const own = await run({
      url: `http://site.doh.test:${originPort}/`,
      dohUrl: h2Url,
      sslVerifyPeer: false,
    });
    assert.equal(own.code, CurlCode.COULDNT_RESOLVE_HOST);
  });

  test("the proxy's name is resolved over DoH; the probes do not go through the proxy", async () => {
    const proxy = await startHttpProxy();
    try {
      const r = await run({
        url: `http://127.0.0.1:${originPort}/via`,
        dohUrl: h2Url,
        caInfo: pki.caCert,
        proxy: `http://proxy.doh.test:${proxy.port}`,
      });
      // libcurl does not pass its proxy on to the probes: only the transfer's GET goes through it.
      assert.equal(r.code, CurlCode.OK, r.error);
      assert.ok(h2Seen.some((q) => q.name === 'proxy.doh.test'));
      assert.deepEqual(
        proxy.requests.map((q) => q.method),
        ['GET'],
      );
    } finally {
      await proxy.close();
    }
  });
});

describe('command line', { concurrency: 1 }, () => {
  test('--doh-url with --cacert, --doh-insecure: the same output and exit code as curl', async () => {
    const cases = [
      ['-s', '--doh-url', h2Url, '--cacert', pki.caCert, `http://site.doh.test:${originPort}/c`],
      ['-s', '--doh-insecure', '--doh-url', h1Url, `http://alias.doh.test:${originPort}/i`],
      ['-sS', '--doh-url', h2Url, '--cacert', pki.caCert, `http://nx.doh.test:${originPort}/`],
    ];
    for (const args of cases) {
      const mine = await tscurl(args);
      const expect = args.some((a) => a.includes('nx.doh.test')) ? 6 : 0;
      assert.equal(mine.code, expect, mine.stderr);
      if (expect === 0) assert.match(mine.stdout.toString(), /^origin (site|alias)\.doh\.test/);
      else assert.match(mine.stderr, /^tscurl: \(6\) Could not resolve host: nx\.doh\.test/);
      if (!haveCurl) continue;
      const theirs = await runCommand('/usr/bin/curl', args);
      assert.equal(mine.code, theirs.code, theirs.stderr);
      assert.equal(mine.stdout.toString(), theirs.stdout.toString());
      // curl 7.88 leaves the error buffer empty here and prints the code's text; ours names the
      // host and each probe's reason.
      if (expect !== 0) assert.equal(theirs.stderr, "curl: (6) Couldn't resolve host name\n");
    }
  });

  test('-v shows the DoH lines; --doh-cert-status is refused (no OCSP check in the TLS layer)', async () => {
    const v = await tscurl([
      '-sv',
      '--doh-url',
      h2Url,
      '--cacert',
      pki.caCert,
      `http://site.doh.test:${originPort}/`,
    ]);
    assert.equal(v.code, 0, v.stderr);
    for (const line of ['* DoH Host name: site.doh.test', '* TTL: 120 seconds', '* DoH A: 127.0.0.1']) {
      assert.ok(v.stderr.includes(line), `${line}\n${v.stderr}`);
    }
    const s = await tscurl(['--doh-cert-status', '--doh-url', h2Url, `http://site.doh.test:${originPort}/`]);
    assert.equal(s.code, 4);
    assert.equal(
      s.stderr,
      'tscurl: option --doh-cert-status: the installed libcurl version does not support this\n',
    );
  });
});
