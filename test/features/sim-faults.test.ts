// The transfer features under the simulator's faults, in virtual time: digest auth against a
// server whose first connection resets, a slow drip under maxRecvSpeed, a redirect chain whose
// last hop stalls (28 at the total deadline), a gzip body cut short (18), an upload reset
// mid-body (55).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CurlCode, Easy, HttpAuth } from '../../src/index.js';
import { SimNetwork } from '../../src/sim.js';

function collect(): { chunks: Buffer[]; writeFunction: (c: Buffer) => number } {
  const chunks: Buffer[] = [];
  return {
    chunks,
    writeFunction: (c) => {
      chunks.push(Buffer.from(c));
      return c.length;
    },
  };
}

test('digest auth: the first connection resets (56), the retry does the 401 round and gets 200', async () => {
  const net = new SimNetwork({ seed: 5 });
  const auths: Array<string | undefined> = [];
  net.listen(
    'auth.test',
    80,
    (req, res) => {
      const a = req.headers.authorization;
      auths.push(a);
      if (a === undefined || !a.startsWith('Digest ')) {
        res.writeHead(401, {
          'www-authenticate': 'Digest realm="sim", nonce="abc123", qop="auth", algorithm=MD5',
        });
        res.end('who are you');
        return;
      }
      res.end('welcome');
    },
    { latencyMs: 10, faults: [{ kind: 'reset', afterBytes: 0, connections: [0] }] },
  );
  const multi = net.createMulti();
  const out = collect();
  const easy = new Easy({
    url: 'http://auth.test/secret',
    userPwd: 'user:pass',
    httpAuth: HttpAuth.DIGEST,
    writeFunction: out.writeFunction,
  });
  multi.addHandle(easy);
  await net.run();
  assert.equal(multi.infoRead()?.result, CurlCode.RECV_ERROR);
  multi.removeHandle(easy);
  out.chunks.length = 0;
  multi.addHandle(easy);
  await net.run();
  assert.equal(multi.infoRead()?.result, CurlCode.OK, easy.errorBuffer);
  assert.equal(Buffer.concat(out.chunks).toString(), 'welcome');
  const info = easy.getInfo();
  assert.equal(info.responseCode, 200);
  assert.equal(info.httpAuthUsed, HttpAuth.DIGEST);
  assert.equal(auths.at(-2), undefined);
  assert.match(auths.at(-1)!, /^Digest username="user", realm="sim", nonce="abc123", uri="\/secret"/);
  multi.close();
});

test('a server dripping one byte per 10 ms under maxRecvSpeed 50 B/s: the body arrives whole at the limit', async () => {
  const net = new SimNetwork({ seed: 7 });
  const body = 'z'.repeat(500);
  net.listen('drip.test', 80, (_req, res) => res.end(body), {
    latencyMs: 5,
    faults: [{ kind: 'drip', intervalMs: 10, from: 'body' }],
  });
  const multi = net.createMulti();
  const out = collect();
  const easy = new Easy({ url: 'http://drip.test/', maxRecvSpeed: 50, writeFunction: out.writeFunction });
  multi.addHandle(easy);
  await net.run();
  assert.equal(multi.infoRead()?.result, CurlCode.OK, easy.errorBuffer);
  assert.equal(Buffer.concat(out.chunks).toString(), body);
  const info = easy.getInfo();
  // The drip alone would take 5 s (100 B/s); the limit makes it 10 s for the body (the limiter
  // also counts the ~40 header bytes: up to 10.8 s).
  assert.ok(info.totalTime >= 9.9 && info.totalTime <= 11, `total ${info.totalTime} s`);
  assert.ok(info.speedDownload <= 50 * 1.05, `speed ${info.speedDownload}`);
  multi.close();
});

test('a redirect chain whose last hop stalls: 28 at exactly the total deadline, the hops counted', async () => {
  const net = new SimNetwork({ seed: 9 });
  net.listen('a.test', 80, (_req, res) => {
    res.writeHead(302, { location: 'http://b.test/two' });
    res.end();
  });
  net.listen('b.test', 80, (_req, res) => {
    res.writeHead(301, { location: 'http://c.test/three' });
    res.end();
  });
  net.listen('c.test', 80, (_req, res) => res.end('never'), { faults: [{ kind: 'stall' }] });
  const multi = net.createMulti();
  const easy = new Easy({
    url: 'http://a.test/one',
    followLocation: true,
    timeoutMs: 7_000,
    writeFunction: (c) => c.length,
  });
  multi.addHandle(easy);
  await net.run();
  assert.equal(multi.infoRead()?.result, CurlCode.OPERATION_TIMEDOUT);
  assert.equal(net.now(), 7_000);
  const info = easy.getInfo();
  assert.equal(info.redirectCount, 2);
  assert.equal(info.effectiveUrl, 'http://c.test/three');
  assert.match(easy.errorBuffer, /^Operation timed out after 7000 milliseconds with 0 bytes received/);
  multi.close();
});

test('a gzip body cut short (Content-Length promises more): 18 with the decoded part delivered', async () => {
  const net = new SimNetwork({ seed: 11 });
  const plain = Buffer.from(Array.from({ length: 4000 }, (_, i) => `line ${i}\n`).join(''));
  const gz = gzipSync(plain);
  net.listen(
    'gz.test',
    80,
    (_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(gz);
    },
    { faults: [{ kind: 'truncate', keepBytes: Math.floor(gz.length / 2) }] },
  );
  const multi = net.createMulti();
  const out = collect();
  const easy = new Easy({ url: 'http://gz.test/', acceptEncoding: '', writeFunction: out.writeFunction });
  multi.addHandle(easy);
  await net.run();
  assert.equal(multi.infoRead()?.result, CurlCode.PARTIAL_FILE, easy.errorBuffer);
  const got = Buffer.concat(out.chunks);
  assert.ok(got.length > 0 && got.length < plain.length, `decoded ${got.length}`);
  assert.deepEqual(got, plain.subarray(0, got.length));
  multi.close();
});

test('an upload the server resets mid-body: 55 SEND_ERROR, nothing left behind', async () => {
  const net = new SimNetwork({ seed: 13 });
  let received = 0;
  net.listenRaw('up.test', 80, (conn) => {
    conn.onData((b) => {
      received += b.length;
      if (received > 100_000) conn.reset();
    });
  });
  const multi = net.createMulti();
  const body = Buffer.alloc(900_000, 0x41);
  const easy = new Easy({ url: 'http://up.test/', postFields: body, writeFunction: (c) => c.length });
  multi.addHandle(easy);
  await net.run();
  assert.equal(multi.infoRead()?.result, CurlCode.SEND_ERROR, easy.errorBuffer);
  const info = easy.getInfo();
  assert.ok(info.sizeUpload > 0 && info.sizeUpload < body.length, `uploaded ${info.sizeUpload}`);
  multi.close();
  assert.equal(net.announcedSockets(), 0);
  assert.equal(net.timerArmed(), false);
});
