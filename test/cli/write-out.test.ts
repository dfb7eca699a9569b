// -w formatting in-process: curl's number formats, %{json} key order, %{header_json}, streams.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerJsonOf, jsonOf, type WriteOutData, writeOut } from '../../src/cli/write-out.js';
import { Easy } from '../../src/multi/easy.js';

function data(over: Partial<WriteOutData> = {}): WriteOutData {
  const info = {
    ...new Easy().getInfo(),
    responseCode: 200,
    httpVersion: 2,
    totalTime: 1.2345678,
    connectTime: 0.0000004,
    sizeDownload: 6,
    speedDownload: 1234,
    effectiveUrl: 'http://x/',
    effectiveMethod: 'GET',
    scheme: 'HTTP',
  };
  return {
    info,
    url: 'http://x/',
    urlnum: 0,
    exitcode: 0,
    errormsg: '',
    filenameEffective: null,
    headers: [
      ['Content-Type', 'text/plain'],
      ['Set-Cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ],
    referer: null,
    version: 'tscurl/0',
    ...over,
  };
}

function render(format: string, d = data()): { out: string; err: string; warn: string[] } {
  const r = { out: '', err: '', warn: [] as string[] };
  writeOut(format, d, {
    stdout: (s) => (r.out += s),
    stderr: (s) => (r.err += s),
    warn: (s) => r.warn.push(s),
  });
  return r;
}

test('times print with six decimals, codes with three digits, sizes as integers', () => {
  assert.equal(
    render('%{time_total} %{time_connect} %{http_code} %{size_download} %{speed_download} %{http_version}')
      .out,
    '1.234568 0.000000 200 6 1234 1.1',
  );
  assert.equal(render('%{http_code}', data({ info: { ...data().info, responseCode: 0 } })).out, '000');
});

test('escapes, %% and unknown variables', () => {
  const r = render('a\\tb\\n%%%{nope}\\x');
  assert.equal(r.out, 'a\tb\n%\\x');
  assert.deepEqual(r.warn, ["unknown --write-out variable: 'nope'"]);
});

test('%{stderr} and %{stdout} switch the stream', () => {
  const r = render('1%{stderr}2%{stdout}3');
  assert.equal(r.out, '13');
  assert.equal(r.err, '2');
});

test('%header{name} is case-insensitive and joins repeats with ", "', () => {
  assert.equal(render('%header{SET-COOKIE}|%header{none}').out, 'a=1, b=2|');
});

test('%{header_json} groups by lower-case name, one entry a line, as curl', () => {
  assert.equal(
    headerJsonOf(data().headers),
    '{"content-type":["text/plain"],\n"set-cookie":["a=1","b=2"]\n}',
  );
});

test('%{json} keys in curl order, nulls for absent strings, times unquoted', () => {
  const j = jsonOf(data());
  const parsed = JSON.parse(j) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed).slice(0, 4), ['certs', 'content_type', 'errormsg', 'exitcode']);
  assert.equal(parsed.errormsg, null);
  assert.match(j, /"time_total":1\.234568,/);
  assert.equal(Object.keys(parsed).at(-1), 'curl_version');
});

test('%{onerror} drops the rest unless the transfer failed', () => {
  assert.equal(render('a%{onerror}b').out, 'a');
  assert.equal(render('a%{onerror}b', data({ exitcode: 7 })).out, 'ab');
});
