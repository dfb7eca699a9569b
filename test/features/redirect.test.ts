// Redirects as libcurl follows them: CURLOPT_FOLLOWLOCATION, MAXREDIRS, POSTREDIR,
// UNRESTRICTED_AUTH, AUTOREFERER; CURLINFO_REDIRECT_URL / _COUNT / _TIME, EFFECTIVE_URL.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { CurlCode, EasyError } from '../../src/index.js';
import { Easy } from '../../src/multi/easy.js';
import { PostRedir } from '../../src/multi/options.js';
import {
  onRequestHead,
  type RawServer,
  startHttpServer,
  startRawServer,
  type TestServer,
} from '../helpers/http-server.js';
import { run, statusLines } from './run.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let a: TestServer;
let b: TestServer;
let raw: RawServer;
const seenA: Seen[] = [];
const seenB: Seen[] = [];

function record(into: Seen[], req: IncomingMessage, then: (body: string) => void): void {
  let body = '';
  req.setEncoding('latin1');
  req.on('data', (d: string) => {
    body += d;
  });
  req.on('end', () => {
    into.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    then(body);
  });
}

before(async () => {
  b = await startHttpServer((req, res) => {
    record(seenB, req, () => {
      if (req.url === '/back') {
        res.writeHead(302, { Location: `${a.url}/final` });
        res.end();
        return;
      }
      res.end(`B ${req.method} ${req.url}`);
    });
  });
  a = await startHttpServer((req, res) => {
    record(seenA, req, (body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const p = url.pathname;
      const code = /^\/(30\d)$/.exec(p);
      if (code !== null) {
        res.writeHead(Number(code[1]), { Location: '/final' });
        res.end('redirect body that must not be written');
        return;
      }
      if (p === '/final') {
        res.end(`final ${req.method} ${body}`);
        return;
      }
      if (p === '/chain') {
        const n = Number(url.searchParams.get('n'));
        if (n > 0) res.writeHead(302, { Location: `/chain?n=${n - 1}` });
        res.end(n > 0 ? '' : 'end of chain');
        return;
      }
      if (p === '/loop') {
        res.writeHead(301, { Location: '/loop' });
        res.end();
        return;
      }
      if (p === '/to-b') {
        res.writeHead(302, { Location: `${b.url}/landing` });
        res.end();
        return;
      }
      if (p === '/to-b-back') {
        res.writeHead(302, { Location: `${b.url}/back` });
        res.end();
        return;
      }
      if (p === '/empty-location') {
        res.writeHead(302, { Location: '' });
        res.end('no target');
        return;
      }
      if (p === '/ftp') {
        res.writeHead(302, { Location: 'ftp://127.0.0.1/file' });
        res.end();
        return;
      }
      if (p === '/sub/dir/rel') {
        res.writeHead(302, { Location: '../other?q=1' });
        res.end();
        return;
      }
      res.end(`A ${req.method} ${req.url}`);
    });
  });
  raw = await startRawServer((socket) => {
    onRequestHead(socket, (path) => {
      if (path === '/close-delimited') {
        // No length, Connection: close: the redirect's body runs to EOF; libcurl stops reading.
        socket.write(
          'HTTP/1.1 302 Found\r\nLocation: /done\r\nConnection: close\r\n\r\nendless body that never ends',
        );
        return;
      }
      if (path === '/interim') {
        socket.write(
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\nLocation: /done\r\nContent-Length: 0\r\n\r\n',
        );
        return;
      }
      if (path === '/latin1') {
        socket.write(
          Buffer.from('HTTP/1.1 302 Found\r\nLocation: /caf\xe9 x\r\nContent-Length: 0\r\n\r\n', 'latin1'),
        );
        return;
      }
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
    });
  });
});

after(async () => {
  await a.close();
  await b.close();
  await raw.close();
});

test('a relative Location is followed on the same connection; only the final body is written', async () => {
  const r = await run({ url: `${a.url}/302`, followLocation: true });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.body.toString(), 'final GET ');
  assert.equal(r.info.responseCode, 200);
  assert.equal(r.info.effectiveUrl, `${a.url}/final`);
  assert.equal(r.info.redirectCount, 1);
  assert.equal(r.info.redirectUrl, null);
  assert.equal(r.info.numConnects, 1);
  assert.deepEqual(statusLines(r.headers), ['HTTP/1.1 302 Found', 'HTTP/1.1 200 OK']);
  assert.ok(r.headers.some((h) => /^location: \/final\r\n$/i.test(h)));
});

test('without followLocation the 3xx is the result and redirectUrl says where it would go', async () => {
  const r = await run({ url: `${a.url}/301` });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.info.responseCode, 301);
  assert.equal(r.body.toString(), 'redirect body that must not be written');
  assert.equal(r.info.redirectUrl, `${a.url}/final`);
  assert.equal(r.info.redirectCount, 0);
  assert.equal(r.info.effectiveUrl, `${a.url}/301`);
});

