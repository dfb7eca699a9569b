// tscurl's behaviour where curl's output can not be compared byte for byte (stderr texts, -v,
// retries, parallel limits) or where tscurl deliberately ends like a curl built without a feature.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startHttpProxy } from '../helpers/http-proxy.js';
import { startSocks4Server } from '../helpers/socks4-server.js';
import { testPki } from '../helpers/tls-certs.js';
import { startFixtureServer } from './fixture-server.js';
import { type CliServer, connectedAsCurl8, curl, haveCurl, tscurl } from './helpers.js';

let server: CliServer;
let dir: string;
before(async () => {
  server = await startFixtureServer();
  dir = mkdtempSync(join(tmpdir(), 'tscurl-cli-'));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tscurl command', { concurrency: 4 }, () => {
  test('-v has curl -v\'s shape: "* " connection lines, "> " request, "< " response, "{ [N bytes data]"', async () => {
    assert.ok(haveCurl, 'compares against /usr/bin/curl, installed here and in CI');
    // Two URLs: a new connection, then a re-used one. -s keeps curl's progress meter out.
    const args = ['-sv', '-A', 'ua', `${server.url}/hello`, `${server.url}/files/x`];
    const [mine, theirs] = await Promise.all([tscurl(args), curl(args)]);
    assert.equal(mine.code, 0);
    assert.equal(mine.stdout.toString(), theirs.stdout.toString());
    // curl's lines the engine does not print (bundle notes, "left intact") are dropped; its
    // "connection #0 with host" reads "connection with host" in tscurl, and its "Connected to"
    // loses curl 7's "(#0)" (curl 8's words).
    const shape = (stderr: string) =>
      stderr
        .split('\n')
        .filter((l) => /^(\* {3}Trying |\* Connected to |\* Re-using |> |< |\{ \[)/.test(l))
        .map((l) =>
          l.replace('Re-using existing connection #0 with host', 'Re-using existing connection with host'),
        );
    assert.deepEqual(shape(mine.stderr), shape(connectedAsCurl8(theirs.stderr)));
    assert.match(mine.stderr, /^\* Connected to 127\.0\.0\.1 \(127\.0\.0\.1\) port \d+$/m);
  });

  test('-v through an HTTP proxy, absolute-form and tunnel: "Connected to" names the proxy and its port, as curl', async () => {
    const proxy = await startHttpProxy();
    try {
      // The origin by a name (localhost) and the proxy by its address, so the two cannot be confused.
      const origin = `http://localhost:${server.port}/hello`;
      for (const extra of [[], ['-p']]) {
        const args = ['-sv', '-o', '/dev/null', ...extra, '-x', proxy.url, origin];
        const [mine, theirs] = await Promise.all([tscurl(args), curl(args)]);
        assert.equal(mine.code, 0, mine.stderr);
        const connected = (stderr: string) =>
          stderr.split('\n').filter((l) => l.startsWith('* Connected to '));
        assert.deepEqual(
          connected(mine.stderr),
          connected(connectedAsCurl8(theirs.stderr)),
          `${extra.join(' ')}\n${theirs.stderr}`,
        );
        assert.deepEqual(connected(mine.stderr), [`* Connected to 127.0.0.1 (127.0.0.1) port ${proxy.port}`]);
      }
    } finally {
      await proxy.close();
    }
  });

  test('-v through a tunnel, SOCKS and an HTTPS proxy: "Connected to" comes at the TCP connect, before the handshakes; "left intact" names the first hop, as curl', async () => {
    const pki = testPki();
    const proxy = await startHttpProxy();
    const tlsProxy = await startHttpProxy({
      tls: { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) },
    });
    const socks = await startSocks4Server();
    try {
      const origin = `http://localhost:${server.port}/hello`;
      const connected = (port: number) => `* Connected to 127.0.0.1 (127.0.0.1) port ${port}`;
      const tunnel = [
        `* Establish HTTP proxy tunnel to localhost:${server.port}`,
        '* CONNECT tunnel established, response 200',
      ];
      const socksLines = [
        '* SOCKS4 connect to IPv4 127.0.0.1 (locally resolved)',
        '* SOCKS4 request granted.',
      ];
      // libcurl says "Connected to" when the socket to the first hop connects, and its
      // SOCKS filter says it again once the handshake is done.
      const cases: Array<[string[], string[]]> = [
        [
          ['-p', '-x', proxy.url],
          [connected(proxy.port), ...tunnel],
        ],
        [
          ['-x', `socks4://127.0.0.1:${socks.port}`],
          [
            connected(socks.port),
            `* SOCKS4 communication to localhost:${server.port}`,
            ...socksLines,
            connected(socks.port),
          ],
        ],
        [
          ['-p', '-x', proxy.url, '--preproxy', `socks4://127.0.0.1:${socks.port}`],
          [
            connected(socks.port),
            `* SOCKS4: connecting to HTTP proxy 127.0.0.1 port ${proxy.port}`,
            `* SOCKS4 communication to 127.0.0.1:${proxy.port}`,
            ...socksLines,
            connected(socks.port),
            ...tunnel,
          ],
        ],
        [
          ['-p', '-x', tlsProxy.url, '--proxy-cacert', pki.caCert],
          // The proxy's handshake is told before the CONNECT, as the proxy's.
          [connected(tlsProxy.port), '* Proxy certificate:', ...tunnel],
        ],
      ];
      const order =
        /^\* (Connected to |Establish HTTP|CONNECT tunnel|SOCKS4(a)?(:| connect to| communication| request)|Proxy certificate|Server certificate|Connection #)/;
      const lines = (stderr: string) => stderr.split('\n').filter((l) => order.test(l));
      for (const [extra, expected] of cases) {
        const args = ['-sv', '-o', '/dev/null', ...extra, origin];
        const [mine, theirs] = await Promise.all([tscurl(args), curl(args)]);
        assert.equal(mine.code, 0, mine.stderr);
        assert.deepEqual(
          lines(mine.stderr),
          lines(connectedAsCurl8(theirs.stderr)),
          `${extra.join(' ')}\n${theirs.stderr}`,
        );
        // "left intact" names the first hop too (curl's display name: the SOCKS or HTTP proxy).
        assert.deepEqual(
          lines(mine.stderr),
          [...expected, '* Connection #0 to host 127.0.0.1 left intact'],
          extra.join(' '),
        );
      }
    } finally {
      await Promise.all([proxy.close(), tlsProxy.close(), socks.close()]);
    }
  });

  test('-v with --connect-to: "Connected to" names the host and port connected to (curl 8; 7.88 prints "(nil)")', async () => {
    const args = ['-sv', '-o', '/dev/null', '--connect-to', `elsewhere.test:80:127.0.0.1:${server.port}`];
    const r = await tscurl([...args, 'http://elsewhere.test/hello']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^\\* Connected to 127\\.0\\.0\\.1 \\(127\\.0\\.0\\.1\\) port ${server.port}$`, 'm'),
    );
  });

  test('errors read "tscurl: (N) message"; -s hides them, -sS shows them', async () => {
    const plain = await tscurl(['http://127.0.0.1:1/']);
    assert.equal(plain.code, 7);
    assert.match(plain.stderr, /^tscurl: \(7\) Failed to connect to 127\.0\.0\.1 port 1/m);
    const silent = await tscurl(['-s', 'http://127.0.0.1:1/']);
    assert.equal(silent.code, 7);
    assert.equal(silent.stderr, '');
    const shown = await tscurl(['-sS', 'http://127.0.0.1:1/']);
    assert.match(shown.stderr, /^tscurl: \(7\) Failed to connect/m);
  });

  test('a scheme other than http(s):// ends with 1, "Protocol "ftp" is disabled" (curl 8)', async () => {
    const r = await tscurl([`ftp://127.0.0.1:${server.port}/hello`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'tscurl: (1) Protocol "ftp" is disabled\n');
  });

  test('https:// to a plain HTTP server: 35, as curl', async () => {
    const args = ['-s', `https://127.0.0.1:${server.port}/hello`];
    const [mine, theirs] = await Promise.all([tscurl(args), curl(args)]);
    assert.equal(mine.code, 35);
    assert.equal(mine.code, theirs.code);
  });

  for (const opt of [
    ['-k'],
    ['--insecure'],
    ['--cacert', 'ca.pem'],
    ['--cert', 'c.pem'],
    ['--key', 'k.pem'],
    ['--pinnedpubkey', 'sha256//x'],
  ]) {
    test(`${opt[0]} is accepted and ignored for an http:// URL, as curl does`, async () => {
      const r = await tscurl(['-sS', ...opt, `${server.url}/hello`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.ok(r.stdout.length > 0);
    });
  }

  test('--retry retries a 503 after the delay and says so on stderr', async () => {
    const t0 = Date.now();
    const r = await tscurl(['--retry', '2', '--retry-delay', '1', `${server.url}/flaky/a/1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'busy\nok after 1\n');
    // curl 8's words (tool_operate.c retrycheck): "1 second", "2 retries", "1 retry".
    assert.match(r.stderr, /^Warning: Problem : HTTP error\. Will retry in 1 second\. 2 retries left\.$/m);
    assert.ok(Date.now() - t0 >= 1000);
  });

  test('--retry truncates -o between attempts; --retry-all-errors retries connection errors', async () => {
    const out = join(dir, 'retry.txt');
    const r = await tscurl([
      '-s',
      '--retry',
      '1',
      '--retry-delay',
      '1',
      '-o',
      out,
      `${server.url}/flaky/b/1`,
    ]);
    assert.equal(r.code, 0);
    assert.equal(readFileSync(out, 'utf8'), 'ok after 1\n');
    const all = await tscurl([
      '--retry',
      '1',
      '--retry-delay',
      '1',
      '--retry-all-errors',
      'http://127.0.0.1:1/',
    ]);
    assert.equal(all.code, 7);
    assert.ok(
      all.stderr.includes('Warning: Problem (retrying all errors). Will retry in 1 second. 1 retry left.\n'),
      all.stderr,
    );
    // Wrapped at 79 columns as curl's warnf (the wrapping checked against curl 7.88's output, the
    // words are curl 8's).
    const ten = await tscurl([
      '--retry',
      '10',
      '--retry-delay',
      '1',
      '--retry-max-time',
      '1',
      '--retry-all-errors',
      'http://127.0.0.1:1/',
    ]);
    assert.equal(ten.code, 7);
    assert.ok(
      ten.stderr.includes(
        'Warning: Problem (retrying all errors). Will retry in 1 second. 10 retries \nWarning: left.\n',
      ),
      ten.stderr,
    );
    const none = await tscurl(['--retry', '3', 'http://127.0.0.1:1/']);
    assert.doesNotMatch(
      none.stderr,
      /Will retry/,
      'connection refused is not transient without --retry-connrefused',
    );
  });

  test('-Z keeps at most --parallel-max transfers in flight on one Multi', async () => {
    // A server of its own: the shared one also serves the tests running beside this one.
    const own = await startFixtureServer();
    let live = 0;
    let peak = 0;
    let total = 0;
    own.server.on('connection', (s) => {
      total++;
      peak = Math.max(peak, ++live);
      s.on('close', () => live--);
    });
    const r = await tscurl([
      '-s',
      '-Z',
      '--parallel-max',
      '7',
      '-o',
      '/dev/null',
      `${own.url}/g/[1-300]`,
      '-w',
      '%{http_code}\\n',
    ]);
    await own.close();
    assert.equal(r.code, 0, r.stderr);
    const codes = r.stdout.toString().trim().split('\n');
    assert.equal(codes.length, 300);
    assert.ok(codes.every((c) => c === '200'));
    assert.ok(peak <= 7 && peak >= 2, `peak connections ${peak}`);
    assert.ok(total <= 7, `connections reused: ${total} opened for 300 transfers`);
  });

  test('--fail-early stops adding transfers after the first failure', async () => {
    const r = await tscurl([
      '-s',
      '--fail-early',
      'http://127.0.0.1:1/',
      `${server.url}/g/[1-5]`,
      '-w',
      '%{http_code}\\n',
    ]);
    assert.equal(r.code, 7);
    assert.equal(r.stdout.toString(), '000\n');
  });

  test('-K - reads the config from stdin', async () => {
    const r = await tscurl(['-K', '-'], { input: `url = "${server.url}/hello"\n-s\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'hello\n');
  });

  test('a -K file of 2,000 URLs runs in parallel', async () => {
    const cfg = join(dir, 'many.cfg');
    const lines = [
      'parallel',
      'silent',
      'write-out = "%{http_code}\\n"',
      'output = /dev/null',
      'remote-name-all',
    ];
    for (let i = 0; i < 2000; i++) lines.push(`url = ${server.url}/g/${i}`);
    writeFileSync(cfg, `${lines.join('\n')}\n`);
    const r = await tscurl(['-K', cfg, '--no-remote-name-all'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout
        .toString()
        .split('\n')
        .filter((l) => l === '200').length,
      2000,
    );
  });

  test('--trace-ascii writes curl-style blocks to the file', async () => {
    const trace = join(dir, 'trace.txt');
    const r = await tscurl(['-s', '--trace-ascii', trace, `${server.url}/hello`]);
    assert.equal(r.code, 0);
    const text = readFileSync(trace, 'latin1');
    assert.match(text, /^=> Send header, \d+ bytes \(0x[0-9a-f]+\)\n0000: GET \/hello HTTP\/1\.1\n/m);
    assert.match(text, /^<= Recv header, 17 bytes \(0x11\)\n0000: HTTP\/1\.1 200 OK\n/m);
  });

  test('-w warns about an unknown variable and %{json} is one JSON object', async () => {
    const r = await tscurl(['-s', '-o', '/dev/null', '-w', '%{nope}%{json}', `${server.url}/hello`]);
    assert.equal(r.stderr, "tscurl: unknown --write-out variable: 'nope'\n");
    const j = JSON.parse(r.stdout.toString()) as Record<string, unknown>;
    assert.equal(j.http_code, 200);
    assert.equal(j.size_download, 6);
    assert.equal(j.url_effective, `${server.url}/hello`);
    assert.match(String(j.curl_version), /^tscurl\//);
  });

  test('-w times have six decimals and add up in order', async () => {
    const r = await tscurl([
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{time_namelookup} %{time_connect} %{time_appconnect} %{time_pretransfer} %{time_starttransfer} %{time_total} %{speed_download}',
      `${server.url}/big`,
    ]);
    const parts = r.stdout.toString().split(' ');
    for (const t of parts.slice(0, 6)) assert.match(t, /^\d+\.\d{6}$/);
    const [nl, conn, , pre, start, total] = parts.slice(0, 6).map(Number);
    assert.ok(nl! <= conn! && conn! <= pre! && pre! <= start! && start! <= total!, r.stdout.toString());
    assert.match(parts[6]!, /^\d+$/);
  });

  test('-h lists the options, -V names tscurl', async () => {
    const h = await tscurl(['-h']);
    assert.equal(h.code, 0);
    assert.match(h.stdout.toString(), /^ -o, --output <file> +Write to file instead of stdout$/m);
    const v = await tscurl(['-V']);
    assert.equal(v.code, 0);
    assert.match(v.stdout.toString(), /^tscurl \d+\.\d+\.\d+ /);
  });

  test('-V lists the protocols and features this build has, sorted as curl sorts them', async () => {
    const v = (await tscurl(['-V'])).stdout.toString().split('\n');
    assert.equal(v[1], 'Protocols: http https');
    const f = v[2]!.replace(/^Features: /, '').split(' ');
    for (const name of ['AsynchDNS', 'IPv6', 'Largefile', 'libz', 'SSL', 'brotli'])
      assert.ok(f.includes(name), name);
    assert.equal(f.includes('HTTP2'), true, 'HTTP/2 is built in');
    assert.deepEqual(
      f,
      [...f].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
    );
  });

  test('-M prints the manual (docs/cli.md)', async () => {
    const m = await tscurl(['-M']);
    assert.equal(m.code, 0);
    assert.match(m.stdout.toString(), /^# tscurl: the command line\n/);
    assert.match(m.stdout.toString(), /## Differences from curl, on purpose/);
  });

  test('-r N warns as curl and asks for N-', async () => {
    const r = await tscurl(['-o', '/dev/null', '-r', '5', `${server.url}/hello`]);
    assert.equal(r.code, 0);
    assert.match(
      r.stderr,
      /^Warning: A specified range MUST include at least one dash \(-\)\. Appending one \nWarning: for you!$/m,
    );
  });

  test("-o into a missing directory fails with 23 and curl's warning", async () => {
    const r = await tscurl(['-o', join(dir, 'no/such/dir/f'), `${server.url}/hello`]);
    assert.equal(r.code, 23);
    assert.match(
      r.stderr,
      /^Warning: Failed to open the file .*no\/such\/dir\/f: No such file or directory$/m,
    );
    assert.match(r.stderr, /^tscurl: \(23\) Failure writing output to destination$/m);
  });

  test('-I with -d is refused like curl (exit 2)', async () => {
    const r = await tscurl(['-I', '-d', 'x', `${server.url}/hello`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /You can only select one HTTP request method/);
  });
});
