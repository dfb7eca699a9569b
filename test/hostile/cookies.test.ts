// Cookie limits as libcurl 8.x sets them (lib/cookie.h), plus a per-domain and a per-jar cap:
// a server flooding Set-Cookie lines through redirects gets at most 50 taken per response, at most
// 180 kept for its domain, and the Cookie header sent back stays under 150 cookies and 8190 bytes;
// a shared jar under a flood from many hosts keeps a flat size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Easy, NodeDriver, Share } from '../../src/index.js';
import {
  CookieJar,
  MAX_COOKIE_HEADER_LEN,
  MAX_COOKIE_LINE,
  MAX_COOKIE_SEND_AMOUNT,
  MAX_COOKIES,
  MAX_COOKIES_PER_DOMAIN,
  MAX_SET_COOKIE_AMOUNT,
  storeCookies,
} from '../../src/multi/features/cookies.js';
import { assertNoTcpLeft, goodServer, hostileServer, tcpHandles } from './harness.js';

const NOW = 1_800_000_000;

test("the limits are libcurl's values (lib/cookie.h) and Chromium's jar caps", () => {
  assert.equal(MAX_COOKIE_LINE, 5000);
  assert.equal(MAX_SET_COOKIE_AMOUNT, 50);
  assert.equal(MAX_COOKIE_SEND_AMOUNT, 150);
  assert.equal(MAX_COOKIE_HEADER_LEN, 8190);
  assert.equal(MAX_COOKIES_PER_DOMAIN, 180);
  assert.equal(MAX_COOKIES, 3300);
});

test('a Set-Cookie line over MAX_COOKIE_LINE is dropped; name + value at most 4096 bytes', () => {
  const jar = new CookieJar();
  const attrs = (n: number) => `; Comment=${'c'.repeat(n)}`;
  // 'a=' + 4000 + '; Comment=' (10) + n: exactly MAX_COOKIE_LINE is taken, one more is not.
  assert.equal(
    jar.setCookie(`a=${'v'.repeat(4000)}${attrs(MAX_COOKIE_LINE - 4012)}`, 'h.test', '/', NOW),
    true,
  );
  assert.equal(
    jar.setCookie(`b=${'v'.repeat(4000)}${attrs(MAX_COOKIE_LINE - 4011)}`, 'h.test', '/', NOW),
    false,
  );
  // Name plus value at most 4096 bytes.
  assert.equal(jar.setCookie(`nn=${'v'.repeat(4094)}`, 'h.test', '/', NOW), true);
  assert.equal(jar.setCookie(`nnn=${'v'.repeat(4094)}`, 'h.test', '/', NOW), false);
});

test('at most MAX_SET_COOKIE_AMOUNT cookies are taken from one response', () => {
  const jar = new CookieJar();
  const headers: [string, string][] = [['Set-Cookie', 'bad\x01=1']];
  for (let i = 0; i < 900; i++) headers.push(['Set-Cookie', `c${i}=${i}`]);
  storeCookies(jar, headers, 'h.test', '/', NOW);
  assert.equal(jar.all.length, 50);
  assert.equal(jar.all[0]!.name, 'c0', 'a refused line does not count');
  assert.equal(jar.all[49]!.name, 'c49');
});

test('per domain: the oldest goes past MAX_COOKIES_PER_DOMAIN; other domains keep theirs', () => {
  const jar = new CookieJar();
  jar.setCookie('keep=1', 'other.test', '/', NOW);
  for (let i = 0; i < 1000; i++) jar.setCookie(`c${i}=${i}`, 'flood.test', '/', NOW);
  assert.equal(jar.all.filter((c) => c.domain === 'flood.test').length, MAX_COOKIES_PER_DOMAIN);
  assert.equal(jar.all.find((c) => c.domain === 'flood.test')!.name, `c${1000 - MAX_COOKIES_PER_DOMAIN}`);
  assert.equal(jar.header('other.test', '/', false, NOW), 'keep=1');
});

