// Authentication: Basic (default, sent at once), Digest per RFC 7616 (MD5, MD5-sess, SHA-256 with
// qop=auth; the 401 round trip on the same connection), Bearer, httpAuth ANY / ANYSAFE picking
// from WWW-Authenticate, wrong credentials (the 401 is the answer; 22 with failOnError), URL
// credentials, and credentials kept from other hosts on redirects unless unrestrictedAuth.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { CurlCode } from '../../src/index.js';
import { HttpAuth } from '../../src/multi/features/auth.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { run, statusLines } from './run.js';

let srv: TestServer;
const log: Array<{ url: string; auth?: string; port: number }> = [];
const USER = 'user';
const PASS = 'pa:ss';
let nonceSeq = 0;

function H(alg: string, s: string): string {
  const name = alg.startsWith('SHA-256') ? 'sha256' : 'md5';
  return createHash(name).update(s).digest('hex');
}

function params(h: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of h.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) out.set(m[1]!, m[2] ?? m[3]!);
  return out;
}

/** Checks a Digest Authorization the way RFC 7616 says a server computes it. */
function digestOk(req: IncomingMessage, alg: string, nonce: string): boolean {
  const a = req.headers.authorization ?? '';
  if (!a.startsWith('Digest ')) return false;
  const p = params(a.slice(7));
  if (p.get('nonce') !== nonce || p.get('uri') !== req.url || p.get('username') !== USER) return false;
  let ha1 = H(alg, `${USER}:test@realm:${PASS}`);
  if (alg.endsWith('-sess')) ha1 = H(alg, `${ha1}:${nonce}:${p.get('cnonce')}`);
  const ha2 = H(alg, `${req.method}:${req.url}`);
  const expected = H(alg, `${ha1}:${nonce}:${p.get('nc')}:${p.get('cnonce')}:${p.get('qop')}:${ha2}`);
  return p.get('qop') === 'auth' && p.get('response') === expected && p.get('opaque') === 'opq';
}

const nonces = new Map<string, string>();

function handler(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  log.push({
    url: req.url ?? '',
    ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
    port: req.socket.remotePort ?? 0,
  });
  const url = new URL(req.url ?? '/', 'http://x');
  const basicOk = req.headers.authorization === `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;
  const deny = (challenges: string[]) => {
    res.writeHead(401, { 'WWW-Authenticate': challenges, 'Content-Type': 'text/plain' });
    res.end('denied body');
  };
  if (url.pathname === '/basic') {
    if (basicOk) res.end('basic ok');
    else deny(['Basic realm="test@realm"']);
    return;
  }
  if (url.pathname === '/digest' || url.pathname === '/any') {
    const alg = url.searchParams.get('alg') ?? 'MD5';
    const key = `${alg}`;
    const nonce = nonces.get(key) ?? `n${++nonceSeq}`;
    nonces.set(key, nonce);
    if (digestOk(req, alg, nonce)) {
      res.end(`digest ok ${alg}`);
      return;
    }
    const digest = `Digest realm="test@realm", qop="auth, auth-int", algorithm=${alg}, nonce="${nonce}", opaque="opq"`;
    deny(url.pathname === '/any' ? ['Basic realm="test@realm"', digest] : [digest]);
    return;
  }
  if (url.pathname === '/bearer') {
    if (req.headers.authorization === 'Bearer tok123') res.end('bearer ok');
    else deny(['Bearer realm="api"']);
    return;
  }
  if (url.pathname === '/elsewhere') {
    // Another host name for the same server: credentials must not follow unless allowed.
    res.writeHead(302, { Location: `http://localhost:${srv.port}/basic` });
    res.end();
    return;
  }
  res.end('open');
}

before(async () => {
  srv = await startHttpServer(handler);
});

after(async () => {
  await srv.close();
});

test('Basic is the default and goes out with the first request', async () => {
  log.length = 0;
  const r = await run({ url: `${srv.url}/basic`, userPwd: `${USER}:${PASS}` });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(r.body.toString(), 'basic ok');
  assert.equal(log.length, 1);
  assert.equal(r.info.httpAuthUsed, HttpAuth.BASIC);
});

test("username / password options, and the URL's user:pass (the options win over it)", async () => {
  const a = await run({ url: `${srv.url}/basic`, username: USER, password: PASS });
  assert.equal(a.body.toString(), 'basic ok');
  const b = await run({ url: `http://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${srv.port}/basic` });
  assert.equal(b.body.toString(), 'basic ok');
  const c = await run({ url: `http://nobody:wrong@127.0.0.1:${srv.port}/basic`, userPwd: `${USER}:${PASS}` });
  assert.equal(c.body.toString(), 'basic ok');
});

