// The standing hostile-server suite: raw node:net servers that misbehave, each beside good
// transfers on the same Multi. Each case asserts the hostile transfer's CurlCode, that the good
// transfers succeeded, that no TCP handle is left and that memory stayed bounded.
import assert from 'node:assert/strict';
import type { Socket as NetSocket } from 'node:net';
import { test } from 'node:test';
import { Easy, type EasyOptions, NodeDriver } from '../../src/index.js';
import { assertNoTcpLeft, goodServer, hostileServer, sleep, tcpHandles } from './harness.js';

/** RSS growth allowed for one case (a hostile peer must not make the process hold its bytes). */
const RSS_BOUND_MIB = 48;
const ok = 'HTTP/1.1 200 OK\r\n';

interface Case {
  name: string;
  /** What the server does once the request head is in (`n`: the request's index on the server). */
  serve: (socket: NetSocket, head: string, n: number) => void;
  options?: EasyOptions;
  /** The path requested (the server sees it in `head`). */
  path?: string;
  code: number;
}

/** Write `total` bytes of `unit` with backpressure, then `end` (if any). */
function flood(socket: NetSocket, unit: string, total: number, end?: string): void {
  const block = Buffer.from(unit.repeat(Math.max(1, Math.floor(65536 / unit.length))));
  let sent = 0;
  const next = (): void => {
    while (!socket.destroyed && sent < total) {
      sent += block.length;
      if (!socket.write(block)) {
        socket.once('drain', next);
        return;
      }
    }
    if (!socket.destroyed && end !== undefined) socket.end(end);
  };
  next();
}

const cases: Case[] = [
  {
    name: 'huge status line (1 MB, no CRLF)',
    serve: (s) => flood(s, 'HTTP/1.1 200 OK', 1 << 20),
    code: 100,
  },
  {
    name: 'huge header line (1 MB)',
    serve: (s) => {
      s.write(`${ok}X-Big: `);
      flood(s, 'a', 1 << 20, '\r\n\r\n');
    },
    code: 100,
  },
  {
    name: 'header flood (100,000 small fields)',
    serve: (s) => {
      s.write(ok);
      flood(s, 'X-A: b\r\n', 800_000, '\r\n');
    },
    code: 100,
  },
  {
    name: 'trailer flood after a chunked body',
    serve: (s) => {
      s.write(`${ok}Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n`);
      flood(s, 'X-T: b\r\n', 800_000, '\r\n');
    },
    code: 100,
  },
  {
    name: 'chunk-size overflow',
    serve: (s) => s.end(`${ok}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabc`),
    code: 56,
  },
  {
    name: 'huge chunk extension (1 MB)',
    serve: (s) => {
      s.write(`${ok}Transfer-Encoding: chunked\r\n\r\n2;ext=`);
      flood(s, 'x', 1 << 20, '\r\nhi\r\n0\r\n\r\n');
    },
    code: 8, // "Bad chunk size line: longer than 16384 bytes"
  },
  {
    // The 1xx heads count toward the response's header size, as curl's (300 KiB): 56, curl's
    // "Too large response headers".
    name: 'endless 1xx responses',
    serve: (s) => flood(s, 'HTTP/1.1 102 Processing\r\n\r\n', 16 << 20),
    code: 56,
  },
  {
    name: 'redirect loop',
    serve: (s) =>
      s.end('HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
    options: { followLocation: true, maxRedirs: 20 },
    code: 47,
  },
  {
    name: 'CR in Location',
    serve: (s) => s.end('HTTP/1.1 302 Found\r\nLocation: /a\rX-Injected: 1\r\nContent-Length: 0\r\n\r\n'),
    options: { followLocation: true },
    code: 8,
  },
  {
    name: 'slowloris without lowSpeedLimit: timeoutMs ends it',
    serve: (s) => {
      s.write(`${ok}Content-Length: 1000\r\n\r\n`);
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('x')), 50);
    },
    options: { timeoutMs: 600 },
    code: 28,
  },
  {
    name: 'slowloris with lowSpeedLimit',
    serve: (s) => {
      s.write(`${ok}Content-Length: 1000\r\n\r\n`);
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('x')), 50);
    },
    options: { lowSpeedLimit: 1000, lowSpeedTime: 1 },
    code: 28,
  },
  {
    name: 'accept and never answer',
    serve: () => {},
    options: { timeoutMs: 400 },
    code: 28,
  },
  {
    name: 'RST in the middle of the body',
    serve: (s) => {
      s.write(`${ok}Content-Length: 100000\r\n\r\n${'x'.repeat(1000)}`);
      setTimeout(() => s.resetAndDestroy(), 20);
    },
    code: 56,
  },
  {
    // The reset reaches the client's kernel before the client read the bytes ahead of it, as on a
    // loaded machine: one poll sees the bytes and the hang-up together. Still 56, as libcurl's
    // recv() gets the bytes and then ECONNRESET; never 18 (a clean EOF).
    name: 'RST right behind the last bytes, read together with them',
    serve: (s) => {
      s.write(`${ok}Content-Length: 100000\r\n\r\n${'x'.repeat(1000)}`);
      s.resetAndDestroy();
    },
    code: 56,
  },
];

