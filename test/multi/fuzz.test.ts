// Random and mutated responses, written in random splits by a real TCP server, through one Multi:
// nothing throws out of the engine, every transfer ends with exactly one done message whose code
// is one a malformed response may give, and nothing stays watched or armed afterwards.
// A failure prints the seed; replay with FUZZ_SEED=<seed>.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, Easy } from '../../src/index.js';
import { AppLoop } from '../helpers/app-loop.js';
import { onRequestHead, type RawServer, startRawServer } from '../helpers/http-server.js';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const valid = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n',
  'HTTP/1.0 200 OK\r\n\r\nuntil close',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
  'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n',
  'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
];

function response(rand: () => number): Buffer {
  const base = Buffer.from(valid[Math.floor(rand() * valid.length)]!, 'latin1');
  const mode = rand();
  if (mode < 0.2) return base;
  if (mode < 0.35) {
    const junk = Buffer.alloc(1 + Math.floor(rand() * 200));
    for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rand() * 256);
    return junk;
  }
  const out = Buffer.from(base);
  const edits = 1 + Math.floor(rand() * 4);
  let buf = out;
  for (let e = 0; e < edits; e++) {
    const kind = rand();
    const at = Math.floor(rand() * buf.length);
    if (kind < 0.4) buf[at] = Math.floor(rand() * 256);
    else if (kind < 0.7) buf = buf.subarray(0, at);
    else
      buf = Buffer.concat([buf.subarray(0, at), Buffer.from([Math.floor(rand() * 256)]), buf.subarray(at)]);
  }
  return buf;
}

const allowed = new Set<number>([
  CurlCode.OK,
  CurlCode.UNSUPPORTED_PROTOCOL,
  CurlCode.WEIRD_SERVER_REPLY,
  CurlCode.BAD_CONTENT_ENCODING,
  CurlCode.TOO_LARGE,
  CurlCode.PARTIAL_FILE,
  CurlCode.GOT_NOTHING,
  CurlCode.RECV_ERROR,
  CurlCode.OPERATION_TIMEDOUT,
]);

let server: RawServer;
const replies = new Map<string, Buffer>();
before(async () => {
  server = await startRawServer((socket) => {
    onRequestHead(socket, (path) => {
      const [seed] = path.slice(1).split('-');
      const reply = replies.get(path) ?? Buffer.alloc(0);
      const rand = prng(Number(seed) ^ 0x5bd1e995);
      let off = 0;
      const pump = () => {
        if (socket.destroyed) return;
        if (off >= reply.length) {
          socket.end();
          return;
        }
        const n = 1 + Math.floor(rand() * 16);
        socket.write(reply.subarray(off, off + n));
        off += n;
        if (rand() < 0.3) setTimeout(pump, 1);
        else pump();
      };
      pump();
    });
  });
});
after(async () => server.close());

test('fuzzed responses: one result each, nothing thrown, nothing left behind', async () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  const rand = prng(seed);
  const n = 300;
  const loop = new AppLoop({ maxHostConnections: 50 });
  const easies: Easy[] = [];
  for (let i = 0; i < n; i++) {
    const path = `/${seed + i}-${i}`;
    replies.set(path, response(rand));
    const e = new Easy({ url: server.url + path, timeoutMs: 5000, forbidReuse: rand() < 0.5 });
    easies.push(e);
    loop.multi.addHandle(e);
  }
  try {
    await loop.untilIdle(30_000);
    assert.deepEqual(loop.errors, [], 'nothing thrown out of socketAction');
    assert.equal(loop.done.length, n);
    const seen = new Set(loop.done.map((d) => d.easy));
    assert.equal(seen.size, n, 'exactly one message per transfer');
    for (const d of loop.done) {
      assert.ok(allowed.has(d.result), `result ${d.result}: ${d.easy.errorBuffer}`);
      if (d.result !== CurlCode.OK) assert.notEqual(d.easy.errorBuffer, '');
    }
    assert.equal(loop.watchedCount, 0);
    assert.equal(loop.timerArmed, false);
  } catch (e) {
    console.error(`fuzz failed with FUZZ_SEED=${seed}`);
    throw e;
  } finally {
    loop.close();
  }
});
