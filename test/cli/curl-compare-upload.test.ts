// The same command line through /usr/bin/curl and tscurl against one local server: config files
// and option parsing, uploads (-T), ranges and resume, content codings and rate limits.
import { describe } from 'node:test';
import { type Case, compareWithCurl } from './compare.js';

const cases: Case[] = [
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

describe(
  'same command line through curl and tscurl: options, uploads, ranges, codings',
  { concurrency: 4 },
  () => compareWithCurl(cases),
);
