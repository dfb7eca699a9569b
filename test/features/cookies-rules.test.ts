// Cookies, second part: a Domain that is a public suffix refused (ICANN and private sections),
// SameSite stored and carried through cookieJar / cookieFile / cookieList, the __Secure- and
// __Host- prefixes, RFC 6265bis name/value rules (nameless cookies, WSP trimming, CTLs, long
// attribute values ignored, the 400-day cap, replacement keeping order).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CurlCode, type EasyOptions } from '../../src/index.js';
import { isPublicSuffix, parseSetCookie } from '../../src/multi/features/cookies.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { run } from './run.js';

let srv: TestServer;
const got: Array<string | undefined> = [];
let setCookies: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tscurl-cookies2-'));

before(async () => {
  srv = await startHttpServer((req, res) => {
    got.push(req.headers.cookie);
    if (req.url === '/set') res.setHeader('Set-Cookie', setCookies);
    res.end('ok');
  });
});

after(async () => {
  await srv.close();
});

/** Set `cookies` from http://host/set, then what a request to http://second/x sends. */
async function setThenSend(host: string, cookies: string[], second = host, opts: EasyOptions = {}) {
  setCookies = cookies;
  got.length = 0;
  const resolve = [...new Set([host, second])].map((h) => `${h}:${srv.port}:127.0.0.1`);
  const jar = join(dir, `jar-${Math.random().toString(36).slice(2)}.txt`);
  const first = await run({ url: `http://${host}:${srv.port}/set`, resolve, cookieJar: jar, ...opts });
  assert.equal(first.code, CurlCode.OK, first.error);
  const r = await run({ url: `http://${second}:${srv.port}/x`, resolve, cookieFile: jar });
  assert.equal(r.code, CurlCode.OK, r.error);
  return { sent: got[1], jar: readFileSync(jar, 'latin1') };
}

test('public suffix list: Domain=co.uk / com / github.io refused, the registrable domain accepted', async () => {
  const r = await setThenSend(
    'www.example.co.uk',
    ['uk=1; Domain=co.uk', 'ok=2; Domain=example.co.uk', 'dot=3; Domain=.co.uk'],
    'other.example.co.uk',
  );
  assert.equal(r.sent, 'ok=2');
  assert.doesNotMatch(r.jar, /\tuk\t|\tdot\t/);
  const gh = await setThenSend('me.github.io', ['p=1; Domain=github.io', 'q=2'], 'me.github.io');
  assert.equal(gh.sent, 'q=2');
  const com = await setThenSend(
    'www.example.com',
    ['c=1; Domain=com', 'd=2; Domain=example.com'],
    'a.example.com',
  );
  assert.equal(com.sent, 'd=2');
  assert.equal(isPublicSuffix('co.uk'), true);
  assert.equal(isPublicSuffix('github.io'), true);
  assert.equal(isPublicSuffix('example.co.uk'), false);
  // A host that is itself a public suffix may set a host-only cookie for itself.
  const self = parseSetCookie('s=1; Domain=github.io', 'github.io', '/', 0);
  assert.equal(self?.tailmatch, false);
  assert.equal(self?.domain, 'github.io');
});

