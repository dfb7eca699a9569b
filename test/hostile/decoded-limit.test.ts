// Bounding a decoded body: maxFileSize counts decoded bytes (an Easy option, every API), and the
// promise API's maxDecodedSize caps what decoding may produce without looking at Content-Length.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, Easy, NodeDriver } from '../../src/index.js';
import { gzipBomb, streamBomb } from '../helpers/bombs.js';
import type { RawServer } from '../helpers/http-server.js';
import { assertNoTcpLeft, goodServer, hostileServer, tcpHandles } from './harness.js';

const bomb = gzipBomb(640); // 10 GiB of zeros in 10 MB

async function bombServer(): Promise<RawServer> {
  return hostileServer((socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 10449920\r\n\r\n`);
    streamBomb(socket, bomb);
  });
}

test('maxFileSize counts decoded bytes: a 10 GiB gzip bomb of 10 MB ends with 63 at the limit (Easy)', async () => {
  const baseline = tcpHandles();
  const srv = await bombServer();
  const driver = new NodeDriver();
  let got = 0;
  const m = await driver.add(
    new Easy({
      url: srv.url,
      acceptEncoding: '',
      maxFileSize: 20 * 1024 * 1024, // above the encoded Content-Length: only decoding reaches it
      writeFunction: (c: Buffer) => {
        got += c.length;
        return c.length;
      },
    }),
  );
  assert.equal(m.result, 63);
  assert.ok(got <= 20 * 1024 * 1024, `${got} bytes written`);
  assert.match(m.easy.errorBuffer, /Exceeded the maximum allowed file size \(20971520\)/);
  driver.close();
  await srv.close();
  await assertNoTcpLeft(baseline);
});

test('maxDecodedSize (request() and fetch()): the body fails with FILESIZE_EXCEEDED, the others go on', async () => {
  const baseline = tcpHandles();
  const srv = await bombServer();
  const good = await goodServer();
  const client = new Client();
  const limit = 4 * 1024 * 1024;
  const r = await client.request(srv.url, { acceptEncoding: '', maxDecodedSize: limit });
  await assert.rejects(r.body.text(), (e: Error & { curlCode?: number; phase?: string }) => {
    assert.equal(e.name, 'TscurlError');
    assert.equal(e.curlCode, 63);
    assert.equal(e.phase, 'recv');
    assert.match(e.message, /decoded size \(4194304\)/);
    return true;
  });
  const res = await client.fetch(srv.url, { options: { maxDecodedSize: limit } });
  await assert.rejects(res.arrayBuffer(), { curlCode: 63 });
  // A limit on the client applies to every call; bodies under it are untouched.
  const c2 = new Client({ defaults: { maxDecodedSize: 10 } });
  assert.equal(await (await c2.request(good.url)).body.text(), 'fine');
  await assert.rejects((await c2.request(srv.url, { acceptEncoding: '' })).body.text(), { curlCode: 63 });
  for (const bad of [-1, 1.5, '10', Number.NaN]) {
    await assert.rejects(client.request(good.url, { maxDecodedSize: bad as number }), {
      name: 'TscurlError',
      curlCode: 43,
    });
  }
  assert.equal(await (await client.request(good.url)).body.text(), 'fine');
  await client.close();
  await c2.close();
  await srv.close();
  await good.close();
  await assertNoTcpLeft(baseline);
});
