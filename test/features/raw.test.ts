// CURLOPT_HTTP_TRANSFER_DECODING / CURLOPT_HTTP_CONTENT_DECODING off (curl --raw).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CurlCode, Easy, type EasyOptions, NodeDriver } from '../../src/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

let server: TestServer;
before(async () => {
  server = await startHttpServer((req, res) => {
    if (req.url === '/gzip') {
      const z = gzipSync('hello gzip');
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(z.length) });
      res.end(z);
      return;
    }
    // node:http sends chunked when the length is unknown: one chunk per write.
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('abc');
    res.write('defgh');
    res.end();
  });
});
after(async () => server.close());

async function get(path: string, extra: EasyOptions): Promise<Buffer> {
  const driver = new NodeDriver();
  const chunks: Buffer[] = [];
  const easy = new Easy({ url: server.url + path, writeFunction: (c) => void chunks.push(c), ...extra });
  const m = await driver.add(easy);
  driver.close();
  assert.equal(m.result, CurlCode.OK, easy.errorBuffer);
  return Buffer.concat(chunks);
}

test('chunked: decoded by default; with httpTransferDecoding false the framing comes through', async () => {
  assert.equal((await get('/chunked', {})).toString(), 'abcdefgh');
  assert.equal(
    (await get('/chunked', { httpTransferDecoding: false })).toString(),
    '3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n',
  );
});

test('gzip: decoded with acceptEncoding; httpContentDecoding false leaves it coded', async () => {
  assert.equal((await get('/gzip', { acceptEncoding: '' })).toString(), 'hello gzip');
  const coded = await get('/gzip', { acceptEncoding: '', httpContentDecoding: false });
  assert.equal(gunzipSync(coded).toString(), 'hello gzip');
});
