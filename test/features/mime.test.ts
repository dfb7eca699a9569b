// mimePost (curl -F): the bytes tscurl sends compared with what /usr/bin/curl -F sends to the same
// echoing node:http server, the boundary normalised; Content-Length when every size is known,
// chunked otherwise; file parts streamed; rewinds for a 307; 26 for a missing file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, Mime, NodeDriver, PAUSE, Pause } from '../../src/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { run } from './run.js';

interface Echo {
  method: string;
  contentType: string;
  contentLength: string | undefined;
  transferEncoding: string | undefined;
  expect: string | undefined;
  body: string;
  bytes: number;
}

let srv: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'tscurl-mime-'));
const txt = join(dir, 'hello.txt');
const bin = join(dir, 'data.bin');
const noext = join(dir, 'noext');
const big = join(dir, 'big.dat');

before(async () => {
  writeFileSync(txt, 'hello file\nsecond line\n');
  writeFileSync(bin, Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff)));
  writeFileSync(noext, 'no extension');
  srv = await startHttpServer((req, res) => {
    if (req.url === '/redirect') {
      req.resume();
      req.on('end', () => {
        res.writeHead(307, { Location: '/echo' });
        res.end();
      });
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      chunks.push(c);
    });
    req.on('end', () => {
      const echo: Echo = {
        method: req.method ?? '',
        contentType: req.headers['content-type'] ?? '',
        contentLength: req.headers['content-length'],
        transferEncoding: req.headers['transfer-encoding'],
        expect: req.headers.expect,
        body: Buffer.concat(chunks).toString('latin1'),
        bytes,
      };
      res.end(JSON.stringify(echo));
    });
  });
});

after(async () => {
  await srv.close();
});

/** The boundary replaced by a fixed word, everywhere it appears. */
function normalise(e: Echo): Echo {
  const m = /boundary=(.*)$/.exec(e.contentType);
  assert.ok(m, `no boundary in ${e.contentType}`);
  const b = m[1]!;
  assert.match(b, /^-{24}[0-9A-Za-z]{16,22}$/);
  const r = (s: string) => s.split(b).join('BOUNDARY');
  const n = { ...e, contentType: r(e.contentType), body: r(e.body) };
  // The length differs by the boundary length difference times its occurrences (curl 7.88: 16 hex).
  const count = e.body.split(b).length - 1;
  if (e.contentLength !== undefined)
    n.contentLength = String(Number(e.contentLength) - count * (b.length - 'BOUNDARY'.length));
  return n;
}

function curlF(args: string[], path = '/echo', stdin?: string): Promise<Echo> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      '/usr/bin/curl',
      ['-s', '--max-time', '20', ...args.flatMap((a) => ['-F', a]), `${srv.url}${path}`],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as Echo)),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
    else child.stdin!.end();
  });
}

async function tscurl(mime: Mime, path = '/echo', extra = {}): Promise<Echo> {
  const r = await run({ url: `${srv.url}${path}`, mimePost: mime, ...extra });
  assert.equal(r.code, CurlCode.OK, r.error);
  return JSON.parse(r.body.toString()) as Echo;
}

test('the bytes match curl -F: fields, files with types by extension, <file, type, filename, headers, escaped names', async () => {
  const args = [
    'name=value',
    `file=@${txt}`,
    `bin=@${bin}`,
    `plain=@${noext}`,
    `raw=<${txt}`,
    'typed=hello;type=text/x-custom',
    'named=data;filename=a.html',
    'hdr=v;headers="X-Extra: 1"',
    'we"ird=1',
    'empty=',
  ];
  const mime = new Mime()
    .addPart({ name: 'name', data: 'value' })
    .addPart({ name: 'file', filePath: txt })
    .addPart({ name: 'bin', filePath: bin })
    .addPart({ name: 'plain', filePath: noext })
    .addPart({ name: 'raw', filePath: txt, filename: null })
    .addPart({ name: 'typed', data: 'hello', type: 'text/x-custom' })
    .addPart({ name: 'named', data: 'data', filename: 'a.html' })
    .addPart({ name: 'hdr', data: 'v', headers: ['X-Extra: 1'] })
    .addPart({ name: 'we"ird', data: '1' })
    .addPart({ name: 'empty', data: '' });
  const [ours, theirs] = await Promise.all([tscurl(mime), curlF(args)]);
  const a = normalise(ours);
  const b = normalise(theirs);
  assert.equal(a.method, 'POST');
  assert.equal(a.body, b.body);
  assert.equal(a.contentType, b.contentType);
  assert.equal(a.contentType, 'multipart/form-data; boundary=BOUNDARY');
  assert.equal(a.contentLength, b.contentLength);
  assert.equal(a.transferEncoding, undefined);
  assert.equal(a.expect, b.expect);
  // Our own boundary is curl 8's: 24 dashes and 22 alphanumerics.
  assert.match(mime.boundary, /^-{24}[0-9A-Za-z]{22}$/);
  assert.ok(a.body.includes('Content-Disposition: form-data; name="we%22ird"'));
});

