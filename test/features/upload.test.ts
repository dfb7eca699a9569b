// Request bodies: readFunction streams (inFileSize -> Content-Length, unknown -> chunked), upload
// (PUT), post + postFieldSize, Expect: 100-continue (threshold, timeout, 417 retry), a server that
// answers early, and the read callback's return values.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, HttpVersion, NodeDriver, PAUSE, Pause, READFUNC_ABORT } from '../../src/index.js';
import { type RawServer, startHttpServer, startRawServer, type TestServer } from '../helpers/http-server.js';
import { run } from './run.js';

interface Got {
  method: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let srv: TestServer;
let got: Got[] = [];
let raw417: RawServer;
let rawSilent: RawServer;
const raw417Heads: string[] = [];

/** A read callback serving `data` in pieces of at most `piece` bytes. */
function reader(data: Buffer, piece = 1000): { fn: (b: Buffer) => number; calls: () => number } {
  let off = 0;
  let calls = 0;
  return {
    fn: (b) => {
      calls++;
      const n = Math.min(piece, b.length, data.length - off);
      data.copy(b, 0, off, off + n);
      off += n;
      return n;
    },
    calls: () => calls,
  };
}

function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

before(async () => {
  srv = await startHttpServer((req, res) => {
    if (req.url === '/reject-now') {
      res.writeHead(413, { 'Content-Type': 'text/plain' });
      res.end('too large');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      got.push({ method: req.method ?? '', headers: req.headers, body });
      if (req.url === '/307') {
        res.writeHead(307, { Location: '/' });
        res.end();
        return;
      }
      res.end(`got ${body.length}`);
    });
  });
  srv.server.on('checkContinue', (req, res) => {
    if (req.url === '/reject-now') {
      res.writeHead(413);
      res.end('no thanks');
      return;
    }
    res.writeContinue();
    srv.server.emit('request', req, res);
  });
  // Answers 417 to a request that carries Expect, else reads the body and says how long it was.
  raw417 = await startRawServer((socket) => serveRaw(socket, true));
  // Never sends 100 Continue: the client has to stop waiting on its own.
  rawSilent = await startRawServer((socket) => serveRaw(socket, false));
});

