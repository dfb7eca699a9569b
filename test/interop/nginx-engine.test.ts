// tscurl's engine against a real nginx (Debian package): keep-alive reuse, chunked responses,
// a 100 MiB file checked by its SHA-256, many transfers at once, HEAD and bodiless statuses.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, NodeDriver } from '../../src/index.js';
import { AppLoop } from '../helpers/app-loop.js';
import { download, fanOut, hashing, sequentialReuse } from '../helpers/hashing.js';
import { type NginxServer, startNginx } from '../helpers/nginx.js';

let nginx: NginxServer;
before(async () => {
  nginx = await startNginx();
});
after(async () => {
  await nginx?.stop();
});

test('keep-alive: ten sequential transfers over one connection', async () => {
  await sequentialReuse(`${nginx.baseUrl}/small.txt`, nginx.files.get('/small.txt')!.sha256, 10);
});

test('a chunked response arrives byte-exact', async () => {
  const driver = new NodeDriver();
  const file = nginx.files.get('/100k.bin')!;
  const headers: string[] = [];
  const t = hashing(`${nginx.baseUrl}/chunked/100k.bin`, {
    headerFunction: (l: string) => void headers.push(l),
  });
  const m = await driver.add(t.easy);
  assert.equal(m.result, CurlCode.OK, t.easy.errorBuffer);
  assert.ok(
    headers.some((h) => /^transfer-encoding: chunked\r\n$/i.test(h)),
    headers.join(''),
  );
  assert.equal(t.size(), file.size);
  assert.equal(t.digest(), file.sha256);
  // The connection stays reusable after a chunked body.
  const again = hashing(`${nginx.baseUrl}/chunked/100k.bin`);
  await driver.add(again.easy);
  assert.equal(again.easy.getInfo().numConnects, 0);
  driver.close();
});

test('100 MiB file: SHA-256 matches', async () => {
  const file = nginx.files.get('/big.bin')!;
  const t = await download(`${nginx.baseUrl}/big.bin`, file);
  const info = t.easy.getInfo();
  assert.equal(info.sizeDownload, file.size);
  assert.equal(info.contentLengthDownload, file.size);
  assert.ok(info.speedDownload > 0);
});

test('1,000 transfers at once with maxHostConnections 20: all complete, at most 20 connections', async () => {
  const loop = new AppLoop({ maxHostConnections: 20 });
  await fanOut(loop, `${nginx.baseUrl}/1k.bin`, 1000, nginx.files.get('/1k.bin')!.sha256, 20);
  loop.close();
});

test('HEAD, 204 and 404 have no body and keep the connection', async () => {
  const driver = new NodeDriver();
  const head = hashing(`${nginx.baseUrl}/big.bin`, { nobody: true });
  assert.equal((await driver.add(head.easy)).result, CurlCode.OK);
  assert.equal(head.size(), 0);
  assert.equal(head.easy.getInfo().contentLengthDownload, nginx.files.get('/big.bin')!.size);
  const noContent = hashing(`${nginx.baseUrl}/status/204`);
  assert.equal((await driver.add(noContent.easy)).result, CurlCode.OK);
  assert.equal(noContent.easy.getInfo().responseCode, 204);
  assert.equal(noContent.easy.getInfo().numConnects, 0);
  const missing = hashing(`${nginx.baseUrl}/status/404`, { failOnError: true });
  assert.equal((await driver.add(missing.easy)).result, CurlCode.HTTP_RETURNED_ERROR);
  driver.close();
});

test('Connection: close from the server is honoured: the next transfer connects anew', async () => {
  const driver = new NodeDriver();
  const a = hashing(`${nginx.baseUrl}/close/small.txt`);
  assert.equal((await driver.add(a.easy)).result, CurlCode.OK);
  const b = hashing(`${nginx.baseUrl}/small.txt`);
  assert.equal((await driver.add(b.easy)).result, CurlCode.OK);
  assert.equal(b.easy.getInfo().numConnects, 1);
  driver.close();
});
