// The simulator's own HTTP/1.1 server, driven byte-exactly through the sim transport.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { latin1 } from '../../src/transport/sim/bytes.js';
import { RequestParser } from '../../src/transport/sim/http-codec.js';
import type { SimHandler } from '../../src/transport/sim/http-server.js';
import { SimNet } from '../../src/transport/sim/network.js';
import { EOF, type TransportSocket } from '../../src/transport/types.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** Open a connection, send `request`, run the network, return everything received and EOF. */
async function exchange(
  handler: SimHandler,
  request: string | string[],
  options: { keepAliveTimeoutMs?: number; gapMs?: number; net?: SimNet } = {},
): Promise<{ text: string; eof: boolean; net: SimNet; sock: TransportSocket }> {
  const net = options.net ?? new SimNet();
  const listenOpts =
    options.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeoutMs: options.keepAliveTimeoutMs };
  net.listen('srv.test', 80, handler, listenOpts);
  const sock = net.transport.connect({ address: net.addressOf('srv.test'), port: 80, family: 4 });
  await net.advance(0);
  const parts = Array.isArray(request) ? request : [request];
  for (const p of parts) {
    assert.equal(sock.write(enc(p)), p.length);
    await net.advance(options.gapMs ?? 0);
  }
  await net.advance(10_000);
  let text = '';
  let eof = false;
  for (;;) {
    const r = sock.read();
    if (r === null) break;
    if (r === EOF) {
      eof = true;
      break;
    }
    text += latin1(r);
  }
  return { text, eof, net, sock };
}

describe('sim HTTP server', () => {
  test('end(body) without writes: Content-Length, keep-alive', async () => {
    const { text, eof } = await exchange((_q, r) => {
      r.writeHead(201, { 'x-a': '1' });
      r.end('hello');
    }, 'GET /a HTTP/1.1\r\nHost: srv.test\r\n\r\n');
    assert.equal(text, 'HTTP/1.1 201 Created\r\nx-a: 1\r\nContent-Length: 5\r\n\r\nhello');
    assert.equal(eof, false);
  });

  test('write() then end(): chunked', async () => {
    const { text } = await exchange((_q, r) => {
      r.write('ab');
      r.end('c');
    }, 'GET / HTTP/1.1\r\n\r\n');
    assert.equal(text, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n');
  });

  test('request metadata, lower-case headers, chunked request body split across writes', async () => {
    let seen = '';
    const { text } = await exchange(
      async (req, res) => {
        const body = await req.text();
        seen = `${req.method} ${req.url} ${req.httpVersion} ${req.headers['x-thing']} ${JSON.stringify(body)}`;
        res.end(body.toUpperCase());
      },
      [
        'POST /p?q=1 HTTP/1.1\r\nX-Thing: a\r\nx-thing: b\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab',
        'c\r\n2;ext=1\r\nde\r\n0\r\nTrailer: x\r\n\r\n',
      ],
      { gapMs: 5 },
    );
    assert.equal(seen, 'POST /p?q=1 1.1 a, b "abcde"');
    assert.match(text, /\r\n\r\nABCDE$/);
  });

  test('keep-alive and pipelining: responses in request order on one connection', async () => {
    const net = new SimNet();
    const { text } = await exchange(
      async (req, res) => {
        if (req.url === '/slow') await net.sleep(50);
        res.end(req.url);
      },
      'GET /slow HTTP/1.1\r\n\r\nGET /fast HTTP/1.1\r\nContent-Length: 2\r\n\r\nxxGET /last HTTP/1.1\r\n\r\n',
      { net },
    );
    const bodies = text
      .split('HTTP/1.1 200 OK')
      .slice(1)
      .map((r) => r.split('\r\n\r\n')[1]);
    assert.deepEqual(bodies, ['/slow', '/fast', '/last']);
    assert.equal(net.stats.connections, 1);
  });

  test('Connection: close and HTTP/1.0 close the connection after the response', async () => {
    const a = await exchange((_q, r) => r.end('x'), 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
    assert.match(a.text, /Connection: close/);
    assert.equal(a.eof, true);
    const b = await exchange((_q, r) => {
      r.write('streamed');
      r.end();
    }, 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(b.text, 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nstreamed');
    assert.equal(b.eof, true);
  });

  test('HEAD and 204 carry no body', async () => {
    const h = await exchange((_q, r) => r.end('body'), 'HEAD / HTTP/1.1\r\n\r\n');
    assert.equal(h.text, 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n');
    const n = await exchange((_q, r) => {
      r.statusCode = 204;
      r.end();
    }, 'GET / HTTP/1.1\r\n\r\n');
    assert.equal(n.text, 'HTTP/1.1 204 No Content\r\n\r\n');
  });

  test('Expect: 100-continue is answered before the handler reads the body', async () => {
    const { text } = await exchange(
      async (req, res) => res.end(await req.text()),
      ['PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n', 'abc'],
      { gapMs: 5 },
    );
    assert.equal(text, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc');
  });

  test('a throwing handler answers 500 and is recorded', async () => {
    const { text, net } = await exchange(() => {
      throw new Error('boom');
    }, 'GET / HTTP/1.1\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
    assert.equal((net.serverErrors[0] as Error).message, 'boom');
  });

  test('a malformed request gets 400 and a close', async () => {
    const { text, eof } = await exchange((_q, r) => r.end(), 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(eof, true);
  });

  test('keepAliveTimeoutMs closes an idle connection', async () => {
    const { eof } = await exchange((_q, r) => r.end('x'), 'GET / HTTP/1.1\r\n\r\n', {
      keepAliveTimeoutMs: 5000,
    });
    assert.equal(eof, true);
    const { eof: open } = await exchange((_q, r) => r.end('x'), 'GET / HTTP/1.1\r\n\r\n');
    assert.equal(open, false);
  });

  test('the request parser gives the same events for any split of the input', () => {
    const input = enc(
      'POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\nGET /y HTTP/1.1\r\n\r\n',
    );
    const describe = (chunks: Uint8Array[]) => {
      const p = new RequestParser();
      const out: string[] = [];
      let data = '';
      for (const c of chunks) {
        for (const ev of p.push(c)) {
          if (ev.type === 'data') data += latin1(ev.bytes);
          else {
            if (data) out.push(`data ${data}`);
            data = '';
            out.push(ev.type === 'head' ? `head ${ev.head.method} ${ev.head.url}` : ev.type);
          }
        }
      }
      return out;
    };
    const whole = describe([input]);
    assert.deepEqual(whole, ['head POST /x', 'data wikipedia', 'end', 'head GET /y', 'end']);
    for (let i = 1; i < input.length; i++) {
      assert.deepEqual(describe([input.subarray(0, i), input.subarray(i)]), whole, `split at ${i}`);
    }
    assert.deepEqual(describe([...input].map((b) => Uint8Array.of(b))), whole, 'byte by byte');
  });
});
