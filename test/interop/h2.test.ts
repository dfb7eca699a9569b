// HTTP/2 interop against nginx (h2c: listen ... http2; h2 over TLS: listen ... ssl http2), nghttpd
// and h2o (h2c with prior knowledge):
// a file checked by its SHA-256, the 1,000-transfer fan-out with at most 4 connections, and a
// 100 MiB download checked by its SHA-256.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CurlCode, type EasyOptions, HttpVersion, NodeDriver } from '../../src/index.js';
import { AppLoop } from '../helpers/app-loop.js';
import { type H2Server, startH2o, startNghttpd } from '../helpers/h2-servers.js';
import { download, fanOut, hashing } from '../helpers/hashing.js';
import { startNginx } from '../helpers/nginx.js';
import { type TestPki, testPki } from '../helpers/tls-certs.js';

const H2 = { httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE } as const;

let pki: TestPki | undefined;
after(() => {
  if (pki !== undefined) rmSync(pki.dir, { recursive: true, force: true });
});

const servers: Array<[string, () => Promise<H2Server & { easyOptions?: EasyOptions }>]> = [
  [
    'nginx',
    async () => {
      const n = await startNginx({ listenParams: 'http2' });
      return { name: 'nginx', baseUrl: n.baseUrl, files: n.files, stop: () => n.stop() };
    },
  ],
  [
    'nginx over TLS (listen ... ssl http2, h2 by ALPN)',
    async () => {
      pki ??= testPki();
      const n = await startNginx({
        tls: { cert: pki.serverCert, key: pki.serverKey },
        listenParams: 'http2',
      });
      const port = new URL(n.baseUrl).port;
      return {
        name: 'nginx-tls',
        baseUrl: `https://localhost:${port}`,
        files: n.files,
        stop: () => n.stop(),
        easyOptions: {
          httpVersion: HttpVersion.V2TLS,
          caInfo: pki.caCert,
          resolve: [`localhost:${port}:127.0.0.1`],
        },
      };
    },
  ],
  ['nghttpd', () => startNghttpd()],
  ['h2o', () => startH2o()],
];

for (const [name, start] of servers) {
  describe(`HTTP/2 against ${name}`, () => {
    let srv: H2Server & { easyOptions?: EasyOptions };
    const opts = (): EasyOptions => ({ ...H2, ...srv.easyOptions });
    before(async () => {
      srv = await start();
    });
    after(async () => {
      await srv?.stop();
    });

    test('a small file over h2: SHA-256, httpVersion 2', async () => {
      const driver = new NodeDriver();
      try {
        const file = srv.files.get('/100k.bin')!;
        const t = hashing(`${srv.baseUrl}/100k.bin`, opts());
        const m = await driver.add(t.easy);
        assert.equal(m.result, CurlCode.OK, t.easy.errorBuffer);
        assert.equal(t.digest(), file.sha256);
        assert.equal(t.easy.getInfo().httpVersion, HttpVersion.V2_0);
      } finally {
        driver.close();
      }
    });

    test('1,000 transfers at once with maxHostConnections 4: all complete over at most 4 connections', async () => {
      const loop = new AppLoop({ maxHostConnections: 4 });
      const file = srv.files.get('/1k.bin')!;
      await fanOut(loop, `${srv.baseUrl}/1k.bin`, 1000, file.sha256, 4, opts());
      loop.close();
    });

    test('100 MiB over h2: SHA-256 matches', async () => {
      await download(`${srv.baseUrl}/big.bin`, srv.files.get('/big.bin')!, opts());
    });
  });
}
