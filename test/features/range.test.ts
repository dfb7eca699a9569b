// range and resumeFrom: Range / Content-Range headers, 206 bodies, a server that ignores ranges
// (33 for a resume, unless the document is complete), a mismatched Content-Range (33), 416 to a
// resume (no error, its body dropped, not 22 with failOnError), upload resume (bytes skipped).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode } from '../../src/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { run } from './run.js';

let srv: TestServer;
const DOC = Buffer.from(Array.from({ length: 1000 }, (_, i) => 65 + (i % 26)));
const seen: Array<{ url: string; range?: string; contentRange?: string; body: Buffer }> = [];

before(async () => {
  srv = await startHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      seen.push({
        url: req.url ?? '',
        ...(req.headers.range === undefined ? {} : { range: req.headers.range }),
        ...(req.headers['content-range'] === undefined ? {} : { contentRange: req.headers['content-range'] }),
        body: Buffer.concat(chunks),
      });
      const range = req.headers.range;
      if (req.method === 'PUT' || req.url === '/norange' || range === undefined) {
        res.end(req.method === 'PUT' ? 'stored' : DOC);
        return;
      }
      if (req.url === '/wrongrange') {
        res.writeHead(206, { 'Content-Range': `bytes 0-9/${DOC.length}` });
        res.end(DOC.subarray(0, 10));
        return;
      }
      const m = /^bytes=(\d*)-(\d*)$/.exec(range);
      let start = m?.[1] === '' ? DOC.length - Number(m?.[2]) : Number(m?.[1]);
      let end = m?.[1] !== '' && m?.[2] !== '' ? Number(m?.[2]) : DOC.length - 1;
      if (m === null || start >= DOC.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${DOC.length}` });
        res.end('range not satisfiable');
        return;
      }
      start = Math.max(0, start);
      end = Math.min(end, DOC.length - 1);
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${end}/${DOC.length}`,
        'Content-Length': end + 1 - start,
      });
      res.end(DOC.subarray(start, end + 1));
    });
  });
});

after(async () => {
  await srv.close();
});

test('range asks Range: bytes=<range> and gets the part', async () => {
  seen.length = 0;
  const r = await run({ url: `${srv.url}/doc`, range: '0-99' });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(seen[0]!.range, 'bytes=0-99');
  assert.equal(r.info.responseCode, 206);
  assert.ok(r.body.equals(DOC.subarray(0, 100)));
  assert.equal(r.info.contentLengthDownload, 100);
  const tail = await run({ url: `${srv.url}/doc`, range: '-200' });
  assert.ok(tail.body.equals(DOC.subarray(800)));
});

test('a server that ignores range: the whole document, no error (only resume insists)', async () => {
  const r = await run({ url: `${srv.url}/norange`, range: '0-99' });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.info.responseCode, 200);
  assert.equal(r.body.length, DOC.length);
});

test('resumeFrom asks bytes=N- and writes the rest; it wins over range', async () => {
  seen.length = 0;
  const r = await run({ url: `${srv.url}/doc`, resumeFrom: 400, range: '0-9' });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(seen[0]!.range, 'bytes=400-');
  assert.ok(r.body.equals(DOC.subarray(400)));
});

test('resumeFrom and a server without ranges: 33, nothing written', async () => {
  const r = await run({ url: `${srv.url}/norange`, resumeFrom: 400 });
  assert.equal(r.code, CurlCode.RANGE_ERROR);
  assert.equal(r.error, "HTTP server doesn't seem to support byte ranges. Cannot resume.");
  assert.equal(r.body.length, 0);
});

test('resumeFrom at the full size and a 200 of that size: the document is complete, OK', async () => {
  const r = await run({ url: `${srv.url}/norange`, resumeFrom: DOC.length });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(r.body.length, 0);
});

test('a Content-Range that starts elsewhere than asked: 33', async () => {
  const r = await run({ url: `${srv.url}/wrongrange`, resumeFrom: 400 });
  assert.equal(r.code, CurlCode.RANGE_ERROR);
});

test('416 to a resume is no error and its body is dropped, even with failOnError', async () => {
  for (const failOnError of [false, true]) {
    const r = await run({ url: `${srv.url}/doc`, resumeFrom: 5000, failOnError });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.info.responseCode, 416);
    assert.equal(r.body.length, 0);
  }
  // A 416 to a plain range is an ordinary error page: written, or 22 with failOnError.
  const plain = await run({ url: `${srv.url}/doc`, range: '5000-' });
  assert.equal(plain.body.toString(), 'range not satisfiable');
  const failed = await run({ url: `${srv.url}/doc`, range: '5000-', failOnError: true });
  assert.equal(failed.code, CurlCode.HTTP_RETURNED_ERROR);
});

test('a custom Range header replaces the option (no second Range)', async () => {
  seen.length = 0;
  const r = await run({ url: `${srv.url}/doc`, range: '0-1', httpHeader: ['Range: bytes=5-9'] });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(seen[0]!.range, 'bytes=5-9');
  assert.equal(r.body.toString(), DOC.subarray(5, 10).toString());
});

function readerOf(data: Buffer) {
  let off = 0;
  return {
    readFunction: (b: Buffer) => {
      const n = data.copy(b, 0, off, Math.min(data.length, off + 4));
      off += n;
      return n;
    },
    seekFunction: (offset: number) => {
      off = offset;
      return 0;
    },
  };
}

test('upload resume: the first resumeFrom bytes are skipped (read and dropped, or seeked), Content-Range says where', async () => {
  const data = Buffer.from('0123456789');
  for (const withSeek of [false, true]) {
    seen.length = 0;
    const rd = readerOf(data);
    const r = await run({
      url: `${srv.url}/put`,
      upload: true,
      inFileSize: 10,
      resumeFrom: 3,
      readFunction: rd.readFunction,
      ...(withSeek ? { seekFunction: rd.seekFunction } : {}),
    });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(seen[0]!.contentRange, 'bytes 3-9/10');
    assert.equal(seen[0]!.body.toString(), '3456789');
    assert.equal(r.info.contentLengthUpload, 7);
  }
});

test('upload resume at or past the size: 18 "File already completely uploaded"', async () => {
  const r = await run({
    url: `${srv.url}/put`,
    upload: true,
    inFileSize: 10,
    resumeFrom: 10,
    readFunction: readerOf(Buffer.from('0123456789')).readFunction,
  });
  assert.equal(r.code, CurlCode.PARTIAL_FILE);
  assert.equal(r.error, 'File already completely uploaded');
});
