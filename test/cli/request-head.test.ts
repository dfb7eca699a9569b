// The request head as curl builds it, byte for byte: the same command line through /usr/bin/curl
// and tscurl against a raw server that records each request head as received. -A is given to
// both (the User-Agent value is the one allowed difference). Where curl 7.88 differs from curl 8
// the case pins curl 8's head (lib/http.c http_add_hd order, addexpect's 1 MiB threshold).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RawHttpServer, startRawHttp } from '../features/raw-http.js';
import { curl, haveCurl, tscurl } from './helpers.js';

interface Case {
  name: string;
  args: string[];
  /** curl 8's heads when curl 7.88 sends another ({H} is the Host value). */
  expect?: string[];
}

const cases: Case[] = [
  {
    name: 'GET with every internal header',
    args: ['-u', 'u:p', '-r', '0-3', '-e', 'http://r/', '-b', 'c=1; d=2', '-H', 'X-C: 1', '{U}/g'],
  },
  {
    name: 'POST -d: Content-Length and Content-Type after the custom headers',
    args: ['-d', 'x=1', '-H', 'X-C: 1', '-b', 'c=1', '{U}/p'],
  },
  { name: '-d @file strips CR and LF', args: ['-d', '@d.txt', '{U}/d'] },
  { name: 'custom method', args: ['-X', 'DELETE', '-H', 'X-C: 1', '{U}/x'] },
  { name: 'HEAD', args: ['-I', '{U}/h'] },
  {
    name: 'custom headers replace internal ones where custom headers go',
    args: ['-H', 'Accept: x/y', '-H', 'User-Agent: mine', '-H', 'Referer: r2', '-e', 'r1', '{U}/r'],
  },
  {
    name: "of several Host headers the first wins, in Host's place",
    args: ['-H', 'X-A: 1', '-H', 'Host: h1', '-H', 'Host: h2', '{U}/host'],
  },
  {
    name: "'Name:' removes, 'Name;' sends empty (no trailing space)",
    args: ['-H', 'X-E;', '-H', 'X-F:', '-H', 'Accept;', '-H', 'User-Agent:', '{U}/e'],
  },
  { name: 'Host: removed', args: ['-H', 'Host:', '{U}/nohost'] },
  { name: 'custom Content-Type for -d', args: ['-d', 'x', '-H', 'Content-Type: text/plain', '{U}/ct'] },
  { name: '-T - sends chunked with Expect', args: ['-T', '-', '{U}/chunk'] },
  {
    name: '-T of a small file: no Expect (curl 8: only above 1 MiB)',
    args: ['-T', 'up.txt', '-H', 'X-C: 1', '{U}/t'],
    expect: [
      'PUT /t HTTP/1.1\r\nHost: {H}\r\nUser-Agent: ua\r\nAccept: */*\r\nX-C: 1\r\nContent-Length: 5\r\n\r\n',
    ],
  },
  { name: '-r N means N-', args: ['-r', '5', '{U}/range'] },
  {
    name: '--json: its Content-Type and Accept after the -H headers',
    args: ['--json', '{"a":1}', '-H', 'X: y', '{U}/j'],
  },
  {
    name: '--json pieces joined without &, a file kept as is, -H Accept wins',
    args: ['-d', 'a=1', '--json', '[1]', '--json', '@j.json', '-H', 'Accept: text/x', '{U}/j2'],
  },
  { name: '-H @file', args: ['-H', '@h.txt', '{U}/hfile'] },
  { name: '-0 sends HTTP/1.0', args: ['-0', '{U}/v10'] },
  { name: 'after an HTTP/1.0 answer the connection gets HTTP/1.0 requests', args: ['{U}/one0', '{U}/two'] },
];

let server: RawHttpServer;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tscurl-head-'));
  writeFileSync(join(dir, 'd.txt'), 'a=1\r\nb=2\n');
  writeFileSync(join(dir, 'up.txt'), 'data\n');
  writeFileSync(join(dir, 'j.json'), '{"b":\n2}\n');
  writeFileSync(join(dir, 'h.txt'), 'X-One: 1\r\n\nX-Two: 2\nAccept: a/b\n');
  server = await startRawHttp((r) => {
    // Each head goes back as the body; "0" paths answer HTTP/1.0 and keep the connection.
    const v10 = r.path.endsWith('0');
    const body = `${r.head}\r\n\r\n`;
    const conn = v10 ? 'Connection: keep-alive\r\n' : '';
    r.socket.write(`HTTP/1.${v10 ? 0 : 1} 200 OK\r\n${conn}Content-Length: ${body.length}\r\n\r\n${body}`);
  });
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The heads a run sent, as the bodies it printed. */
function heads(out: Buffer): string {
  return out.toString('latin1');
}

describe('request heads as curl sends them', { concurrency: 4 }, () => {
  for (const c of cases) {
    test(c.name, async () => {
      const args = ['-s', '-A', 'ua', ...c.args.map((a) => a.replaceAll('{U}', server.url))];
      const b = await tscurl(args, { cwd: dir, input: 'abc' });
      assert.equal(b.code, 0, b.stderr);
      if (c.expect !== undefined) {
        const host = server.url.slice('http://'.length);
        assert.equal(heads(b.stdout), c.expect.map((h) => h.replaceAll('{H}', host)).join(''));
        return;
      }
      assert.ok(haveCurl, '/usr/bin/curl is installed here and in CI');
      const a = await curl(args, { cwd: dir, input: 'abc' });
      assert.equal(heads(b.stdout), heads(a.stdout));
    });
  }

  test('-F: the head as curl 8 builds it (boundary of 22 random characters)', async () => {
    const r = await tscurl(['-s', '-A', 'ua', '-F', 'f=1', '-H', 'X-C: 1', `${server.url}/form`]);
    assert.match(
      heads(r.stdout),
      /^POST \/form HTTP\/1\.1\r\nHost: [\d.:]+\r\nUser-Agent: ua\r\nAccept: \*\/\*\r\nX-C: 1\r\nContent-Length: 149\r\nContent-Type: multipart\/form-data; boundary=-{24}[0-9A-Za-z]{22}\r\n\r\n$/,
    );
  });
});
