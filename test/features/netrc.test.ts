// CURLOPT_NETRC / CURLOPT_NETRC_FILE: credentials from a .netrc file, libcurl's precedence rules.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, type EasyOptions, Netrc, NodeDriver } from '../../src/index.js';
import { parseNetrc } from '../../src/multi/features/netrc.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

let server: TestServer;
let dir: string;
let file: string;
before(async () => {
  // Answers with the Basic credentials it got, decoded ('-' when none).
  server = await startHttpServer((req, res) => {
    const h = req.headers.authorization;
    res.end(h === undefined ? '-' : Buffer.from(h.replace(/^Basic /, ''), 'base64').toString());
  });
  dir = mkdtempSync(join(tmpdir(), 'tscurl-netrc-'));
  file = join(dir, 'netrc');
  writeFileSync(
    file,
    [
      'machine other.test login nobody password nothing',
      'macdef init',
      'machine 127.0.0.1 login macro password inside',
      '',
      'machine 127.0.0.1 login alice password "s3cret \\"q\\""',
      'machine 127.0.0.1 login bob password hunter2',
      'default login anon password guest',
      '',
    ].join('\n'),
  );
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function sent(url: string, extra: EasyOptions): Promise<string> {
  const driver = new NodeDriver();
  let body = '';
  const easy = new Easy({ url, writeFunction: (c) => void (body += c), ...extra });
  const m = await driver.add(easy);
  driver.close();
  assert.equal(m.result, CurlCode.OK, easy.errorBuffer);
  return body;
}

test('parse: machine, default, quoted tokens with escapes, macdef skipped', () => {
  const e = parseNetrc(
    'machine a login u password "p w\\"x"\nmacdef m\nmachine b login no\n\ndefault login d',
  );
  assert.deepEqual(e, [
    { machine: 'a', login: 'u', password: 'p w"x' },
    { machine: undefined, login: 'd', password: undefined },
  ]);
});

test("REQUIRED: credentials from the file, the URL's ignored; the login in the URL picks the entry", async () => {
  const base = `127.0.0.1:${server.port}/`;
  const opts = { netrc: Netrc.REQUIRED, netrcFile: file } as const;
  assert.equal(await sent(`http://${base}`, opts), 'alice:s3cret "q"');
  assert.equal(await sent(`http://bob:wrong@${base}`, opts), 'bob:hunter2');
});

test("OPTIONAL: the URL's credentials win; the file fills in a missing password", async () => {
  const base = `127.0.0.1:${server.port}/`;
  const opts = { netrc: Netrc.OPTIONAL, netrcFile: file } as const;
  assert.equal(await sent(`http://user:pw@${base}`, opts), 'user:pw');
  assert.equal(await sent(`http://bob@${base}`, opts), 'bob:hunter2');
  assert.equal(await sent(`http://${base}`, opts), 'alice:s3cret "q"');
});

test('credentials set as options are never replaced by the file', async () => {
  const url = `http://127.0.0.1:${server.port}/`;
  assert.equal(await sent(url, { netrc: Netrc.REQUIRED, netrcFile: file, userPwd: 'x:y' }), 'x:y');
});

test('an unknown host gets the default entry', async () => {
  const url = `http://unknown.test:${server.port}/`;
  const resolve = [`unknown.test:${server.port}:127.0.0.1`];
  assert.equal(await sent(url, { netrc: Netrc.OPTIONAL, netrcFile: file, resolve }), 'anon:guest');
});

test('no file, or netrc off (the default): no credentials', async () => {
  const url = `http://127.0.0.1:${server.port}/`;
  assert.equal(await sent(url, { netrc: Netrc.REQUIRED, netrcFile: join(dir, 'missing') }), '-');
  assert.equal(await sent(url, { netrcFile: file }), '-');
});

test('a bad netrc value is refused at the call', () => {
  assert.throws(() => new Easy({ netrc: 3 as never }), /netrc/);
});
