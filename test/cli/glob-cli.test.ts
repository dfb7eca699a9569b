// Globbing and output names end to end: through /usr/bin/curl where curl 7.88 already behaves as
// curl 8 (exit code, stdout, files, and stderr with 7.88's "in URL position" read as curl 8's "in
// position"), and pinned to curl 8's tool_urlglob.c and its tests 2408-2411 where 7.88 differs
// (named globs, the column of an unmatched brace, the pattern limit).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFixtureServer } from './fixture-server.js';
import { type CliServer, curl, haveCurl, listFiles, type RunResult, tscurl } from './helpers.js';

let server: CliServer;
let root: string;
let n = 0;

before(async () => {
  server = await startFixtureServer();
  root = mkdtempSync(join(tmpdir(), 'tscurl-glob-'));
});
after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const subst = (s: string) => s.replaceAll('{U}', server.url);

function freshDir(): string {
  const d = join(root, String(n++));
  mkdirSync(d, { recursive: true });
  return d;
}

/** curl's stderr as curl 8 words it: its own name, and "in position" for glob errors. */
const asCurl8 = (s: string) =>
  s.replaceAll('curl: ', 'tscurl: ').replaceAll(' in URL position ', ' in position ');

describe('globbing and -o names: the same as curl 7.88 where it already behaves as curl 8', {
  concurrency: 4,
}, () => {
  const same: Array<{ name: string; args: string[]; stderr?: boolean }> = [
    { name: '#01 reads glob 1, #2 glob 2', args: ['-s', '-o', 'f_#01_#2.txt', '{U}/g/{a,b}/[1-2]'] },
    { name: '-g: #1 stays as written', args: ['-s', '-g', '-o', 'o#1', '{U}/g/[1-2]'] },
    { name: '#0 is not a glob reference: it stays in the name', args: ['-s', '-o', 'f#0', '{U}/g/[1-2]'] },
    { name: '-i -o: the head and the body in the file', args: ['-s', '-i', '-o', 'out.txt', '{U}/hello'] },
    {
      name: '-i -o with --output-dir and -D file',
      args: ['-s', '-i', '--output-dir', 'd', '--create-dirs', '-D', 'h.txt', '-o', 'o.txt', '{U}/hello'],
    },
    {
      name: '--output-dir ending in / is joined as given',
      args: [
        '-s',
        '--output-dir',
        'd/',
        '--create-dirs',
        '-O',
        '-w',
        '%{filename_effective}\\n',
        '{U}/files/x',
      ],
    },
    { name: 'a set with escapes and [] kept', args: ['-s', '{U}/g/[]/{a\\,b,c\\}}'] },
    { name: 'blanks before the range end', args: ['-s', '{U}/g/[1- 2]'] },
    // Errors: no transfer is made; stderr compared too.
    ...[
      '{U}/g/[3-1]',
      '{U}/g/[1-]',
      '{U}/g/[a-9]',
      '{U}/g/{a,{b}}',
      '{U}/g/a}',
      '{U}/g/{}',
      '{U}/g/{a}]',
      'http://[::1]:1/[3-1]',
      '{U}/g/[a-z:0]',
      '{U}/g/[%]',
      '{U}/g/{a,b]c}',
      '{U}/g/[a-b:2]',
      '{U}/g/[0-99999][0-99999][0-99999][0-99999]',
    ].map((u) => ({ name: `error: ${u}`, args: [u], stderr: true })),
  ];
  for (const c of same) {
    test(c.name, async () => {
      assert.ok(haveCurl, 'these tests compare against /usr/bin/curl, which is installed here and in CI');
      const [da, db] = [freshDir(), freshDir()];
      const args = c.args.map(subst);
      const [a, b] = await Promise.all([curl(args, { cwd: da }), tscurl(args, { cwd: db })]);
      const ctx = `\ncurl stderr: ${a.stderr}\ntscurl stderr: ${b.stderr}`;
      assert.equal(b.code, a.code, `exit code${ctx}`);
      assert.equal(b.stdout.toString('latin1'), a.stdout.toString('latin1'), `stdout${ctx}`);
      assert.deepEqual(listFiles(db), listFiles(da), `files${ctx}`);
      if (c.stderr === true) assert.equal(b.stderr, asCurl8(a.stderr));
    });
  }
});

