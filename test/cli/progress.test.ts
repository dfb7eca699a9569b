// The progress output: curl's number formats (unit), then its shape on stderr from real runs.
// TSCURL_FORCE_PROGRESS=1 stands in for a terminal on stderr; the terminal rules themselves run
// under a pseudo-terminal with util-linux `script`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { METER_HEADER, max5, PARALLEL_HEADER, time2str } from '../../src/cli/progress.js';
import { startFixtureServer } from './fixture-server.js';
import { type CliServer, runCommand, tscurl, tscurlArgs } from './helpers.js';

let server: CliServer;
let dir: string;
before(async () => {
  server = await startFixtureServer();
  dir = mkdtempSync(join(tmpdir(), 'tscurl-prog-'));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const forced = { env: { ...process.env, TSCURL_FORCE_PROGRESS: '1', COLUMNS: '79' } };

/** One line of libcurl's meter: 12 columns of fixed widths. */
const METER_LINE =
  /^[ \d]{3} [ \d.kMGTP]{5} {2}[ \d]{3} [ \d.kMGTP]{5} {2}[ \d]{3} [ \d.kMGTP]{5} {2}[ \d.kMGTP]{5} {2}[ \d.kMGTP]{5} [-\d: ]{8} [-\d: ]{8} [-\d: ]{8} [ \d.kMGTP]{5}$/;

describe('curl number formats', () => {
  test('max5data: five columns, 1024-based suffixes', () => {
    const cases: Array<[number, string]> = [
      [0, '    0'],
      [99999, '99999'],
      [100000, '   97k'.slice(1)],
      [9999 * 1024, '9999k'],
      [10 * 1024 * 1024, '10.0M'],
      [15.5 * 1024 * 1024, '15.5M'],
      [500 * 1024 * 1024, ' 500M'],
      [50 * 1024 ** 3, '50.0G'],
      [5000 * 1024 ** 3, '5000G'],
    ];
    for (const [n, s] of cases) assert.equal(max5(n), s, String(n));
  });

  test('time2str: --:--:-- for nothing, H:MM:SS, then days', () => {
    assert.equal(time2str(0), '--:--:--');
    assert.equal(time2str(61), ' 0:01:01');
    assert.equal(time2str(99 * 3600 + 59), '99:00:59');
    assert.equal(time2str(100 * 3600), '  4d 04h');
  });
});

describe('progress output', { concurrency: 4 }, () => {
  test('one transfer: the two header lines, a line per second, the last ending in a newline', async () => {
    // 100,000 bytes at 50 KB/s: about two seconds, so at least one refresh between first and last.
    const r = await tscurl(['--limit-rate', '50k', '-o', join(dir, 'big'), `${server.url}/big`], forced);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.startsWith(METER_HEADER), r.stderr);
    assert.ok(r.stderr.endsWith('\n'));
    const lines = r.stderr.slice(METER_HEADER.length, -1).split('\r').slice(1);
    assert.ok(lines.length >= 3, JSON.stringify(lines));
    for (const l of lines) assert.match(l, METER_LINE);
    assert.match(lines[0]!, /^ {2}0 {5}0 {4}0 {5}0/);
    assert.match(lines.at(-1)!, /^100 {3}97k {2}100 {3}97k {4}0 {5}0 /);
    // Spent time reaches 0:00:01 or more: the rate limit held the transfer back.
    assert.match(lines.at(-1)!, / 0:00:0[1-9] /);
  });

  test('a failed transfer still ends its meter line before the error message', async () => {
    const r = await tscurl(['http://127.0.0.1:1/'], forced);
    assert.equal(r.code, 7);
    assert.match(r.stderr, /^ {2}% Total[\s\S]*\r {2}0 {5}0 [^\n]*\ntscurl: \(7\) Failed to connect/);
  });

  test('-s and --no-progress-meter draw nothing', async () => {
    for (const flag of ['-s', '--no-progress-meter']) {
      const r = await tscurl([flag, '-o', join(dir, 'q'), `${server.url}/hello`], forced);
      assert.equal(r.code, 0);
      assert.equal(r.stderr, '', flag);
    }
  });

  test('-# draws a bar of #s with the percentage, as wide as the terminal', async () => {
    const r = await tscurl(['-#', '-o', join(dir, 'b'), `${server.url}/big`], forced);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /\r#{72} 100\.0%\n$/);
    assert.ok(!r.stderr.includes('% Total'));
  });

  test('-Z: the parallel meter, its header once and a final line with the counts', async () => {
    const r = await tscurl(
      [
        '-Z',
        '-o',
        join(dir, 'p#1'),
        `${server.url}/g/[1-5]`,
        '--limit-rate',
        '100k',
        '-o',
        join(dir, 'pb'),
        `${server.url}/big`,
      ],
      forced,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.startsWith(PARALLEL_HEADER), r.stderr);
    assert.equal(r.stderr.split(PARALLEL_HEADER).length, 2);
    const lines = r.stderr.slice(PARALLEL_HEADER.length).split('\r').slice(1);
    assert.ok(lines.length >= 2, JSON.stringify(lines));
    const last = lines.at(-1)!;
    // DL% UL% Dled Uled Xfers Live Total Current Left Speed, then curl's "%5s" of the newline.
    assert.match(
      last,
      /^(100|-- ) -- {4}97k {5}0 {5}6 {5}0 {2}[-\d: ]{8} [-\d: ]{8} [-\d: ]{8} [ \d.kMGTP]{5} {5}\n$/,
    );
  });

  test('in a terminal: drawn when the body goes to a file, not when it goes to the terminal', async () => {
    const cmd = (args: string[]) =>
      [process.execPath, ...tscurlArgs(dir), ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const toFile = await runCommand(
      'script',
      ['-qec', cmd(['-o', join(dir, 't'), `${server.url}/hello`]), '/dev/null'],
      {
        cwd: dir,
      },
    );
    assert.equal(toFile.code, 0, toFile.stdout.toString());
    assert.match(toFile.stdout.toString(), /% Total {4}% Received/);
    const toTerminal = await runCommand('script', ['-qec', cmd([`${server.url}/hello`]), '/dev/null'], {
      cwd: dir,
    });
    assert.equal(toTerminal.code, 0);
    assert.equal(toTerminal.stdout.toString().replaceAll('\r\n', '\n'), 'hello\n');
  });
});
