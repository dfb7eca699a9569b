// tscurl through Debian's proxy servers, each started by the test on loopback with a config of
// the suite's own: squid (absolute-form, CONNECT, Basic proxy auth), tinyproxy, microsocks
// (SOCKS5 with and without username/password), danted (SOCKS5). Reuse through a proxy is checked
// by counting the proxy's connections with a forwarder in front of it; https origins speaking h2
// multiplex inside their tunnel.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CurlCode, NodeDriver, ProxyCode } from '../../src/index.js';
import { run } from '../features/run.js';
import { startEchoOrigin } from '../helpers/http-proxy.js';
import {
  countingForwarder,
  type Daemon,
  startDante,
  startMicrosocks,
  startSquid,
  startTinyproxy,
} from '../helpers/proxies.js';
import { testPki } from '../helpers/tls-certs.js';

let origin: { url: string; close(): void };
let originUrl = '';
before(async () => {
  origin = await startEchoOrigin();
  originUrl = origin.url;
});
after(() => origin.close());

async function withDaemon(start: () => Promise<Daemon>, fn: (d: Daemon) => Promise<void>): Promise<void> {
  const d = await start();
  try {
    await fn(d);
  } finally {
    await d.stop();
  }
}

describe('squid', () => {
  test('absolute-form and CONNECT; ten transfers over one tunnel (one connection at the proxy)', () =>
    withDaemon(startSquid, async (squid) => {
      const fwd = await countingForwarder(squid.port);
      const proxy = `http://127.0.0.1:${fwd.port}`;
      const driver = new NodeDriver();
      try {
        const plain = await run({ url: `${originUrl}/plain`, proxy }, driver);
        assert.equal(plain.code, CurlCode.OK, plain.error);
        assert.equal(plain.body.toString(), 'origin saw GET /plain');
        const before = fwd.connections;
        for (let i = 0; i < 10; i++) {
          const r = await run({ url: `${originUrl}/t${i}`, proxy, httpProxyTunnel: true }, driver);
          assert.equal(r.code, CurlCode.OK, r.error);
          // libcurl resets CURLINFO_HTTP_CONNECTCODE per transfer: only the one that sent CONNECT has it.
          assert.equal(r.info.httpConnectCode, i === 0 ? 200 : 0);
        }
        assert.equal(fwd.connections - before, 1, 'the tunnel is reused');
      } finally {
        driver.close();
        await fwd.close();
      }
    }));
  test('https origins speaking h2: multiplexed inside one tunnel each; a tunnel serves its origin only', () =>
    withDaemon(startSquid, async (squid) => {
      const fwd = await countingForwarder(squid.port);
      const proxy = `http://127.0.0.1:${fwd.port}`;
      const pki = testPki();
      const tls = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) };
      const servers = ['a', 'b'].map((name) => {
        const server = createSecureServer(tls, (req, res) =>
          res.end(`${name} ${req.httpVersion} ${req.url}`),
        );
        const o = { server, sessions: 0, url: '' };
        server.on('session', () => o.sessions++);
        return o;
      });
      for (const o of servers) {
        await new Promise<void>((r) => o.server.listen(0, '127.0.0.1', r));
        o.url = `https://127.0.0.1:${(o.server.address() as AddressInfo).port}`;
      }
      const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
      const driver = new NodeDriver();
      const get = (url: string) => run({ url, proxy, caInfo: pki.caCert }, driver);
      try {
        const first = await get(`${a.url}/0`);
        assert.equal(first.code, CurlCode.OK, first.error);
        const rest = await Promise.all([1, 2, 3, 4, 5].map((i) => get(`${a.url}/${i}`)));
        for (const [i, r] of [first, ...rest].entries()) {
          assert.equal(r.code, CurlCode.OK, r.error);
          assert.equal(r.body.toString(), `a 2.0 /${i}`);
        }
        assert.equal(a.sessions, 1, 'one h2 connection inside the tunnel');
        assert.equal(fwd.connections, 1, 'one tunnel');
        const other = await get(`${b.url}/x`);
        assert.equal(other.body.toString(), 'b 2.0 /x');
        assert.equal(fwd.connections, 2, 'the other origin gets its own tunnel');
      } finally {
        driver.close();
        await fwd.close();
        for (const o of servers) o.server.close();
      }
    }));
  test('Basic proxy auth: 407 without credentials, 200 with them, 56 for CONNECT without', () =>
    withDaemon(
      () => startSquid({ user: 'alice', password: 's3cret' }),
      async (squid) => {
        const proxy = `http://127.0.0.1:${squid.port}`;
        const none = await run({ url: `${originUrl}/a`, proxy });
        assert.equal(none.info.responseCode, 407);
        const ok = await run({ url: `${originUrl}/a`, proxy, proxyUserPwd: 'alice:s3cret' });
        assert.equal(ok.info.responseCode, 200, ok.error);
        const tunnel = await run({
          url: `${originUrl}/a`,
          proxy,
          proxyUserPwd: 'alice:s3cret',
          httpProxyTunnel: true,
        });
        assert.equal(tunnel.code, CurlCode.OK, tunnel.error);
        const denied = await run({ url: `${originUrl}/a`, proxy, httpProxyTunnel: true });
        assert.equal(denied.code, CurlCode.RECV_ERROR);
        assert.equal(denied.info.httpConnectCode, 407);
      },
    ));
});

