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
  ];
  for (const [u, want] of cases) test(u, () => assert.deepEqual(urls(u), want));

  const bad: Array<[string, string, number]> = [
    ['http://x/{a,b', 'unmatched brace', 10],
    ['http://x/[3-1]', 'bad range', 15],
    ['http://x/[1-]', 'bad range', 14],
    ['http://x/[a-9]', 'bad range', 15],
    ['http://x/{a,{b}}', 'nested brace', 13],
    ['http://x/a}', 'unmatched close brace', 11],
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
        'bad range in URL position 25:\nhttp://127.0.0.1:1/[5-1]\n                        ^',
      );
    }
  });

  test('#N in output names takes the Nth pattern text', () => {
    const [first] = expandGlob(parseGlob('http://x/{a,b}/[7-8]'));
    assert.equal(fillOutputName('f_#1_#2_#3.txt', first!.matches), 'f_a_7_#3.txt');
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
