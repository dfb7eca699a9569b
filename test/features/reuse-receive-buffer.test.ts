// reuseReceiveBuffer: with it, a bulk body is received into the memory of chunks the write
// callback already returned from (a few buffers for the whole body instead of one per read), and
// never into a chunk still held (paused); without it, and through request(), every chunk stays the
// receiver's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, type EasyOptions, NodeDriver, PAUSE, Pause, request } from '../../src/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { testPki } from '../helpers/tls-certs.js';

const BODY = Buffer.alloc(4 * 1024 * 1024);
for (let i = 0; i < BODY.length; i++) BODY[i] = (i * 7 + (i >> 13)) & 0xff;

let srv: TestServer;

before(async () => {
  srv = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'Content-Length': BODY.length });
    res.end(BODY);
  });
});

after(async () => {
  await srv.close();
});

interface Seen {
  code: CurlCode;
  /** The bytes as they were during each call (copied there). */
  copied: Buffer;
  /** The chunks themselves, kept to tell their memory apart (not read after the call). */
  chunks: Buffer[];
}

async function download(
  reuse: boolean | undefined,
  pauseAt = -1,
  more: EasyOptions = {},
  url = `${srv.url}/bulk`,
): Promise<Seen> {
  const copies: Buffer[] = [];
  const chunks: Buffer[] = [];
  const driver = new NodeDriver();
  let paused = false;
  const easy: Easy = new Easy({
    url,
    ...(reuse === undefined ? {} : { reuseReceiveBuffer: reuse }),
    ...more,
    writeFunction: (c) => {
      if (chunks.length === pauseAt && !paused) {
        // Not taken: the engine holds this chunk until unpaused, while the socket goes on reading.
        paused = true;
        setTimeout(() => easy.pause(Pause.CONT), 50);
        return PAUSE;
      }
      chunks.push(c);
      copies.push(Buffer.from(c));
      return c.length;
    },
  });
  try {
    const msg = await driver.add(easy);
    return { code: msg.result, copied: Buffer.concat(copies), chunks };
  } finally {
    easy.close();
    driver.close();
  }
}

const memories = (chunks: Buffer[]): number => new Set(chunks.map((c) => c.buffer)).size;

test('reuseReceiveBuffer: a bulk body arrives intact in a few reused buffers', async () => {
  const r = await download(true);
  assert.equal(r.code, CurlCode.OK);
  assert.ok(r.copied.equals(BODY), 'every chunk was right during its call');
  assert.ok(r.chunks.length >= 16, `${r.chunks.length} chunks`);
  // A new buffer per bulk read would be one per chunk; reuse leaves a handful.
  assert.ok(memories(r.chunks) <= 4, `${memories(r.chunks)} buffers for ${r.chunks.length} chunks`);
});

test('without reuseReceiveBuffer every chunk keeps its bytes after its call', async () => {
  for (const reuse of [undefined, false]) {
    const r = await download(reuse);
    assert.equal(r.code, CurlCode.OK);
    assert.ok(Buffer.concat(r.chunks).equals(BODY), 'kept chunks intact at the end');
    assert.ok(memories(r.chunks) >= r.chunks.length / 2, `${memories(r.chunks)} buffers`);
  }
});

test('reuseReceiveBuffer: a chunk held by a pause is not received into', async () => {
  const r = await download(true, 3);
  assert.equal(r.code, CurlCode.OK);
  assert.ok(r.copied.equals(BODY), 'the held chunk was delivered as received');
});

test('reuseReceiveBuffer: the rest of a read held back by maxRecvSpeed is not received into', async () => {
  // 4 MiB at 40 MB/s: about 100 ms, each wake-up taking part of a read and holding the rest.
  const r = await download(true, -1, { maxRecvSpeed: 40_000_000 });
  assert.equal(r.code, CurlCode.OK);
  assert.ok(r.copied.equals(BODY), 'every chunk was right during its call');
});

test('reuseReceiveBuffer over https: the body arrives intact in a few reused slabs, a held chunk is not received into', async () => {
  const pki = testPki();
  const tlsSrv = createHttpsServer(
    { key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) },
    (_req, res) => {
      res.writeHead(200, { 'Content-Length': BODY.length });
      res.end(BODY);
    },
  );
  await new Promise<void>((resolve) => tlsSrv.listen(0, '127.0.0.1', resolve));
  try {
    const port = (tlsSrv.address() as AddressInfo).port;
    const r = await download(true, -1, { caInfo: pki.caCert }, `https://localhost:${port}/bulk`);
    assert.equal(r.code, CurlCode.OK);
    assert.ok(r.copied.equals(BODY), 'every chunk was right during its call');
    // Records are decrypted into 64 KiB slabs: one per 64 KiB of body without reuse (64 here).
    assert.ok(memories(r.chunks) <= 6, `${memories(r.chunks)} buffers for ${r.chunks.length} chunks`);
    const held = await download(true, 3, { caInfo: pki.caCert }, `https://localhost:${port}/bulk`);
    assert.equal(held.code, CurlCode.OK);
    assert.ok(held.copied.equals(BODY), 'the held chunk was delivered as received');
    const kept = await download(false, -1, { caInfo: pki.caCert }, `https://localhost:${port}/bulk`);
    assert.ok(Buffer.concat(kept.chunks).equals(BODY), 'without reuse, kept chunks intact at the end');
  } finally {
    tlsSrv.closeAllConnections();
    await new Promise((resolve) => tlsSrv.close(resolve));
  }
});

test('request() keeps its body chunks whatever the options say', async () => {
  const res = await request(`${srv.url}/bulk`, { reuseReceiveBuffer: true } as never);
  const kept: Buffer[] = [];
  for await (const c of res.body) kept.push(c as Buffer);
  assert.ok(Buffer.concat(kept).equals(BODY), 'chunks kept by the stream intact');
});
