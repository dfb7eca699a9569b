// Each fault, injected under one GET through the real engine, ends the transfer with the CurlCode
// of the documented table (docs/simulator.md) at the expected virtual time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CurlCode, Easy } from '../../src/index.js';
import { describeFault, expectedCurlCode, FAULT_CODES, type Fault, SimNetwork } from '../../src/sim.js';

const BODY = 'x'.repeat(1000);

async function getWith(fault: Fault, extra: { timeoutMs?: number } = {}) {
  const net = new SimNetwork({ seed: 7 });
  net.listen(
    'api.test',
    80,
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(BODY);
    },
    { latencyMs: 10, faults: [fault] },
  );
  const multi = net.createMulti();
  let received = 0;
  const easy = new Easy({
    url: 'http://api.test/x',
    timeoutMs: extra.timeoutMs ?? 10_000,
    writeFunction: (c) => {
      received += c.length;
      return c.length;
    },
  });
  multi.addHandle(easy);
  await net.run();
  const msg = multi.infoRead();
  assert.equal(multi.infoRead(), undefined, 'exactly one done message');
  multi.close();
  assert.equal(net.announcedSockets(), 0);
  assert.equal(net.timerArmed(), false);
  assert.equal(net.activity().openClientSockets, 0);
  return { net, result: msg?.result, received, easy };
}

describe('faults -> CurlCode (the documented table)', () => {
  const table: Array<[Fault, CurlCode, number]> = [
    // [fault, expected code, virtual time at the end]
    [{ kind: 'refuse' }, CurlCode.COULDNT_CONNECT, 20],
    [{ kind: 'dnsFail' }, CurlCode.COULDNT_RESOLVE_HOST, 0],
    [{ kind: 'stall' }, CurlCode.OPERATION_TIMEDOUT, 10_000],
    [{ kind: 'stall', afterBytes: 10, from: 'body' }, CurlCode.OPERATION_TIMEDOUT, 10_000],
    [{ kind: 'blackhole' }, CurlCode.OPERATION_TIMEDOUT, 10_000],
    [{ kind: 'truncate' }, CurlCode.PARTIAL_FILE, 40],
    [{ kind: 'halfClose', afterBytes: 0 }, CurlCode.GOT_NOTHING, 40],
    [{ kind: 'halfClose', afterBytes: 300, from: 'body' }, CurlCode.PARTIAL_FILE, 40],
    [{ kind: 'reset', afterBytes: 100, from: 'body' }, CurlCode.RECV_ERROR, 40],
    [{ kind: 'reset', afterBytes: 0 }, CurlCode.RECV_ERROR, 40],
    [{ kind: 'garbage' }, CurlCode.WEIRD_SERVER_REPLY, 40],
    [{ kind: 'dnsDelay', ms: 500 }, CurlCode.OK, 540],
    [{ kind: 'drip', intervalMs: 3, afterBytes: 900, from: 'body' }, CurlCode.OK, 40 + 99 * 3],
    [{ kind: 'partialWrites', maxBytes: 3 }, CurlCode.OK, 40],
    [{ kind: 'spurious', probability: 0.9 }, CurlCode.OK, 40],
    [{ kind: 'latency', ms: 100 }, CurlCode.OK, 400],
    [{ kind: 'bandwidth', bytesPerSecond: 10_000 }, CurlCode.OK, 40 + 100],
  ];
  for (const [fault, code, endsAt] of table) {
    test(`${describeFault(fault)} -> ${code}`, async () => {
      const { net, result, received, easy } = await getWith(fault);
      assert.equal(result, code, easy.errorBuffer);
      assert.equal(expectedCurlCode(fault), code, 'expectedCurlCode() agrees with the table');
      if (code === CurlCode.OK) assert.equal(received, BODY.length);
      else assert.notEqual(easy.errorBuffer, '');
      // Bandwidth adds serialisation time of the head too; everything else is exact.
      if (fault.kind === 'bandwidth')
        assert.ok(net.now() >= endsAt && net.now() < endsAt + 30, `${net.now()}`);
      else assert.equal(net.now(), endsAt);
    });
  }

  test('each fault kind ends with its curl code (7, 6, 28, 18, 52, 56, 8)', () => {
    assert.deepEqual(
      [
        FAULT_CODES.refuse,
        FAULT_CODES.dnsFail,
        FAULT_CODES.stall,
        FAULT_CODES.truncate,
        FAULT_CODES.closeBeforeAnyByte,
        FAULT_CODES.reset,
        FAULT_CODES.garbage,
      ],
      [7, 6, 28, 18, 52, 56, 8],
    );
  });

  test('spurious readiness really happens and is harmless', async () => {
    const { net, result } = await getWith({ kind: 'spurious', probability: 1 });
    assert.equal(result, CurlCode.OK);
    assert.ok(net.stats.spurious > 0);
  });

  test('partial writes: a large upload goes through in small pieces', async () => {
    const net = new SimNetwork();
    let got = 0;
    net.listen(
      'up.test',
      80,
      async (req, res) => {
        got = (await req.bytes()).length;
        res.end('ok');
      },
      { faults: [{ kind: 'partialWrites', maxBytes: 7 }] },
    );
    const multi = net.createMulti();
    const payload = Buffer.alloc(5000, 0x61);
    multi.addHandle(
      new Easy({ url: 'http://up.test/', postFields: payload, writeFunction: (c) => c.length }),
    );
    await net.run();
    assert.equal(multi.infoRead()?.result, CurlCode.OK);
    assert.equal(got, 5000);
  });

  test('a fault can hit one connection only', async () => {
    const net = new SimNetwork();
    net.listen('api.test', 80, (_q, r) => r.end('fine'), {
      faults: [{ kind: 'halfClose', afterBytes: 0, connections: [0] }],
    });
    const multi = net.createMulti();
    const a = new Easy({ url: 'http://api.test/a', writeFunction: (c) => c.length });
    multi.addHandle(a);
    await net.run();
    assert.equal(multi.infoRead()?.result, CurlCode.GOT_NOTHING);
    const b = new Easy({ url: 'http://api.test/b', writeFunction: (c) => c.length });
    multi.addHandle(b);
    await net.run();
    assert.equal(multi.infoRead()?.result, CurlCode.OK);
  });
});