async function run(c: Case): Promise<void> {
  const baseline = tcpHandles();
  let n = 0;
  const srv = await hostileServer((socket, head) => c.serve(socket, head, n++));
  const good = await goodServer();
  const driver = new NodeDriver();
  globalThis.gc?.();
  const rss0 = process.memoryUsage.rss();
  let peak = rss0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  try {
    const sink = (b: Buffer) => b.length;
    const hostile = driver.add(
      new Easy({ url: `${srv.url}${c.path ?? '/'}`, writeFunction: sink, ...c.options }),
    );
    const goods = Array.from({ length: 3 }, () =>
      driver.add(new Easy({ url: good.url, writeFunction: sink })),
    );
    const m = await hostile;
    assert.equal(m.result, c.code, `${c.name}: got ${m.result}: ${m.easy.errorBuffer}`);
    for (const g of await Promise.all(goods)) assert.equal(g.result, 0, g.easy.errorBuffer);
  } finally {
    clearInterval(sampler);
    driver.close();
    await srv.close();
    await good.close();
  }
  const grown = (peak - rss0) / 1048576;
  assert.ok(grown < RSS_BOUND_MIB, `${c.name}: RSS grew ${grown.toFixed(0)} MiB`);
  await assertNoTcpLeft(baseline);
}

for (const c of cases) test(`${c.name}: ${c.code}, the others done, nothing left open`, () => run(c));

test('stale keep-alive connection closed as the next request goes out: retried on a new one (0)', async () => {
  const baseline = tcpHandles();
  let conns = 0;
  const srv = await hostileServer((socket) => {
    conns++;
    // The first connection answers with keep-alive, then closes once the next request arrives.
    socket.write(`${ok}Content-Length: 2\r\n\r\nhi`);
    socket.once('data', () => socket.destroy());
  });
  const driver = new NodeDriver();
  try {
    const sink = (b: Buffer) => b.length;
    assert.equal((await driver.add(new Easy({ url: srv.url, writeFunction: sink }))).result, 0);
    await sleep(20);
    const m = await driver.add(new Easy({ url: srv.url, writeFunction: sink }));
    assert.equal(m.result, 0, m.easy.errorBuffer);
    assert.equal(conns, 2);
  } finally {
    driver.close();
    await srv.close();
  }
  await assertNoTcpLeft(baseline);
});

test('a server that never reads a 100 MB upload: timeoutMs ends it, memory stays flat', async () => {
  const baseline = tcpHandles();
  const srv = await hostileServer((socket) => socket.pause());
  const good = await goodServer();
  const driver = new NodeDriver();
  const body = Buffer.alloc(100 * 1024 * 1024, 7);
  globalThis.gc?.();
  const ab0 = process.memoryUsage().arrayBuffers;
  try {
    const sink = (b: Buffer) => b.length;
    const up = driver.add(new Easy({ url: srv.url, postFields: body, timeoutMs: 800, writeFunction: sink }));
    const goods = Array.from({ length: 3 }, () =>
      driver.add(new Easy({ url: good.url, writeFunction: sink })),
    );
    for (const g of await Promise.all(goods)) assert.equal(g.result, 0);
    const m = await up;
    assert.equal(m.result, 28, m.easy.errorBuffer);
    const grown = (process.memoryUsage().arrayBuffers - ab0) / 1048576;
    assert.ok(grown < 40, `arrayBuffers grew ${grown.toFixed(0)} MiB for a 100 MiB upload`);
  } finally {
    driver.close();
    await srv.close();
    await good.close();
  }
  await assertNoTcpLeft(baseline);
});
