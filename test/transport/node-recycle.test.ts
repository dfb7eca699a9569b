// NodeSocket.recycle(): the reader says it holds nothing of what read() handed out, and the next
// reads go into that memory again (two buffers in turn for a whole bulk stream); without it every
// bulk read gets a buffer of its own. Over TLS the same holds for the slabs decrypted records are
// put in.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import type { NodeTlsSocket } from '../../src/transport/node/tls.js';
import { nodeTransport } from '../../src/transport/node/transport.js';
import { EOF, Ready, type TransportSocket } from '../../src/transport/types.js';
import { testPki } from '../helpers/tls-certs.js';

const BODY = Buffer.alloc(8 * 1024 * 1024);
for (let i = 0; i < BODY.length; i++) BODY[i] = (i * 13 + (i >> 11)) & 0xff;

const pki = testPki();

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let t = 0; !cond(); t++) {
    assert.ok(t < 5000, what);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * Reads BODY from a local peer (over TLS: sent in pieces of a few records with pauses, so bursts
 * end and start again); returns the bytes as they were at each read and the chunks.
 */
async function receive(
  recycle: boolean,
  over: 'tcp' | 'tls' = 'tcp',
): Promise<{ copied: Buffer; chunks: Uint8Array[] }> {
  const server =
    over === 'tcp'
      ? createServer((c) => c.end(BODY))
      : createTlsServer({ cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) }, (c) => {
          let at = 0;
          const next = (): void => {
            if (at >= BODY.length) {
              c.end();
              return;
            }
            // 100 KiB and an odd tail: full records, then a short one that ends the burst.
            const n = Math.min(100 * 1024 + 333, BODY.length - at);
            c.write(BODY.subarray(at, at + n));
            at += n;
            setTimeout(next, 1);
          };
          next();
        });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const tcp = nodeTransport.connect({ address: '127.0.0.1', port, family: 4 });
  let s: TransportSocket = tcp;
  const copies: Buffer[] = [];
  const chunks: Uint8Array[] = [];
  try {
    if (over === 'tls') {
      await until(() => !tcp.connecting, 'connects');
      s = nodeTransport.startTls!(tcp, {
        config: { id: 'recycle-ca', ca: [pki.read(pki.caCert)] },
        host: 'localhost',
        alpn: [],
      });
      await until(() => !s.connecting, 'handshake');
      assert.equal(s.error, undefined, s.error?.message);
      assert.equal((s as NodeTlsSocket).receivesThroughOnread, true);
    }
    const sock = s;
    await new Promise<void>((resolve, reject) => {
      sock.watch(Ready.IN, () => {
        for (let r = sock.read(); r !== null; r = sock.read()) {
          if (r === EOF) {
            resolve();
            return;
          }
          chunks.push(r); // kept only to tell the memory apart, never read after recycle()
          copies.push(Buffer.from(r));
          if (recycle) sock.recycle?.();
        }
        if (sock.error !== undefined) reject(sock.error);
      });
    });
  } finally {
    s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
  return { copied: Buffer.concat(copies), chunks };
}

const memories = (chunks: Uint8Array[]): number => new Set(chunks.map((c) => c.buffer)).size;
/** Memory blocks of slab size (64 KiB): a TLS socket's small reads are copied out, its bulk ones not. */
const slabs = (chunks: Uint8Array[]): number =>
  new Set(chunks.filter((c) => c.buffer.byteLength === 64 * 1024).map((c) => c.buffer)).size;

test('node: recycle() lets the next reads reuse the memory of the chunks given back', async () => {
  const r = await receive(true);
  assert.ok(r.copied.equals(BODY), 'each chunk was right when read');
  assert.ok(r.chunks.length >= 32, `${r.chunks.length} reads`);
  assert.ok(memories(r.chunks) <= 4, `${memories(r.chunks)} buffers for ${r.chunks.length} reads`);
});

test('node: without recycle() bulk reads each get memory of their own, kept intact', async () => {
  const r = await receive(false);
  assert.ok(Buffer.concat(r.chunks).equals(BODY), 'kept chunks intact at the end');
  assert.ok(memories(r.chunks) >= r.chunks.length / 2, `${memories(r.chunks)} buffers`);
});

test('node: over TLS, recycle() lets later records be decrypted into the slabs given back', async () => {
  const r = await receive(true, 'tls');
  assert.ok(r.copied.equals(BODY), 'each chunk was right when read');
  assert.ok(r.chunks.length >= 64, `${r.chunks.length} reads`);
  // 8 MiB is 128 slabs when none comes back.
  assert.ok(slabs(r.chunks) <= 4, `${slabs(r.chunks)} slabs for ${r.chunks.length} reads`);
});

test('node: over TLS without recycle() every slab is new, kept chunks intact', async () => {
  const r = await receive(false, 'tls');
  assert.ok(Buffer.concat(r.chunks).equals(BODY), 'kept chunks intact at the end');
  assert.ok(slabs(r.chunks) >= 100, `${slabs(r.chunks)} slabs`);
  // A burst (100 KiB and a bit: 1.6 slabs) starts in the rest of the slab the last one ended in
  // when a full record fits there, so the bursts take fewer than two slabs each.
  const bursts = Math.ceil(BODY.length / (100 * 1024 + 333));
  assert.ok(slabs(r.chunks) < 1.9 * bursts, `${slabs(r.chunks)} slabs for ${bursts} bursts`);
});