test('a part of unknown size sends the body chunked; its bytes as curl -F name=@- sends them', async () => {
  const input = 'streamed from stdin\n';
  let given = false;
  const mime = new Mime().addPart({
    name: 'up',
    filename: '-',
    readFunction: (buf) => {
      if (given) return 0;
      given = true;
      return buf.write(input);
    },
  });
  // curl reads a piped stdin into memory first (so it knows the size): only the bytes compare.
  const [ours, theirs] = await Promise.all([tscurl(mime), curlF(['up=@-'], '/echo', input)]);
  const a = normalise(ours);
  const b = normalise(theirs);
  assert.equal(a.transferEncoding, 'chunked');
  assert.equal(a.contentLength, undefined);
  assert.equal(a.body, b.body);
  assert.equal(a.expect, '100-continue');
});

test('a readFunction part of known size keeps Content-Length; its PAUSE holds the upload until unpaused', async () => {
  const data = Buffer.from('0123456789'.repeat(1000));
  let off = 0;
  let pauses = 0;
  let resumed = false;
  const chunks: Buffer[] = [];
  const mime = new Mime().addPart({
    name: 'cb',
    size: data.length,
    readFunction: (buf) => {
      if (off >= 4000 && !resumed) {
        if (pauses++ === 0)
          setTimeout(() => {
            resumed = true;
            easy.pause(Pause.CONT);
          }, 50);
        return PAUSE;
      }
      const n = data.copy(buf, 0, off, Math.min(data.length, off + 4000));
      off += n;
      return n;
    },
  });
  const easy = new Easy({
    url: `${srv.url}/echo`,
    mimePost: mime,
    writeFunction: (c) => {
      chunks.push(Buffer.from(c));
      return c.length;
    },
  });
  const d = new NodeDriver();
  const started = Date.now();
  try {
    assert.equal((await d.add(easy)).result, CurlCode.OK, easy.errorBuffer);
  } finally {
    d.close();
  }
  assert.ok(pauses > 0 && resumed);
  assert.ok(Date.now() - started >= 45);
  const e = JSON.parse(Buffer.concat(chunks).toString()) as Echo;
  assert.equal(e.transferEncoding, undefined);
  assert.ok(e.body.includes(`\r\n\r\n${data.toString()}\r\n--${mime.boundary}--\r\n`));
  assert.equal(Number(e.contentLength), Buffer.byteLength(e.body, 'latin1'));
});

test('a file part is read while the upload goes: bytes changed mid-upload are the ones sent', async () => {
  const size = 2 * 1024 * 1024;
  writeFileSync(big, Buffer.alloc(size, 0x61));
  const mime = new Mime().addPart({ name: 'big', filePath: big });
  let changed = false;
  const r = await run({
    url: `${srv.url}/echo`,
    mimePost: mime,
    maxSendSpeed: 4 * 1024 * 1024,
    noProgress: false,
    xferInfoFunction: (_dt, _dn, _ut, ulNow) => {
      if (!changed && ulNow > 0 && ulNow < size / 2) {
        changed = true;
        const fd = openSync(big, 'r+');
        writeSync(fd, Buffer.alloc(1024, 0x62), 0, 1024, size - 1024);
        closeSync(fd);
      }
      return 0;
    },
  });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.ok(changed);
  const e = JSON.parse(r.body.toString()) as Echo;
  assert.equal(e.expect, '100-continue');
  assert.equal(Number(e.contentLength), e.bytes);
  assert.ok(e.body.includes(`a${'b'.repeat(1024)}\r\n--${mime.boundary}--\r\n`));
  assert.equal(r.info.sizeUpload, e.bytes);
});

test('a 307 sends the same form again; a callback part without seekFunction cannot (65)', async () => {
  const mime = new Mime().addPart({ name: 'f', filePath: txt }).addPart({ name: 'a', data: 'b' });
  const e = await tscurl(mime, '/redirect', { followLocation: true });
  assert.ok(e.body.includes('hello file\nsecond line\n'));
  assert.equal(Number(e.contentLength), Buffer.byteLength(e.body, 'latin1'));

  let sent = false;
  const once = new Mime().addPart({
    name: 'cb',
    readFunction: (buf) => {
      if (sent) return 0;
      sent = true;
      return buf.write('x');
    },
  });
  const r = await run({ url: `${srv.url}/redirect`, mimePost: once, followLocation: true });
  assert.equal(r.code, CurlCode.SEND_FAIL_REWIND);

  let pos = 0;
  const seekable = new Mime().addPart({
    name: 'cb',
    readFunction: (buf) => {
      if (pos > 0) return 0;
      pos = 1;
      return buf.write('y');
    },
    seekFunction: (offset) => {
      pos = offset;
      return 0;
    },
  });
  const ok = await tscurl(seekable, '/redirect', { followLocation: true });
  assert.ok(ok.body.includes('\r\n\r\ny\r\n'));
});

test('a file that cannot be read ends the transfer with 26; option type checked', async () => {
  const mime = new Mime().addPart({ name: 'f', filePath: join(dir, 'missing.txt') });
  const r = await run({ url: `${srv.url}/echo`, mimePost: mime });
  assert.equal(r.code, CurlCode.READ_ERROR);
  assert.match(r.error, /missing\.txt/);
  assert.throws(() => new Easy({ mimePost: {} as Mime }), { code: CurlCode.BAD_FUNCTION_ARGUMENT });
  assert.throws(() => new Mime().addPart({ data: 'a', filePath: txt }), TypeError);
});

test('an empty Mime sends the closing boundary only, as libcurl', async () => {
  const mime = new Mime();
  const e = await tscurl(mime);
  assert.equal(e.body, `--${mime.boundary}--\r\n`);
  assert.equal(Number(e.contentLength), e.body.length);
});
