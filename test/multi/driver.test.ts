// NodeDriver, the regular multi interface (perform + poll, HTTP/1 and HTTP/2), diagnostics channels, and close()
// leaving no socket, timer or listener behind.
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { createServer as createH2cServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, HttpVersion, Multi, NodeDriver } from '../../src/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

let server: TestServer;
const held: ServerResponse[] = [];
before(async () => {
  server = await startHttpServer((req, res) => {
    if (req.url === '/stall') {
      held.push(res);
      return;
    }
    res.end('ok');
  });
});
after(async () => {
  for (const r of held) r.destroy();
  await server.close();
});

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

const KINDS = ['TCPSocketWrap', 'Timeout', 'Immediate', 'TCPWRAP', 'GetAddrInfoReqWrap'];
const same = (a: Record<string, number>, b: Record<string, number>) =>
  KINDS.every((k) => (a[k] ?? 0) === (b[k] ?? 0));

/**
 * The resource counts once they hold still for three samples in a row: a socket an earlier test
 * closed may still be closing, and counting it in the baseline would hide one leaked socket.
 */
async function settledResources(): Promise<Record<string, number>> {
  let last = resources();
  for (let stable = 0, i = 0; stable < 3 && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 10));
    const now = resources();
    stable = same(now, last) ? stable + 1 : 0;
    last = now;
  }
  return last;
}

test('NodeDriver: a 0 timeout runs on setImmediate, transfers complete', async () => {
  const driver = new NodeDriver();
  let body = '';
  const easy = new Easy({ url: `${server.url}/`, writeFunction: (c) => void (body += c) });
  const started = performance.now();
  const m = await driver.add(easy);
  assert.equal(m.result, CurlCode.OK);
  assert.equal(body, 'ok');
  assert.ok(performance.now() - started < 1000);
  driver.close();
});

test('perform() + poll(): the regular multi interface', async () => {
  const multi = new Multi();
  const bodies = ['', '', ''];
  for (let i = 0; i < 3; i++) {
    multi.addHandle(new Easy({ url: `${server.url}/${i}`, writeFunction: (c) => void (bodies[i] += c) }));
  }
  let rounds = 0;
  while (multi.perform() > 0 && rounds++ < 1000) await multi.poll(1000);
  const results = [];
  for (let m = multi.infoRead(); m !== undefined; m = multi.infoRead()) results.push(m.result);
  assert.deepEqual(results, [0, 0, 0]);
  assert.deepEqual(bodies, ['ok', 'ok', 'ok']);
  multi.close();
});

test('diagnostics: state changes and connection events are published to subscribers', async () => {
  const states: string[] = [];
  const conns: string[] = [];
  const onState = (m: unknown) => states.push((m as { to: string }).to);
  const onOpen = () => conns.push('open');
  const onReuse = () => conns.push('reuse');
  const onClose = (m: unknown) => conns.push(`close:${(m as { reason: string }).reason}`);
  dc.subscribe('tscurl:transfer:state', onState);
  dc.subscribe('tscurl:connection:open', onOpen);
  dc.subscribe('tscurl:connection:reuse', onReuse);
  dc.subscribe('tscurl:connection:close', onClose);
  try {
    const driver = new NodeDriver();
    await driver.add(new Easy({ url: `${server.url}/` }));
    await driver.add(new Easy({ url: `${server.url}/` }));
    driver.close();
  } finally {
    dc.unsubscribe('tscurl:transfer:state', onState);
    dc.unsubscribe('tscurl:connection:open', onOpen);
    dc.unsubscribe('tscurl:connection:reuse', onReuse);
    dc.unsubscribe('tscurl:connection:close', onClose);
  }
  const first = states.slice(0, states.indexOf('msgsent') + 1);
  assert.deepEqual(first, [
    'setup',
    'connect',
    'connecting',
    'protoconnect',
    'do',
    'doing',
    'did',
    'performing',
    'done',
    'completed',
    'msgsent',
  ]);
  assert.deepEqual(conns, ['open', 'reuse', 'close:multi closed']);
});

test('close() leaves no socket, timer or immediate behind', async () => {
  const baseline = await settledResources();
  const driver = new NodeDriver({ maxHostConnections: 2 });
  for (let i = 0; i < 5; i++) void driver.add(new Easy({ url: `${server.url}/stall`, timeoutMs: 60_000 }));
  await driver.add(new Easy({ url: 'http://127.0.0.1:1/', connectTimeoutMs: 50 })).catch(() => {});
  await new Promise((r) => setTimeout(r, 50));
  assert.ok((resources().TCPSocketWrap ?? 0) > (baseline.TCPSocketWrap ?? 0), 'sockets were open');
  driver.close();
  for (const r of held.splice(0)) r.destroy();
  // Closed sockets leave the count when libuv has closed them: wait for that (up to 2 s), not a
  // fixed time that a loaded machine may overrun.
  let now = resources();
  for (let i = 0; i < 200 && !same(now, baseline); i++) {
    await new Promise((r) => setTimeout(r, 10));
    now = resources();
  }
  for (const kind of KINDS) {
    assert.equal(
      now[kind] ?? 0,
      baseline[kind] ?? 0,
      `${kind}: ${JSON.stringify(now)} vs ${JSON.stringify(baseline)}`,
    );
  }
});

test('perform() + poll() over HTTP/2: streams get their data (the session reads for them)', async () => {
  const h2 = createH2cServer((req, res) => res.end(`h2 ${req.url}`));
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
  const multi = new Multi();
  const bodies = ['', '', ''];
  for (let i = 0; i < 3; i++) {
    multi.addHandle(
      new Easy({
        url: `http://127.0.0.1:${(h2.address() as AddressInfo).port}/${i}`,
        httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE,
        pipeWait: true,
        writeFunction: (c) => void (bodies[i] += c),
      }),
    );
  }
  let rounds = 0;
  while (multi.perform() > 0 && rounds++ < 100) await multi.poll(1000);
  const results = [];
  for (let m = multi.infoRead(); m !== undefined; m = multi.infoRead()) results.push(m.result);
  assert.deepEqual(results, [0, 0, 0]);
  assert.deepEqual(bodies, ['h2 /0', 'h2 /1', 'h2 /2']);
  multi.close();
  // Fully closed (its sessions ended) before the next test counts the process's sockets.
  await new Promise((r) => h2.close(r));
});

test('close(): a handle its add() left running carries nothing to the next driver it joins', async () => {
  const easy = new Easy({ url: `${server.url}/` });
  const first = new NodeDriver();
  let staleCalls = 0;
  void first.add(easy).then(() => staleCalls++);
  first.close();
  // Added without a promise elsewhere: it completes through onDone and stays added there.
  const done: number[] = [];
  const second = new NodeDriver({ onDone: (m) => done.push(m.result) });
  second.addHandle(easy);
  for (let i = 0; i < 200 && done.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(done, [CurlCode.OK]);
  assert.equal(staleCalls, 0, "the first driver's add() never settles");
  assert.deepEqual(second.multi.easyHandles, [easy], 'the handle stays added');
  second.close();
});
