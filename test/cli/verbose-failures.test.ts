// -v's "* " lines when a transfer fails or lets go of its connection, side by side with
// /usr/bin/curl (7.88 here): the failf line before "tscurl: (N) ...", each refused attempt, the
// connection's end, "Hostname H was found in DNS cache", --resolve's "Added ... to DNS cache", a
// full pool's eviction. Where curl 7.88's words differ from
// curl 8's, its lines are turned into curl 8's first (tscurl follows curl 8):
//   "Closing connection N"  -> "closing connection #N" (a failed transfer) or
//                              "shutting down connection #N" (a finished one)
//   "...: Couldn't connect to server" -> "...: Could not connect to server"
//   "transfer closed with N bytes remaining to read" -> "end of response with N bytes missing"
//   "RESOLVE H:P is - old addresses discarded" -> "RESOLVE H:P - old addresses discarded"
//   "Re-using existing connection #N with host H" -> "Re-using existing connection with host H"
//   "Connected to H (A) port P (#N)" -> "Connected to H (A) port P"
//   "Connection cache is full, closing the oldest one"
//                           -> "Connection pool is full, closing the oldest of N/M"
// and tscurl's messages lose where they happened (docs/cli.md: tscurl's texts name the host and
// port), so that the rest compares word for word.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startUdpDns, type UdpDnsServer } from '../helpers/dns-server.js';
import { closedPort, type RawServer, startHttpServer } from '../helpers/http-server.js';
import { type LifecycleServers, startLifecycleServers } from '../helpers/lifecycle-servers.js';
import { cliNodeArgs, connectedAsCurl8, curl, haveCurl, tscurl } from './helpers.js';

let servers: LifecycleServers;
let raw: RawServer;
let tlsPort: number;
let dns: UdpDnsServer;

before(async () => {
  // The CLI's bundle is built here, not at the first spawn: building it blocks this process (and
  // the servers in it) for a moment, which would eat into the 1 s of the timeout case.
  cliNodeArgs();
  servers = await startLifecycleServers();
  ({ raw, tlsPort } = servers);
  dns = await startUdpDns({});
});
after(async () => {
  await servers.close();
  await dns.close();
});

const lifecycle =
  /^\* ( {2}Trying |connect to |Connected to |Failed to connect|Could not resolve|Operation timed out|Recv failure|end of response|transfer closed|SSL certificate problem|Closing connection|closing connection|shutting down|Connection #|Hostname |Re-using |Issue another request|Ignoring the response-body|Connection died|Added |RESOLVE |Host |IPv[46]: |Connection (pool|cache) is full)/;

const numbers = (l: string) =>
  l
    .replace(/after \d+ ms/, 'after N ms')
    .replace(/after \d+ milliseconds/, 'after N milliseconds')
    .replace(/closing the oldest of \d+\/\d+$/, 'closing the oldest of N/M');

/** curl 7.88's lines in curl 8's words. */
function curl8(stderr: string, failed: boolean): string[] {
  return connectedAsCurl8(stderr)
    .split('\n')
    .filter((l) => lifecycle.test(l))
    .map((l) =>
      numbers(l)
        .replace(
          /^\* Closing connection (\d+)$/,
          failed ? '* closing connection #$1' : '* shutting down connection #$1',
        )
        .replace("Couldn't connect to server", 'Could not connect to server')
        .replace(
          /transfer closed with (\d+) bytes remaining to read/,
          'end of response with $1 bytes missing',
        )
        .replace(/^\* RESOLVE (\S+) is - old addresses discarded$/, '* RESOLVE $1 - old addresses discarded')
        .replace(/^\* Re-using existing connection #\d+ with /, '* Re-using existing connection with ')
        .replace(
          '* Connection cache is full, closing the oldest one',
          '* Connection pool is full, closing the oldest of N/M',
        ),
    );
}

/** tscurl's lines without the place its messages name. */
function mine(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) =>
      l
        .replace(/^\* Failure when receiving data from \S+ port \d+: /, '* Recv failure: ')
        .replace(/ \(from \S+ port \d+\)$/, '')
        .replace(/ \(\S+ port \d+, \w+\)$/, '')
        .replace(/ in connection to \S+$/, ''),
    )
    .filter((l) => lifecycle.test(l))
    .map(numbers);
}

/** Runs both side by side; returns tscurl's stderr. */
async function compare(args: string[], expected: string[]): Promise<string> {
  assert.ok(haveCurl, 'compares against /usr/bin/curl, installed here and in CI');
  const [a, b] = await Promise.all([
    curl(['-sv', '-o', '/dev/null', ...args]),
    tscurl(['-sv', '-o', '/dev/null', ...args]),
  ]);
  assert.equal(b.code, a.code, `exit code\ncurl: ${a.stderr}\ntscurl: ${b.stderr}`);
  assert.deepEqual(mine(b.stderr), curl8(a.stderr, a.code !== 0), `curl: ${a.stderr}\ntscurl: ${b.stderr}`);
  assert.deepEqual(mine(b.stderr), expected);
  return b.stderr;
}

