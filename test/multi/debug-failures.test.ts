// CURLOPT_DEBUGFUNCTION's 'text' lines when a transfer fails and when it lets go of its
// connection, in curl 8's words: every failf message (the error buffer's text) as its own line,
// each failed connect attempt, "Hostname H was found in DNS cache", and at the end "closing
// connection #N" (a failed transfer), "shutting down connection #N" (a finished transfer on a
// connection that cannot be reused) or "Connection #N to host H left intact" (curl 7.88 said
// "Closing connection N" for both of the first two); and when another request follows (a redirect,
// a retry on a fresh connection), the lines curl says then. Also curl 8's name lines ("Host H:P was
// resolved.", "IPv6: ...", "IPv4: ...", the resolve option's "Added H:P:A to DNS cache"), and the
// connection pool's (a removed transfer's connection, maxConnects evictions, too old idle ones).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, type DebugInfoType, Easy, NodeDriver, Share } from '../../src/index.js';
import { closedPort, type RawServer, startHttpServer, type TestServer } from '../helpers/http-server.js';
import { type LifecycleServers, startLifecycleServers } from '../helpers/lifecycle-servers.js';
import { offlineTransport } from '../helpers/offline-dns.js';

let server: TestServer;
let servers: LifecycleServers;
let raw: RawServer;
let tlsPort: number;

before(async () => {
  server = await startHttpServer((_req, res) => res.end('fine'));
  servers = await startLifecycleServers();
  ({ raw, tlsPort } = servers);
});
after(async () => {
  await server.close();
  await servers.close();
});

interface Run {
  result: CurlCode;
  errorBuffer: string;
  /** The 'text' lines, in order. */
  text: string[];
  /** CURLINFO_CONN_ID: the connection's number in "left intact", "shutting down connection #N". */
  connId: number;
}

async function run(driver: NodeDriver, url: string, extra: Record<string, unknown> = {}): Promise<Run> {
  const text: string[] = [];
  const easy = new Easy({
    url,
    ...extra,
    debugFunction: (type: DebugInfoType, d: string | Uint8Array) => {
      if (type === 'text') text.push(typeof d === 'string' ? d : Buffer.from(d).toString('latin1'));
    },
  });
  const done = await driver.add(easy);
  return { result: done.result, errorBuffer: easy.errorBuffer, text, connId: easy.getInfo().connId };
}

/** The failf line: the error buffer's text as a line of its own (libcurl's failf sends both). */
function assertFailf(r: Run, start: RegExp): void {
  const line = r.text.find((l) => start.test(l));
  assert.ok(line !== undefined, `no line matching ${start} in ${JSON.stringify(r.text)}`);
  assert.equal(line, `${r.errorBuffer}\n`);
}