test('dot segments of a relative Location resolve against the current URL', async () => {
  const r = await run({ url: `${a.url}/sub/dir/rel`, followLocation: true });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.info.effectiveUrl, `${a.url}/sub/other?q=1`);
  assert.equal(r.body.toString(), 'A GET /sub/other?q=1');
});

test('an absolute Location to another host:port opens a new connection there', async () => {
  const r = await run({ url: `${a.url}/to-b`, followLocation: true });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.body.toString(), 'B GET /landing');
  assert.equal(r.info.effectiveUrl, `${b.url}/landing`);
  assert.equal(r.info.primaryPort, b.port);
  assert.equal(r.info.numConnects, 2);
});

test('maxRedirs: past the limit the transfer fails with 47 and redirectUrl names the next hop', async () => {
  const r = await run({ url: `${a.url}/loop`, followLocation: true, maxRedirs: 3 });
  assert.equal(r.code, CurlCode.TOO_MANY_REDIRECTS);
  assert.equal(r.error, 'Maximum (3) redirects followed');
  assert.equal(r.info.redirectCount, 3);
  assert.equal(r.info.redirectUrl, `${a.url}/loop`);
  assert.equal(statusLines(r.headers).length, 4);
});

test('maxRedirs 0 refuses the first redirect', async () => {
  const r = await run({ url: `${a.url}/302`, followLocation: true, maxRedirs: 0 });
  assert.equal(r.code, CurlCode.TOO_MANY_REDIRECTS);
  assert.equal(r.info.redirectCount, 0);
  assert.equal(r.info.responseCode, 302);
});

test('the default limit is 30 (libcurl 8.3+); -1 is unlimited', async () => {
  const ok = await run({ url: `${a.url}/chain?n=30`, followLocation: true });
  assert.equal(ok.code, CurlCode.OK);
  assert.equal(ok.info.redirectCount, 30);
  assert.equal(ok.body.toString(), 'end of chain');
  const over = await run({ url: `${a.url}/chain?n=31`, followLocation: true });
  assert.equal(over.code, CurlCode.TOO_MANY_REDIRECTS);
  assert.equal(over.error, 'Maximum (30) redirects followed');
  const unlimited = await run({ url: `${a.url}/chain?n=40`, followLocation: true, maxRedirs: -1 });
  assert.equal(unlimited.code, CurlCode.OK);
  assert.equal(unlimited.info.redirectCount, 40);
});

test('maxRedirs below -1 is refused at the call', () => {
  assert.throws(
    () => new Easy({ maxRedirs: -2 }),
    (e: unknown) => e instanceof EasyError && e.code === CurlCode.BAD_FUNCTION_ARGUMENT,
  );
  assert.throws(
    () => new Easy({ postRedir: 8 }),
    (e: unknown) => e instanceof EasyError && e.code === CurlCode.BAD_FUNCTION_ARGUMENT,
  );
});

async function postThrough(status: number, postRedir?: number): Promise<Seen> {
  seenA.length = 0;
  const r = await run({
    url: `${a.url}/${status}`,
    followLocation: true,
    postFields: 'x=1',
    ...(postRedir === undefined ? {} : { postRedir }),
  });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(seenA.length, 2);
  assert.equal(seenA[0]!.method, 'POST');
  assert.equal(seenA[0]!.body, 'x=1');
  return seenA[1]!;
}

test('postRedir: 301, 302 and 303 switch a POST to GET without a body by default', async () => {
  for (const status of [301, 302, 303]) {
    const second = await postThrough(status);
    assert.equal(second.method, 'GET', `after ${status}`);
    assert.equal(second.body, '');
    assert.equal(second.headers['content-length'], undefined);
    assert.equal(second.headers['content-type'], undefined);
  }
});

test('postRedir bits keep the POST and its body for that status only', async () => {
  const s301 = await postThrough(301, PostRedir.POST_301);
  assert.equal(s301.method, 'POST');
  assert.equal(s301.body, 'x=1');
  const s302 = await postThrough(302, PostRedir.POST_301);
  assert.equal(s302.method, 'GET');
  const s302kept = await postThrough(302, PostRedir.POST_302);
  assert.equal(s302kept.method, 'POST');
  const s303 = await postThrough(303, PostRedir.POST_303);
  assert.equal(s303.method, 'POST');
  assert.equal(s303.body, 'x=1');
  const all = await postThrough(303, PostRedir.POST_ALL);
  assert.equal(all.method, 'POST');
});

test('307 and 308 repeat the POST with its body', async () => {
  for (const status of [307, 308]) {
    const second = await postThrough(status);
    assert.equal(second.method, 'POST', `after ${status}`);
    assert.equal(second.body, 'x=1');
  }
});

test('a HEAD (nobody) stays HEAD through a 303', async () => {
  seenA.length = 0;
  const r = await run({ url: `${a.url}/303`, followLocation: true, nobody: true });
  assert.equal(r.code, CurlCode.OK);
  assert.deepEqual(
    seenA.map((s) => s.method),
    ['HEAD', 'HEAD'],
  );
});

