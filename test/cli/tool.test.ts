// The tool's own behaviour as curl 8 (tool_help.c, tool_operate.c): --help and its categories,
// -Z --fail-early aborting the running transfers, the retry messages, -V and -M. curl 7.88 differs
// on all of these (an older help layout, no per-attempt wording change...), so the expectations
// are curl 8's: its source and its output measured on 8.21 (help), with 7.88 used where it agrees
// (the errors printed for each failed attempt, the fail-early exit code).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { optionTable } from '../../src/cli/options-table.js';
import { startFixtureServer } from './fixture-server.js';
import { type CliServer, curl, haveCurl, runCommand, tscurl } from './helpers.js';

let server: CliServer;
before(async () => {
  server = await startFixtureServer();
});
after(() => server.close());

/** curl 8.21's `curl --help` (measured), with the tool's name. */
const SHORT_HELP = `Usage: tscurl [options...] <url>
 -d, --data <data>            HTTP POST data
 -f, --fail                   Fail fast with no output on HTTP errors
 -I, --head                   Show document info only
 -H, --header <header/@file>  Pass custom header(s) to server
 -h, --help <subject>         Get help for commands
 -o, --output <file>          Write to file instead of stdout
 -O, --remote-name            Write output to file named as remote file
 -i, --show-headers           Show response headers in output
 -s, --silent                 Silent mode
 -T, --upload-file <file>     Transfer local FILE to destination
 -u, --user <user:password>   Server user and password
 -A, --user-agent <name>      Send User-Agent <name> to server
 -v, --verbose                Make the operation more talkative
 -V, --version                Show version number and quit

This is not the full help; this menu is split into categories.
Use "--help category" to get an overview of all categories, which are:
auth, connection, curl, deprecated, dns, file, ftp, global, http, imap, ldap, 
output, pop3, post, proxy, scp, sftp, smtp, ssh, telnet, tftp, timeout, tls, 
upload, verbose.
Use "--help all" to list all options
Use "--help [option]" to view documentation for a given option
`;

const CATEGORIES = `auth        Authentication methods
connection  Manage connections
curl        The command line tool itself
deprecated  Legacy
dns         Names and resolving
file        FILE protocol
ftp         FTP protocol
global      Global options
http        HTTP and HTTPS protocol
imap        IMAP protocol
ldap        LDAP protocol
output      File system output
pop3        POP3 protocol
post        HTTP POST specific
proxy       Options for proxies
scp         SCP protocol
sftp        SFTP protocol
smtp        SMTP protocol
ssh         SSH protocol
telnet      TELNET protocol
tftp        TFTP protocol
timeout     Timeouts and delays
tls         TLS/SSL related
upload      Upload, sending data
verbose     Tracing, logging etc`
  .split('\n')
  .map((l) => ` ${l}\n`)
  .join('');

