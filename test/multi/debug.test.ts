// CURLOPT_DEBUGFUNCTION: the 'text' lines (Trying, Connected, Re-using, left intact, shutting down),
// request and response headers, and body bytes both ways, in libcurl's order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type DebugInfoType, Easy, NodeDriver } from '../../src/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

let server: TestServer;
before(async () => {
  server = await startHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => res.end(`got ${body}`));
  });
});
after(async () => server.close());

function recorder(): {
  log: Array<[DebugInfoType, string]>;
  fn: (t: DebugInfoType, d: string | Uint8Array) => void;
} {
  const log: Array<[DebugInfoType, string]> = [];
  return { log, fn: (t, d) => log.push([t, typeof d === 'string' ? d : Buffer.from(d).toString('latin1')]) };
}

test('a POST on a new connection, then a GET reusing it, then one closing it', async () => {
  const driver = new NodeDriver();
  const a = recorder();
  const post = new Easy({ url: `${server.url}/`, postFields: 'abc', debugFunction: a.fn });
  await driver.add(post);
  const types = a.log.map(([t]) => t);
  assert.equal(types[0], 'text');
  assert.equal(a.log[0]![1], `  Trying 127.0.0.1:${server.port}...\n`);
  // curl 8's words: no "(#N)" after the port (curl 7's); the number is in "left intact".
  assert.equal(a.log[1]![1], `Connected to 127.0.0.1 (127.0.0.1) port ${server.port}\n`);
  const id = post.getInfo().connId;
  assert.equal(a.log[2]![0], 'header-out');
  assert.match(a.log[2]![1], /^POST \/ HTTP\/1\.1\r\n/);
  assert.deepEqual(a.log[3], ['data-out', 'abc']);
  assert.ok(a.log.some(([t, d]) => t === 'header-in' && d.startsWith('HTTP/1.1 200')));
  assert.ok(a.log.some(([t, d]) => t === 'data-in' && d === 'got abc'));
  assert.deepEqual(a.log.at(-1), ['text', `Connection #${id} to host 127.0.0.1 left intact\n`]);

  const b = recorder();
  await driver.add(new Easy({ url: `${server.url}/`, debugFunction: b.fn }));
  assert.deepEqual(b.log[0], ['text', 'Re-using existing connection with host 127.0.0.1\n']);

  const c = recorder();
  await driver.add(new Easy({ url: `${server.url}/`, forbidReuse: true, debugFunction: c.fn }));
  assert.deepEqual(c.log.at(-1), ['text', `shutting down connection #${id}\n`]);
  driver.close();
});
