// The SOCKS and HTTP-tunnel filters over the simulator: handshakes end in a pass-through to the
// destination, refusals end with libcurl's codes (97 with the CURLproxycode, 56 with the CONNECT
// response code), a 407 is answered on the same connection or on a new one, and bytes the proxy
// sent right after its answer reach the layer above.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CurlCode, ProxyCode } from '../../src/core/codes.js';
import { TransferError } from '../../src/core/errors.js';
import { HttpTunnelFilter, type TunnelHooks } from '../../src/filters/http-tunnel.js';
import { SocketFilter } from '../../src/filters/socket.js';
import { SocksFilter } from '../../src/filters/socks.js';
import type { Filter } from '../../src/filters/types.js';
import type { ResponseHead } from '../../src/proto/h1/types.js';
import { SimNetwork } from '../../src/sim.js';
import type { PeerConn } from '../../src/transport/sim/peer.js';
import { EOF, type Socket } from '../../src/transport/types.js';

const text = (b: Uint8Array): string => String.fromCharCode(...b);

/** Connects the chain as the engine does (readiness of its socket), then exchanges `send` for the reply. */
async function drive(
  net: SimNetwork,
  top: Filter,
  send?: string,
): Promise<{ at: number; error?: TransferError; reply?: string }> {
  let out: { at: number; error?: TransferError; reply?: string } | undefined;
  let watched: Socket | undefined;
  let connected = false;
  let reply = '';
  let pending = send === undefined ? undefined : new TextEncoder().encode(send);
  const step = (): void => {
    if (out !== undefined) return;
    try {
      if (!connected) {
        if (!top.connect(net.now())) {
          const s = top.query('socket');
          if (s !== watched) watched?.unwatch();
          watched = s;
          const mask = top.pollset(false, false);
          if (s !== undefined && mask !== 0) s.watch(mask as 1 | 2 | 3, step);
          return;
        }
        connected = true;
        if (pending === undefined) {
          out = { at: net.now() };
          return;
        }
      }
      if (pending !== undefined && pending.length > 0) pending = pending.subarray(top.send(pending));
      for (;;) {
        const r = top.recv();
        if (r === null) break;
        if (r === EOF) {
          out = { at: net.now(), reply };
          return;
        }
        reply += text(r);
      }
      const s = top.query('socket')!;
      watched = s;
      s.watch(1, step);
    } catch (e) {
      assert.ok(e instanceof TransferError, String(e));
      out = { at: net.now(), error: e };
    }
  };
  step();
  await net.advance(5000);
  watched?.unwatch();
  top.destroy();
  return out ?? { at: net.now() };
}

function socket(net: SimNetwork, host: string, port: number): SocketFilter {
  return new SocketFilter(
    net.transport,
    host,
    port,
    [{ address: net.addressOf(host), family: 4 }],
    undefined,
  );
}

/** A scripted server: reads until `until` appears (or n bytes), then answers; repeats per step. */
function scripted(
  conn: PeerConn,
  steps: Array<{ until: string | number; answer: (seen: string) => string | Uint8Array; end?: boolean }>,
): void {
  let seen = '';
  let at = 0;
  const check = (): void => {
    while (at < steps.length) {
      const st = steps[at]!;
      const done = typeof st.until === 'number' ? seen.length >= st.until : seen.includes(st.until);
      if (!done) return;
      const cut = typeof st.until === 'number' ? st.until : seen.indexOf(st.until) + st.until.length;
      const part = seen.slice(0, cut);
      seen = seen.slice(cut);
      at++;
      conn.write(st.answer(part));
      if (st.end) conn.end();
    }
  };
  conn.onData((b) => {
    seen += text(b);
    check();
  });
}

const b = (...x: number[]): Uint8Array => new Uint8Array(x);

describe('SOCKS filter', () => {
  test('SOCKS5 with username/password: the tunnel carries the exchange', async () => {
    const net = new SimNetwork({ latencyMs: 5 });
    let request = '';
    net.listenRaw('socks.test', 1080, (c) =>
      scripted(c, [
        { until: 4, answer: () => b(5, 2) },
        { until: 8, answer: () => b(1, 0) },
        {
          until: 7 + 'origin.test'.length,
          answer: (seen) => {
            request = seen;
            return b(5, 0, 0, 1, 0, 0, 0, 0, 0, 0);
          },
        },
        { until: 'ping', answer: () => 'pong', end: true },
      ]),
    );
    const info: string[] = [];
    const chain = new SocksFilter(
      socket(net, 'socks.test', 1080),
      { version: 'socks5h', host: 'origin.test', port: 80, user: 'u', password: 'pass' },
      (l) => info.push(l),
    );
    const r = await drive(net, chain, 'ping');
    assert.equal(r.reply, 'pong');
    assert.deepEqual([...request].map((c) => c.charCodeAt(0)).slice(0, 5), [5, 1, 0, 3, 11]);
    assert.deepEqual(info, [
      'SOCKS5 connect to origin.test:80 (remotely resolved)',
      'SOCKS5 request granted.',
    ]);
  });
  test('SOCKS4 rejected: PROXY (97) with REQUEST_FAILED and curl message', async () => {
    const net = new SimNetwork({ latencyMs: 5 });
    net.listenRaw('socks.test', 1080, (c) =>
      scripted(c, [{ until: 9, answer: () => b(0, 91, 0, 80, 1, 2, 3, 4) }]),
    );
    const chain = new SocksFilter(socket(net, 'socks.test', 1080), {
      version: 'socks4',
      host: '1.2.3.4',
      port: 80,
    });
    const r = await drive(net, chain);
    assert.equal(r.error?.code, CurlCode.PROXY);
    assert.equal(r.error?.proxyCode, ProxyCode.REQUEST_FAILED);
    assert.equal(
      r.error?.message,
      "Can't complete SOCKS4 connection to 1.2.3.4:80. (91), request rejected or failed.",
    );
  });
  test('proxy closes mid-handshake: CLOSED', async () => {
    const net = new SimNetwork({ latencyMs: 5 });
    net.listenRaw('socks.test', 1080, (c) => scripted(c, [{ until: 3, answer: () => b(5), end: true }]));
    const r = await drive(
      net,
      new SocksFilter(socket(net, 'socks.test', 1080), { version: 'socks5h', host: 'h', port: 1 }),
    );
    assert.equal(r.error?.proxyCode, ProxyCode.CLOSED);
  });
});

