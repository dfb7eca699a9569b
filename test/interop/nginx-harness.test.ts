// Self-test of test/helpers/nginx.ts with node:http and node:net only (not tscurl), so that an
// interop failure later points at the engine, not at the harness.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Agent, get, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type NginxServer, startNginx } from '../helpers/nginx.js';

function request(
  url: string,
  agent?: Agent,
): Promise<{ res: IncomingMessage; body: Buffer; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = get(url, agent ? { agent } : {}, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks), socket: req.socket as Socket }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Raw HTTP/1.1 exchange: the head as text and the body bytes as they came off the wire. */
function rawGet(port: number, path: string): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('end', () => {
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      if (sep < 0) return reject(new Error(`no header end in ${JSON.stringify(all.toString('latin1'))}`));
      resolve({ head: all.subarray(0, sep).toString('latin1'), rest: all.subarray(sep + 4) });
    });
  });
}

/** Strict chunked decoder for the test: fails on anything but well-formed framing. */
function dechunk(wire: Buffer): { body: Buffer; chunks: number } {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = wire.indexOf('\r\n', pos);
    assert.ok(eol > pos, `chunk size line at ${pos}`);
    const size = Number.parseInt(wire.subarray(pos, eol).toString('latin1'), 16);
    assert.ok(Number.isInteger(size) && size >= 0, 'chunk size is hex');
    pos = eol + 2;
    if (size === 0) {
      assert.equal(wire.subarray(pos).toString('latin1'), '\r\n', 'no trailers, then CRLF, then EOF');
      return { body: Buffer.concat(parts), chunks: parts.length };
    }
    parts.push(wire.subarray(pos, pos + size));
    assert.equal(wire.subarray(pos + size, pos + size + 2).toString('latin1'), '\r\n', 'CRLF after data');
    pos += size + 2;
  }
}

const headerOf = (head: string, name: string) =>
  head
    .split('\r\n')
    .slice(1)
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    ?.slice(name.length + 1)
    .trim();

describe('nginx harness', () => {
  let nginx: NginxServer;
  before(async () => {
    nginx = await startNginx({});
  });
  after(async () => {
    await nginx?.stop();
  });

  it('serves /small.txt with its length and content', async () => {
    const { res, body } = await request(`${nginx.baseUrl}/small.txt`);
    const want = nginx.files.get('/small.txt')!;
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], String(want.size));
    assert.equal(body.length, 1024);
    assert.equal(createHash('sha256').update(body).digest('hex'), want.sha256);
  });

  it('keeps the connection alive: two requests on one agent socket', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await request(`${nginx.baseUrl}/1k.bin`, agent);
      const second = await request(`${nginx.baseUrl}/100k.bin`, agent);
      assert.equal(first.res.headers.connection, 'keep-alive');
      assert.equal(first.body.length, 1024);
      assert.equal(second.body.length, 100 * 1024);
      assert.equal(second.socket, first.socket, 'same socket object');
      assert.equal(second.socket.localPort, first.socket.localPort);
    } finally {
      agent.destroy();
    }
  });

  it('/chunked/ answers with Transfer-Encoding: chunked and the file bytes', async () => {
    const { head, rest } = await rawGet(nginx.port, '/chunked/100k.bin');
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.equal(headerOf(head, 'transfer-encoding'), 'chunked');
    assert.equal(headerOf(head, 'content-length'), undefined);
    const { body } = dechunk(rest);
    assert.equal(createHash('sha256').update(body).digest('hex'), nginx.files.get('/100k.bin')!.sha256);
  });

  it('/stream sends flushed chunks from the echo module', async () => {
    assert.ok(nginx.hasEcho, 'the echo module comes with nginx-light, which .ci/run installs');
    const { head, rest } = await rawGet(nginx.port, '/stream');
    assert.equal(headerOf(head, 'transfer-encoding'), 'chunked');
    const { body, chunks } = dechunk(rest);
    assert.equal(body.toString(), 'line 1\nline 2\nline 3\nline 4\nline 5\n');
    assert.equal(chunks, 5, 'one chunk per flushed echo');
  });

  it('fixed statuses and Connection: close', async () => {
    assert.equal((await request(`${nginx.baseUrl}/status/204`)).res.statusCode, 204);
    assert.equal((await request(`${nginx.baseUrl}/status/404`)).res.statusCode, 404);
    assert.equal((await request(`${nginx.baseUrl}/status/500`)).res.statusCode, 500);
    const redirect = await request(`${nginx.baseUrl}/redirect`);
    assert.equal(redirect.res.statusCode, 302);
    assert.match(redirect.res.headers.location ?? '', /\/small\.txt$/);
    const { head } = await rawGet(nginx.port, '/close/1k.bin');
    assert.equal(headerOf(head, 'connection'), 'close');
  });

  it('serves the 100 MiB /big.bin with the SHA-256 computed while writing it', async () => {
    const want = nginx.files.get('/big.bin')!;
    const hash = createHash('sha256');
    let size = 0;
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      get(`${nginx.baseUrl}/big.bin`, resolve).on('error', reject),
    );
    assert.equal(res.headers['content-length'], String(want.size));
    for await (const chunk of res as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    assert.equal(size, 100 * 1024 * 1024);
    assert.equal(hash.digest('hex'), want.sha256);
  });

  it('the fixtures are the same bytes on every run', () => {
    // Pinned so that a change to the generator shows up here, not as a mystery in an engine test.
    assert.equal(
      nginx.files.get('/big.bin')!.sha256,
      'abebcb7a131eb03212a2b26a919c634ba51447c3d656cf54fade220f475ee2de',
    );
  });
});

describe('nginx harness lifecycle', () => {
  it('stop() ends the process, frees the port and removes the temp dir', async () => {
    const nginx = await startNginx({ bigFileBytes: 1024 });
    assert.equal((await request(`${nginx.baseUrl}/small.txt`)).res.statusCode, 200);
    await nginx.stop();
    assert.throws(() => process.kill(nginx.pid, 0), { code: 'ESRCH' });
    assert.equal(existsSync(nginx.dir), false);
    await assert.rejects(request(`${nginx.baseUrl}/small.txt`), { code: 'ECONNREFUSED' });
    await nginx.stop(); // idempotent
  });

  it('serves a caller-given root and takes extraConfig', async () => {
    const first = await startNginx({ bigFileBytes: 1024 });
    const second = await startNginx({
      root: first.root,
      extraConfig: '    location = /extra { return 200 "extra\\n"; }',
    });
    try {
      assert.notEqual(second.port, first.port);
      assert.equal(second.files.size, 0);
      assert.equal((await request(`${second.baseUrl}/small.txt`)).body.length, 1024);
      assert.equal((await request(`${second.baseUrl}/extra`)).body.toString(), 'extra\n');
    } finally {
      await second.stop();
      await first.stop();
    }
    assert.equal(existsSync(first.root), false);
  });

  it('reports a broken config with the error log', async () => {
    await assert.rejects(
      startNginx({ bigFileBytes: 1, extraConfig: 'no_such_directive on;' }),
      (err: Error) => {
        assert.match(err.message, /unknown directive "no_such_directive"/);
        return true;
      },
    );
  });
});
