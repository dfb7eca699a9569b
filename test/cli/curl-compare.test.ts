// The same command line through /usr/bin/curl and tscurl against one local server: stdout, the
// files written and the exit code must be identical. (stderr is not compared: curl's progress
// meter and its error texts mention its own name and connect timings.)
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFixtureServer } from './fixture-server.js';
import { type CliServer, curl, haveCurl, listFiles, tscurl } from './helpers.js';

interface Case {
  name: string;
  args: string[];
  /** Files to create in the working directory first. */
  files?: Record<string, string>;
  /** stdin for both. */
  input?: string;
  /**
   * Where curl 7.88's stdout differs from curl 8's: [7.88's text, curl 8's text], replaced in
   * curl's stdout before comparing.
   */
  curl8?: [string, string];
}

// -A is given to both so that request echoes do not differ by User-Agent.
const cases: Case[] = [
  { name: 'plain GET to stdout', args: ['{U}/hello'] },
  { name: '-i includes the response head', args: ['-i', '{U}/hello'] },
  { name: '-I sends HEAD and prints the head', args: ['-I', '{U}/hello'] },
  { name: '-s -o writes a file', args: ['-s', '-o', 'out.txt', '{U}/hello'] },
  { name: '-o of an empty body creates an empty file', args: ['-s', '-o', 'empty.txt', '{U}/empty'] },
  { name: '-O names the file after the URL', args: ['-s', '-O', '{U}/files/name.txt'] },
  {
    name: '--output-dir + --create-dirs',
    args: ['-s', '--output-dir', 'a/b', '--create-dirs', '-O', '{U}/files/x.txt'],
  },
  { name: '--create-dirs for -o', args: ['-s', '--create-dirs', '-o', 'deep/er/f.txt', '{U}/hello'] },
  { name: 'glob with #1 #2 in -o', args: ['-s', '-o', 'f_#1_#2.txt', '{U}/g/{a,b}/[1-3]'] },
  { name: 'glob steps and padding to stdout', args: ['-s', '{U}/g/[01-10:4]/[a-e:2]'] },
  { name: '-g turns globbing off', args: ['-s', '-g', '{U}/g/[1-2]'] },
  { name: 'two URLs, two -o', args: ['-s', '{U}/files/1', '-o', 'one', '{U}/files/2', '-o', 'two'] },
  {
    name: '-d joins with & and POSTs form data',
    args: ['-s', '-A', 't', '-d', 'a=1', '-d', 'b=2', '{U}/echo'],
  },
  {
    name: '-d @file strips newlines, --data-binary keeps them',
    args: ['-s', '-d', '@body.txt', '{U}/echo', '--next', '-s', '--data-binary', '@body.txt', '{U}/echo'],
    files: { 'body.txt': 'line1\r\nline2\n' },
  },
  { name: '--data-raw keeps @', args: ['-s', '--data-raw', '@notafile', '{U}/echo'] },
  {
    name: '--data-urlencode forms',
    args: ['-s', '--data-urlencode', 'n=a b&c', '--data-urlencode', '=x y', '{U}/echo'],
  },
  { name: '--data-ascii', args: ['-s', '--data-ascii', 'q=1', '{U}/echo'] },
  { name: '-G puts data in the query', args: ['-s', '-G', '-d', 'q=1', '-d', 'r=2', '{U}/echo?x=0'] },
  { name: '-X with data', args: ['-s', '-X', 'PUT', '-d', 'payload', '{U}/echo'] },
  { name: '-XDELETE combined short form', args: ['-sXDELETE', '{U}/echo'] },
  {
    name: '-H adds, replaces and removes headers',
    args: ['-s', '-A', 'ua', '-H', 'X-Custom: 1', '-H', 'Accept:', '-H', 'X-Empty;', '{U}/headers'],
  },
  { name: '-e and -A', args: ['-s', '-A', 'agent/1', '-e', 'http://ref.example/', '{U}/headers'] },
  { name: '-A "" drops User-Agent', args: ['-s', '-A', '', '{U}/headers'] },
  { name: 'HTTP 404 without -f succeeds', args: ['-s', '{U}/status/404'] },
  { name: '-f fails with 22 and no body', args: ['-s', '-f', '{U}/status/404'] },
  { name: '--fail-with-body fails with 22 and the body', args: ['-s', '--fail-with-body', '{U}/status/500'] },
  { name: '-f -o leaves no file', args: ['-s', '-f', '-o', 'nofile', '{U}/status/404'] },
  {
    name: '-w sizes, codes and urls',
    args: [
      '-s',
      '-A',
      'x',
      '-o',
      'body',
      '-w',
      '%{http_code} %{response_code} %{size_download} %{size_header} %{size_request} %{num_connects} %{url_effective} %{url} %{content_type} %{http_version} %{method} %{exitcode} %{scheme} %{remote_ip} %{remote_port} %{num_headers} %{urlnum} %{filename_effective} %%\\n',
      '{U}/hello',
    ],
  },
  {
    name: '-w %{header_json} and %header{}',
    args: ['-s', '-o', 'b', '-w', '%{header_json}|%header{content-type}|%header{nope}', '{U}/hello'],
  },
  { name: '-w %{stdout} %{stderr}', args: ['-s', '-o', 'b', '-w', 'a%{stderr}b%{stdout}c\\n', '{U}/hello'] },
  {
    name: '-w for a failed transfer',
    args: ['-s', '-w', '%{http_code} %{exitcode} %{size_download}\\n', 'http://127.0.0.1:1/'],
  },
  { name: '-D - writes headers to stdout', args: ['-s', '-D', '-', '-o', 'b', '{U}/hello'] },
  { name: '-D file and -o file', args: ['-s', '-D', 'h.txt', '-o', 'b.txt', '{U}/hello'] },
  { name: 'connection refused is 7', args: ['-s', 'http://127.0.0.1:1/'] },
  { name: 'serial exit code is the last transfer', args: ['-s', 'http://127.0.0.1:1/', '{U}/hello'] },
  { name: 'serial exit code: last failed at the end', args: ['-s', '{U}/hello', 'http://127.0.0.1:1/'] },
  {
    name: 'parallel exit code is the failure',
    args: ['-s', '-Z', 'http://127.0.0.1:1/', '{U}/hello', '-o', '/dev/null', '-o', '/dev/null'],
  },
  { name: '-Z writes every file', args: ['-s', '-Z', '--parallel-max', '3', '-o', 'p#1', '{U}/g/[1-12]'] },
  {
    name: '--resolve',
    args: ['-s', '--resolve', 'example.test:{P}:127.0.0.1', 'http://example.test:{P}/hello'],
  },
  { name: '-0 sends HTTP/1.0', args: ['-s', '-0', '{U}/version'] },
  { name: '--http1.1', args: ['-s', '--http1.1', '{U}/version'] },
  { name: '-m times out with 28', args: ['-s', '-m', '0.3', '{U}/slow'] },
  { name: '--max-filesize fails with 63', args: ['-s', '--max-filesize', '3', '{U}/hello'] },
  { name: 'chunked body', args: ['-s', '{U}/chunked'] },
  { name: 'big body to file', args: ['-s', '-o', 'big', '{U}/big'] },
  {
    name: '-K config file with quoted values and --next',
    args: ['-K', 'cfg'],
    files: {
      cfg: '# comment\nsilent\nurl = "{U}/hello"\noutput "o1"\n--next\n-s\nurl: {U}/echo\ndata = "k=v w"\n',
    },
  },
  {
    name: '--next resets per-transfer options',
    args: ['-s', '-d', 'x', '{U}/echo', '--next', '-s', '{U}/echo'],
  },
  { name: 'scheme-less URL means http', args: ['-s', '127.0.0.1:{P}/hello'] },
  { name: 'bad glob is 3', args: ['-s', '{U}/g/[3-1]'] },
  { name: 'unmatched brace is 3', args: ['-s', '{U}/g/{a,b'] },
  { name: '--opt=value is not accepted', args: ['-s', '--output=x', '{U}/hello'] },
  { name: 'unknown option is 2', args: ['-s', '--no-such-thing', '{U}/hello'] },
  { name: 'no URL is 2', args: ['-s'] },
  { name: '--no- for a non-boolean is 2', args: ['--no-output', 'x', '{U}/hello'] },
  { name: 'missing parameter is 2', args: ['{U}/hello', '-o'] },
  { name: '-- ends options', args: ['-s', '--', '{U}/hello'] },
  { name: 'unambiguous long prefix', args: ['--sil', '{U}/hello'] },
  { name: '--no-silent after -s', args: ['-s', '--no-silent', '-o', 'x', '{U}/hello'] },
  { name: 'ftp:// is an unsupported protocol for both', args: ['-s', 'foo://127.0.0.1/'] },
  {
    name: '-w for a transfer that never starts (unsupported protocol)',
    args: [
      '-s',
      '-w',
      '%{http_code} %{exitcode} %{url_effective} %{errormsg} %{time_total}\\n',
      'foo://127.0.0.1/x',
    ],
    curl8: ['Protocol "foo" not supported or disabled in libcurl', 'Protocol "foo" not supported'],
  },
  {
    name: '-w for -T of a missing file (26)',
    args: ['-s', '-w', '%{exitcode} %{url_effective} %{errormsg}\\n', '-T', 'nofile', '{U}/'],
  },
  {
    name: '-T file PUTs it with its length',
    args: ['-s', '-T', 'up.txt', '{U}/echo'],
    files: { 'up.txt': 'upload body\nline 2\n' },
  },
  {
    name: '-T adds the file name to a URL ending in /',
    args: ['-s', '-T', 'a b.txt', '-w', '%{url_effective}\\n', '{U}/files/'],
    files: { 'a b.txt': 'x' },
  },
  {
    name: '-T globs its file name: every file to every URL, files the outer loop',
    args: ['-s', '-T', '{a,b}.txt', '-w', '%{url_effective}\\n', '{U}/files/{x,y}/'],
    files: { 'a.txt': 'A', 'b.txt': 'B' },
  },
  {
    name: '-T [1-2] range to an echo URL',
    args: ['-s', '-T', 'f[1-2]', '{U}/echo'],
    files: { f1: 'one\n', f2: 'two\n' },
  },
  {
    name: '-T with -g uploads the file named with braces',
    args: ['-s', '-g', '-T', '{a}', '{U}/echo'],
    files: { '{a}': 'braced\n' },
  },
  { name: '-T - reads stdin (chunked)', args: ['-s', '-T', '-', '{U}/echo'], input: 'from stdin\n' },
  {
    name: '-T with -X POST',
    args: ['-s', '-X', 'POST', '-T', 'up.txt', '{U}/echo'],
    files: { 'up.txt': 'p' },
  },
  {
    name: '-T with -d is refused (2)',
    args: ['-T', 'up.txt', '-d', 'x', '{U}/echo'],
    files: { 'up.txt': 'p' },
  },
  { name: '-d with -I is refused (2)', args: ['-d', 'x', '-I', '{U}/echo'] },
  { name: '-r first-last', args: ['-s', '-r', '0-4', '-w', ' %{http_code}\\n', '{U}/range'] },
  {
    name: '-r first- and -r -suffix',
    args: ['-s', '-r', '5-', '{U}/range', '--next', '-s', '-r', '-3', '{U}/range'],
  },
  { name: '-r to a server without ranges gets the whole body', args: ['-s', '-r', '0-1', '{U}/hello'] },
  { name: '-C offset to stdout', args: ['-s', '-C', '3', '{U}/range'] },
  {
    name: '-C - appends to the output file',
    args: ['-s', '-C', '-', '-o', 'part', '{U}/range'],
    files: { part: 'abcdef' },
  },
  { name: '-C - without a file starts at 0', args: ['-s', '-C', '-', '-o', 'new', '{U}/range'] },
  {
    name: '-C past the end is 416, curl ends 0',
    args: ['-s', '-C', '100', '-w', '%{http_code}', '{U}/range'],
  },
  {
    name: '-C to a server without ranges is 33',
    args: ['-s', '-C', '-', '-o', 'p', '{U}/hello'],
    files: { p: 'he' },
  },
  { name: '--compressed decodes gzip', args: ['-s', '--compressed', '{U}/gzip'] },
  { name: 'without --compressed no decoding is asked for', args: ['-s', '{U}/gzip'] },
  {
    name: '--raw --compressed: asks for gzip, leaves it coded',
    args: ['-s', '--raw', '--compressed', '{U}/gzip'],
  },
  { name: '--raw on a chunked body: the framing as sent', args: ['-s', '--raw', '-i', '{U}/chunked'] },
  {
    name: '--limit-rate keeps the body intact',
    args: ['-s', '--limit-rate', '200k', '-o', 'big', '{U}/big'],
  },
  { name: '-Y/-y abort a stalled transfer with 28', args: ['-s', '-Y', '1000', '-y', '1', '{U}/slow'] },
];