describe('--help as curl 8', () => {
  test('-h and --help: the important options, the categories, the hints (byte for byte)', async () => {
    for (const args of [['-h'], ['--help'], ['-v', '--help'], ['--help', '']]) {
      const r = await tscurl(args);
      assert.equal(r.code, 0);
      assert.equal(r.stdout.toString(), SHORT_HELP, args.join(' '));
    }
  });

  test('--help category, an unknown subject, a category in any case', async () => {
    assert.equal((await tscurl(['--help', 'category'])).stdout.toString(), CATEGORIES);
    const unknown = await tscurl(['--help', 'nosuch']);
    assert.equal(unknown.code, 0);
    assert.equal(
      unknown.stdout.toString(),
      `Unknown category provided, here is a list of all categories:\n\n${CATEGORIES}`,
    );
    const auth = (await tscurl(['--help', 'AUTH'])).stdout.toString();
    assert.match(auth, /^auth: Authentication methods\n/);
    assert.match(auth, /^ -u, --user <user:password> +Server user and password$/m);
    // Nothing after the subject is read (curl shows help as soon as it is asked for).
    assert.equal((await tscurl(['--help', 'auth', 'tls', '--nosuch'])).stdout.toString(), auth);
  });

  test("--help all: every option tscurl has, in curl's columns (79 wide)", async () => {
    const out = (await tscurl(['--help', 'all'])).stdout.toString();
    const lines = out.trimEnd().split('\n');
    for (const r of optionTable) {
      if (r.long === 'include' || r.long === 'doh-cert-status') continue;
      const name = r.long === 'progress-meter' ? '--no-progress-meter' : `--${r.long}`;
      assert.ok(
        lines.some((l) => l.includes(` ${name} `) || l.includes(` ${name}  `)),
        `${name} listed`,
      );
    }
    // curl's texts are short enough for 79 columns (a longer one only moves its own column).
    assert.deepEqual(
      lines.filter((l) => l.length > 79 && !/ {2}.{48,}$/.test(l)),
      [],
      'no line wider than 79',
    );
    assert.ok(!/--include|--doh-cert-status|--ftp|--trace <file>/.test(out), 'only options tscurl has');
    // curl's print_category: the descriptions share one column unless a line would pass 77.
    assert.match(out, /^ {5}--anyauth {22}Pick any authentication method$/m);
    assert.match(out, /^ -o, --output <file> {16}Write to file instead of stdout$/m);
    assert.match(out, /^ {5}--location-trusted {10}As --location, but send secrets to other hosts$/m);
    // A category page: header line, then its options only.
    const tls = (await tscurl(['--help', 'tls'])).stdout.toString();
    assert.match(tls, /^tls: TLS\/SSL related\n/);
    assert.match(tls, /^ -k, --insecure +Allow insecure server connections$/m);
    assert.doesNotMatch(tls, /--data/);
  });

  test('--help <option> shows that option; a name tscurl does not know goes to stderr', async () => {
    const v = await tscurl(['--help', '--verbose']);
    assert.match(v.stdout.toString(), /^ -v, --verbose +Make the operation more talkative\n$/);
    assert.equal((await tscurl(['--help', '-v'])).stdout.toString(), v.stdout.toString());
    const bad = await tscurl(['--help', '--nosuch']);
    assert.equal(bad.code, 0);
    assert.equal(bad.stdout.length, 0);
    assert.equal(bad.stderr, 'Incorrect option name to show help for, see tscurl -h\n');
  });
});

describe('-Z --fail-early as curl 8 (tool_operate.c check_finished, parallel_transfers)', () => {
  test('the first failure aborts the running transfers: 42 for each, the exit code is the failure', async () => {
    const t0 = Date.now();
    const r = await tscurl([
      '-Z',
      '--fail-early',
      '-f',
      '-s',
      '-S',
      '-o',
      '/dev/null',
      '-o',
      '/dev/null',
      '-w',
      '%{url} %{exitcode}\\n',
      `${server.url}/slow`,
      `${server.url}/status/404`,
    ]);
    const took = Date.now() - t0;
    assert.equal(r.code, 22, r.stderr);
    assert.equal(
      r.stderr,
      'tscurl: (22) The requested URL returned error: 404\n' +
        'tscurl: (42) Transfer aborted due to critical error in another transfer\n',
    );
    assert.equal(r.stdout.toString(), `${server.url}/status/404 22\n${server.url}/slow 42\n`);
    assert.ok(took < 2800, `the 3 s transfer was not waited for (${took} ms)`);
  });

  test('no URL is started after the failure; without --fail-early everything runs', async () => {
    const args = [
      '-Z',
      '--parallel-max',
      '1',
      '-f',
      '-s',
      '-w',
      '%{exitcode}\\n',
      `${server.url}/status/404`,
    ];
    const early = await tscurl([...args, '--fail-early', `${server.url}/g/[1-3]`]);
    assert.equal(early.code, 22);
    assert.equal(early.stdout.toString(), '22\n');
    const all = await tscurl([...args, `${server.url}/g/[1-3]`]);
    assert.equal(all.code, 22);
    assert.equal(all.stdout.toString(), '22\n/g/1\n0\n/g/2\n0\n/g/3\n0\n');
  });

  test("a transfer waiting to be retried is ended too, with the run's code", async () => {
    const t0 = Date.now();
    const r = await tscurl([
      '-Z',
      '--fail-early',
      '-f',
      '-sS',
      '--retry',
      '1',
      '--retry-delay',
      '5',
      '-w',
      '%{url} %{exitcode}\\n',
      `${server.url}/flaky/wait-${process.pid}/5`,
      `${server.url}/g/x`,
      `${server.url}/status/404`,
    ]);
    assert.equal(r.code, 22, r.stderr);
    assert.ok(Date.now() - t0 < 4500, 'the 5 s retry wait was not kept');
    assert.match(r.stderr, /^tscurl: \(22\) The requested URL returned error: 503\n/);
    assert.match(r.stderr, /\ntscurl: \(22\) HTTP response code said error\n$/);
    assert.match(r.stdout.toString(), new RegExp(`flaky/wait-${process.pid}/5 22\\n$`));
  });

  test('same exit code and stdout as curl 7.88 for a failure beside finished transfers', async () => {
    assert.ok(haveCurl);
    const args = [
      '-Z',
      '--fail-early',
      '-f',
      '-s',
      '-w',
      '%{exitcode}\\n',
      `${server.url}/status/404`,
      '-o',
      '/dev/null',
    ];
    const [a, b] = await Promise.all([curl(args), tscurl(args)]);
    assert.equal(b.code, a.code);
    assert.equal(b.stdout.toString(), a.stdout.toString());
  });
});