describe('-v on failures and connection ends, as curl 8', { concurrency: 4 }, () => {
  test('refused connect: the attempt\'s "connect to ... failed", the failf line, "closing connection #0"', async () => {
    const port = await closedPort();
    await compare(
      [`http://127.0.0.1:${port}/`],
      [
        `*   Trying 127.0.0.1:${port}...`,
        `* connect to 127.0.0.1 port ${port} failed: Connection refused`,
        `* Failed to connect to 127.0.0.1 port ${port} after N ms: Could not connect to server`,
        '* closing connection #0',
      ],
    );
  });

  test('timeout mid-body: "Operation timed out after N milliseconds with 3 out of 10 bytes received"', async () => {
    await compare(
      ['-m', '1', `${raw.url}/stall`],
      [
        `*   Trying 127.0.0.1:${raw.port}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${raw.port}`,
        '* Operation timed out after N milliseconds with 3 out of 10 bytes received',
        '* closing connection #0',
      ],
    );
  });

  test('reset mid-body: "Connection reset by peer", "closing connection #0"', async () => {
    await compare(
      [`${raw.url}/reset`],
      [
        `*   Trying 127.0.0.1:${raw.port}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${raw.port}`,
        '* Recv failure: Connection reset by peer',
        '* closing connection #0',
      ],
    );
  });

  test('body cut short: curl 8\'s "end of response with 7 bytes missing" (7.88: "transfer closed with 7 bytes remaining to read")', async () => {
    await compare(
      [`${raw.url}/short`],
      [
        `*   Trying 127.0.0.1:${raw.port}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${raw.port}`,
        '* end of response with 7 bytes missing',
        '* closing connection #0',
      ],
    );
  });

  test('TLS verification failure: "SSL certificate problem: self-signed certificate", "closing connection #0"', async () => {
    await compare(
      [`https://127.0.0.1:${tlsPort}/`],
      [
        `*   Trying 127.0.0.1:${tlsPort}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${tlsPort}`,
        '* SSL certificate problem: self-signed certificate',
        '* closing connection #0',
      ],
    );
  });

  test('the end of good transfers: "left intact", curl 8\'s "shutting down connection #N" for "Connection: close", then "Hostname H was found in DNS cache"', async () => {
    await compare(
      ['-o', '/dev/null', '-o', '/dev/null', `${raw.url}/keep`, `${raw.url}/close`, `${raw.url}/keep`],
      [
        `*   Trying 127.0.0.1:${raw.port}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${raw.port}`,
        '* Connection #0 to host 127.0.0.1 left intact',
        '* Re-using existing connection with host 127.0.0.1',
        '* shutting down connection #0',
        '* Hostname 127.0.0.1 was found in DNS cache',
        `*   Trying 127.0.0.1:${raw.port}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${raw.port}`,
        '* Connection #1 to host 127.0.0.1 left intact',
      ],
    );
  });

  test('-L: "Ignoring the response-body" and "Issue another request to this URL", on the kept connection or a new one', async () => {
    await compare(
      ['-L', `${raw.url}/moved`],
      [
        `*   Trying 127.0.0.1:${raw.port}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${raw.port}`,
        '* Ignoring the response-body',
        '* Connection #0 to host 127.0.0.1 left intact',
        `* Issue another request to this URL: '${raw.url}/keep'`,
        '* Re-using existing connection with host 127.0.0.1',
        '* Connection #0 to host 127.0.0.1 left intact',
      ],
    );
    await compare(
      ['-L', `${raw.url}/moved-close`],
      [
        `*   Trying 127.0.0.1:${raw.port}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${raw.port}`,
        '* shutting down connection #0',
        `* Issue another request to this URL: '${raw.url}/keep'`,
        '* Hostname 127.0.0.1 was found in DNS cache',
        `*   Trying 127.0.0.1:${raw.port}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${raw.port}`,
        '* Connection #1 to host 127.0.0.1 left intact',
      ],
    );
  });

  test('a kept connection the server closed meanwhile: "Connection died, retrying a fresh connect", then curl 8\'s "shutting down connection #0"', async () => {
    await compare(
      ['-o', '/dev/null', `${raw.url}/once`, `${raw.url}/once?b`],
      [
        `*   Trying 127.0.0.1:${raw.port}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${raw.port}`,
        '* Connection #0 to host 127.0.0.1 left intact',
        '* Re-using existing connection with host 127.0.0.1',
        '* Connection died, retrying a fresh connect (retry count: 1)',
        '* shutting down connection #0',
        `* Issue another request to this URL: '${raw.url}/once?b'`,
        '* Hostname 127.0.0.1 was found in DNS cache',
        `*   Trying 127.0.0.1:${raw.port}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${raw.port}`,
        '* Connection #1 to host 127.0.0.1 left intact',
      ],
    );
  });

  test('unknown host (a DNS server on loopback answers NXDOMAIN): "Could not resolve host: H", "closing connection #0"', async () => {
    // curl 7.88 here has no c-ares (--dns-servers): its lines for this case are curl 8's words
    // already ("Could not resolve host: nohost.invalid", then "Closing connection 0").
    const r = await tscurl(['-sSv', '--dns-servers', `127.0.0.1:${dns.port}`, 'http://nohost.invalid/']);
    assert.equal(r.code, 6, r.stderr);
    assert.deepEqual(mine(r.stderr), ['* Could not resolve host: nohost.invalid', '* closing connection #0']);
    assert.match(r.stderr, /^tscurl: \(6\) Could not resolve host: nohost\.invalid$/m);
  });

  test('--resolve: "Added H:P:A to DNS cache" per transfer, curl 8\'s "RESOLVE H:P - old addresses discarded" (7.88: "RESOLVE H:P is - old ...")', async () => {
    const p = raw.port;
    await compare(
      [
        '--resolve',
        `foo.test:${p}:127.0.0.1`,
        '--resolve',
        `+bar.test:${p}:127.0.0.1`,
        '-o',
        '/dev/null',
        `http://foo.test:${p}/keep`,
        `http://foo.test:${p}/keep`,
      ],
      [
        `* Added foo.test:${p}:127.0.0.1 to DNS cache`,
        `* Added bar.test:${p}:127.0.0.1 to DNS cache (non-permanent)`,
        '* Hostname foo.test was found in DNS cache',
        `*   Trying 127.0.0.1:${p}...`,
        `* Connected to foo.test (127.0.0.1) port ${p}`,
        '* Connection #0 to host foo.test left intact',
        `* RESOLVE foo.test:${p} - old addresses discarded`,
        `* Added foo.test:${p}:127.0.0.1 to DNS cache`,
        `* RESOLVE bar.test:${p} - old addresses discarded`,
        `* Added bar.test:${p}:127.0.0.1 to DNS cache (non-permanent)`,
        '* Re-using existing connection with host foo.test',
        '* Connection #0 to host foo.test left intact',
      ],
    );
  });

  test('seven hosts in turn: from the sixth, curl 8\'s "Connection pool is full, closing the oldest of 6/5" and "shutting down connection #N" before "left intact"', async () => {
    // Each answer waits 5 ms: curl picks the pool's oldest by its last use in milliseconds, so two
    // transfers ending in the same millisecond would leave its choice to the pool's order.
    const hosts = await Promise.all(
      Array.from({ length: 7 }, () => startHttpServer((_q, s) => setTimeout(() => s.end('ok'), 5))),
    );
    try {
      const args = hosts.flatMap((h, i) => (i === 0 ? [`${h.url}/`] : ['-o', '/dev/null', `${h.url}/`]));
      const expected = hosts.flatMap((h, i) => [
        `*   Trying 127.0.0.1:${h.port}...`,
        `* Connected to 127.0.0.1 (127.0.0.1) port ${h.port}`,
        ...(i >= 5
          ? ['* Connection pool is full, closing the oldest of N/M', `* shutting down connection #${i - 5}`]
          : []),
        `* Connection #${i} to host 127.0.0.1 left intact`,
      ]);
      const stderr = await compare(args, expected);
      // curl's tool keeps 5 (CURLOPT_MAXCONNECTS' default) in a serial run: 6 in the pool is one too many.
      assert.equal(
        stderr.match(/^\* Connection pool is full, closing the oldest of 6\/5$/gm)?.length,
        2,
        stderr,
      );
    } finally {
      await Promise.all(hosts.map((h) => h.close()));
    }
  });

  test('a name looked up: curl 8\'s "Host H:P was resolved.", "IPv6: ...", "IPv4: ..." (curl 8.5.0 on; not in 7.88)', async () => {
    const r = await tscurl(['-sv', '-o', '/dev/null', `http://localhost:${raw.port}/keep`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(mine(r.stderr).slice(0, 3), [
      `* Host localhost:${raw.port} was resolved.`,
      '* IPv6: ::1',
      '* IPv4: 127.0.0.1',
    ]);
    assert.match(mine(r.stderr)[3]!, /^\* {3}Trying /);
  });
});
