// Content decoding (CURLOPT_ACCEPT_ENCODING): the header sent, each coding decoded while
// streaming, stacked codings, corrupt data (61), unknown codings (61), a decompression bomb
// stopped by maxFileSize on decoded bytes (63), and the gzip and deflate framing as libcurl reads
// it (one gzip member; bytes after the stream are 23).
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { TransferError } from '../../src/core/errors.js';
import { CurlCode, Easy, NodeDriver, PAUSE, Pause } from '../../src/index.js';
import { GzipDecoder } from '../../src/multi/features/decode/gzip.js';
import { allEncodings, ContentDecoder } from '../../src/multi/features/decode/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { run } from './run.js';

const text = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(2000));
const hasZstd = typeof (zlib as unknown as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

let srv: TestServer;
let lastAcceptEncoding: string | undefined;
let releaseStream: (() => void) | undefined;

function send(res: ServerResponse, encoding: string, body: Buffer): void {
  res.writeHead(200, { 'Content-Encoding': encoding, 'Content-Length': body.length });
  res.end(body);
}

before(async () => {
  srv = await startHttpServer((req, res) => {
    lastAcceptEncoding = req.headers['accept-encoding'];
    const p = req.url ?? '/';
    if (p === '/gzip') return send(res, 'gzip', zlib.gzipSync(text));
    if (p === '/x-gzip') return send(res, 'x-gzip', zlib.gzipSync(text));
    if (p === '/deflate') return send(res, 'deflate', zlib.deflateSync(text));
    if (p === '/deflate-raw') return send(res, 'deflate', zlib.deflateRawSync(text));
    if (p === '/br') return send(res, 'br', zlib.brotliCompressSync(text));
    if (p === '/identity') return send(res, 'identity', text);
    if (p === '/stacked') return send(res, 'gzip, br', zlib.brotliCompressSync(zlib.gzipSync(text)));
    if (p === '/too-many')
      return send(
        res,
        'gzip, gzip, gzip, gzip, gzip, gzip',
        [1, 2, 3, 4, 5, 6].reduce((b) => zlib.gzipSync(b), text),
      );
    if (p === '/corrupt') {
      const gz = zlib.gzipSync(text);
      gz.fill(0x55, 20, 60);
      return send(res, 'gzip', gz);
    }
    if (p === '/not-gzip') return send(res, 'gzip', Buffer.from('this is plain text, not gzip'));
    if (p === '/unknown') return send(res, 'compress', Buffer.from('whatever'));
    if (p === '/bomb') return send(res, 'gzip', zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024)));
    if (p === '/head') {
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': 1234 });
      res.end();
      return;
    }
    if (p === '/chunked-gzip') {
      // Two flushed pieces; the second is sent only after the client wrote the first one.
      res.writeHead(200, { 'Content-Encoding': 'gzip' });
      const gz = zlib.createGzip();
      gz.on('data', (d: Buffer) => res.write(d));
      gz.on('end', () => res.end());
      gz.write('first part;');
      gz.flush(() => {
        releaseStream = () => {
          gz.end('second part');
        };
      });
      return;
    }
    if (hasZstd && p === '/zstd') {
      const z = (zlib as unknown as { zstdCompressSync(b: Buffer): Buffer }).zstdCompressSync(text);
      return send(res, 'zstd', z);
    }
    res.end('plain');
  });
});

after(async () => {
  await srv.close();
});

test("acceptEncoding '' asks for every supported coding, in libcurl's order", async () => {
  const r = await run({ url: `${srv.url}/gzip`, acceptEncoding: '' });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(lastAcceptEncoding, hasZstd ? 'deflate, gzip, br, zstd' : 'deflate, gzip, br');
  assert.equal(allEncodings(), lastAcceptEncoding);
  assert.ok(r.body.equals(text));
});

test('gzip, x-gzip, deflate (zlib and raw), br and identity bodies are decoded', async () => {
  for (const p of [
    'gzip',
    'x-gzip',
    'deflate',
    'deflate-raw',
    'br',
    'identity',
    ...(hasZstd ? ['zstd'] : []),
  ]) {
    const r = await run({ url: `${srv.url}/${p}`, acceptEncoding: '' });
    assert.equal(r.code, CurlCode.OK, `${p}: ${r.error}`);
    assert.ok(r.body.equals(text), `${p}: body differs (${r.body.length} bytes)`);
  }
});

test('sizeDownload counts the encoded bytes, as libcurl', async () => {
  const r = await run({ url: `${srv.url}/gzip`, acceptEncoding: '' });
  assert.equal(r.info.sizeDownload, zlib.gzipSync(text).length);
  assert.equal(r.info.contentLengthDownload, zlib.gzipSync(text).length);
});