describe('retries as curl 8 (tool_operate.c retrycheck)', () => {
  test('each failed attempt is reported before the warning, as curl 7.88 and 8 do', async () => {
    assert.ok(haveCurl);
    const args = ['--retry', '1', '--retry-delay', '1', '--retry-all-errors', '-sS', 'http://127.0.0.1:1/'];
    const [a, b] = await Promise.all([curl(args), tscurl(args)]);
    assert.equal(b.code, a.code);
    const lines = (s: string) =>
      s.split('\n').filter((l) => l.startsWith('tscurl: (') || l.startsWith('curl: ('));
    assert.equal(lines(b.stderr).length, lines(a.stderr).length, `${a.stderr}\n${b.stderr}`);
    assert.equal(lines(b.stderr).length, 2);
  });

  test('"second" and "retry" in the singular; Retry-After lengthens the wait', async () => {
    const r = await tscurl([
      '-s',
      '--retry',
      '1',
      '--retry-max-time',
      '30',
      `${server.url}/flaky/one-${process.pid}/1`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    // -s hides warnings; without it:
    const w = await tscurl(['--retry', '1', `${server.url}/flaky/two-${process.pid}/1`, '-o', '/dev/null']);
    assert.match(w.stderr, /^Warning: Problem : HTTP error\. Will retry in 1 second\. 1 retry left\.$/m);
  });
});

describe('-V and -M', () => {
  test('-V lists HTTPS-proxy beside SSL and HTTP2 (TLS to a proxy is built in)', async () => {
    const f = (await tscurl(['-V'])).stdout.toString().split('\n')[2]!.split(' ');
    for (const name of ['SSL', 'HTTP2', 'HTTPS-proxy']) assert.ok(f.includes(name), name);
    for (const name of ['alt-svc', 'HSTS', 'UnixSockets', 'IDN', 'HTTP3']) assert.ok(!f.includes(name), name);
  });

  test('-M and --help from the built bin (the bundle, --help evaluated on use), when it is built', async (t) => {
    const bin = fileURLToPath(new URL('../../dist/bin/tscurl.cjs', import.meta.url));
    if (!existsSync(bin)) {
      t.diagnostic('dist/bin is not built here: npm run build makes it (CI builds before testing)');
      return;
    }
    const m = await runCommand(process.execPath, [bin, '-M']);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout.toString(), /^# tscurl: the command line\n/);
    const h = await runCommand(process.execPath, [bin, '--help']);
    assert.equal(h.stdout.toString(), SHORT_HELP);
  });
});