test('per jar: past MAX_COOKIES the oldest goes', () => {
  const jar = new CookieJar();
  for (let d = 0; d < 40; d++) for (let i = 0; i < 100; i++) jar.setCookie(`c${i}=1`, `h${d}.test`, '/', NOW);
  assert.equal(jar.all.length, MAX_COOKIES);
  assert.equal(jar.all[0]!.domain, 'h7.test');
});

test('sent: at most MAX_COOKIE_SEND_AMOUNT cookies and a header under MAX_COOKIE_HEADER_LEN', () => {
  const jar = new CookieJar();
  for (let i = 0; i < 170; i++) jar.setCookie(`c${i}=1`, 'h.test', '/', NOW);
  assert.equal(jar.header('h.test', '/', false, NOW)!.split('; ').length, MAX_COOKIE_SEND_AMOUNT);
  const big = new CookieJar();
  for (let i = 0; i < 10; i++) big.setCookie(`b${i}=${'v'.repeat(1000)}`, 'h.test', '/', NOW);
  const h = big.header('h.test', '/', false, NOW)!;
  assert.ok(h.length < MAX_COOKIE_HEADER_LEN, `${h.length}`);
  assert.equal(h.split('; ').length, 8); // 8 x 1003 + 7 x 2 = 8038; a 9th would pass 8190
});

test('a flood through 20 redirects of 900 Set-Cookie lines: the Cookie header stays capped, the jar flat', async () => {
  const baseline = tcpHandles();
  const sent: number[] = [];
  let hop = 0;
  const lines = (n: number) =>
    Array.from({ length: 900 }, (_, i) => `Set-Cookie: f${n}_${i}=${'x'.repeat(40)}\r\n`).join('');
  const srv = await hostileServer((socket, head) => {
    const cookie = /\r\ncookie: ([^\r]*)/i.exec(head)?.[1];
    sent.push(cookie?.length ?? 0);
    const n = hop++;
    const next = n < 20 ? `Location: /r${n + 1}\r\n` : '';
    socket.end(
      `HTTP/1.1 ${n < 20 ? 302 : 200} X\r\n${next}${lines(n)}Content-Length: 0\r\nConnection: close\r\n\r\n`,
    );
  });
  const good = await goodServer();
  const share = new Share({ share: ['cookie'] });
  const driver = new NodeDriver();
  try {
    const flood = driver.add(
      new Easy({
        url: `${srv.url}/r0`,
        followLocation: true,
        maxRedirs: 30,
        share,
        writeFunction: (c) => c.length,
      }),
    );
    const goods = Array.from({ length: 5 }, () =>
      driver.add(new Easy({ url: good.url, share, writeFunction: (c) => c.length })),
    );
    assert.equal((await flood).result, 0);
    for (const m of await Promise.all(goods)) assert.equal(m.result, 0);
    assert.equal(sent.length, 21);
    assert.ok(Math.max(...sent) < MAX_COOKIE_HEADER_LEN, `Cookie header of ${Math.max(...sent)} bytes`);
    assert.ok(
      share.cookies!.all.length <= MAX_COOKIES_PER_DOMAIN,
      `${share.cookies!.all.length} cookies kept`,
    );
  } finally {
    driver.close();
    share.close();
    await srv.close();
    await good.close();
  }
  await assertNoTcpLeft(baseline);
});

test('a shared jar under a flood from many hosts keeps flat memory', () => {
  const jar = new CookieJar();
  const headers = Array.from(
    { length: 60 },
    (_, i) => ['Set-Cookie', `k${i}=${'v'.repeat(100)}`] as [string, string],
  );
  let countAt1000 = 0;
  for (let h = 0; h < 1500; h++) {
    storeCookies(jar, headers, `host${h}.test`, '/', NOW);
    if (h === 1000) countAt1000 = jar.all.length;
  }
  assert.equal(countAt1000, MAX_COOKIES);
  assert.equal(jar.all.length, MAX_COOKIES);
  // Every host's most recent cookies are the ones kept.
  assert.equal(jar.all.at(-1)!.domain, 'host1499.test');
});