test('wrong Basic credentials: the 401 is the answer (no loop), 22 with failOnError', async () => {
  log.length = 0;
  const r = await run({ url: `${srv.url}/basic`, userPwd: `${USER}:nope` });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.info.responseCode, 401);
  assert.equal(r.body.toString(), 'denied body');
  assert.equal(log.length, 1);
  const f = await run({ url: `${srv.url}/basic`, userPwd: `${USER}:nope`, failOnError: true });
  assert.equal(f.code, CurlCode.HTTP_RETURNED_ERROR);
  assert.equal(f.error, 'The requested URL returned error: 401');
});

for (const alg of ['MD5', 'MD5-sess', 'SHA-256']) {
  test(`Digest ${alg} with qop=auth: 401 then the answer, on the same connection`, async () => {
    log.length = 0;
    const r = await run({
      url: `${srv.url}/digest?alg=${alg}`,
      userPwd: `${USER}:${PASS}`,
      httpAuth: HttpAuth.DIGEST,
    });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.body.toString(), `digest ok ${alg}`);
    assert.equal(log.length, 2);
    assert.equal(log[0]!.auth, undefined);
    assert.match(
      log[1]!.auth!,
      new RegExp(
        `^Digest username="user", realm="test@realm", nonce="n\\d+", uri="/digest\\?alg=${alg}", cnonce="[0-9a-f]+", nc=00000001, qop=auth, response="[0-9a-f]+", opaque="opq", algorithm=${alg}$`,
      ),
    );
    assert.equal(log[1]!.port, log[0]!.port, 'same connection');
    assert.deepEqual(statusLines(r.headers), ['HTTP/1.1 401 Unauthorized', 'HTTP/1.1 200 OK']);
    assert.equal(r.info.numConnects, 1);
    assert.equal(r.info.redirectCount, 0);
    assert.equal(r.info.httpAuthAvail, HttpAuth.DIGEST);
  });
}

test('wrong Digest password: two requests, then the 401 stands', async () => {
  log.length = 0;
  const r = await run({ url: `${srv.url}/digest`, userPwd: `${USER}:bad`, httpAuth: HttpAuth.DIGEST });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.info.responseCode, 401);
  assert.equal(log.length, 2);
  assert.equal(r.body.toString(), 'denied body');
});

test('ANY asks without credentials first and picks Digest over Basic; ANYSAFE never sends Basic', async () => {
  log.length = 0;
  const r = await run({ url: `${srv.url}/any`, userPwd: `${USER}:${PASS}`, httpAuth: HttpAuth.ANY });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(r.body.toString(), 'digest ok MD5');
  assert.equal(log[0]!.auth, undefined);
  assert.match(log[1]!.auth!, /^Digest /);
  assert.equal(r.info.httpAuthAvail, HttpAuth.BASIC | HttpAuth.DIGEST);
  log.length = 0;
  const safe = await run({ url: `${srv.url}/basic`, userPwd: `${USER}:${PASS}`, httpAuth: HttpAuth.ANYSAFE });
  assert.equal(safe.info.responseCode, 401);
  assert.equal(log.length, 1);
  assert.equal(log[0]!.auth, undefined);
  const any = await run({ url: `${srv.url}/basic`, userPwd: `${USER}:${PASS}`, httpAuth: HttpAuth.ANY });
  assert.equal(any.body.toString(), 'basic ok');
});

test('Bearer: httpAuth BEARER sends xoauth2Bearer at once', async () => {
  log.length = 0;
  const r = await run({ url: `${srv.url}/bearer`, httpAuth: HttpAuth.BEARER, xoauth2Bearer: 'tok123' });
  assert.equal(r.body.toString(), 'bearer ok');
  assert.equal(log.length, 1);
  const wrong = await run({ url: `${srv.url}/bearer`, httpAuth: HttpAuth.BEARER, xoauth2Bearer: 'x' });
  assert.equal(wrong.info.responseCode, 401);
});

test('a redirect to another host drops the credentials unless unrestrictedAuth', async () => {
  log.length = 0;
  const r = await run({ url: `${srv.url}/elsewhere`, userPwd: `${USER}:${PASS}`, followLocation: true });
  assert.equal(r.info.responseCode, 401);
  assert.equal(log.at(-1)!.auth, undefined);
  const u = await run({
    url: `${srv.url}/elsewhere`,
    userPwd: `${USER}:${PASS}`,
    followLocation: true,
    unrestrictedAuth: true,
  });
  assert.equal(u.body.toString(), 'basic ok');
});

test('a custom Authorization header wins over the credentials', async () => {
  log.length = 0;
  await run({ url: `${srv.url}/open`, userPwd: `${USER}:${PASS}`, httpHeader: ['Authorization: Custom x'] });
  assert.equal(log[0]!.auth, 'Custom x');
});
