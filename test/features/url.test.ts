// URLs end to end through the engine, against a raw server that shows the request line and the
// headers it got: the forms libcurl's URL parser accepts, the request target it builds (no
// fragment, dot-segments, path-as-is), credentials, IDN hosts, and Location headers resolved
// and encoded as curl 8 does (lib/urlapi.c, lib1560's redirect cases).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CurlCode } from '../../src/index.js';
import { onRequestHead, type RawServer, startRawServer } from '../helpers/http-server.js';
import { run } from './run.js';

/** Location values by id, as raw header bytes (latin1). */
const LOCATIONS: string[] = [];
function location(value: string): number {
  LOCATIONS.push(value);
  return LOCATIONS.length - 1;
}

let raw: RawServer;
let origin: string;

before(async () => {
  raw = await startRawServer((socket) => {
    onRequestHead(socket, (target, head) => {
      const m = /^\/go\/(\d+)\/sub$/.exec(target);
      if (m !== null) {
        const loc = LOCATIONS[Number(m[1])]!.replaceAll('PORT', String(raw.port));
        socket.write(`HTTP/1.1 302 Found\r\nLocation: ${loc}\r\nContent-Length: 0\r\n\r\n`, 'latin1');
        return;
      }
      // The echo: the request target, the Host and Authorization headers.
      const host = /\r\nhost: ([^\r]*)/i.exec(head)?.[1] ?? '';
      const auth = /\r\nauthorization: ([^\r]*)/i.exec(head)?.[1] ?? '';
      const body = Buffer.from(`${target}\n${host}\n${auth}`, 'latin1');
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body);
    });
  });
  origin = `http://127.0.0.1:${raw.port}`;
});
after(() => raw.close());

interface Echo {
  target: string;
  host: string;
  auth: string;
}
function echo(body: Buffer): Echo {
  const [target = '', host = '', auth = ''] = body.toString('latin1').split('\n');
  return { target, host, auth };
}