test('tinyproxy: absolute-form and CONNECT', () =>
  withDaemon(startTinyproxy, async (tp) => {
    const proxy = `http://127.0.0.1:${tp.port}`;
    const plain = await run({ url: `${originUrl}/tiny`, proxy });
    assert.equal(plain.body.toString(), 'origin saw GET /tiny', plain.error);
    const tunnel = await run({ url: `${originUrl}/tiny`, proxy, httpProxyTunnel: true });
    assert.equal(tunnel.body.toString(), 'origin saw GET /tiny', tunnel.error);
  }));

/** The SOCKS lines of a verbose transfer: tscurl's debug callback, and curl -v's (curl 7.88 here). */
async function socksLines(
  url: string,
  proxy: string,
  preProxy?: string,
): Promise<{ mine: string[]; curl: string[] }> {
  const mine: string[] = [];
  const r = await run({
    url,
    proxy,
    ...(preProxy === undefined ? {} : { preProxy }),
    debugFunction: (type, d) => {
      if (type === 'text')
        mine.push(
          ...String(d)
            .split('\n')
            .filter((l) => l.startsWith('SOCKS')),
        );
    },
  });
  assert.equal(r.code, CurlCode.OK, r.error);
  const args = [
    '-sv',
    '-o',
    '/dev/null',
    '-x',
    proxy,
    ...(preProxy === undefined ? [] : ['--preproxy', preProxy]),
    url,
  ];
  const stderr = await new Promise<string>((resolve) =>
    execFile('curl', args, (_e, _o, err) => resolve(err)),
  );
  const curl = stderr
    .split('\n')
    .filter((l) => l.startsWith('* SOCKS'))
    .map((l) => l.slice(2))
    // curl 8 dropped 7.x's "IPv4 " from SOCKS5's locally resolved line.
    .map((l) => l.replace(/^SOCKS5 connect to IPv4 /, 'SOCKS5 connect to '));
  return { mine, curl };
}

describe('SOCKS verbose lines, as curl says them', () => {
  test('danted: socks4 (name resolved here), socks5, socks5h', () =>
    withDaemon(startDante, async (d) => {
      const port = new URL(originUrl).port;
      const named = originUrl.replace('127.0.0.1', 'localhost');
      for (const [proxy, first] of [
        [`socks4://127.0.0.1:${d.port}`, `SOCKS4 communication to localhost:${port}`],
        [`socks5://127.0.0.1:${d.port}`, `SOCKS5 connect to 127.0.0.1:${port} (locally resolved)`],
        [`socks5h://127.0.0.1:${d.port}`, `SOCKS5 connect to localhost:${port} (remotely resolved)`],
      ] as const) {
        const { mine, curl } = await socksLines(`${named}/v`, proxy);
        assert.equal(mine[0], first);
        assert.deepEqual(mine, curl, proxy);
      }
    }));
  test('microsocks in front of squid (preProxy): "SOCKS5: connecting to HTTP proxy"', () =>
    withDaemon(startMicrosocks, (ms) =>
      withDaemon(startSquid, async (squid) => {
        const { mine, curl } = await socksLines(
          `${originUrl}/pre`,
          `http://127.0.0.1:${squid.port}`,
          `socks5h://127.0.0.1:${ms.port}`,
        );
        assert.equal(mine[0], `SOCKS5: connecting to HTTP proxy 127.0.0.1 port ${squid.port}`);
        assert.deepEqual(mine, curl);
      }),
    ));
});

describe('SOCKS5', () => {
  test('microsocks with username/password; wrong password is 97 USER_REJECTED', () =>
    withDaemon(
      () => startMicrosocks({ user: 'bob', password: 'pw' }),
      async (ms) => {
        const ok = await run({ url: `${originUrl}/s5`, proxy: `socks5h://bob:pw@127.0.0.1:${ms.port}` });
        assert.equal(ok.body.toString(), 'origin saw GET /s5', ok.error);
        const local = await run({
          url: `${originUrl}/s5`,
          proxy: `socks5://127.0.0.1:${ms.port}`,
          proxyUserPwd: 'bob:pw',
        });
        assert.equal(local.code, CurlCode.OK, local.error);
        const bad = await run({ url: `${originUrl}/s5`, proxy: `socks5h://bob:nope@127.0.0.1:${ms.port}` });
        assert.equal(bad.code, CurlCode.PROXY);
        assert.equal(bad.info.proxyError, ProxyCode.USER_REJECTED);
      },
    ));
  test('microsocks without auth; danted', async () => {
    await withDaemon(startMicrosocks, async (ms) => {
      const r = await run({ url: `${originUrl}/m`, proxy: `socks5h://127.0.0.1:${ms.port}` });
      assert.equal(r.code, CurlCode.OK, r.error);
    });
    await withDaemon(startDante, async (d) => {
      const r = await run({ url: `${originUrl}/d`, proxy: `socks5://127.0.0.1:${d.port}` });
      assert.equal(r.body.toString(), 'origin saw GET /d', r.error);
    });
  });
  test('SOCKS5 then an HTTP proxy (preProxy): CONNECT travels through the SOCKS tunnel', () =>
    withDaemon(startMicrosocks, (ms) =>
      withDaemon(startSquid, async (squid) => {
        const r = await run({
          url: `${originUrl}/pre`,
          proxy: `http://127.0.0.1:${squid.port}`,
          preProxy: `socks5://127.0.0.1:${ms.port}`,
          httpProxyTunnel: true,
        });
        assert.equal(r.body.toString(), 'origin saw GET /pre', r.error);
      }),
    ));
});
