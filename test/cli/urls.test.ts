// URLs on the command line and in Location headers, end to end: a raw server echoes the request
// target, Host and Authorization it got (or answers /go/N/sub with Location number N). Each case
// pins tscurl's exit code, stdout and curl 8's message. Where the installed curl (7.88) already
// behaves like curl 8 (`same`), the command also runs through /usr/bin/curl and the exit code and
// stdout must match; the others follow curl 8's lib/urlapi.c and its tests (lib1560), noted per case.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { onRequestHead, type RawServer, startRawServer } from '../helpers/http-server.js';
import { curl, haveCurl, tscurl } from './helpers.js';

interface Case {
  name: string;
  /** Arguments; PORT is the server's port. */
  args: string[];
  /** The Location /go/N/sub answers with (latin1 bytes; PORT replaced). */
  location?: string;
  code: number;
  /** stdout exactly (PORT replaced). */
  stdout?: string;
  /** stderr exactly (PORT replaced). */
  stderr?: string;
  /** curl 7.88 gives the same exit code and stdout. */
  same?: boolean;
}

const W = ['-w', '|%{url_effective}'];
const echo = (target: string, auth = '') => `${target}\n127.0.0.1:PORT\n${auth}`;

const cases: Case[] = [
  // Slashes and schemes.
  {
    name: 'one slash',
    args: ['http:/127.0.0.1:PORT/one', ...W],
    code: 0,
    stdout: `${echo('/one')}|http://127.0.0.1:PORT/one`,
    same: true,
  },
  {
    name: 'three slashes',
    args: ['http:///127.0.0.1:PORT/three', ...W],
    code: 0,
    stdout: `${echo('/three')}|http://127.0.0.1:PORT/three`,
    same: true,
  },
  {
    name: 'four slashes',
    args: ['http:////127.0.0.1:PORT/'],
    code: 3,
    stderr: 'tscurl: (3) URL rejected: Unsupported number of slashes following scheme\n',
    same: true,
  },
  {
    name: 'no slash: a host "http" and a port that is no number',
    args: ['http:127.0.0.1:PORT'],
    code: 3,
    stderr: 'tscurl: (3) URL rejected: Port number was not a decimal number between 0 and 65535\n',
    same: true,
  },
  {
    name: 'upper-case scheme',
    args: ['HTTP://127.0.0.1:PORT/up', ...W],
    code: 0,
    stdout: `${echo('/up')}|http://127.0.0.1:PORT/up`,
    same: true,
  },
  {
    name: 'no scheme: http guessed',
    args: ['127.0.0.1:PORT/guess', ...W],
    code: 0,
    stdout: `${echo('/guess')}|http://127.0.0.1:PORT/guess`,
    same: true,
  },
  {
    name: 'unknown scheme',
    args: ['foo://127.0.0.1:PORT/'],
    code: 1,
    stderr: 'tscurl: (1) Protocol "foo" not supported\n',
    same: true,
  },
  // curl 7.88 speaks FTP and tries it (6 or 7); curl 8 without FTP: "is disabled" (url.c findprotocol).
  {
    name: 'ftp. guessed as ftp',
    args: ['ftp.example:PORT/'],
    code: 1,
    stderr: 'tscurl: (1) Protocol "ftp" is disabled\n',
  },
  // Ports.
  {
    name: 'port 65536',
    args: ['http://127.0.0.1:65536/'],
    code: 3,
    stderr: 'tscurl: (3) URL rejected: Port number was not a decimal number between 0 and 65535\n',
    same: true,
  },
  { name: 'port -1', args: ['http://127.0.0.1:-1/'], code: 3, same: true },
  {
    name: 'leading zeros in the port',
    args: ['http://127.0.0.1:0PORT/z', ...W],
    code: 0,
    stdout: `${echo('/z')}|http://127.0.0.1:PORT/z`,
    same: true,
  },
  // Hosts.
  {
    name: 'a space in the host',
    args: ['http://a b/'],
    code: 3,
    stderr: 'tscurl: (3) URL rejected: Malformed input to a URL function\n',
    same: true,
  },
  {
    name: 'braces in the host (-g)',
    args: ['-g', 'http://exa{m}ple/'],
    code: 3,
    stderr: 'tscurl: (3) URL rejected: Bad hostname\n',
    same: true,
  },
  {
    name: 'empty host',
    args: ['http:///'],
    code: 3,
    stderr: 'tscurl: (3) URL rejected: No host part in the URL\n',
    same: true,
  },
  { name: 'credentials and no host', args: ['http://u@/'], code: 3, same: true },
  { name: 'empty host with a port', args: ['http://:80/'], code: 3, same: true },
  {
    name: 'IPv6 without its bracket',
    args: ['-g', 'http://[::1/'],
    code: 3,
    stderr: 'tscurl: (3) URL rejected: Bad IPv6 address\n',
    same: true,
  },
  { name: 'an empty zone id', args: ['-g', 'http://[::1%]:1/'], code: 3, same: true },
  { name: 'IPvFuture', args: ['-g', 'http://[v1.x]/'], code: 3, same: true },
  {
    name: 'hexadecimal IPv4',
    args: ['http://0x7f.1:PORT/hex', ...W],
    code: 0,
    stdout: `${echo('/hex')}|http://127.0.0.1:PORT/hex`,
    same: true,
  },
  {
    name: 'the host name keeps its case',
    args: ['--resolve', 'localhost:PORT:127.0.0.1', 'http://LocalHost:PORT/c'],
    code: 0,
    stdout: '/c\nLocalHost:PORT\n',
    same: true,
  },
  {
    name: 'an IDN host as punycode',
    args: ['--resolve', 'xn--bcher-kva.example:PORT:127.0.0.1', 'http://b\u00fccher.example:PORT/idn'],
    code: 0,
    stdout: '/idn\nxn--bcher-kva.example:PORT\n',
    same: true,
  },
  {
    name: 'a percent-encoded host',
    args: ['http://%31%32%37.0.0.1:PORT/pct'],
    code: 0,
    stdout: echo('/pct'),
    same: true,
  },
  {
    name: 'an IPv6 literal is no glob',
    args: ['http://[::ffff:127.0.0.1]:PORT/v6'],
    code: 0,
    stdout: '/v6\n[::ffff:127.0.0.1]:PORT\n',
    same: true,
  },
  // curl 7.88 resolves these (6); curl 8 refuses them (lib1560: "hej..", "%25").
  {
    name: 'a host ending in two dots',
    args: ['http://hej../'],
    code: 3,
    stderr: 'tscurl: (3) URL rejected: Bad hostname\n',
  },
  {
    name: "a host that decodes to '%'",
    args: ['http://%25/'],
    code: 3,
    stderr: 'tscurl: (3) URL rejected: Bad hostname\n',
  },
  // Path, query, fragment.
  {
    name: 'fragment dropped, dot-segments removed',
    args: ['http://127.0.0.1:PORT/a/./b/../c?x=1#frag', ...W],
    code: 0,
    stdout: `${echo('/a/c?x=1')}|http://127.0.0.1:PORT/a/c?x=1#frag`,
    same: true,
  },
  {
    name: '--path-as-is',
    args: ['--path-as-is', 'http://127.0.0.1:PORT/a/../b'],
    code: 0,
    stdout: echo('/a/../b'),
    same: true,
  },
  {
    name: 'braces and brackets in the path with -g',
    args: ['-g', 'http://127.0.0.1:PORT/{a}[b]'],
    code: 0,
    stdout: echo('/{a}[b]'),
    same: true,
  },
  // curl encodes the path's bytes beyond ASCII when it sends it (7.88: %c3%a4; curl 8: upper case)
  // and sends the query as it is.
  {
    name: 'UTF-8 in the path encoded, in the query as it is',
    args: ['http://127.0.0.1:PORT/\u00e4?\u00f6#\u00fc', ...W],
    code: 0,
    stdout: `${echo('/%C3%A4?\xc3\xb6')}|http://127.0.0.1:PORT/\xc3\xa4?\xc3\xb6#\xc3\xbc`,
  },
  {
    name: 'special characters in path and query with -g',
    args: ['-g', 'http://127.0.0.1:PORT/a%20b/{x}|"<>`^?q="<>{}|'],
    code: 0,
    stdout: echo('/a%20b/{x}|"<>`^?q="<>{}|'),
    same: true,
  },
  {
    name: 'an empty user name',
    args: ['http://@127.0.0.1:PORT/e'],
    code: 0,
    stdout: echo('/e', 'Basic Og=='),
    same: true,
  },
  // Credentials.
  {
    name: "credentials with '@', ':', ';' and '#' encoded",
    args: ['http://us%40er:p%3A%23ss;x@127.0.0.1:PORT/auth'],
    code: 0,
    stdout: echo('/auth', `Basic ${Buffer.from('us@er:p:#ss;x').toString('base64')}`),
    same: true,
  },
  {
    name: 'a user name of 60,000 bytes',
    args: [`http://${'u'.repeat(60_000)}:p@127.0.0.1:PORT/long`],
    code: 0,
    stdout: echo('/long', `Basic ${Buffer.from(`${'u'.repeat(60_000)}:p`).toString('base64')}`),
    same: true,
  },
  // Location.
  {
    name: 'Location with spaces: %20 in the path, + in the query',
    args: ['-L', 'http://127.0.0.1:PORT/go/N/sub', ...W],
    location: '/a b?c d#e f',
    code: 0,
    stdout: `${echo('/a%20b?c+d')}|http://127.0.0.1:PORT/a%20b?c+d#e+f`,
    same: true,
  },
  // curl 7.88 writes %e4; curl 8 upper-case hex (lib1560: "r%C3%A4ksm%C3%B6rg%C3%A5s").
  {
    name: 'Location with bytes beyond ASCII',
    args: ['-L', 'http://127.0.0.1:PORT/go/N/sub'],
    location: '/\xe4?\xf6',
    code: 0,
    stdout: echo('/%E4?%F6'),
  },
  {
    name: 'relative Location with ../',
    args: ['-L', 'http://127.0.0.1:PORT/go/N/sub'],
    location: 'x/../y/./z',
    code: 0,
    stdout: echo('/go/N/y/z'),
    same: true,
  },
  {
    name: 'Location //host',
    args: ['-L', 'http://127.0.0.1:PORT/go/N/sub'],
    location: '//127.0.0.1:PORT/other',
    code: 0,
    stdout: echo('/other'),
    same: true,
  },
  {
    name: 'Location ?query',
    args: ['-L', 'http://127.0.0.1:PORT/go/N/sub'],
    location: '?q=1',
    code: 0,
    stdout: echo('/go/N/sub?q=1'),
    same: true,
  },
  {
    name: 'Location http:/ with one slash',
    args: ['-L', 'http://127.0.0.1:PORT/go/N/sub'],
    location: 'http:/127.0.0.1:PORT/one',
    code: 0,
    stdout: echo('/one'),
    same: true,
  },
  {
    name: 'Location that is no URL',
    args: ['-L', 'http://127.0.0.1:PORT/go/N/sub'],
    location: 'http://[::1',
    code: 3,
    stderr: 'tscurl: (3) The redirect target URL could not be parsed: Bad IPv6 address\n',
    same: true,
  },
  {
    name: 'Location with a bad port',
    args: ['-L', 'http://127.0.0.1:PORT/go/N/sub'],
    location: 'http://x:99999/',
    code: 3,
    stderr:
      'tscurl: (3) The redirect target URL could not be parsed: Port number was not a decimal number between 0 and 65535\n',
    same: true,
  },
  {
    name: 'Location with an unknown scheme',
    args: ['-L', 'http://127.0.0.1:PORT/go/N/sub'],
    location: 'foo://x/',
    code: 1,
    stderr: 'tscurl: (1) The redirect target URL could not be parsed: Unsupported URL scheme\n',
    same: true,
  },
  // curl 7.88 follows to FTP; curl 8 without FTP: "is disabled (in redirect)".
  {
    name: 'Location to ftp',
    args: ['-L', 'http://127.0.0.1:PORT/go/N/sub'],
    location: 'ftp://127.0.0.1:1/',
    code: 1,
    stderr: 'tscurl: (1) Protocol "ftp" is disabled (in redirect)\n',
  },
  {
    name: 'not followed: %{redirect_url} resolved and encoded',
    args: ['-w', '|%{redirect_url}', 'http://127.0.0.1:PORT/go/N/sub'],
    location: '/a b?c d',
    code: 0,
    stdout: '|http://127.0.0.1:PORT/a%20b?c+d',
    same: true,
  },
  {
    name: 'not followed: an unparsable %{redirect_url} as it came',
    args: ['-w', '|%{redirect_url}', 'http://127.0.0.1:PORT/go/N/sub'],
    location: 'http://[::1',
    code: 0,
    stdout: '|http://[::1',
    same: true,
  },
];

