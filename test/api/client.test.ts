// Client: limits, close() waiting for running transfers, destroy() ending them, await using, and
// the default client that does not keep the process alive when idle.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Client, getDefaultClient, TscurlError } from '../../src/index.js';
import { builtPrograms } from '../helpers/bundle.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

let server: TestServer;
before(async () => {
  server = await startHttpServer((req, res) => {
    if (req.url === '/delayed') {
      setTimeout(() => res.end('late'), 300);
    } else if (req.url === '/hang') {
      const t = setTimeout(() => res.end('never'), 10_000);
      res.on('close', () => clearTimeout(t));
    } else res.end('hello');
  });
});
after(() => server.close());

const IDLE_EXIT = 'test/api/fixtures/idle-exit.ts';
/** node's arguments for the fixture: built once by esbuild, else through tsx. */
const fixtureArgs = builtPrograms([IDLE_EXIT]);

function runChild(args: string[]): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...fixtureArgs(IDLE_EXIT), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`child still running after 10 s; output so far: ${out}`));
    }, 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: Date.now() - started });
    });
  });
}

describe('Client', () => {
  test('the module-level fetch/request exit the process when idle (pooled socket and all)', async () => {
    const r = await runChild([server.url]);
    assert.equal(r.code, 0);
    assert.equal(r.out, 'fetch:200:hello\nrequest:200:hello:0\n');
  });

  test('a running transfer keeps the process alive until it ends', async () => {
    const r = await runChild([server.url, 'pending']);
    assert.equal(r.code, 0);
    assert.equal(r.out, 'body:late\n');
  });

  test('getDefaultClient() is created lazily, once', () => {
    assert.equal(getDefaultClient(), getDefaultClient());
  });

  test('close() waits for running transfers and refuses new calls', async () => {
    const client = new Client();
    const pending = client.fetch(`${server.url}/delayed`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 20));
    let closed = false;
    const closing = client.close().then(() => (closed = true));
    await assert.rejects(
      client.fetch(`${server.url}/`),
      (e: unknown) => e instanceof TscurlError && e.code === 'FAILED_INIT',
    );
    assert.equal(closed, false);
    assert.equal(await pending, 'late');
    await closing;
    assert.equal(closed, true);
    assert.equal(client.driver.multi.pool.all.size, 0);
  });

  test('destroy() ends running transfers with ABORTED_BY_CALLBACK', async () => {
    const client = new Client();
    const hung = client.request(`${server.url}/hang`);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(client.running, 1);
    await client.destroy();
    await assert.rejects(hung, { name: 'TscurlError', code: 'ABORTED_BY_CALLBACK', curlCode: 42 });
    assert.equal(client.running, 0);
  });

  test('destroy() while a call still prepares its body: that call rejects with the same reason', async () => {
    const client = new Client();
    const preparing = client.fetch(`${server.url}/`, { method: 'POST', body: new Blob(['x']) });
    await client.destroy();
    await assert.rejects(preparing, { name: 'TscurlError', code: 'ABORTED_BY_CALLBACK' });
  });

  test('await using closes the client at the end of the block', async () => {
    let outer: Client;
    {
      await using client = new Client({ maxHostConnections: 2 });
      outer = client;
      assert.equal(await (await client.fetch(`${server.url}/`)).text(), 'hello');
      assert.equal(client.isClosed, false);
    }
    assert.equal(outer.isClosed, true);
  });

  test('maxHostConnections limits the connections to one host', async () => {
    await using client = new Client({ maxHostConnections: 2 });
    const before = server.connections;
    const bodies = await Promise.all(
      Array.from({ length: 6 }, () => client.fetch(`${server.url}/delayed`).then((r) => r.text())),
    );
    assert.deepEqual(bodies, Array(6).fill('late'));
    assert.equal(server.connections - before, 2);
  });
});
