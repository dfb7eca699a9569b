// NodeSocket.recycle(): the reader says it holds nothing of what read() handed out, and the next
// reads go into that memory again (two buffers in turn for a whole bulk stream); without it every
// bulk read gets a buffer of its own.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { nodeTransport } from '../../src/transport/node/transport.js';
import { EOF, Ready } from '../../src/transport/types.js';

const BODY = Buffer.alloc(8 * 1024 * 1024);
for (let i = 0; i < BODY.length; i++) BODY[i] = (i * 13 + (i >> 11)) & 0xff;

/** Reads BODY from a local peer; returns the bytes as they were at each read and the chunks. */
async function receive(recycle: boolean): Promise<{ copied: Buffer; chunks: Uint8Array[] }> {
  const server = createServer((c) => c.end(BODY));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const s = nodeTransport.connect({ address: '127.0.0.1', port, family: 4 });
  const copies: Buffer[] = [];
  const chunks: Uint8Array[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      s.watch(Ready.IN, () => {
        for (let r = s.read(); r !== null; r = s.read()) {
          if (r === EOF) {
            resolve();
            return;
          }
          chunks.push(r); // kept only to tell the memory apart, never read after recycle()
          copies.push(Buffer.from(r));
          if (recycle) s.recycle?.();
        }
        if (s.error !== undefined) reject(s.error);
      });
    });
  } finally {
    s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
  return { copied: Buffer.concat(copies), chunks };
}

const memories = (chunks: Uint8Array[]): number => new Set(chunks.map((c) => c.buffer)).size;

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
