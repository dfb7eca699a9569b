// HTTP/2 failure handling end to end: GOAWAY mid-flight (streams above its last id retried on a
// new connection, those below finish), removing one transfer resets only its stream, a
// connection-level protocol error (16), a peer whose window never opens (timeout, not a hang),
// pipeWait, and 10,000 transfers over one connection.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CurlCode, Easy, HttpVersion, NodeDriver } from '../../src/index.js';
import { run } from '../features/run.js';
import { ServerScript } from '../proto/h2/h2-test-utils.js';

const H2 = { httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE } as const;

let server: http2.Http2Server;
let base = '';
const sessions = new Set<http2.ServerHttp2Session>();
let resetsSeen: number[] = [];
/** The next session to see this many requests sends GOAWAY after answering the first. */
let goawayAfter = 0;

before(async () => {
  server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    let n = 0;
    const held: http2.ServerHttp2Stream[] = [];
    s.on('stream', (stream, h) => {
      stream.on('error', () => {});
      stream.on('close', () => {
        if (stream.rstCode !== 0 && stream.rstCode !== undefined) resetsSeen.push(stream.rstCode);
      });
      const path = String(h[':path']);
      if (path.startsWith('/goaway')) {
        n++;
        held.push(stream);
        if (n === goawayAfter) {
          goawayAfter = 0;
          // Answer the first, refuse every later one: GOAWAY names the first stream as the last.
          const first = held[0]!;
          s.goaway(http2.constants.NGHTTP2_NO_ERROR, first.id as number);
          first.respond({ ':status': 200 });
          first.end('first');
        } else if (goawayAfter === 0) {
          stream.respond({ ':status': 200 });
          stream.end('retried');
        }
        return;
      }
      if (path === '/slow') {
        stream.respond({ ':status': 200 });
        stream.write('part');
        return;
      }
      stream.respond({ ':status': 200 });
      stream.end(`ok ${path}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of sessions) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

/** A raw TCP server that answers the client preface with these bytes (then does what `after` says). */
async function rawH2(
  reply: (srv: ServerScript, sock: net.Socket) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const socks = new Set<net.Socket>();
  const s = net.createServer((sock) => {
    socks.add(sock);
    sock.on('error', () => {});
    let got = 0;
    sock.on('data', (d) => {
      got += d.length;
      // Past the 24-byte preface and the client's SETTINGS and first HEADERS: answer once.
      if (got > 24 && got - d.length <= 24) reply(new ServerScript(), sock);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`,
    close: async () => {
      for (const x of socks) x.destroy();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

describe('HTTP/2 failures', () => {
  test('GOAWAY mid-flight: the stream below its last id finishes, the others are retried on a new connection', async () => {
    goawayAfter = 5;
    const driver = new NodeDriver({ maxHostConnections: 1 });
    try {
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => run({ ...H2, url: `${base}/goaway${i}` }, driver)),
      );
      assert.deepEqual(
        results.map((r) => r.code),
        [0, 0, 0, 0, 0],
      );
      const bodies = results.map((r) => r.body.toString()).sort();
      assert.deepEqual(bodies, ['first', 'retried', 'retried', 'retried', 'retried']);
      const connects = results.reduce((n, r) => n + r.info.numConnects, 0);
      assert.equal(connects, 2);
    } finally {
      driver.close();
    }
  });

  test('GOAWAY mid-flight, verbose: a refused stream says so before its retry, as curl', async () => {
    goawayAfter = 3;
    const driver = new NodeDriver({ maxHostConnections: 1 });
    try {
      const lines = Array.from({ length: 3 }, () => [] as string[]);
      const results = await Promise.all(
        lines.map((seen, i) =>
          run(
            {
              ...H2,
              url: `${base}/goaway-v${i}`,
              debugFunction: (type, data) => {
                if (type === 'text') seen.push(String(data));
              },
            },
            driver,
          ),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.code),
        [0, 0, 0],
      );
      const retried = lines.filter((seen) => seen.includes('REFUSED_STREAM, retrying a fresh connect\n'));
      assert.equal(retried.length, 2);
      for (const seen of retried) {
        // libcurl's Curl_retry_request: the refusal, then the retry's count, then the new request.
        const at = seen.indexOf('REFUSED_STREAM, retrying a fresh connect\n');
        assert.equal(seen[at + 1], 'Connection died, retrying a fresh connect (retry count: 1)\n');
        assert.ok(seen.slice(at + 1).some((l) => l.startsWith('Issue another request to this URL:')));
      }
      // The connection that went away is told closed once, by the last transfer to leave it
      // (curl's multi_done says nothing while other transfers still use a connection). It is the
      // connection of the transfer that was not refused.
      const kept =
        results[lines.findIndex((seen) => !seen.includes('REFUSED_STREAM, retrying a fresh connect\n'))]!;
      const first = kept.info.connId;
      const ends = lines
        .flat()
        .filter(
          (l) => l === `shutting down connection #${first}\n` || l === `closing connection #${first}\n`,
        );
      assert.deepEqual(ends, [`shutting down connection #${first}\n`]);
    } finally {
      driver.close();
    }
  });

  test('removing one transfer resets only its stream (CANCEL); the others finish on the same connection', async () => {
    resetsSeen = [];
    const driver = new NodeDriver();
    try {
      const slow = new Easy({ ...H2, url: `${base}/slow`, writeFunction: (c) => c.length });
      const p = driver.add(slow);
      await new Promise((r) => setTimeout(r, 100));
      driver.remove(slow);
      const others = await Promise.all([1, 2].map((i) => run({ ...H2, url: `${base}/after${i}` }, driver)));
      assert.ok(others.every((o) => o.code === CurlCode.OK));
      assert.ok(others.every((o) => o.info.numConnects === 0));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(resetsSeen, [http2.constants.NGHTTP2_CANCEL]);
      void p.catch(() => {});
    } finally {
      driver.close();
    }
  });

  test('a connection-level protocol error ends the transfer with 16 naming it', async () => {
    const srv = await rawH2((s, sock) => {
      sock.write(s.settings());
      sock.write(new Uint8Array([0, 0, 4, 0x5, 4, 0, 0, 0, 1, 0, 0, 0, 2])); // PUSH_PROMISE
    });
    try {
      const r = await run({ ...H2, url: srv.url });
      assert.equal(r.code, CurlCode.HTTP2);
      assert.match(r.error, /PUSH_PROMISE although we disabled server push/);
    } finally {
      await srv.close();
    }
  });

  test('a peer whose window never opens: the upload ends by timeout (28), not a hang', async () => {
    const srv = await rawH2((s, sock) => {
      sock.write(s.settings([[0x4, 0]])); // INITIAL_WINDOW_SIZE 0, and never a WINDOW_UPDATE
    });
    try {
      const r = await run({ ...H2, url: srv.url, postFields: Buffer.alloc(1000, 1), timeoutMs: 400 });
      assert.equal(r.code, CurlCode.OPERATION_TIMEDOUT);
    } finally {
      await srv.close();
    }
  });

  test('pipeWait: transfers added together wait for the first connection and share it', async () => {
    const driver = new NodeDriver();
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => run({ ...H2, url: `${base}/pw${i}`, pipeWait: true }, driver)),
      );
      assert.ok(results.every((r) => r.code === CurlCode.OK));
      assert.equal(
        results.reduce((n, r) => n + r.info.numConnects, 0),
        1,
      );
    } finally {
      driver.close();
    }
  });

  test('maxHostConnections 1: 10,000 transfers complete over one connection (numConnects adds to 1)', async () => {
    const driver = new NodeDriver({ maxHostConnections: 1 });
    try {
      let connects = 0;
      let ok = 0;
      await Promise.all(
        Array.from({ length: 10_000 }, async (_, i) => {
          const e = new Easy({ ...H2, url: `${base}/n${i % 10}`, writeFunction: (c) => c.length });
          const m = await driver.add(e);
          if (m.result === CurlCode.OK) ok++;
          connects += e.getInfo().numConnects;
        }),
      );
      assert.equal(ok, 10_000);
      assert.equal(connects, 1);
    } finally {
      driver.close();
    }
  });
});