test('stacked codings are undone last-applied first', async () => {
  const r = await run({ url: `${srv.url}/stacked`, acceptEncoding: '' });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.ok(r.body.equals(text));
});

test('more than 5 stacked codings are refused with 61', async () => {
  const r = await run({ url: `${srv.url}/too-many`, acceptEncoding: '' });
  assert.equal(r.code, CurlCode.BAD_CONTENT_ENCODING);
  assert.equal(r.error, 'Reject response due to more than 5 content encodings');
});

test('without acceptEncoding nothing is asked for and the body is written as received', async () => {
  const r = await run({ url: `${srv.url}/gzip` });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(lastAcceptEncoding, undefined);
  assert.ok(r.body.equals(zlib.gzipSync(text)));
});

test('a specific acceptEncoding is sent as given; any supported coding is still decoded', async () => {
  const r = await run({ url: `${srv.url}/br`, acceptEncoding: 'gzip' });
  assert.equal(lastAcceptEncoding, 'gzip');
  assert.equal(r.code, CurlCode.OK);
  assert.ok(r.body.equals(text));
});

test('a custom Accept-Encoding header replaces the generated one', async () => {
  await run({ url: `${srv.url}/gzip`, acceptEncoding: '', httpHeader: ['Accept-Encoding: br'] });
  assert.equal(lastAcceptEncoding, 'br');
});

test('corrupt gzip data fails with 61 and zlib names the problem', async () => {
  for (const p of ['corrupt', 'not-gzip']) {
    const r = await run({ url: `${srv.url}/${p}`, acceptEncoding: '' });
    assert.equal(r.code, CurlCode.BAD_CONTENT_ENCODING, p);
    assert.match(r.error, /^Error while processing content unencoding: /);
  }
  const r = await run({ url: `${srv.url}/not-gzip`, acceptEncoding: '' });
  assert.match(r.error, /incorrect header check/);
});

test('an unknown coding fails with 61 and lists what is understood', async () => {
  const r = await run({ url: `${srv.url}/unknown`, acceptEncoding: '' });
  assert.equal(r.code, CurlCode.BAD_CONTENT_ENCODING);
  assert.equal(
    r.error,
    `Unrecognized content encoding type. libcurl understands ${allEncodings()} content encodings.`,
  );
});

test('a decompression bomb is stopped by maxFileSize on decoded bytes (63)', async () => {
  const limit = 1024 * 1024;
  const r = await run({ url: `${srv.url}/bomb`, acceptEncoding: '', maxFileSize: limit });
  assert.equal(r.code, CurlCode.FILESIZE_EXCEEDED);
  assert.match(r.error, /^Exceeded the maximum allowed file size \(1048576\) with \d+ bytes$/);
  assert.ok(r.body.length <= limit, `wrote ${r.body.length} bytes past the limit`);
  assert.ok(r.info.sizeDownload < 200 * 1024, `read ${r.info.sizeDownload} encoded bytes`);
});

test('a HEAD response naming a coding has no body to decode', async () => {
  const r = await run({ url: `${srv.url}/head`, acceptEncoding: '', nobody: true });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(r.body.length, 0);
});

test('decoding streams: the first flushed piece is written before the rest is sent', async () => {
  const got: string[] = [];
  const easy = new Easy({
    url: `${srv.url}/chunked-gzip`,
    acceptEncoding: '',
    writeFunction: (c) => {
      got.push(c.toString());
      if (got.length === 1) setTimeout(() => releaseStream?.(), 10);
      return c.length;
    },
  });
  const d = new NodeDriver();
  const msg = await d.add(easy);
  d.close();
  assert.equal(msg.result, CurlCode.OK);
  assert.equal(got[0], 'first part;');
  assert.equal(got.join(''), 'first part;second part');
});

test('PAUSE from the write callback holds decoded output until unpaused', async () => {
  const pieces: Buffer[] = [];
  let paused = 0;
  const d = new NodeDriver();
  const easy: Easy = new Easy({
    url: `${srv.url}/br`,
    acceptEncoding: '',
    writeFunction: (c) => {
      if (paused < 3 && pieces.length === paused) {
        paused++;
        setTimeout(() => easy.pause(Pause.CONT), 5);
        return PAUSE;
      }
      pieces.push(Buffer.from(c));
      return c.length;
    },
  });
  const msg = await d.add(easy);
  d.close();
  assert.equal(msg.result, CurlCode.OK);
  assert.equal(paused, 3);
  assert.ok(Buffer.concat(pieces).equals(text));
});

