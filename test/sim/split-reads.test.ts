// A read may end anywhere: for each byte offset k of what a server sends, the simulator delivers
// the first k bytes in one read and the rest one byte per read (its 'drip' fault), so a read ends
// exactly at every boundary of every layer (a chunk-size line, a chunk's CRLF, the last chunk, a
// trailer, the end of a head, a gzip member, an HTTP/2 frame header, a SOCKS reply, a CONNECT
// response and the tunnelled bytes behind it, a TLS record). The transfer must end as it does
// when everything comes at once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CurlCode, Easy, type EasyOptions, HttpVersion } from '../../src/index.js';
import type { Fault } from '../../src/sim.js';
import { SimNetwork } from '../../src/sim.js';
import type { PeerConn } from '../../src/transport/sim/peer.js';

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** One transfer on a fresh network whose server (set up by `serve`) drips after `k` bytes. */
async function fetchSplit(
  k: number | undefined,
  serve: (net: SimNetwork, faults: Fault[]) => void,
  options: EasyOptions,
): Promise<{ code: number; body: Buffer; message: string; ms: number }> {
  const net = new SimNetwork({ seed: 3 });
  serve(net, k === undefined ? [] : [{ kind: 'drip', intervalMs: 1, afterBytes: k }]);
  const multi = net.createMulti();
  const chunks: Buffer[] = [];
  const easy = new Easy({
    ...options,
    writeFunction: (c) => {
      chunks.push(Buffer.from(c));
      return c.length;
    },
  });
  multi.addHandle(easy);
  await net.run();
  const done = multi.infoRead();
  multi.close();
  return { code: done?.result ?? -1, body: Buffer.concat(chunks), message: easy.errorBuffer, ms: net.now() };
}

/** Runs the transfer whole, then split at every offset up to `upTo` bytes: each must give `want`. */
async function everySplit(
  upTo: number,
  serve: (net: SimNetwork, faults: Fault[]) => void,
  options: EasyOptions,
  want: Buffer,
): Promise<void> {
  const whole = await fetchSplit(undefined, serve, options);
  assert.equal(whole.code, CurlCode.OK, whole.message);
  assert.deepEqual(whole.body, want);
  for (let k = 0; k <= upTo; k++) {
    const r = await fetchSplit(k, serve, options);
    // The drip is in force: a byte per read (and per virtual ms) from offset k on.
    if (k === 0) assert.ok(r.ms - whole.ms >= upTo / 2, `drip took ${r.ms - whole.ms} ms more`);
    assert.equal(r.code, CurlCode.OK, `split after ${k} bytes: ${r.message}`);
    assert.deepEqual(r.body, want, `split after ${k} bytes: body`);
  }
}

/** A raw server: once the first request head is in, `answer` writes the response bytes. */
function rawHttp(host: string, port: number, answer: (c: PeerConn) => void) {
  return (net: SimNetwork, faults: Fault[]): void => {
    net.listenRaw(
      host,
      port,
      (c) => {
        let seen: string | undefined = '';
        c.onData((b) => {
          if (seen === undefined) return;
          seen += latin1(b);
          if (seen.includes('\r\n\r\n')) {
            seen = undefined;
            answer(c);
          }
        });
      },
      { latencyMs: 2, faults },
    );
  };
}

const TEXT = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(3));

describe('a read ending at every offset of the response', () => {
  test('HTTP/1.1 chunked: a chunk extension, two chunks, the last chunk and a trailer', async () => {
    const body = TEXT.subarray(0, 70);
    const wire = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n1e;ext=1\r\n${latin1(body.subarray(0, 30))}\r\n28\r\n${latin1(body.subarray(30))}\r\n0\r\nX-Trailer: t\r\n\r\n`;
    await everySplit(
      wire.length,
      rawHttp('c.test', 80, (c) => c.end(wire)),
      { url: 'http://c.test/' },
      body,
    );
  });

  test('HTTP/1.1 gzip body cut into two chunks (the decoder fed at every split)', async () => {
    const gz = gzipSync(TEXT);
    const head = 'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n';
    const half = Math.floor(gz.length / 2);
    const wire = Buffer.concat([
      Buffer.from(`${head}${half.toString(16)}\r\n`, 'latin1'),
      gz.subarray(0, half),
      Buffer.from(`\r\n${(gz.length - half).toString(16)}\r\n`, 'latin1'),
      gz.subarray(half),
      Buffer.from('\r\n0\r\n\r\n', 'latin1'),
    ]);
    await everySplit(
      wire.length,
      rawHttp('gz.test', 80, (c) => c.write(wire)),
      { url: 'http://gz.test/', acceptEncoding: '' },
      TEXT,
    );
  });

  test('HTTP/2 (prior knowledge): SETTINGS, HEADERS, DATA frames', async () => {
    const body = TEXT.subarray(0, 40);
    // The server's bytes: its SETTINGS, the ACK of ours, a HEADERS and a DATA frame (85 bytes).
    await everySplit(
      100,
      (net, faults) =>
        net.listenHttp2(
          'h2.test',
          80,
          (_q, r) => {
            r.setHeader('x-a', 'b');
            r.end(body);
          },
          { latencyMs: 2, faults },
        ),
      { url: 'http://h2.test/', httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE },
      body,
    );
  });

  test('HTTPS (simulated TLS): the handshake and the records', async () => {
    const body = TEXT.subarray(0, 20);
    // The simulated handshake and the response record: 59 bytes from the server.
    await everySplit(
      70,
      (net, faults) => net.listen('s.test', 443, (_q, r) => r.end(body), { latencyMs: 2, tls: {}, faults }),
      { url: 'https://s.test/' },
      body,
    );
  });
});

describe('a read ending at every offset of a proxy handshake and what follows it', () => {
  const response = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';

  test('SOCKS5: method reply, connect reply, then the response', async () => {
    const serve = (net: SimNetwork, faults: Fault[]): void => {
      net.listenRaw(
        'socks.test',
        1080,
        (c) => {
          let seen = Buffer.alloc(0);
          let step = 0;
          c.onData((b) => {
            seen = Buffer.concat([seen, b]);
            if (step === 0 && seen.length >= 3) {
              seen = seen.subarray(3);
              step = 1;
              c.write(new Uint8Array([5, 0]));
            }
            // VER CMD RSV ATYP=3 LEN name PORT
            if (step === 1 && seen.length >= 5 && seen.length >= 7 + seen[4]!) {
              seen = seen.subarray(7 + seen[4]!);
              step = 2;
              c.write(new Uint8Array([5, 0, 0, 1, 127, 0, 0, 1, 0, 80]));
            }
            if (step === 2 && latin1(seen).includes('\r\n\r\n')) {
              step = 3;
              c.end(response);
            }
          });
        },
        { latencyMs: 2, faults },
      );
    };
    await everySplit(
      12 + response.length,
      serve,
      { url: 'http://origin.test/', proxy: 'socks5h://socks.test:1080' },
      Buffer.from('hello'),
    );
  });

  test('HTTP CONNECT: the 200 and the tunnelled response sent at once', async () => {
    const established = 'HTTP/1.1 200 Connection established\r\n\r\n';
    await everySplit(
      established.length + response.length,
      rawHttp('proxy.test', 3128, (c) => c.write(established + response)),
      { url: 'http://origin.test/', proxy: 'http://proxy.test:3128', httpProxyTunnel: true },
      Buffer.from('hello'),
    );
  });
});