describe('the URL as given', () => {
  const cases: Array<[string, string, string]> = [
    // [url (PORT replaced), request target, effective URL]
    ['http:/127.0.0.1:PORT/one', '/one', 'http://127.0.0.1:PORT/one'],
    ['http:///127.0.0.1:PORT/three', '/three', 'http://127.0.0.1:PORT/three'],
    ['HTTP://127.0.0.1:PORT/upper', '/upper', 'http://127.0.0.1:PORT/upper'],
    ['127.0.0.1:PORT/guessed', '/guessed', 'http://127.0.0.1:PORT/guessed'],
    ['http://0x7f.1:PORT/hex', '/hex', 'http://127.0.0.1:PORT/hex'],
    ['http://2130706433:PORT/number', '/number', 'http://127.0.0.1:PORT/number'],
    ['http://127.0.0.1:PORT/a/./b/../c?x=1#frag', '/a/c?x=1', 'http://127.0.0.1:PORT/a/c?x=1#frag'],
    ['http://127.0.0.1:PORT?q', '/?q', 'http://127.0.0.1:PORT/?q'],
    ['http://127.0.0.1:PORT/p?', '/p', 'http://127.0.0.1:PORT/p'],
    ['http://127.0.0.1:000PORT/zeros', '/zeros', 'http://127.0.0.1:PORT/zeros'],
    [
      'http://127.0.0.1:PORT/{braces}[brackets]',
      '/{braces}[brackets]',
      'http://127.0.0.1:PORT/{braces}[brackets]',
    ],
    ['http://127.0.0.1:PORT/\u00e4?\u00f6', '/%C3%A4?\xc3\xb6', 'http://127.0.0.1:PORT/\u00e4?\u00f6'],
  ];
  for (const [given, target, effective] of cases) {
    test(`${given} -> ${JSON.stringify(target)}`, async () => {
      const p = String(raw.port);
      const r = await run({ url: given.replace('PORT', p) });
      assert.equal(r.code, CurlCode.OK, r.error);
      assert.equal(echo(r.body).target, target);
      assert.equal(echo(r.body).host, `127.0.0.1:${p}`);
      assert.equal(r.info.effectiveUrl, effective.replace('PORT', p));
    });
  }

  test('an IPv6 literal with a zone id (%25lo or %lo) connects with that scope', async () => {
    const v6 = createServer((req, res) => res.end(`${req.url} ${req.headers.host}`));
    await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
    const port = (v6.address() as AddressInfo).port;
    try {
      for (const zone of ['%25lo', '%lo']) {
        const r = await run({ url: `http://[::1${zone}]:${port}/zone` });
        assert.equal(r.code, CurlCode.OK, r.error);
        assert.equal(r.body.toString(), `/zone [::1]:${port}`);
        assert.equal(r.info.effectiveUrl, `http://[::1%25lo]:${port}/zone`);
      }
    } finally {
      v6.close();
    }
  });

  test('path-as-is keeps dot-segments', async () => {
    const r = await run({ url: `${origin}/a/./b/../c`, pathAsIs: true });
    assert.equal(echo(r.body).target, '/a/./b/../c');
  });

  test('the host name keeps its case in Host (curl does not lower it)', async () => {
    const r = await run({
      url: `http://LocalHost:${raw.port}/`,
      resolve: [`localhost:${raw.port}:127.0.0.1`],
    });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(echo(r.body).host, `LocalHost:${raw.port}`);
  });

  test('an IDN host goes out as punycode (Host and name resolution)', async () => {
    const r = await run({
      url: `http://b\u00fccher.example:${raw.port}/idn`,
      resolve: [`xn--bcher-kva.example:${raw.port}:127.0.0.1`],
    });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(echo(r.body).host, `xn--bcher-kva.example:${raw.port}`);
  });

  test("credentials with '@', ':', ';' and '#' percent-encoded are decoded for Basic", async () => {
    const r = await run({ url: `http://us%40er:p%3A%23ss;x@127.0.0.1:${raw.port}/auth` });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(echo(r.body).auth, `Basic ${Buffer.from('us@er:p:#ss;x').toString('base64')}`);
    assert.equal(r.info.effectiveUrl, `http://us%40er:p%3A%23ss;x@127.0.0.1:${raw.port}/auth`);
  });

  test('a user name of 100,000 bytes goes through', async () => {
    const user = 'u'.repeat(100_000);
    const r = await run({ url: `http://${user}:pw@127.0.0.1:${raw.port}/long` });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(echo(r.body).auth, `Basic ${Buffer.from(`${user}:pw`).toString('base64')}`);
  });

  const refused: Array<[string, number, string]> = [
    [
      'http:////127.0.0.1/',
      CurlCode.URL_MALFORMAT,
      'URL rejected: Unsupported number of slashes following scheme',
    ],
    [
      'http:127.0.0.1',
      CurlCode.URL_MALFORMAT,
      'URL rejected: Port number was not a decimal number between 0 and 65535',
    ],
    [
      'http://127.0.0.1:65536/',
      CurlCode.URL_MALFORMAT,
      'URL rejected: Port number was not a decimal number between 0 and 65535',
    ],
    [
      'http://127.0.0.1:-1/',
      CurlCode.URL_MALFORMAT,
      'URL rejected: Port number was not a decimal number between 0 and 65535',
    ],
    ['http://a b/', CurlCode.URL_MALFORMAT, 'URL rejected: Malformed input to a URL function'],
    ['http://exa{m}ple/', CurlCode.URL_MALFORMAT, 'URL rejected: Bad hostname'],
    ['http://hej../', CurlCode.URL_MALFORMAT, 'URL rejected: Bad hostname'],
    ['http://%25/', CurlCode.URL_MALFORMAT, 'URL rejected: Bad hostname'],
    ['http://[::1/', CurlCode.URL_MALFORMAT, 'URL rejected: Bad IPv6 address'],
    ['http://[::1%]/', CurlCode.URL_MALFORMAT, 'URL rejected: Bad IPv6 address'],
    ['http://u@/', CurlCode.URL_MALFORMAT, 'URL rejected: No host part in the URL'],
    ['http:///', CurlCode.URL_MALFORMAT, 'URL rejected: No host part in the URL'],
    ['foo://127.0.0.1/', CurlCode.UNSUPPORTED_PROTOCOL, 'Protocol "foo" not supported'],
    ['ftp.example.com/', CurlCode.UNSUPPORTED_PROTOCOL, 'Protocol "ftp" is disabled'],
    ['ws://127.0.0.1/', CurlCode.UNSUPPORTED_PROTOCOL, 'Protocol "ws" is disabled'],
  ];
  for (const [url, code, message] of refused) {
    test(`${url}: ${code} ${message}`, async () => {
      const r = await run({ url });
      assert.equal(r.code, code);
      assert.equal(r.error, message);
    });
  }
});