describe('HTTP tunnel filter', () => {
  const hooks = (over: Partial<TunnelHooks> = {}): TunnelHooks & { heads: number[]; sent: string[] } => {
    const heads: number[] = [];
    const sent: string[] = [];
    return {
      heads,
      sent,
      requestHeaders: () => [['Proxy-Connection', 'Keep-Alive']],
      onRequest: (bytes) => sent.push(text(bytes)),
      onHead: (h: ResponseHead) => {
        heads.push(h.status);
        return false;
      },
      ...over,
    };
  };
  test('CONNECT 200: bytes sent with the answer and after it go up the chain', async () => {
    const net = new SimNetwork({ latencyMs: 5 });
    net.listenRaw('proxy.test', 3128, (c) =>
      scripted(c, [
        { until: '\r\n\r\n', answer: () => 'HTTP/1.1 200 Connection established\r\n\r\nhel' },
        { until: 'GET', answer: () => 'lo', end: true },
      ]),
    );
    const h = hooks();
    const r = await drive(
      net,
      new HttpTunnelFilter(socket(net, 'proxy.test', 3128), 'origin.test', 443, false, h),
      'GET',
    );
    assert.equal(r.reply, 'hello');
    assert.deepEqual(h.sent, [
      'CONNECT origin.test:443 HTTP/1.1\r\nHost: origin.test:443\r\nProxy-Connection: Keep-Alive\r\n\r\n',
    ]);
    assert.deepEqual(h.heads, [200]);
  });
  test('CONNECT 403: RECV_ERROR (56), "CONNECT tunnel failed, response 403"', async () => {
    const net = new SimNetwork({ latencyMs: 5 });
    net.listenRaw('proxy.test', 3128, (c) =>
      scripted(c, [
        { until: '\r\n\r\n', answer: () => 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n' },
      ]),
    );
    const r = await drive(
      net,
      new HttpTunnelFilter(socket(net, 'proxy.test', 3128), 'o', 443, false, hooks()),
    );
    assert.equal(r.error?.code, CurlCode.RECV_ERROR);
    assert.equal(r.error?.message, 'CONNECT tunnel failed, response 403');
  });
  test('407 answered on the same connection (body drained), then 200', async () => {
    const net = new SimNetwork({ latencyMs: 5 });
    const l = net.listenRaw('proxy.test', 3128, (c) =>
      scripted(c, [
        {
          until: '\r\n\r\n',
          answer: () =>
            'HTTP/1.1 407 Auth\r\nProxy-Authenticate: Basic realm="x"\r\nContent-Length: 4\r\n\r\nnope',
        },
        {
          until: '\r\n\r\n',
          answer: (seen) =>
            seen.includes('Proxy-Authorization: Basic dTpw')
              ? 'HTTP/1.1 200 OK\r\n\r\n'
              : 'HTTP/1.1 407 no\r\n\r\n',
        },
      ]),
    );
    let round = 0;
    const h = hooks({
      requestHeaders: () => (round++ === 0 ? [] : [['Proxy-Authorization', 'Basic dTpw']]),
      onHead: (head) => head.status === 407,
    });
    const r = await drive(net, new HttpTunnelFilter(socket(net, 'proxy.test', 3128), 'o', 443, false, h));
    assert.equal(r.error, undefined);
    assert.equal(l.connections, 1);
  });
  test('407 with Connection: close: CONNECT again on a new connection', async () => {
    const net = new SimNetwork({ latencyMs: 5 });
    let n = 0;
    const l = net.listenRaw('proxy.test', 3128, (c) => {
      const first = n++ === 0;
      scripted(c, [
        {
          until: '\r\n\r\n',
          answer: () =>
            first
              ? 'HTTP/1.1 407 Auth\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
              : 'HTTP/1.1 200 OK\r\n\r\n',
          end: first,
        },
      ]);
    });
    const h = hooks({ onHead: (head) => head.status === 407, reopen: () => socket(net, 'proxy.test', 3128) });
    const r = await drive(net, new HttpTunnelFilter(socket(net, 'proxy.test', 3128), 'o', 443, false, h));
    assert.equal(r.error, undefined);
    assert.equal(l.connections, 2);
    assert.equal(net.activity().openClientSockets, 0);
  });
  test('the proxy closes before answering: "Proxy CONNECT aborted" (56)', async () => {
    const net = new SimNetwork({ latencyMs: 5 });
    net.listenRaw('proxy.test', 3128, (c) =>
      scripted(c, [{ until: '\r\n\r\n', answer: () => 'HTTP/1.1 2', end: true }]),
    );
    const r = await drive(
      net,
      new HttpTunnelFilter(socket(net, 'proxy.test', 3128), 'o', 443, false, hooks()),
    );
    assert.equal(r.error?.code, CurlCode.RECV_ERROR);
    assert.equal(r.error?.message, 'Proxy CONNECT aborted');
  });
});
