// CURLOPT_PATH_AS_IS: the path goes out as written; without it dot segments are squashed (RFC 3986).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, NodeDriver } from '../../src/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

let server: TestServer;
before(async () => {
  server = await startHttpServer((req, res) => res.end(req.url));
});
after(async () => server.close());

async function target(url: string, pathAsIs: boolean): Promise<string> {
  const driver = new NodeDriver();
  let body = '';
  const easy = new Easy({ url, pathAsIs, writeFunction: (c) => void (body += c) });
  const m = await driver.add(easy);
  driver.close();
  assert.equal(m.result, CurlCode.OK, easy.errorBuffer);
  return body;
}

test('dot segments: squashed by default, kept with pathAsIs; the fragment never goes out', async () => {
  const url = `${server.url}/a/../b/./c?x=1#frag`;
  assert.equal(await target(url, false), '/b/c?x=1');
  assert.equal(await target(url, true), '/a/../b/./c?x=1');
});

test('pathAsIs with an empty path or only a query', async () => {
  assert.equal(await target(server.url, true), '/');
  assert.equal(await target(`${server.url}?q=1`, true), '/?q=1');
});
