// A body that is not read pauses its transfer (libcurl pause), so memory stays bounded: the server
// stalls on TCP backpressure instead of the client buffering everything.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Easy } from '../../src/index.js';
import { SimNetwork } from '../../src/sim.js';
import { type Pumped, pumpBody, startHttpServer, type TestServer } from '../helpers/http-server.js';

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

let server: TestServer;
/** The latest response's progress: bytes the server handed to its socket. */
let latest: Pumped = { sent: 0 };

before(async () => {
  server = await startHttpServer((req, res) => {
    const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'));
    latest = pumpBody(res, size, { 'content-type': 'application/octet-stream' });
  });
});
after(() => server.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('an unread fetch body pauses the transfer: the server stalls far below the body size', async () => {
  const client = new Client();
  try {
    const res = await client.fetch(`${server.url}/?size=${GiB}`);
    await sleep(300);
    const stalledAt = latest.sent;
    await sleep(200);
    // Kernel socket buffers + the 64 KiB stream queue + net.Socket's buffer: a few MiB at most.
    assert.ok(stalledAt < 32 * MiB, `server sent ${stalledAt} bytes to a reader that read nothing`);
    assert.equal(latest.sent, stalledAt, 'the server kept sending to a paused transfer');
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 4 * MiB) got += (await reader.read()).value?.length ?? 0;
    await sleep(100);
    assert.ok(latest.sent > stalledAt, 'reading did not resume the transfer');
    await reader.cancel();
  } finally {
    await client.destroy();
  }
});

test('an unread request() body pauses the transfer the same way', async () => {
  const client = new Client();
  try {
    const { body } = await client.request(`${server.url}/?size=${GiB}`);
    await sleep(300);
    const stalledAt = latest.sent;
    assert.ok(stalledAt < 32 * MiB, `server sent ${stalledAt} bytes to a reader that read nothing`);
    let got = 0;
    for await (const chunk of body) {
      got += (chunk as Buffer).length;
      if (got >= 4 * MiB) break; // break destroys the body, which ends the transfer
    }
    assert.equal(client.running, 0);
  } finally {
    await client.destroy();
  }
});

test('1 GiB through a slow reader keeps the process memory bounded', async () => {
  const client = new Client();
  try {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const res = await client.fetch(`${server.url}/?size=${GiB}`);
    let got = 0;
    let sinceSleep = 0;
    for await (const chunk of res.body!) {
      got += chunk.length;
      sinceSleep += chunk.length;
      // About 200 MB/s: far slower than loopback, so without pausing the body would pile up.
      if (sinceSleep >= MiB) {
        sinceSleep = 0;
        await sleep(5);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
    }
    assert.equal(got, GiB);
    const grown = (peak - baseline) / MiB;
    assert.ok(grown < 200, `RSS grew by ${grown.toFixed(0)} MiB while reading 1 GiB`);
  } finally {
    await client.close();
  }
});

/** A body's bytes, read to its end: fetch()'s or request()'s. */
type Call = (client: Client, url: string) => Promise<() => Promise<number>>;

const viaFetch: Call = async (client, url) => {
  const res = await client.fetch(url);
  return async () => {
    let got = 0;
    for await (const chunk of res.body!) got += chunk.length;
    return got;
  };
};

const viaRequest: Call = async (client, url) => {
  const { body } = await client.request(url);
  return async () => {
    let got = 0;
    for await (const chunk of body) got += (chunk as Buffer).length;
    return got;
  };
};

/**
 * Over TLS a response often arrives whole in one read (head and body in one engine callback): the
 * body is over its high-water mark before the caller can start reading. The exchange looks again
 * once that callback returned; the simulated network's wide window gives the burst.
 */
async function burst(call: Call): Promise<void> {
  const pause = Easy.prototype.pause;
  let recvPauses = 0;
  Easy.prototype.pause = function (this: Easy, bitmask: number) {
    if ((bitmask & 1) !== 0) recvPauses++;
    return pause.call(this, bitmask);
  };
  const net = new SimNetwork({ seed: 1 });
  const client = net.createClient();
  try {
    const body = Buffer.alloc(100 * 1024, 7);
    net.listen('burst.test', 80, (_req, res) => res.end(body), { windowBytes: MiB });
    const read = await call(client, 'http://burst.test/');
    assert.equal(await read(), body.length);
    assert.equal(recvPauses, 0, 'a body read at once paused its transfer');

    // A burst past the high-water mark and more to come: an unread body still pauses, once.
    net.listen(
      'more.test',
      80,
      async (_req, res) => {
        res.write(body);
        await net.sleep(10);
        res.end(body);
      },
      { windowBytes: MiB },
    );
    const unread = await call(client, 'http://more.test/');
    await net.sleep(5);
    assert.equal(recvPauses, 1, 'the unread body did not pause its transfer');
    assert.equal(await unread(), 2 * body.length);
  } finally {
    Easy.prototype.pause = pause;
    await client.close();
  }
}

test('a fetch body filled by one burst: read at once it is not paused, left unread it is', () =>
  burst(viaFetch));

test('a request() body filled by one burst: read at once it is not paused, left unread it is', () =>
  burst(viaRequest));