test('the decoder gives the same output for any split of its input', () => {
  const gz = zlib.gzipSync(text);
  for (const step of [1, 7, 1000, gz.length]) {
    const dec = new GzipDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < gz.length; i += step) {
      dec.push(gz.subarray(i, i + step));
      for (let p = dec.read(); p !== null; p = dec.read()) out.push(Buffer.from(p));
    }
    dec.close();
    assert.ok(Buffer.concat(out).equals(text), `split ${step}`);
  }
});

/**
 * Streams of flushed segments of zeros, each 32 KiB decoded: a multiple of the decoder's 16 KiB
 * output piece, so at the end of every segment the output fills exactly as the flush's bytes run
 * out. A read that ends there left the decoder asking for output it did not have; it once took
 * that for the end of the stream and failed valid data (gzip: "incorrect data check", 61).
 */
const SEGMENT = 32 * 1024;
const SEGMENTS = 4;
const NO_BYTES = Buffer.alloc(SEGMENT);
async function flushedSegments(coding: string): Promise<Buffer> {
  const zeros = Buffer.alloc(SEGMENT);
  const full = { finishFlush: zlib.constants.Z_FULL_FLUSH };
  const raw = zlib.deflateRawSync(zeros, full);
  const end = zlib.deflateRawSync(Buffer.alloc(0)); // a last, empty block
  switch (coding) {
    case 'gzip': {
      const all = Buffer.alloc(SEGMENT * SEGMENTS);
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(zlib.crc32(all), 0);
      trailer.writeUInt32LE(all.length, 4);
      const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
      return Buffer.concat([header, ...Array<Buffer>(SEGMENTS).fill(raw), end, trailer]);
    }
    case 'deflate': // zlib-wrapped, never finished: the first segment carries the header
      return Buffer.concat([zlib.deflateSync(zeros, full), ...Array<Buffer>(SEGMENTS - 1).fill(raw)]);
    case 'br': {
      const enc = zlib.createBrotliCompress();
      const parts: Buffer[] = [];
      enc.on('data', (d: Buffer) => parts.push(d));
      for (let i = 0; i < SEGMENTS; i++) {
        await new Promise<void>((resolve) => {
          enc.write(zeros);
          enc.flush(zlib.constants.BROTLI_OPERATION_FLUSH, () => resolve());
        });
      }
      await new Promise<void>((resolve) => enc.end(resolve));
      return Buffer.concat(parts);
    }
    default: {
      const zstd = (zlib as unknown as { zstdCompressSync: (b: Buffer) => Buffer }).zstdCompressSync;
      return Buffer.concat(Array<Buffer>(SEGMENTS).fill(zstd(zeros)));
    }
  }
}

function decodeSplits(coding: string, input: Buffer, cuts: number[]): number {
  const dec = ContentDecoder.forResponse([['Content-Encoding', coding]])!;
  let out = 0;
  try {
    let from = 0;
    for (const at of [...cuts, input.length]) {
      dec.push(input.subarray(from, at));
      from = at;
      for (let p = dec.read(); p !== null; p = dec.read()) {
        assert.ok(p.equals(NO_BYTES.subarray(0, p.length)), 'decoded bytes are zeros');
        out += p.length;
      }
    }
  } finally {
    dec.close();
  }
  return out;
}

describe('a read may end anywhere, including where a flush filled the output exactly', () => {
  for (const coding of ['gzip', 'deflate', 'br', ...(hasZstd ? ['zstd'] : [])]) {
    test(`${coding}: every split in two decodes the whole stream`, async () => {
      const input = await flushedSegments(coding);
      for (let k = 1; k < input.length; k++) {
        assert.equal(
          decodeSplits(coding, input, [k]),
          SEGMENT * SEGMENTS,
          `split at ${k} of ${input.length}`,
        );
      }
    });
  }
  test('gzip: any number of splits anywhere (property)', async () => {
    const input = await flushedSegments('gzip');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: input.length - 1 }), { maxLength: 12 }),
        (cuts) => {
          cuts.sort((a, b) => a - b);
          assert.equal(decodeSplits('gzip', input, cuts), SEGMENT * SEGMENTS);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** A gzip member with the optional header fields (RFC 1952 2.3): FEXTRA, FNAME, FCOMMENT, FHCRC. */
function gzipWithAllFields(data: string, headerCrc?: number): Buffer {
  const plain = zlib.gzipSync(data);
  const head = Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3]),
    Buffer.from([3, 0, 1, 2, 3]),
    Buffer.from('name\0comment\0', 'latin1'),
  ]);
  const crc = headerCrc ?? zlib.crc32(head) & 0xffff;
  return Buffer.concat([head, Buffer.from([crc & 0xff, crc >> 8]), plain.subarray(10)]);
}