/** The last two lines: the failf line, then curl 8's "closing connection #N". */
function assertFailedEnd(r: Run, start: RegExp): void {
  assertFailf(r, start);
  assert.match(r.text.at(-2)!, start, JSON.stringify(r.text));
  assert.match(r.text.at(-1)!, /^closing connection #\d+\n$/, JSON.stringify(r.text));
}

test('refused connect: "connect to A port P failed: Connection refused" per attempt, the failf line, "closing connection #N"', async () => {
  const driver = new NodeDriver();
  try {
    const port = await closedPort();
    const r = await run(driver, `http://127.0.0.1:${port}/`);
    assert.equal(r.result, CurlCode.COULDNT_CONNECT);
    // curl 8's failf names the CurlCode's text; the errno's text is in the attempt's own line
    // (Node does not know the local address of a refused socket: curl 8 adds "from L port LP").
    assert.equal(r.text.length, 4, JSON.stringify(r.text));
    assert.equal(r.text[0], `  Trying 127.0.0.1:${port}...\n`);
    assert.equal(r.text[1], `connect to 127.0.0.1 port ${port} failed: Connection refused\n`);
    assert.match(
      r.errorBuffer,
      new RegExp(
        `^Failed to connect to 127\\.0\\.0\\.1 port ${port} after \\d+ ms: Could not connect to server$`,
      ),
    );
    assertFailedEnd(r, /^Failed to connect to /);
  } finally {
    driver.close();
  }
});

test('unknown host: "Could not resolve host: H", then "closing connection #N"', async () => {
  const driver = new NodeDriver({ transport: offlineTransport({}) });
  try {
    const r = await run(driver, 'http://nohost.invalid/');
    assert.equal(r.result, CurlCode.COULDNT_RESOLVE_HOST);
    assert.equal(r.errorBuffer, 'Could not resolve host: nohost.invalid');
    assert.deepEqual(r.text.slice(0, 1), ['Could not resolve host: nohost.invalid\n']);
    assertFailedEnd(r, /^Could not resolve host: /);
  } finally {
    driver.close();
  }
});

test('timeout mid-body: "Operation timed out after N milliseconds with 3 out of 10 bytes received"', async () => {
  const driver = new NodeDriver();
  try {
    const r = await run(driver, `${raw.url}/stall`, { timeoutMs: 200 });
    assert.equal(r.result, CurlCode.OPERATION_TIMEDOUT);
    assertFailedEnd(r, /^Operation timed out after \d+ milliseconds with 3 out of 10 bytes received/);
  } finally {
    driver.close();
  }
});

test('reset mid-body: the receive failure, then "closing connection #N"', async () => {
  const driver = new NodeDriver();
  try {
    const r = await run(driver, `${raw.url}/reset`);
    assert.equal(r.result, CurlCode.RECV_ERROR);
    assertFailedEnd(r, /Connection reset by peer/);
  } finally {
    driver.close();
  }
});

test('body cut short: curl 8\'s "end of response with 7 bytes missing", then "closing connection #N"', async () => {
  const driver = new NodeDriver();
  try {
    const r = await run(driver, `${raw.url}/short`);
    assert.equal(r.result, CurlCode.PARTIAL_FILE);
    assertFailedEnd(r, /^end of response with 7 bytes missing/);
  } finally {
    driver.close();
  }
});

test('TLS verification failure: "SSL certificate problem: self-signed certificate", then "closing connection #N"', async () => {
  const driver = new NodeDriver();
  try {
    const r = await run(driver, `https://localhost:${tlsPort}/`, {
      resolve: [`localhost:${tlsPort}:127.0.0.1`],
    });
    assert.equal(r.result, CurlCode.PEER_FAILED_VERIFICATION);
    assertFailedEnd(r, /^SSL certificate problem: self-signed certificate/);
  } finally {
    driver.close();
  }
});

test('the end of a good transfer: "left intact", or curl 8\'s "shutting down connection #N" when the connection cannot be kept', async () => {
  const driver = new NodeDriver();
  try {
    const kept = await run(driver, `${server.url}/`);
    assert.equal(kept.result, CurlCode.OK);
    const id = kept.connId;
    assert.equal(kept.text.at(-1), `Connection #${id} to host 127.0.0.1 left intact\n`);
    assert.ok(!kept.text.some((l) => /closing|shutting/i.test(l)), JSON.stringify(kept.text));

    const closed = await run(driver, `${raw.url}/close`);
    assert.equal(closed.result, CurlCode.OK);
    assert.match(closed.text.at(-1)!, /^shutting down connection #\d+\n$/, JSON.stringify(closed.text));

    const forbidden = await run(driver, `${server.url}/`, { forbidReuse: true });
    assert.equal(forbidden.result, CurlCode.OK);
    assert.equal(forbidden.text.at(-1), `shutting down connection #${id}\n`);
  } finally {
    driver.close();
  }
});

test('a new connection to a host looked up before: "Hostname H was found in DNS cache" before "Trying"', async () => {
  const driver = new NodeDriver({ transport: offlineTransport({ 'api.test': ['127.0.0.1'] }) });
  try {
    const url = `http://api.test:${server.port}/`;
    const first = await run(driver, url, { forbidReuse: true });
    assert.equal(first.result, CurlCode.OK);
    assert.ok(!first.text.some((l) => l.includes('DNS cache')), JSON.stringify(first.text));
    const second = await run(driver, url, { forbidReuse: true });
    assert.equal(second.result, CurlCode.OK);
    assert.deepEqual(second.text.slice(0, 2), [
      'Hostname api.test was found in DNS cache\n',
      `  Trying 127.0.0.1:${server.port}...\n`,
    ]);
  } finally {
    driver.close();
  }
});

test('a transfer that fails before it has a connection says only the failf line', async () => {
  const driver = new NodeDriver();
  try {
    const r = await run(driver, 'http:////127.0.0.1/');
    assert.equal(r.result, CurlCode.URL_MALFORMAT);
    assert.deepEqual(r.text, [`${r.errorBuffer}\n`]);
  } finally {
    driver.close();
  }
});

test('a redirect followed on the kept connection: "Ignoring the response-body", "left intact", "Issue another request to this URL"', async () => {
  const driver = new NodeDriver();
  try {
    const r = await run(driver, `${raw.url}/moved`, { followLocation: true });
    assert.equal(r.result, CurlCode.OK);
    const id = r.connId;
    assert.deepEqual(r.text.slice(2), [
      'Ignoring the response-body\n',
      `Connection #${id} to host 127.0.0.1 left intact\n`,
      `Issue another request to this URL: '${raw.url}/keep'\n`,
      'Re-using existing connection with host 127.0.0.1\n',
      `Connection #${id} to host 127.0.0.1 left intact\n`,
    ]);
  } finally {
    driver.close();
  }
});

test('a kept connection the server closed meanwhile: "Connection died, retrying a fresh connect", "shutting down", another request', async () => {
  const driver = new NodeDriver();
  try {
    const first = await run(driver, `${raw.url}/once`);
    assert.equal(first.result, CurlCode.OK);
    const id = first.connId;
    const r = await run(driver, `${raw.url}/once?again`);
    assert.equal(r.result, CurlCode.OK);
    assert.deepEqual(r.text.slice(0, 5), [
      'Re-using existing connection with host 127.0.0.1\n',
      'Connection died, retrying a fresh connect (retry count: 1)\n',
      `shutting down connection #${id}\n`,
      `Issue another request to this URL: '${raw.url}/once?again'\n`,
      'Hostname 127.0.0.1 was found in DNS cache\n',
    ]);
  } finally {
    driver.close();
  }
});

test('a name looked up: curl 8\'s "Host H:P was resolved.", then its IPv6 and IPv4 addresses ("(none)" for a family without any)', async () => {
  const driver = new NodeDriver({
    transport: offlineTransport({
      'api.test': ['127.0.0.1', '127.0.0.2'],
      'dual.test': ['::1', '127.0.0.1'],
    }),
  });
  try {
    const p = server.port;
    const v4 = await run(driver, `http://api.test:${p}/`, { forbidReuse: true });
    assert.equal(v4.result, CurlCode.OK);
    assert.deepEqual(v4.text.slice(0, 4), [
      `Host api.test:${p} was resolved.\n`,
      'IPv6: (none)\n',
      'IPv4: 127.0.0.1, 127.0.0.2\n',
      `  Trying 127.0.0.1:${p}...\n`,
    ]);
    const dual = await run(driver, `http://dual.test:${p}/`, { forbidReuse: true });
    assert.deepEqual(dual.text.slice(0, 3), [
      `Host dual.test:${p} was resolved.\n`,
      'IPv6: ::1\n',
      'IPv4: 127.0.0.1\n',
    ]);
    // localhost is answered without a query, as curl's own localhost answer, and says so too.
    const local = await run(driver, `http://localhost:${p}/`, { forbidReuse: true });
    assert.deepEqual(local.text.slice(0, 3), [
      `Host localhost:${p} was resolved.\n`,
      'IPv6: ::1\n',
      'IPv4: 127.0.0.1\n',
    ]);
    // An IP address is no lookup: no such lines (curl's show_resolve_info skips it).
    const literal = await run(driver, `http://127.0.0.1:${p}/`, { forbidReuse: true });
    assert.equal(literal.result, CurlCode.OK);
    assert.equal(literal.text[0], `  Trying 127.0.0.1:${p}...\n`);
    assert.ok(!literal.text.some((l) => /^(Host |IPv[46]: )/.test(l)), JSON.stringify(literal.text));
  } finally {
    driver.close();
  }
});

test('resolve entries: "Added H:P:A to DNS cache" once per transfer, "RESOLVE H:P - old addresses discarded" when one replaces another', async () => {
  const driver = new NodeDriver({ transport: offlineTransport({}) });
  try {
    const p = raw.port;
    const resolve = [`api.test:${p}:127.0.0.1`, '+other.test:80:127.0.0.1,[::1]', '-gone.test:80'];
    // A redirect on the way: the entries are loaded when the transfer starts, not again.
    const first = await run(driver, `http://api.test:${p}/moved`, { resolve, followLocation: true });
    assert.equal(first.result, CurlCode.OK);
    assert.deepEqual(first.text.slice(0, 4), [
      `Added api.test:${p}:127.0.0.1 to DNS cache\n`,
      'Added other.test:80:127.0.0.1,[::1] to DNS cache (non-permanent)\n',
      'Hostname api.test was found in DNS cache\n',
      `  Trying 127.0.0.1:${p}...\n`,
    ]);
    assert.equal(first.text.filter((l) => l.startsWith('Added ')).length, 2, JSON.stringify(first.text));
    const id = first.connId;
    const second = await run(driver, `http://api.test:${p}/keep`, { resolve });
    assert.equal(second.result, CurlCode.OK);
    assert.deepEqual(second.text, [
      `RESOLVE api.test:${p} - old addresses discarded\n`,
      `Added api.test:${p}:127.0.0.1 to DNS cache\n`,
      'RESOLVE other.test:80 - old addresses discarded\n',
      'Added other.test:80:127.0.0.1,[::1] to DNS cache (non-permanent)\n',
      'Re-using existing connection with host api.test\n',
      `Connection #${id} to host api.test left intact\n`,
    ]);
  } finally {
    driver.close();
  }
});

test('a running transfer removed (removeHandle, an abort): "closing connection #N" for the connection it takes down', async () => {
  const driver = new NodeDriver();
  try {
    const text: string[] = [];
    let gotData!: () => void;
    const data = new Promise<void>((r) => (gotData = r));
    const easy = new Easy({
      url: `${raw.url}/stall`,
      writeFunction: (chunk: Uint8Array) => {
        gotData();
        return chunk.length;
      },
      debugFunction: (type: DebugInfoType, d: string | Uint8Array) => {
        if (type === 'text') text.push(String(d));
      },
    });
    void driver.add(easy);
    await data;
    driver.remove(easy);
    const id = easy.getInfo().connId;
    assert.equal(text.at(-1), `closing connection #${id}\n`, JSON.stringify(text));
    assert.equal(text.filter((l) => /closing|shutting|left intact/.test(l)).length, 1, JSON.stringify(text));
  } finally {
    driver.close();
  }
});

test('the pool over maxConnects: "Connection pool is full, closing the oldest of N/M", "shutting down connection #N", before "left intact"', async () => {
  const other = await startHttpServer((_req, res) => res.end('other'));
  const driver = new NodeDriver({ maxConnects: 1 });
  try {
    const first = await run(driver, `${server.url}/`);
    const id0 = first.connId;
    const second = await run(driver, `${other.url}/`);
    assert.equal(second.result, CurlCode.OK);
    const id1 = second.connId;
    assert.deepEqual(second.text.slice(-3), [
      'Connection pool is full, closing the oldest of 2/1\n',
      `shutting down connection #${id0}\n`,
      `Connection #${id1} to host 127.0.0.1 left intact\n`,
    ]);
  } finally {
    driver.close();
    await other.close();
  }
});

test('an idle connection older than maxIdleAgeMs: "Too old connection (N ms idle, max idle is M ms), disconnect it", "Connection N seems to be dead", "shutting down connection #N"', async () => {
  const driver = new NodeDriver({ maxIdleAgeMs: 20 });
  try {
    const first = await run(driver, `${server.url}/`);
    const id = first.connId;
    await new Promise((r) => setTimeout(r, 60));
    const second = await run(driver, `${server.url}/`);
    assert.equal(second.result, CurlCode.OK);
    assert.match(
      second.text[0]!,
      /^Too old connection \((\d+) ms idle, max idle is 20 ms\), disconnect it\n$/,
    );
    assert.ok(Number(/\((\d+) ms/.exec(second.text[0]!)![1]) > 20);
    assert.deepEqual(second.text.slice(1, 4), [
      `Connection ${id} seems to be dead\n`,
      `shutting down connection #${id}\n`,
      'Hostname 127.0.0.1 was found in DNS cache\n',
    ]);
  } finally {
    driver.close();
  }
});

test('two transfers waiting for one lookup: the first says "Host H:P was resolved.", the other libcurl\'s "Hostname \'H\' was found in DNS cache"', async () => {
  const driver = new NodeDriver({ transport: offlineTransport({ 'api.test': ['127.0.0.1'] }) });
  try {
    const url = `http://api.test:${server.port}/`;
    // Added in the same turn: both wait for the one lookup of api.test (shared while in flight).
    const [a, b] = await Promise.all([
      run(driver, url, { forbidReuse: true }),
      run(driver, url, { forbidReuse: true }),
    ]);
    assert.equal(a.result, CurlCode.OK);
    assert.equal(b.result, CurlCode.OK);
    const heads = [a, b].map((r) => r.text[0]).sort();
    assert.deepEqual(heads, [
      `Host api.test:${server.port} was resolved.\n`,
      "Hostname 'api.test' was found in DNS cache\n",
    ]);
    const follower = a.text[0]!.startsWith('Hostname') ? a : b;
    assert.equal(follower.text[1], `  Trying 127.0.0.1:${server.port}...\n`);
  } finally {
    driver.close();
  }
});

test('a Share\'s connections say the same: "Connection pool is full ..." past maxIdleConnections, "Too old connection ..." past maxIdleAgeMs', async () => {
  const other = await startHttpServer((_req, res) => res.end('other'));
  const share = new Share({ share: ['connect'], maxIdleConnections: 1, maxIdleAgeMs: 20 });
  const driver = new NodeDriver();
  try {
    const first = await run(driver, `${server.url}/`, { share });
    const id0 = first.connId;
    const second = await run(driver, `${other.url}/`, { share });
    const id1 = second.connId;
    assert.deepEqual(second.text.slice(-3), [
      'Connection pool is full, closing the oldest of 2/1\n',
      `shutting down connection #${id0}\n`,
      `Connection #${id1} to host 127.0.0.1 left intact\n`,
    ]);
    await new Promise((r) => setTimeout(r, 60));
    const third = await run(driver, `${other.url}/`, { share });
    assert.equal(third.result, CurlCode.OK);
    assert.match(third.text[0]!, /^Too old connection \(\d+ ms idle, max idle is 20 ms\), disconnect it\n$/);
    assert.deepEqual(third.text.slice(1, 3), [
      `Connection ${id1} seems to be dead\n`,
      `shutting down connection #${id1}\n`,
    ]);
  } finally {
    driver.close();
    await other.close();
  }
});