test('custom Authorization and Cookie headers do not follow to another host', async () => {
  seenB.length = 0;
  const r = await run({
    url: `${a.url}/to-b`,
    followLocation: true,
    httpHeader: ['Authorization: Bearer secret', 'Cookie: s=1', 'X-Other: kept'],
  });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(seenB.length, 1);
  assert.equal(seenB[0]!.headers.authorization, undefined);
  assert.equal(seenB[0]!.headers.cookie, undefined);
  assert.equal(seenB[0]!.headers['x-other'], 'kept');
});

test('unrestrictedAuth sends them to the other host too', async () => {
  seenB.length = 0;
  const r = await run({
    url: `${a.url}/to-b`,
    followLocation: true,
    unrestrictedAuth: true,
    httpHeader: ['Authorization: Bearer secret', 'Cookie: s=1'],
  });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(seenB[0]!.headers.authorization, 'Bearer secret');
  assert.equal(seenB[0]!.headers.cookie, 's=1');
});

test('credentials come back on a redirect to the first host (same scheme, host, port)', async () => {
  seenA.length = 0;
  seenB.length = 0;
  const r = await run({
    url: `${a.url}/to-b-back`,
    followLocation: true,
    httpHeader: ['Authorization: Bearer secret'],
  });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(seenB[0]!.headers.authorization, undefined);
  assert.equal(seenA.at(-1)!.url, '/final');
  assert.equal(seenA.at(-1)!.headers.authorization, 'Bearer secret');
});

test('a custom Host header is not sent to another host on a redirect', async () => {
  seenB.length = 0;
  const r = await run({ url: `${a.url}/to-b`, followLocation: true, httpHeader: ['Host: example.test'] });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(seenB[0]!.headers.host, `127.0.0.1:${b.port}`);
});

test('autoReferer sends the previous URL without credentials or fragment', async () => {
  seenA.length = 0;
  const r = await run({
    url: `http://user:pw@127.0.0.1:${a.port}/302?x=1#frag`,
    followLocation: true,
    autoReferer: true,
  });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(seenA[0]!.headers.referer, undefined);
  assert.equal(seenA[1]!.headers.referer, `${a.url}/302?x=1`);
});

test('without autoReferer a set referer stays as it was', async () => {
  seenA.length = 0;
  await run({ url: `${a.url}/302`, followLocation: true, referer: 'http://ref.test/' });
  assert.equal(seenA[1]!.headers.referer, 'http://ref.test/');
});

test('an empty Location is no redirect', async () => {
  const r = await run({ url: `${a.url}/empty-location`, followLocation: true });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.info.responseCode, 302);
  assert.equal(r.body.toString(), 'no target');
  assert.equal(r.info.redirectUrl, null);
});

test('a redirect to a scheme that is not supported fails with 1', async () => {
  const r = await run({ url: `${a.url}/ftp`, followLocation: true });
  assert.equal(r.code, CurlCode.UNSUPPORTED_PROTOCOL);
  // curl 8 (lib/url.c findprotocol): a scheme libcurl knows but the build does not speak.
  assert.equal(r.error, 'Protocol "ftp" is disabled (in redirect)');
  assert.equal(r.info.redirectCount, 1);
});

test('a close-delimited redirect body is not waited for', async () => {
  const r = await run({ url: `${raw.url}/close-delimited`, followLocation: true, timeoutMs: 3000 });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.body.toString(), '/done');
  assert.equal(r.info.numConnects, 2);
});

test('headerFunction gets interim, redirect and final header lines in order', async () => {
  const r = await run({ url: `${raw.url}/interim`, followLocation: true });
  assert.equal(r.code, CurlCode.OK);
  assert.deepEqual(r.headers, [
    'HTTP/1.1 100 Continue\r\n',
    '\r\n',
    'HTTP/1.1 302 Found\r\n',
    'Location: /done\r\n',
    'Content-Length: 0\r\n',
    '\r\n',
    'HTTP/1.1 200 OK\r\n',
    'Content-Length: 5\r\n',
    '\r\n',
  ]);
});

test('Location bytes beyond ASCII are percent-encoded as bytes, spaces as %20', async () => {
  const r = await run({ url: `${raw.url}/latin1`, followLocation: true });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.body.toString(), '/caf%E9%20x');
});

test('redirectTime covers the followed hops and is part of totalTime', async () => {
  const r = await run({ url: `${a.url}/chain?n=3`, followLocation: true });
  assert.equal(r.code, CurlCode.OK);
  assert.ok(r.info.redirectTime > 0, `redirectTime ${r.info.redirectTime}`);
  assert.ok(r.info.redirectTime <= r.info.totalTime);
  assert.ok(r.info.starttransferTime > 0);
  assert.equal(r.info.redirectTimeT, Math.round(r.info.redirectTime * 1e6));
});

test('sizes start over on each hop: sizeDownload is the final body only', async () => {
  const r = await run({
    url: `${a.url}/302`,
    followLocation: true,
    postFields: 'abc',
    postRedir: PostRedir.POST_302,
  });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.info.sizeDownload, r.body.length);
  assert.equal(r.info.sizeUpload, 3);
  assert.ok(r.info.headerSize > 0);
});
