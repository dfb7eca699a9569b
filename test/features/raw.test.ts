// CURLOPT_HTTP_TRANSFER_DECODING / CURLOPT_HTTP_CONTENT_DECODING off (curl --raw).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CurlCode, Easy, type EasyOptions, NodeDriver } from '../../src/index.js';
import {
  onRequestHead,
  type RawServer,
  startHttpServer,
  startRawServer,
  type TestServer,
} from '../helpers/http-server.js';

let server: TestServer;
let chunked: RawServer;
// The exact bytes of a chunked body (a raw server, so no HTTP library decides the chunk sizes).
const CHUNKED_BODY = '3\r\nabc\r\n5;ext=1\r\ndefgh\r\n0\r\nX-Trailer: t\r\n\r\n';
before(async () => {
  server = await startHttpServer((_req, res) => {
    const z = gzipSync('hello gzip');
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(z.length) });
    res.end(z);
  });
  chunked = await startRawServer((socket) => {
    onRequestHead(socket, () => {
      socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`);
    });
  });
});
after(async () => {
  await server.close();
  await chunked.close();
});

async function get(url: string, extra: EasyOptions): Promise<Buffer> {
  const driver = new NodeDriver();
  const chunks: Buffer[] = [];
  const easy = new Easy({ url, writeFunction: (c) => void chunks.push(c), ...extra });
  const m = await driver.add(easy);
  driver.close();
  assert.equal(m.result, CurlCode.OK, easy.errorBuffer);
  return Buffer.concat(chunks);
}

test('chunked: decoded by default; with httpTransferDecoding false the framing comes through', async () => {
  assert.equal((await get(`${chunked.url}/`, {})).toString(), 'abcdefgh');
  assert.equal((await get(`${chunked.url}/`, { httpTransferDecoding: false })).toString(), CHUNKED_BODY);
});

test('gzip: decoded with acceptEncoding; httpContentDecoding false leaves it coded', async () => {
  assert.equal((await get(`${server.url}/gzip`, { acceptEncoding: '' })).toString(), 'hello gzip');
  const coded = await get(`${server.url}/gzip`, { acceptEncoding: '', httpContentDecoding: false });
  assert.equal(gunzipSync(coded).toString(), 'hello gzip');
});