const locations = new Map<number, string>();
let server: RawServer;

before(async () => {
  server = await startRawServer((socket) => {
    onRequestHead(socket, (target, head) => {
      const m = /^\/go\/(\d+)\/sub$/.exec(target);
      const loc = m === null ? undefined : locations.get(Number(m[1]));
      if (loc !== undefined) {
        const value = loc.replaceAll('PORT', String(server.port));
        socket.end(`HTTP/1.1 302 Found\r\nLocation: ${value}\r\nContent-Length: 0\r\n\r\n`, 'latin1');
        return;
      }
      const host = /\r\nhost: ([^\r]*)/i.exec(head)?.[1] ?? '';
      const auth = /\r\nauthorization: ([^\r]*)/i.exec(head)?.[1] ?? '';
      const body = Buffer.from(`${target}\n${host}\n${auth}`, 'latin1');
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.end(body);
    });
  });
});
after(() => server.close());

describe('URLs as curl 8 takes them', { concurrency: 4 }, () => {
  for (const [i, c] of cases.entries()) {
    test(c.name, async () => {
      const port = String(server.port);
      const sub = (s: string) => s.replaceAll('PORT', port).replaceAll('/go/N/', `/go/${i}/`);
      if (c.location !== undefined) locations.set(i, c.location);
      const args = ['-sS', ...c.args.map(sub)];
      const b = await tscurl(args);
      const ctx = `\ntscurl stderr: ${b.stderr}`;
      assert.equal(b.code, c.code, `exit code${ctx}`);
      if (c.stdout !== undefined) assert.equal(b.stdout.toString('latin1'), sub(c.stdout), `stdout${ctx}`);
      if (c.stderr !== undefined) assert.equal(b.stderr, sub(c.stderr));
      if (c.same) {
        assert.ok(haveCurl, '/usr/bin/curl is installed here and in CI');
        const a = await curl(args);
        assert.equal(b.code, a.code, `exit code vs curl\ncurl stderr: ${a.stderr}${ctx}`);
        assert.equal(b.stdout.toString('latin1'), a.stdout.toString('latin1'), 'stdout vs curl');
      }
    });
  }
});
