// URL globbing: curl's patterns, order, errors and a lazy expansion.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expandGlob, fillOutputName, GlobError, globCount, parseGlob } from '../../src/cli/glob.js';

const urls = (u: string) => [...expandGlob(parseGlob(u))].map((g) => g.url);

describe('URL globbing', () => {
  const cases: Array<[string, string[]]> = [
    ['http://x/{a,b,c}', ['http://x/a', 'http://x/b', 'http://x/c']],
    ['http://x/[1-3]', ['http://x/1', 'http://x/2', 'http://x/3']],
    ['http://x/[08-11]', ['http://x/08', 'http://x/09', 'http://x/10', 'http://x/11']],
    ['http://x/[1-10:4]', ['http://x/1', 'http://x/5', 'http://x/9']],
    ['http://x/[a-e:2]', ['http://x/a', 'http://x/c', 'http://x/e']],
    ['http://x/{a,b}/[1-2]', ['http://x/a/1', 'http://x/a/2', 'http://x/b/1', 'http://x/b/2']],
    ['http://x/\\{a\\}', ['http://x/{a}']],
    ['http://[::1]:80/[1-2]', ['http://[::1]:80/1', 'http://[::1]:80/2']],
    ['http://x/{,a}', ['http://x/', 'http://x/a']],
    ['http://x/plain', ['http://x/plain']],
    ['http://x/[]/{a\\,b,c\\}}', ['http://x/[]/a,b', 'http://x/[]/c}']],
    ['http://x/\\,[1- 2]', ['http://x/\\,1', 'http://x/\\,2']],
    ['http://x/[0-2]', ['http://x/0', 'http://x/1', 'http://x/2']],
    ['http://x/[a-a]', ['http://x/a']],
    ['http://[fe80::1%25eth0]/{a}', ['http://[fe80::1%25eth0]/a']],
    [
      'http://x/[9223372036854775805-9223372036854775806]',
      ['http://x/9223372036854775805', 'http://x/9223372036854775806'],
    ],
  ];
  for (const [u, want] of cases) test(u, () => assert.deepEqual(urls(u), want));

  // Columns as curl's parser counts them (tool_urlglob.c; curl 7.88 agrees on every one but the
  // unmatched brace, which it reports at the brace): a set's '}' is not counted, escapes and names
  // are, an IPv6 literal is not.
  const bad: Array<[string, string, number]> = [
    ['http://x/{a,b', 'unmatched brace', 14],
    ['http://x/[3-1]', 'bad range', 15],
    ['http://x/[1-]', 'bad range', 13],
    ['http://x/[a-9]', 'bad range', 15],
    ['http://x/{a,{b}}', 'nested brace', 13],
    ['http://x/a}', 'unmatched close brace/bracket', 11],
    ['http://x/{}', 'empty string within braces', 11],
    ['http://x/{a}]', 'unmatched close brace/bracket', 12],
    ['http://[::1]:1/[3-1]', 'bad range', 16],
    ['http://x/[a-z:0]', 'bad range', 17],
    ['http://x/[a-z:256]', 'bad range', 19],
    ['http://x/[a-b:2]', 'bad range', 17],
    ['http://x/[A-z]', 'bad range', 15],
    ['http://x/[1-3:0]', 'bad range', 17],
    ['http://x/[%]', 'bad range specification', 11],
    ['http://x/{a,b]c}', 'unexpected close bracket', 14],
    ['http://x/[0-99999][0-99999][0-99999][0-99999]', 'range overflow', 46],
    ['http://x/[1-9223372036854775807:2]', 'range end/step overflow', 35],
    ['http://x/[1-99999999999999999999]', 'bad range', 13],
    ['http://x/{<n>a,b}{<n>c}', 'Duplicate glob name', 21],
    ['http://x/\\{[1-]', 'bad range', 15],
    [`http://x/${'{a}'.repeat(255)}`, 'too many {} sets', 520],
    ['http://x/[9223372036854775806-9223372036854775807]', 'range end/step overflow', 51],
  ];
  for (const [u, msg, pos] of bad) {
    test(`${u} -> ${msg} at ${pos}`, () => {
      assert.throws(
        () => parseGlob(u),
        (e: unknown) => e instanceof GlobError && e.message === msg && e.position === pos,
      );
    });
  }

  test('curl-style message with a caret under the position', () => {
    try {
      parseGlob('http://127.0.0.1:1/[5-1]');
      assert.fail('no error');
    } catch (e) {
      assert.equal(
        (e as GlobError).format(),
        'bad range in position 25:\nhttp://127.0.0.1:1/[5-1]\n                        ^',
      );
    }
    // printf's %*s of " " never prints fewer than one space; no position prints the text alone.
    assert.equal(new GlobError('bad range', '[', 1).format(), 'bad range in position 1:\n[\n ^');
    assert.equal(new GlobError('range overflow', 'x', 0).format(), 'range overflow');
  });

  test('#N in output names takes glob N (leading zeros read; #0 and unknown numbers kept)', () => {
    const [first] = expandGlob(parseGlob('http://x/{a,b}/[7-8]'));
    assert.equal(fillOutputName('f_#1_#2_#3.txt', first!), 'f_a_7_#3.txt');
    assert.equal(fillOutputName('o_#01_#0_#1#_#99', first!), 'o_a_#0_a#_#99');
    assert.equal(fillOutputName('#12', first!), '#12', 'more than the patterns: as written');
    assert.equal(fillOutputName('#1', { url: 'u', matches: [] }), '#1', 'globbing off');
  });

  test('named globs: expanded like unnamed ones, #<name> in -o, -T globs searched second', () => {
    const g = [...expandGlob(parseGlob('http://x/{<dir>a,b}/[<n>7-8]'))];
    assert.deepEqual(
      g.map((x) => x.url),
      ['http://x/a/7', 'http://x/a/8', 'http://x/b/7', 'http://x/b/8'],
    );
    assert.equal(fillOutputName('#<dir>-#<n>-#1-#2', g[3]!), 'b-8-b-8');
    const [up] = expandGlob(parseGlob('{<f>one,two}.txt'));
    assert.equal(fillOutputName('#<f>_#<n>', g[0]!, up), 'one_7');
    const e = fillOutputName('somewhere/#<foo>', g[0]!);
    assert.ok(e instanceof GlobError);
    assert.equal(e.code, 43);
    assert.equal(
      e.format(),
      'no glob exists with this name in position 16:\nsomewhere/#<foo>\n               ^',
    );
    // Not a well-formed name: text, in the URL and in -o alike.
    assert.deepEqual(
      [...expandGlob(parseGlob('http://x/{<>a,b}'))].map((x) => x.url),
      ['http://x/<>a', 'http://x/b'],
    );
    assert.equal(fillOutputName('#<dir', g[0]!), '#<dir');
    assert.equal(fillOutputName(`#<${'x'.repeat(65)}>`, g[0]!), `#<${'x'.repeat(65)}>`);
  });

  test('expansion is lazy: a trillion URLs cost nothing until taken', () => {
    const patterns = parseGlob('http://x/[1-1000000]/[1-1000000]');
    assert.equal(globCount(patterns), 1e12);
    const it = expandGlob(patterns);
    assert.equal(it.next().value?.url, 'http://x/1/1');
    assert.equal(it.next().value?.url, 'http://x/1/2');
  });

  test('100,000 URLs expand without holding them', () => {
    const before = process.memoryUsage().heapUsed;
    let n = 0;
    let last = '';
    for (const g of expandGlob(parseGlob('http://x/[1-100000]'))) {
      n++;
      last = g.url;
    }
    assert.equal(n, 100_000);
    assert.equal(last, 'http://x/100000');
    assert.ok(process.memoryUsage().heapUsed - before < 50e6);
  });
});
