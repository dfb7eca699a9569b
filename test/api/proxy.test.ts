// request() and fetch() through an HTTP proxy tunnel (CONNECT): the call resolves with the
// origin's head, not the proxy's "200 Connection established".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../src/index.js';
import { startHttpProxy, type TestProxy } from '../helpers/http-proxy.js';
import { startServers } from './routes.js';

let servers: Awaited<ReturnType<typeof startServers>>;
let proxy: TestProxy;
let client: Client;
let A = '';

before(async () => {
  servers = await startServers();
  A = servers.a.url;
  proxy = await startHttpProxy();
  client = new Client({ defaults: { proxy: proxy.url, httpProxyTunnel: true } });
});
after(async () => {
  await client.close();
  await proxy.close();
  await servers.close();
});

describe('through a CONNECT tunnel', () => {
  test("request() resolves with the origin's status and headers", async () => {
    const r = await client.request(`${A}/headers`);
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2']);
    assert.equal(r.headers['x-mixed-case'], 'Value');
    assert.equal(await r.body.text(), 'h');
    const missing = await client.request(`${A}/status/404`);
    assert.equal(missing.statusCode, 404);
    await missing.body.dump();
    assert.ok(proxy.requests.some((q) => q.method === 'CONNECT'));
  });

  test("fetch() resolves with the origin's status and headers", async () => {
    const res = await client.fetch(`${A}/status/404`);
    assert.equal(res.status, 404);
    await res.arrayBuffer();
    const h = await client.fetch(`${A}/headers`);
    assert.equal(h.headers.get('x-mixed-case'), 'Value');
    assert.equal(await h.text(), 'h');
  });
});
