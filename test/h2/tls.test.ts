// HTTP/2 over TLS: h2 chosen by ALPN (the default for https, '2TLS'), HTTP/1.1 when the server
// does not offer h2, HTTP/1.1 forced by httpVersion, multiplexing over one TLS connection, and the
// simulator's h2 over its TLS.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CurlCode, Easy, HttpVersion, NodeDriver } from '../../src/index.js';
import { SimNetwork } from '../../src/sim.js';
import { run } from '../features/run.js';
import { type TestPki, testPki } from '../helpers/tls-certs.js';

let pki: TestPki;
let h2url = '';
let h1url = '';
let h2srv: http2.Http2SecureServer;
let h1srv: https.Server;

before(async () => {
  pki = testPki();
  const creds = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) };
  // allowHTTP1: a client that does not offer h2 in ALPN still gets an answer, over HTTP/1.1.
  h2srv = http2.createSecureServer({ ...creds, allowHTTP1: true }, (req, res) => {
    res.writeHead(200, { 'x-version': req.httpVersion });
    res.end(`hello over ${req.httpVersion}`);
  });
  h1srv = https.createServer(creds, (_req, res) => res.end('only http/1.1'));
  await new Promise<void>((r) => h2srv.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => h1srv.listen(0, '127.0.0.1', r));
  h2url = `https://localhost:${(h2srv.address() as AddressInfo).port}`;
  h1url = `https://localhost:${(h1srv.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((r) => h2srv.close(() => r()));
  h1srv.closeAllConnections();
  await new Promise<void>((r) => h1srv.close(() => r()));
  rmSync(pki.dir, { recursive: true, force: true });
});

const opts = () => ({
  caInfo: pki.caCert,
  resolve: [`localhost:${new URL(h2url).port}:127.0.0.1`, `localhost:${new URL(h1url).port}:127.0.0.1`],
});

describe('HTTP/2 over TLS', () => {
  test('https defaults to h2 by ALPN (2TLS): getInfo says 2, the server saw 2.0', async () => {
    const r = await run({ ...opts(), url: `${h2url}/` });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.body.toString(), 'hello over 2.0');
    assert.equal(r.info.httpVersion, HttpVersion.V2_0);
    assert.equal(r.headers[0], 'HTTP/2 200 \r\n');
  });

  test('httpVersion 1.1 offers only http/1.1: the same server answers over HTTP/1.1', async () => {
    const r = await run({ ...opts(), url: `${h2url}/`, httpVersion: HttpVersion.V1_1 });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.body.toString(), 'hello over 1.1');
    assert.equal(r.info.httpVersion, HttpVersion.V1_1);
  });

  test('httpVersion 2 with a server that does not offer h2 falls back to HTTP/1.1', async () => {
    const r = await run({ ...opts(), url: `${h1url}/`, httpVersion: HttpVersion.V2_0 });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.body.toString(), 'only http/1.1');
    assert.equal(r.info.httpVersion, HttpVersion.V1_1);
  });

  test('50 https transfers with pipeWait share one TLS connection', async () => {
    const driver = new NodeDriver();
    try {
      const rs = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          run({ ...opts(), url: `${h2url}/${i}`, pipeWait: true }, driver),
        ),
      );
      assert.ok(rs.every((r) => r.code === CurlCode.OK));
      assert.equal(
        rs.reduce((n, r) => n + r.info.numConnects, 0),
        1,
      );
    } finally {
      driver.close();
    }
  });

  test('the simulator speaks h2 over its TLS too', async () => {
    const net = new SimNetwork({ seed: 4 });
    net.listenHttp2('secure.test', 443, (req, res) => res.end(`h2 ${req.httpVersion} ${req.url}`), {
      tls: {},
    });
    const multi = net.createMulti({ maxHostConnections: 1 });
    const bodies: string[] = [];
    const easies = [0, 1, 2].map((i) => {
      const e = new Easy({
        url: `https://secure.test/${i}`,
        writeFunction: (c) => {
          bodies[i] = c.toString();
          return c.length;
        },
      });
      multi.addHandle(e);
      return e;
    });
    await net.run();
    for (let m = multi.infoRead(); m !== undefined; m = multi.infoRead())
      assert.equal(m.result, CurlCode.OK, m.easy.errorBuffer);
    assert.deepEqual(bodies, ['h2 2.0 /0', 'h2 2.0 /1', 'h2 2.0 /2']);
    assert.ok(easies.every((e) => e.getInfo().httpVersion === HttpVersion.V2_0));
    assert.equal(
      easies.reduce((n, e) => n + e.getInfo().numConnects, 0),
      1,
    );
  });
});
