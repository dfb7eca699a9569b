// tscurl's HTTP/2 options against curl on the same node:http2 server (h2c with prior knowledge):
// --http2-prior-knowledge, -w %{http_version}, the -v lines, --http1.1 on the same URL.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { curl, tscurl } from './helpers.js';

let server: http2.Http2Server;
let url = '';

before(async () => {
  server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.respond({ ':status': 200, 'content-type': 'text/plain' });
    stream.end('over h2\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

/** The -v lines that do not vary between runs and clients (no dates, agents or handle addresses). */
function stableLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /^[<>*] /.test(l))
    .filter((l) => !/date:|user-agent|Using Stream ID|Connection #|Trying|Connected to|bytes data/i.test(l))
    .map((l) => l.trimEnd());
}

describe('tscurl --http2-prior-knowledge', () => {
  test('the body, and -w %{http_version} prints 2', async () => {
    const r = await tscurl(['-s', '--http2-prior-knowledge', '-w', '|%{http_version}', url]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'over h2\n|2');
  });

  test('-v shows the h2 lines a curl user expects, the same as curl', async () => {
    const ours = await tscurl(['-sv', '--http2-prior-knowledge', '-o', '/dev/null', url]);
    const theirs = await curl(['-sv', '--http2-prior-knowledge', '-o', '/dev/null', url]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.match(ours.stderr, /^\* Using Stream ID: 1 /m);
    assert.deepEqual(stableLines(ours.stderr), stableLines(theirs.stderr));
    assert.ok(stableLines(ours.stderr).includes('> GET /x HTTP/2'));
    assert.ok(stableLines(ours.stderr).includes('< HTTP/2 200'));
  });

  test('--http2 on an http:// URL stays HTTP/1.1 (no Upgrade), as --http1.1 does', async () => {
    const h1 = http2.createServer();
    await new Promise<void>((r) => h1.listen(0, '127.0.0.1', r));
    try {
      // A plain node:http2 server does not speak HTTP/1.1: the transfer fails the same way for both.
      const u = `http://127.0.0.1:${(h1.address() as AddressInfo).port}/`;
      const a = await tscurl(['-s', '--http2', '-m', '5', u]);
      const b = await tscurl(['-s', '--http1.1', '-m', '5', u]);
      assert.equal(a.code, b.code);
      assert.notEqual(a.code, 0);
    } finally {
      await new Promise<void>((r) => h1.close(() => r()));
    }
  });
});

describe('-Z waits for multiplexing unless --parallel-immediate (curl sets CURLOPT_PIPEWAIT)', () => {
  // curl 7.88 itself fails these -Z h2c runs (16), so the expectation is curl's tool_operate.c:
  // PIPEWAIT set for every parallel transfer unless --parallel-immediate.
  test('three transfers: one connection, or three with --parallel-immediate', async () => {
    let sessions = 0;
    const count = () => sessions++;
    server.on('session', count);
    try {
      const run = async (extra: string[]) => {
        sessions = 0;
        const r = await tscurl(['-s', '-Z', '--http2-prior-knowledge', ...extra, url, url, url]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.toString(), 'over h2\n'.repeat(3));
        return sessions;
      };
      assert.equal(await run([]), 1);
      assert.equal(await run(['--parallel-immediate']), 3);
    } finally {
      server.off('session', count);
    }
  });
});
