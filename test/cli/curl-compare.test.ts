// The same command line through /usr/bin/curl and tscurl against one local server (requests,
// output files, -w, exit codes, timeouts); the command line itself, uploads, ranges and codings
// are in curl-compare-upload.test.ts.
import { describe } from 'node:test';
import { type Case, compareWithCurl } from './compare.js';

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
];

describe('same command line through curl and tscurl', { concurrency: 4 }, () => compareWithCurl(cases));