let server: CliServer;
let root: string;

before(async () => {
  server = await startFixtureServer();
  root = mkdtempSync(join(tmpdir(), 'tscurl-cmp-'));
});
after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const subst = (s: string) => s.replaceAll('{U}', server.url).replaceAll('{P}', String(server.port));

describe('same command line through curl and tscurl', { concurrency: 4 }, () => {
  for (const [i, c] of cases.entries()) {
    test(c.name, async () => {
      assert.ok(haveCurl, 'these tests compare against /usr/bin/curl, which is installed here and in CI');
      const dirs = ['curl', 'tscurl'].map((tool) => {
        const d = join(root, `${i}-${tool}`);
        rmSync(d, { recursive: true, force: true });
        mkdirSync(d, { recursive: true });
        for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(d, name), subst(text));
        return d;
      });
      const args = c.args.map(subst);
      const io = (cwd: string) => (c.input === undefined ? { cwd } : { cwd, input: c.input });
      const [a, b] = await Promise.all([curl(args, io(dirs[0]!)), tscurl(args, io(dirs[1]!))]);
      const ctx = `\ncurl stderr: ${a.stderr}\ntscurl stderr: ${b.stderr}`;
      assert.equal(b.code, a.code, `exit code${ctx}`);
      let theirs = a.stdout.toString('latin1');
      if (c.curl8 !== undefined) {
        assert.ok(theirs.includes(c.curl8[0]), `curl 7.88's text${ctx}`);
        theirs = theirs.replace(c.curl8[0], c.curl8[1]);
      }
      assert.equal(b.stdout.toString('latin1'), theirs, `stdout${ctx}`);
      assert.deepEqual(listFiles(dirs[1]!), listFiles(dirs[0]!), `files${ctx}`);
    });
  }
});
