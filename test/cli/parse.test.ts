// The command-line parser in-process: curl's syntax rules, table-driven.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { newGlobal } from '../../src/cli/config.js';
import { ParamError } from '../../src/cli/errors.js';
import { createParser, parseArgs, parseConfig } from '../../src/cli/parse.js';

describe('parseArgs', () => {
  test('combined short flags and a parameter glued to its letter', () => {
    const g = parseArgs(['-sSv', '-XPOST', '-ofile', '-H', 'A: b', 'http://x/']);
    assert.equal(g.silent, true);
    assert.equal(g.showError, true);
    assert.equal(g.verbose, true);
    const op = g.operations[0]!;
    assert.equal(op.method, 'POST');
    assert.deepEqual(op.nodes, [{ url: 'http://x/', output: 'file', noGlob: false }]);
    assert.deepEqual(op.headers, ['A: b']);
  });

  test('-o before or after its URL pairs in order, like curl', () => {
    const g = parseArgs(['-o', 'a', 'http://1/', 'http://2/', '-o', 'b', '-O', 'http://3/']);
    assert.deepEqual(
      g.operations[0]!.nodes.map((n) => [n.url, n.output]),
      [
        ['http://1/', 'a'],
        ['http://2/', 'b'],
        ['http://3/', { remote: true }],
      ],
    );
  });

  const errors: Array<[string[], string, number]> = [
    [['--output=x'], 'option --output=x: is unknown', 2],
    [['--no-output', 'x'], "option --no-output: used '--no-' for option that isn't a boolean", 2],
    [['-o'], 'option -o: requires parameter', 2],
    [['--max-time', 'soon'], 'option --max-time: expected a proper numerical parameter', 2],
    [['--retry', '-1'], 'option --retry: expected a positive numerical parameter', 2],
    [['--re'], 'option --re: is ambiguous', 2],
    [['-q'], 'option -q: is unknown', 2],
    [['--tls-max', '1.9'], 'option --tls-max: is badly used here', 2],
    [['--cert-type', 'ENG'], 'option --cert-type: is badly used here', 2],
    [['-K', '/nonexistent/cfg'], 'option -K: error encountered when reading a file', 26],
  ];
  for (const [args, message, code] of errors) {
    test(`${args.join(' ')} -> ${message}`, () => {
      assert.throws(
        () => parseArgs(args),
        (e: unknown) => e instanceof ParamError && e.message === message && e.exitCode === code,
      );
    });
  }

  test('TLS flags set their Easy options; -E splits at the first unescaped colon', () => {
    const op = parseArgs([
      '-k',
      '--cacert',
      'ca.pem',
      '-E',
      'c\\:1.pem:secret',
      '--tlsv1.2',
      '--tls-max',
      '1.3',
      '--pinnedpubkey',
      'sha256//x',
    ]).operations[0]!;
    assert.deepEqual(op.tls, {
      sslVerifyPeer: false,
      sslVerifyHost: 0,
      caInfo: 'ca.pem',
      sslCert: 'c:1.pem',
      keyPasswd: 'secret',
      minVersion: 6,
      maxVersion: 7 << 16,
      pinnedPublicKey: 'sha256//x',
    });
    assert.deepEqual(parseArgs(['-k', '--no-insecure']).operations[0]!.tls, {});
  });

  test('--no- forms turn booleans off, prefixes of long names work, -- ends options', () => {
    const g = parseArgs(['-s', '--no-silent', '--verb', '--', '-not-an-option']);
    assert.equal(g.silent, false);
    assert.equal(g.verbose, true);
    assert.equal(g.operations[0]!.nodes[0]!.url, '-not-an-option');
  });

  test('--next starts a new operation with fresh options; globals carry over', () => {
    const g = parseArgs([
      '-s',
      '-d',
      'x',
      'http://a/',
      '--next',
      '-H',
      'X: 1',
      'http://b/',
      '-:',
      'http://c/',
    ]);
    assert.equal(g.operations.length, 3);
    assert.deepEqual(g.operations[0]!.data, [{ kind: 'ascii', value: 'x' }]);
    assert.deepEqual(g.operations[1]!.data, []);
    assert.deepEqual(g.operations[1]!.headers, ['X: 1']);
    assert.equal(g.operations[2]!.nodes[0]!.url, 'http://c/');
    assert.equal(g.silent, true);
  });

  test('--parallel-max is clamped to 300 and 0 means the default 50', () => {
    assert.equal(parseArgs(['--parallel-max', '1000']).parallelMax, 300);
    assert.equal(parseArgs(['--parallel-max', '0']).parallelMax, 50);
    assert.equal(parseArgs([]).parallelMax, 50);
  });

  test('times take decimals, sizes take k/m/g suffixes', () => {
    const op = parseArgs(['-m', '1.5', '--connect-timeout', '2', '--max-filesize', '2k']).operations[0]!;
    assert.equal(op.timeoutMs, 1500);
    assert.equal(op.connectTimeoutMs, 2000);
    assert.equal(op.maxFilesize, 2048);
  });

  test('-g applies to the URLs after it', () => {
    const op = parseArgs(['http://a/[1-2]', '-g', 'http://b/[1-2]']).operations[0]!;
    assert.equal(op.globOff, true);
    assert.equal(op.nodes[1]!.noGlob, true);
  });
});

describe('config files (-K)', () => {
  const cases: Array<[string, (g: ReturnType<typeof newGlobal>) => void]> = [
    ['url = "http://a/"\n', (g) => assert.equal(g.operations[0]!.nodes[0]!.url, 'http://a/')],
    ['url: http://a/b c\n', (g) => assert.equal(g.operations[0]!.nodes[0]!.url, 'http://a/b')],
    ['--url http://a/\n', (g) => assert.equal(g.operations[0]!.nodes[0]!.url, 'http://a/')],
    ['  # comment\n\nsilent\n', (g) => assert.equal(g.silent, true)],
    ['-s\n-o "x y"\n', (g) => assert.equal(g.operations[0]!.nodes[0]!.output, 'x y')],
    ['header = "A: \\"q\\"\\tz"\n', (g) => assert.deepEqual(g.operations[0]!.headers, ['A: "q"\tz'])],
    ['data=a=b\n', (g) => assert.equal(g.operations[0]!.data[0]!.value, 'a=b')],
    ['url a\nnext\nurl b\n', (g) => assert.equal(g.operations.length, 2)],
  ];
  for (const [text, check] of cases) {
    test(JSON.stringify(text), () => {
      const p = createParser();
      parseConfig(text, p);
      check(p.global);
    });
  }
});