function serveRaw(socket: NetSocket, answer417: boolean): void {
  let buf = Buffer.alloc(0);
  let need = -1;
  let head = '';
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (need < 0) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        if (answer417) raw417Heads.push(head);
        const cl = /content-length: (\d+)/i.exec(head);
        need = cl === null ? 0 : Number(cl[1]);
        if (answer417 && /expect: 100-continue/i.test(head)) {
          socket.write('HTTP/1.1 417 Expectation Failed\r\nContent-Length: 4\r\n\r\nnope');
          need = -1;
          buf = Buffer.alloc(0);
          continue;
        }
      }
      if (buf.length < need) return;
      buf = buf.subarray(need);
      const reply = `got ${need} at ${Date.now()}`;
      need = -1;
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${reply.length}\r\n\r\n${reply}`);
    }
  });
}

after(async () => {
  await srv.close();
  await raw417.close();
  await rawSilent.close();
});

test('upload with inFileSize: a PUT with Content-Length, the read callback streamed', async () => {
  got = [];
  const data = pattern(300_000);
  const rd = reader(data, 5000);
  const r = await run({ url: `${srv.url}/`, upload: true, inFileSize: data.length, readFunction: rd.fn });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(got[0]!.method, 'PUT');
  assert.equal(got[0]!.headers['content-length'], String(data.length));
  assert.equal(got[0]!.headers['transfer-encoding'], undefined);
  assert.equal(got[0]!.headers['content-type'], undefined);
  assert.equal(got[0]!.headers.expect, undefined);
  assert.ok(got[0]!.body.equals(data));
  assert.ok(rd.calls() >= 60);
  assert.equal(r.info.sizeUpload, data.length);
  assert.equal(r.info.contentLengthUpload, data.length);
  assert.equal(r.body.toString(), `got ${data.length}`);
});

test('an upload of unknown size goes chunked, with Expect: 100-continue', async () => {
  got = [];
  const data = pattern(150_000);
  const r = await run({ url: `${srv.url}/`, upload: true, readFunction: reader(data, 7000).fn });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(got[0]!.headers['transfer-encoding'], 'chunked');
  assert.equal(got[0]!.headers['content-length'], undefined);
  assert.equal(got[0]!.headers.expect, '100-continue');
  assert.ok(got[0]!.body.equals(data));
  assert.equal(r.info.sizeUpload, data.length);
  assert.equal(r.info.contentLengthUpload, -1);
  assert.ok(r.headers.includes('HTTP/1.1 100 Continue\r\n'));
});

test('post + readFunction + postFieldSize: a form POST from the callback', async () => {
  got = [];
  const data = Buffer.from('a=1&b=2');
  const r = await run({
    url: `${srv.url}/`,
    post: true,
    postFieldSize: data.length,
    readFunction: reader(data).fn,
  });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(got[0]!.method, 'POST');
  assert.equal(got[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(got[0]!.body.toString(), 'a=1&b=2');
});

test('postFields above 1 MiB ask with Expect: 100-continue; small ones do not', async () => {
  got = [];
  const big = pattern(1024 * 1024 + 1);
  const r = await run({ url: `${srv.url}/`, postFields: big });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(got[0]!.headers.expect, '100-continue');
  assert.ok(got[0]!.body.equals(big));
  assert.equal(r.info.sizeUpload, big.length);
  const small = await run({ url: `${srv.url}/`, postFields: pattern(1024 * 1024) });
  assert.equal(small.code, CurlCode.OK);
  assert.equal(got[1]!.headers.expect, undefined);
});

test("an empty 'Expect:' header turns the 100-continue off", async () => {
  got = [];
  const r = await run({ url: `${srv.url}/`, postFields: pattern(2 * 1024 * 1024), httpHeader: ['Expect:'] });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(got[0]!.headers.expect, undefined);
});

test('no 100 Continue within expect100TimeoutMs: the body is sent anyway', async () => {
  const data = pattern(2 * 1024 * 1024);
  const t0 = Date.now();
  const r = await run({ url: `${rawSilent.url}/`, postFields: data, expect100TimeoutMs: 300 });
  const waited = Date.now() - t0;
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.match(r.body.toString(), new RegExp(`^got ${data.length} `));
  assert.ok(waited >= 290, `sent after ${waited} ms`);
  assert.ok(waited < 900, `sent after ${waited} ms`);
});

test('the expect100 timeout defaults to 1 s', async () => {
  const t0 = Date.now();
  const size = 1024 * 1024 + 10;
  const r = await run({
    url: `${rawSilent.url}/`,
    upload: true,
    inFileSize: size,
    readFunction: reader(pattern(size)).fn,
  });
  const waited = Date.now() - t0;
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(r.body.toString().split(' ')[1], String(size));
  assert.ok(waited >= 990 && waited < 1800, `sent after ${waited} ms`);
});

test('417 to the Expect: the request is repeated without it, and the 417 body is not written', async () => {
  raw417Heads.length = 0;
  const data = pattern(2 * 1024 * 1024);
  const r = await run({ url: `${raw417.url}/x`, postFields: data });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(r.info.responseCode, 200);
  assert.equal(raw417Heads.length, 2);
  assert.match(raw417Heads[0]!, /expect: 100-continue/i);
  assert.doesNotMatch(raw417Heads[1]!, /expect/i);
  assert.match(r.body.toString(), new RegExp(`^got ${data.length} `));
  assert.equal(r.info.redirectCount, 0);
  assert.ok(r.headers.includes('HTTP/1.1 417 Expectation Failed\r\n'));
});

test('a final answer while waiting for 100 (413) ends the transfer without sending the body', async () => {
  const rd = reader(pattern(5 * 1024 * 1024), 65536);
  const r = await run({
    url: `${srv.url}/reject-now`,
    upload: true,
    inFileSize: 5 * 1024 * 1024,
    readFunction: rd.fn,
  });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(r.info.responseCode, 413);
  assert.equal(r.body.toString(), 'no thanks');
  assert.equal(rd.calls(), 0);
  assert.equal(r.info.sizeUpload, 0);
});

test('a server answering 413 mid-upload stops the upload cleanly (and 22 with failOnError)', async () => {
  const size = 64 * 1024 * 1024;
  const rd = reader(pattern(size), 65536);
  const r = await run({
    url: `${srv.url}/reject-now`,
    upload: true,
    inFileSize: size,
    readFunction: rd.fn,
    httpHeader: ['Expect:'],
  });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(r.info.responseCode, 413);
  assert.equal(r.body.toString(), 'too large');
  assert.ok(r.info.sizeUpload < size, `sent all ${r.info.sizeUpload} bytes`);
  const f = await run({
    url: `${srv.url}/reject-now`,
    upload: true,
    inFileSize: size,
    readFunction: reader(pattern(size), 65536).fn,
    httpHeader: ['Expect:'],
    failOnError: true,
  });
  assert.equal(f.code, CurlCode.HTTP_RETURNED_ERROR);
  assert.equal(f.error, 'The requested URL returned error: 413');
});

test('READFUNC_ABORT aborts with 42', async () => {
  const r = await run({
    url: `${srv.url}/`,
    upload: true,
    inFileSize: 10,
    readFunction: () => READFUNC_ABORT,
  });
  assert.equal(r.code, CurlCode.ABORTED_BY_CALLBACK);
  assert.equal(r.error, 'operation aborted by callback');
});

test('a read callback returning more than the buffer is 26', async () => {
  const r = await run({
    url: `${srv.url}/`,
    upload: true,
    readFunction: (b) => b.length + 1,
    httpHeader: ['Expect:'],
  });
  assert.equal(r.code, CurlCode.READ_ERROR);
  assert.equal(r.error, 'read function returned funny value');
});

test('EOF before inFileSize bytes is 26 with the counts', async () => {
  const r = await run({
    url: `${srv.url}/`,
    upload: true,
    inFileSize: 100,
    readFunction: reader(pattern(40)).fn,
  });
  assert.equal(r.code, CurlCode.READ_ERROR);
  assert.equal(r.error, 'client read function EOF fail, only 40/100 of needed bytes read');
});

test('PAUSE from the read callback stops sending until easy.pause(CONT)', async () => {
  got = [];
  const data = pattern(50_000);
  const rd = reader(data, 4000);
  let pauses = 0;
  const d = new NodeDriver();
  const easy: Easy = new Easy({
    url: `${srv.url}/`,
    upload: true,
    inFileSize: data.length,
    readFunction: (b) => {
      if (pauses < 3 && rd.calls() === pauses * 4) {
        pauses++;
        setTimeout(() => easy.pause(Pause.CONT), 20);
        return PAUSE;
      }
      return rd.fn(b);
    },
  });
  const t0 = Date.now();
  const msg = await d.add(easy);
  d.close();
  assert.equal(msg.result, CurlCode.OK, easy.errorBuffer);
  assert.equal(pauses, 3);
  assert.ok(Date.now() - t0 >= 55);
  assert.ok(got[0]!.body.equals(data));
});

test('a 307 cannot repeat a read-callback body without rewinding: 65', async () => {
  const r = await run({
    url: `${srv.url}/307`,
    followLocation: true,
    upload: true,
    inFileSize: 5,
    readFunction: reader(Buffer.from('hello')).fn,
  });
  assert.equal(r.code, CurlCode.SEND_FAIL_REWIND);
  assert.equal(r.error, "necessary data rewind wasn't possible");
});

test('HTTP/1.0 cannot send a body of unknown size: 25', async () => {
  const r = await run({
    url: `${srv.url}/`,
    upload: true,
    readFunction: reader(Buffer.from('x')).fn,
    httpVersion: HttpVersion.V1_0,
  });
  assert.equal(r.code, CurlCode.UPLOAD_FAILED);
  assert.equal(r.error, 'Chunky upload is not supported by HTTP 1.0');
});