describe("globbing as curl 8's tool_urlglob.c where curl 7.88 differs", () => {
  const run = async (args: string[]): Promise<RunResult & { files: Record<string, string> }> => {
    const d = freshDir();
    const r = await tscurl(args.map(subst), { cwd: d });
    return { ...r, files: listFiles(d) };
  };
  const caret = (url: string, pos: number) => `${url}\n${' '.repeat(pos - 1)}^`;

  test('named {} glob and #<name> in -o (curl test 2408)', async () => {
    const r = await run(['-s', '{U}/g/{<test>a,b,c}', '-o', 'dump-#<test>']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.files, { 'dump-a': '/g/a\n', 'dump-b': '/g/b\n', 'dump-c': '/g/c\n' });
  });

  test('named [] glob beside an unnamed one; #N still counts every glob (curl test 2409)', async () => {
    const r = await run(['-s', '{U}/g/{x,y}/hello[<test>7-8]', '-o', 'dump-#<test>-#1-#2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(r.files), ['dump-7-x-7', 'dump-7-y-7', 'dump-8-x-8', 'dump-8-y-8']);
  });

  test('a duplicate glob name is 3 at the offset past its ">" (curl test 2410)', async () => {
    const url = 'https://dummy.example/{<test>A,B}{<test>C,D}';
    const r = await run([url, '-o', 'dump']);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, `tscurl: (3) Duplicate glob name in position 40:\n${caret(url, 40)}\n`);
  });

  test('#<name> naming no glob is 43 and nothing is fetched (curl test 2411)', async () => {
    const before = server.requests.length;
    const r = await run(['{U}/g/{<test>A,B}{<moo>C,D}', '-o', 'somewhere/#<foo>']);
    assert.equal(r.code, 43);
    assert.equal(
      r.stderr,
      `tscurl: (43) no glob exists with this name in position 16:\n${caret('somewhere/#<foo>', 16)}\n`,
    );
    assert.equal(server.requests.length, before);
    assert.deepEqual(r.files, {});
  });

  test('#<name> finds a name of the -T file glob too', async () => {
    const d = freshDir();
    for (const f of ['one', 'two']) writeFileSync(join(d, f), f);
    const r = await tscurl(['-s', '-T', '{<f>one,two}', `${server.url}/echo`, '-o', 'got-#<f>'], { cwd: d });
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(join(d, 'got-one'), 'utf8'), /^PUT \/echo\n[\s\S]*\none$/);
    assert.match(readFileSync(join(d, 'got-two'), 'utf8'), /^PUT \/echo\n[\s\S]*\ntwo$/);
  });

  test("an -o name a glob leaves empty: curl's warning, 23, and the run ends there", async () => {
    const before = server.requests.length;
    const r = await run(['-sS', '-o', '#1', '{U}/g/{,a}']);
    assert.equal(r.code, 23);
    assert.equal(
      r.stderr,
      'Warning: output glob produces empty string\ntscurl: (23) Failed writing received data to disk/application\n',
    );
    assert.equal(server.requests.length, before);
    assert.deepEqual(r.files, {});
  });

  test('an unmatched brace is reported where the parser stopped', async () => {
    const url = `${server.url}/g/{a,b`;
    const r = await run([url]);
    assert.equal(r.code, 3);
    assert.equal(
      r.stderr,
      `tscurl: (3) unmatched brace in position ${url.length + 1}:\n${caret(url, url.length + 1)}\n`,
    );
  });

  test('a 256th pattern is refused; -s hides the message, -S shows it', async () => {
    const url = `${server.url}/${'{a}'.repeat(255)}`;
    const quiet = await run(['-s', url]);
    assert.equal(quiet.code, 3);
    assert.equal(quiet.stderr, '');
    const shown = await run(['-sS', url]);
    assert.match(shown.stderr, /^tscurl: \(3\) too many \{\} sets in position \d+:\n/);
  });

  test('a range whose end plus its step passes 2^63-1 is refused', async () => {
    const r = await run(['{U}/g/[1-9223372036854775807:2]']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^tscurl: \(3\) range end\/step overflow in position \d+:/);
  });
});