describe('the gzip and deflate framing as libcurl reads it (content_encoding.c)', () => {
  const member = (s: string) => zlib.gzipSync(s);
  const badTrailer = (at: number) => {
    const gz = member('hello');
    gz[gz.length - 8 + at]! ^= 1;
    return gz;
  };
  const cases: Array<{
    name: string;
    coding: string;
    input: Buffer;
    out: string;
    /** [code, message]: the transfer fails after `out` was decoded. */
    error?: [number, string | RegExp];
  }> = [
    { name: 'one member', coding: 'gzip', input: member('hello'), out: 'hello' },
    { name: 'x-gzip', coding: 'x-gzip', input: member('hello'), out: 'hello' },
    { name: 'every optional header field', coding: 'gzip', input: gzipWithAllFields('hello'), out: 'hello' },
    {
      name: 'a wrong header CRC',
      coding: 'gzip',
      input: gzipWithAllFields('hello', 0x1234),
      out: '',
      error: [61, 'header crc mismatch'],
    },
    {
      name: 'a second member: the first is decoded, then 23',
      coding: 'gzip',
      input: Buffer.concat([member('first,'), member('second')]),
      out: 'first,',
      error: [23, 'Failed writing received data to disk/application'],
    },
    {
      name: 'zero padding after the member',
      coding: 'gzip',
      input: Buffer.concat([member('first,'), Buffer.alloc(4)]),
      out: 'first,',
      error: [23, 'Failed writing received data to disk/application'],
    },
    {
      name: 'one byte of garbage after the member',
      coding: 'gzip',
      input: Buffer.concat([member('first,'), Buffer.from('x')]),
      out: 'first,',
      error: [23, 'Failed writing received data to disk/application'],
    },
    {
      name: 'a wrong data CRC',
      coding: 'gzip',
      input: badTrailer(0),
      out: 'hello',
      error: [61, 'incorrect data check'],
    },
    {
      name: 'a wrong length',
      coding: 'gzip',
      input: badTrailer(4),
      out: 'hello',
      error: [61, 'incorrect length check'],
    },
    {
      name: 'not gzip',
      coding: 'gzip',
      input: Buffer.from('plain text'),
      out: '',
      error: [61, 'incorrect header check'],
    },
    {
      name: 'not deflate inside',
      coding: 'gzip',
      input: Buffer.from([0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 3, 1, 2]),
      out: '',
      error: [61, 'unknown compression method'],
    },
    {
      name: 'reserved flag bits',
      coding: 'gzip',
      input: Buffer.from([0x1f, 0x8b, 8, 0x20, 0, 0, 0, 0, 0, 3, 1, 2]),
      out: '',
      error: [61, 'unknown header flags set'],
    },
    {
      name: 'a byte after a zlib stream',
      coding: 'deflate',
      input: Buffer.concat([zlib.deflateSync('hello'), Buffer.from('x')]),
      out: 'hello',
      error: [23, 'Failed writing received data to disk/application'],
    },
    {
      name: 'raw deflate: up to 4 trailing bytes tolerated',
      coding: 'deflate',
      input: Buffer.concat([zlib.deflateRawSync('hello'), Buffer.from('abcd')]),
      out: 'hello',
    },
    {
      name: 'raw deflate: the 5th trailing byte fails',
      coding: 'deflate',
      input: Buffer.concat([zlib.deflateRawSync('hello'), Buffer.from('abcde')]),
      out: 'hello',
      error: [23, 'Failed writing received data to disk/application'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      // Whole, byte by byte, and in two halves: the outcome does not depend on the reads.
      for (const step of [c.input.length, 1, Math.ceil(c.input.length / 2)]) {
        const dec = ContentDecoder.forResponse([['Content-Encoding', c.coding]])!;
        const out: Buffer[] = [];
        let error: unknown;
        try {
          for (let i = 0; i < c.input.length; i += step) {
            dec.push(c.input.subarray(i, i + step));
            for (let p = dec.read(); p !== null; p = dec.read()) out.push(Buffer.from(p));
          }
        } catch (e) {
          error = e;
        } finally {
          dec.close();
        }
        assert.equal(Buffer.concat(out).toString('latin1'), c.out, `output, split ${step}`);
        if (c.error === undefined) {
          assert.equal(error, undefined, `split ${step}`);
        } else {
          assert.ok(error instanceof TransferError, `split ${step}: ${String(error)}`);
          assert.equal(error.code, c.error[0], `code, split ${step}`);
          if (typeof c.error[1] === 'string') assert.ok(error.message.includes(c.error[1]), error.message);
          else assert.match(error.message, c.error[1]);
        }
      }
    });
  }
});
