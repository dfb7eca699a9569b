// Cookies: cookie (string), the engine on with cookieFile '' (Set-Cookie stored and sent back on
// matching domain and path), Max-Age over Expires, Secure not sent over http, a foreign Domain
// refused, the 4096-byte limit, cookieFile (Netscape) read, cookieJar written when the handle is
// closed (curl_easy_cleanup; never by the engine while transfers run), cookieList commands,
// cookieSession.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, NodeDriver } from '../../src/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { run } from './run.js';

let srv: TestServer;
const got: Array<string | undefined> = [];
const dir = mkdtempSync(join(tmpdir(), 'tscurl-cookies-'));

before(async () => {
  srv = await startHttpServer((req, res) => {
    got.push(req.headers.cookie);
    if (req.url === '/set') {
      res.setHeader('Set-Cookie', [
        'a=1; Path=/',
        'b=2; Path=/sub',
        'gone=x; Max-Age=0',
        'keep=y; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:01 GMT',
        'sec=z; Secure',
        'foreign=f; Domain=example.com',
        `big=${'v'.repeat(5000)}`,
        'ho=h; HttpOnly; Max-Age=3600',
      ]);
    }
    res.end('ok');
  });
});

after(async () => {
  await srv.close();
});

async function twice(second: string, opts = {}): Promise<string | undefined> {
  got.length = 0;
  const easy = new Easy({ url: `${srv.url}/set`, cookieFile: '', ...opts });
  const d = new NodeDriver();
  try {
    assert.equal((await d.add(easy)).result, CurlCode.OK);
    easy.setOptions({ url: `${srv.url}${second}` });
    assert.equal((await d.add(easy)).result, CurlCode.OK);
    return got[1];
  } finally {
    d.close();
  }
}

test('cookie (string) is sent as is', async () => {
  got.length = 0;
  await run({ url: `${srv.url}/x`, cookie: 'x=1; y=2' });
  assert.equal(got[0], 'x=1; y=2');
});

test('Set-Cookie stored and sent back by path; Max-Age over Expires; Secure, foreign Domain, too big and Max-Age=0 left out', async () => {
  assert.equal(await twice('/other'), 'a=1; keep=y; ho=h');
  assert.equal(await twice('/sub/page'), 'b=2; a=1; keep=y; ho=h');
  // Without the engine nothing is kept.
  got.length = 0;
  const d = new NodeDriver();
  const easy = new Easy({ url: `${srv.url}/set` });
  await d.add(easy);
  await d.add(easy);
  d.close();
  assert.equal(got[1], undefined);
});

test('the jar comes before cookie; a custom Cookie header replaces cookie, the jar still goes', async () => {
  assert.equal(await twice('/other', { cookie: 'c=3' }), 'a=1; keep=y; ho=h; c=3');
  // libcurl's Curl_http_cookies: jar cookies in their own Cookie header, then the custom one
  // (node's server joins the two with '; ').
  assert.equal(
    await twice('/other', { cookie: 'c=3', httpHeader: ['Cookie: only=me'] }),
    'a=1; keep=y; ho=h; only=me',
  );
});

test('cookieFile (Netscape) read, cookieJar written when the handle is closed', async () => {
  const file = join(dir, 'in.txt');
  const jar = join(dir, 'out.txt');
  writeFileSync(
    file,
    '# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tfromfile\t1\n#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t9999999999\tho2\t2\n.other.example\tTRUE\t/\tFALSE\t0\tnot\tmine\n',
  );
  got.length = 0;
  const r = await run({ url: `${srv.url}/set`, cookieFile: file, cookieJar: jar });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(got[0], 'fromfile=1; ho2=2');
  const written = readFileSync(jar, 'latin1');
  assert.match(written, /^# Netscape HTTP Cookie File/);
  assert.match(written, /\n127\.0\.0\.1\tFALSE\t\/\tFALSE\t0\ta\t1\n/);
  assert.match(written, /\n#HttpOnly_127\.0\.0\.1\tFALSE\t\/\tFALSE\t9999999999\tho2\t2\n/);
  assert.doesNotMatch(written, /\tgone\t/);
  // cookieSession: the file's session cookies are not loaded.
  got.length = 0;
  await run({ url: `${srv.url}/x`, cookieFile: file, cookieSession: true });
  assert.equal(got[0], 'ho2=2');
});

test('cookieList: a Set-Cookie line, a Netscape line, then ALL / SESS', async () => {
  got.length = 0;
  await run({
    url: `${srv.url}/x`,
    cookieList: ['Set-Cookie: l1=v1; domain=127.0.0.1; path=/', '127.0.0.1\tFALSE\t/\tFALSE\t0\tl2\tv2'],
  });
  assert.equal(got[0], 'l1=v1; l2=v2');
  got.length = 0;
  await run({
    url: `${srv.url}/x`,
    cookieList: ['Set-Cookie: l1=v1; domain=127.0.0.1', 'ALL', '127.0.0.1\tFALSE\t/\tFALSE\t0\tl3\tv3'],
  });
  assert.equal(got[0], 'l3=v3');
  got.length = 0;
  await run({
    url: `${srv.url}/x`,
    cookieList: [
      '127.0.0.1\tFALSE\t/\tFALSE\t0\ts\t1',
      '127.0.0.1\tFALSE\t/\tFALSE\t9999999999\tp\t2',
      'SESS',
    ],
  });
  assert.equal(got[0], 'p=2');
});

test('the jar is written at close(), not when the transfer completes (no file I/O in the engine)', async () => {
  const jar = join(dir, 'at-close.txt');
  const easy = new Easy({ url: `${srv.url}/set`, cookieJar: jar, writeFunction: (c) => c.length });
  const driver = new NodeDriver();
  try {
    assert.equal((await driver.add(easy)).result, CurlCode.OK);
    assert.equal(existsSync(jar), false, 'written before the handle was closed');
    easy.close();
    assert.match(readFileSync(jar, 'latin1'), /\ta\t1\n/);
  } finally {
    driver.close();
  }
});
