// A body that is not read pauses its transfer (libcurl pause), so memory stays bounded: the server
// stalls on TCP backpressure instead of the client buffering everything.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from '../../src/index.js';
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