test('SameSite is stored and round-trips through cookieJar, cookieFile and cookieList', async () => {
  const r = await setThenSend('127.0.0.1', [
    'a=1; SameSite=Lax',
    'b=2; samesite=STRICT; Max-Age=3600',
    'c=3; SameSite=bogus',
  ]);
  assert.equal(r.sent, 'a=1; b=2; c=3');
  assert.match(r.jar, /\n#tscurl_SameSite=Lax\n127\.0\.0\.1\tFALSE\t\/\tFALSE\t0\ta\t1\n/);
  assert.match(r.jar, /\n#tscurl_SameSite=Strict\n127\.0\.0\.1\tFALSE\t\/\tFALSE\t\d+\tb\t2\n/);
  assert.match(r.jar, /[^=]\n127\.0\.0\.1\tFALSE\t\/\tFALSE\t0\tc\t3\n/);
  // The file read back and written again keeps them.
  const first = join(dir, 'ss1.txt');
  writeFileSync(first, r.jar);
  const second = join(dir, 'ss2.txt');
  assert.equal((await run({ url: `${srv.url}/x`, cookieFile: first, cookieJar: second })).code, CurlCode.OK);
  const again = readFileSync(second, 'latin1');
  assert.match(again, /#tscurl_SameSite=Lax\n[^\n]*\ta\t1\n/);
  assert.match(again, /#tscurl_SameSite=Strict\n[^\n]*\tb\t2\n/);
  // cookieList: a Set-Cookie line with SameSite, and the two-line Netscape form.
  const listed = join(dir, 'ss3.txt');
  await run({
    url: `${srv.url}/x`,
    cookieJar: listed,
    cookieList: [
      'Set-Cookie: l=1; SameSite=None; Secure; Domain=127.0.0.1',
      '#tscurl_SameSite=Strict\n127.0.0.1\tFALSE\t/\tFALSE\t0\tm\t2',
    ],
  });
  const text = readFileSync(listed, 'latin1');
  assert.match(text, /#tscurl_SameSite=None\n[^\n]*\tTRUE\t0\tl\t1\n/);
  assert.match(text, /#tscurl_SameSite=Strict\n[^\n]*\tm\t2\n/);
});

test('__Secure- and __Host- prefixes: refused over http, checked on cookieList lines, case-insensitive', async () => {
  const r = await setThenSend('127.0.0.1', [
    '__Secure-a=1; Secure',
    '__Host-b=2; Secure; Path=/',
    '__secure-c=3',
    'plain=4',
  ]);
  assert.equal(r.sent, 'plain=4');
  const jar = join(dir, 'prefix.txt');
  await run({
    url: `${srv.url}/x`,
    cookieJar: jar,
    cookieList: [
      'Set-Cookie: __Secure-ok=1; Secure',
      'Set-Cookie: __Secure-no=1',
      'Set-Cookie: __Host-ok=1; Secure; Path=/',
      'Set-Cookie: __Host-nopath=1; Secure; Path=/a',
      'Set-Cookie: __Host-dom=1; Secure; Path=/; Domain=127.0.0.1',
      'Set-Cookie: __HOST-insecure=1; Path=/',
      'Set-Cookie: __Host-smuggled',
      '127.0.0.1\tFALSE\t/\tFALSE\t0\t__Secure-file\t1',
    ],
  });
  const names = [...readFileSync(jar, 'latin1').matchAll(/\t([^\t\n]*)\t[^\t\n]*\n/g)].map((m) => m[1]);
  assert.deepEqual(names.sort(), ['__Host-ok', '__Secure-ok']);
});

test('name/value rules: nameless cookies, WSP trimmed, CTLs refused, long attributes ignored, 400-day cap, replacement keeps order', async () => {
  const now = Math.floor(Date.now() / 1000);
  const r = await setThenSend('127.0.0.1', [
    'first=1',
    'justvalue',
    ' \tspaced \t= \tv \t',
    `longpath=1; Path=/${'x'.repeat(1100)}`,
    'forever=1; Max-Age=999999999',
    'first=2',
    '=',
  ]);
  assert.equal(r.sent, 'first=2; justvalue; spaced=v; longpath=1; forever=1');
  const exp = Number(/\t(\d+)\tforever\t/.exec(r.jar)?.[1]);
  assert.ok(exp <= now + 400 * 86400 + 5 && exp >= now + 400 * 86400 - 5, `expiry ${exp - now}s ahead`);
  // node:http refuses to send control characters: the parser is asked directly.
  assert.equal(parseSetCookie('ctl=a\x01b', 'h', '/', 0), undefined);
  assert.equal(parseSetCookie('c\x7ftl=ab', 'h', '/', 0), undefined);
  assert.equal(parseSetCookie('tab=a\tb', 'h', '/', 0)?.value, 'a\tb');
  assert.equal(parseSetCookie('n=1; Path=/a/b', 'h', '/', 0)?.path, '/a/b');
  assert.equal(parseSetCookie('n=1; Path=/a; Path=rel', 'h', '/d/e', 0)?.path, '/d');
  // Name plus value at most 4096 octets.
  assert.equal(parseSetCookie(`n=${'v'.repeat(4096)}`, 'h', '/', 0) === undefined, true);
  assert.equal(parseSetCookie(`n=${'v'.repeat(4095)}`, 'h', '/', 0)?.value.length, 4095);
});