describe('Location', () => {
  // [Location, request target of the followed request, effective URL after it]
  const followed: Array<[string, string, string]> = [
    ['/a b?c d#e f', '/a%20b?c+d', '/a%20b?c+d#e+f'],
    ['/\xe4?\xf6#\xfc', '/%E4?%F6', '/%E4?%F6#%FC'],
    ['x/../y/./z', '/go/ID/y/z', '/go/ID/y/z'],
    ['../../up', '/up', '/up'],
    ['?q=1', '/go/ID/sub?q=1', '/go/ID/sub?q=1'],
    ['//127.0.0.1:PORT/other', '/other', '/other'],
    ['http://127.0.0.1:PORT/abs/../olute', '/olute', '/olute'],
    ['http:/127.0.0.1:PORT/one-slash', '/one-slash', '/one-slash'],
    ['HTTP://127.0.0.1:PORT/upper', '/upper', '/upper'],
    ['/{x}[y]|', '/{x}[y]|', '/{x}[y]|'],
  ];
  for (const [loc, target, effective] of followed) {
    test(`${JSON.stringify(loc)} -> ${JSON.stringify(target)}`, async () => {
      const id = location(loc);
      const r = await run({ url: `${origin}/go/${id}/sub`, followLocation: true });
      assert.equal(r.code, CurlCode.OK, r.error);
      assert.equal(echo(r.body).target, target.replace('ID', String(id)));
      assert.equal(r.info.effectiveUrl, origin + effective.replace('ID', String(id)));
      assert.equal(r.info.redirectCount, 1);
    });
  }

  test('path-as-is: an absolute Location keeps its dot-segments, a relative one does not', async () => {
    const abs = location('http://127.0.0.1:PORT/a/../b');
    const rel = location('../x/./y');
    const r1 = await run({ url: `${origin}/go/${abs}/sub`, followLocation: true, pathAsIs: true });
    assert.equal(echo(r1.body).target, '/a/../b');
    const r2 = await run({ url: `${origin}/go/${rel}/sub`, followLocation: true, pathAsIs: true });
    assert.equal(echo(r2.body).target, '/go/x/y');
  });

  test('not followed: CURLINFO_REDIRECT_URL resolved; an unparsable one as it came', async () => {
    const frag = location('#f');
    const bad = location('http://[::1');
    const odd = location('foo://bar');
    const r1 = await run({ url: `${origin}/go/${frag}/sub` });
    assert.equal(r1.info.redirectUrl, `${origin}/go/${frag}/sub#f`);
    const r2 = await run({ url: `${origin}/go/${bad}/sub` });
    assert.equal(r2.info.redirectUrl, 'http://[::1');
    const r3 = await run({ url: `${origin}/go/${odd}/sub` });
    assert.equal(r3.info.redirectUrl, 'foo://bar/');
  });

  const refused: Array<[string, number, string]> = [
    ['http://[::1', CurlCode.URL_MALFORMAT, 'The redirect target URL could not be parsed: Bad IPv6 address'],
    ['http://a b/', CurlCode.URL_MALFORMAT, 'The redirect target URL could not be parsed: Bad hostname'],
    [
      'http://x:99999/',
      CurlCode.URL_MALFORMAT,
      'The redirect target URL could not be parsed: Port number was not a decimal number between 0 and 65535',
    ],
    [
      'foo://x/',
      CurlCode.UNSUPPORTED_PROTOCOL,
      'The redirect target URL could not be parsed: Unsupported URL scheme',
    ],
    ['ftp://127.0.0.1/', CurlCode.UNSUPPORTED_PROTOCOL, 'Protocol "ftp" is disabled (in redirect)'],
  ];
  for (const [loc, code, message] of refused) {
    test(`${JSON.stringify(loc)}: ${code} ${message}`, async () => {
      const id = location(loc);
      const r = await run({ url: `${origin}/go/${id}/sub`, followLocation: true });
      assert.equal(r.code, code);
      assert.equal(r.error, message);
    });
  }
});
