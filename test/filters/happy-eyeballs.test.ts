// Happy eyeballs in virtual time: which address wins and exactly when, with a blackholed or
// refusing family, several addresses per family, and nothing left open afterwards. The filter is
// driven as the engine drives it: connect() on readiness of query('socket') or at
// query('connectDeadline').
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TransferError } from '../../src/core/errors.js';
import { HappyEyeballsFilter } from '../../src/filters/happy-eyeballs.js';
import { SimNetwork } from '../../src/sim.js';
import type { ResolvedAddress, Socket } from '../../src/transport/types.js';

const V6A = { address: 'fd00::1', family: 6 } as const;
const V6B = { address: 'fd00::2', family: 6 } as const;
const V4A = { address: '10.0.0.1', family: 4 } as const;
const V4B = { address: '10.0.0.2', family: 4 } as const;

interface Outcome {
  at: number;
  winner?: string | undefined;
  error?: string;
  tried: Array<[number, string]>;
}

/** Drives the filter until it connects or fails; latency 10 ms each way (connect = 20 ms). */
async function race(
  addresses: ResolvedAddress[],
  setup: (net: SimNetwork) => void,
  opts: {
    heMs?: number;
    connectTimeoutMs?: number;
    listen?: ResolvedAddress[];
    /** Filled with each attempt that failed with an error of its own: [when, address, errno code]. */
    failed?: Array<[number, string, string | undefined]>;
    /** No callbacks (what the engine passes without a debugFunction): `tried` stays empty. */
    quiet?: boolean;
  } = {},
): Promise<Outcome> {
  const net = new SimNetwork({ latencyMs: 10 });
  net.setAddresses('dual.test', opts.listen ?? addresses);
  net.listenRaw('dual.test', 80, () => {});
  setup(net);
  const tried: Array<[number, string]> = [];
  const f = new HappyEyeballsFilter(net.transport, 'dual.test', 80, undefined);
  const timing = {
    happyEyeballsTimeoutMs: opts.heMs ?? 200,
    connectDeadline: net.now() + (opts.connectTimeoutMs ?? 10_000),
  };
  f.setAddresses(
    addresses,
    opts.quiet
      ? timing
      : {
          ...timing,
          onAttempt: (a) => tried.push([net.now(), a.address]),
          onAttemptFailed: (a, e) => opts.failed?.push([net.now(), a.address, (e as { code?: string }).code]),
        },
  );
  let result: Outcome | undefined;
  let watched: Socket | undefined;
  const step = (): void => {
    if (result !== undefined) return;
    try {
      if (f.connect(net.now())) {
        // Once won, everything passes through to the winner (the connection drops the filter).
        assert.equal(f.passThrough(), f.next);
        assert.equal(f.passThrough()?.query('remoteAddress')?.ip, f.query('remoteAddress')?.ip);
        result = { at: net.now(), winner: f.query('remoteAddress')?.ip, tried };
        watched?.unwatch();
        return;
      }
    } catch (e) {
      assert.ok(e instanceof TransferError);
      result = { at: net.now(), error: e.message, tried };
      watched?.unwatch();
      return;
    }
    assert.equal(f.passThrough(), undefined, 'no pass-through while racing');
    const s = f.query('socket');
    if (s !== watched) watched?.unwatch();
    watched = s;
    s?.watch(2, step);
    const d = f.query('connectDeadline');
    if (d !== undefined) net.schedule(d - net.now(), step);
  };
  step();
  await net.advance(opts.connectTimeoutMs ?? 10_000);
  f.destroy();
  assert.equal(net.activity().watchedSockets, 0, 'nothing watched after the race');
  assert.equal(net.activity().openClientSockets, 0, 'every attempt closed');
  return result ?? { at: net.now(), error: 'timeout', tried };
}

describe('happy eyeballs (virtual time, 10 ms latency)', () => {
  test('both families answer: IPv6 first wins at 20 ms, IPv4 never tried', async () => {
    const r = await race([V4A, V6A], () => {});
    assert.deepEqual(r, { at: 20, winner: 'fd00::1', tried: [[0, 'fd00::1']] });
  });
  test('IPv6 blackholed: IPv4 starts at 200 ms and wins at 220 ms', async () => {
    const r = await race([V6A, V4A], (net) => net.blackhole(['fd00::1']));
    assert.deepEqual(r, {
      at: 220,
      winner: '10.0.0.1',
      tried: [
        [0, 'fd00::1'],
        [200, '10.0.0.1'],
      ],
    });
  });
  test('happyEyeballsTimeoutMs 50: IPv4 starts at 50 ms', async () => {
    const r = await race([V6A, V4A], (net) => net.blackhole(['fd00::1']), { heMs: 50 });
    assert.deepEqual([r.at, r.winner], [70, '10.0.0.1']);
  });
  test('IPv6 refused at 20 ms: IPv4 starts at once and wins at 40 ms', async () => {
    const r = await race([V6A, V4A], () => {}, { listen: [V4A] });
    assert.deepEqual(r, {
      at: 40,
      winner: '10.0.0.1',
      tried: [
        [0, 'fd00::1'],
        [20, '10.0.0.1'],
      ],
    });
  });
  test('first IPv6 blackholed, IPv4 refused: the second IPv6 address after half of the time', async () => {
    const r = await race([V6A, V6B, V4A], (net) => net.blackhole(['fd00::1']), {
      listen: [V6A, V6B],
      connectTimeoutMs: 1000,
    });
    assert.deepEqual(r, {
      at: 520,
      winner: 'fd00::2',
      tried: [
        [0, 'fd00::1'],
        [200, '10.0.0.1'],
        [500, 'fd00::2'],
      ],
    });
  });
  test('one family, several addresses: each gets half the remaining time, the last all of it', async () => {
    const r = await race([V4A, V4B], (net) => net.blackhole(['10.0.0.1']), { connectTimeoutMs: 4000 });
    assert.deepEqual(r, {
      at: 2020,
      winner: '10.0.0.2',
      tried: [
        [0, '10.0.0.1'],
        [2000, '10.0.0.2'],
      ],
    });
  });
  test('every address refused: COULDNT_CONNECT naming the host, after the last refusal', async () => {
    const failed: Array<[number, string, string | undefined]> = [];
    const r = await race([V6A, V4A], (net) => net.setAddresses('dual.test', []), { listen: [V6B], failed });
    assert.equal(r.at, 40);
    // curl 8's failf gives the CurlCode's text; each refusal is told on its own (the verbose
    // "connect to A port P failed: Connection refused" lines).
    assert.match(
      r.error!,
      /^Failed to connect to dual\.test port 80 after 40 ms: Could not connect to server$/,
    );
    assert.deepEqual(failed, [
      [20, 'fd00::1', 'ECONNREFUSED'],
      [40, '10.0.0.1', 'ECONNREFUSED'],
    ]);
  });
  test('both blackholed: no winner before the connect timeout, every attempt closed after', async () => {
    const r = await race([V6A, V4A], (net) => net.blackhole(['fd00::1', '10.0.0.1']), {
      connectTimeoutMs: 1000,
    });
    assert.equal(r.error, 'timeout');
    assert.deepEqual(r.tried, [
      [0, 'fd00::1'],
      [200, '10.0.0.1'],
    ]);
  });
  test('a lone address (nothing to race): connects, is refused or waits as one attempt', async () => {
    for (const quiet of [false, true]) {
      const tried = quiet ? [] : [[0, '10.0.0.1']];
      assert.deepEqual(await race([V4A], () => {}, { quiet }), { at: 20, winner: '10.0.0.1', tried });
      const failed: Array<[number, string, string | undefined]> = [];
      const refused = await race([V6A], () => {}, { listen: [V4A], failed, quiet });
      assert.match(
        refused.error!,
        /^Failed to connect to dual\.test port 80 after 20 ms: Could not connect to server$/,
      );
      assert.equal(refused.at, 20);
      assert.deepEqual(failed, quiet ? [] : [[20, 'fd00::1', 'ECONNREFUSED']]);
      // No deadline of its own: only the transfer's connect timeout ends it (every socket closed).
      const r = await race([V4A], (net) => net.blackhole(['10.0.0.1']), { connectTimeoutMs: 1000, quiet });
      assert.deepEqual(r, { at: 1000, error: 'timeout', tried: quiet ? [] : [[0, '10.0.0.1']] });
    }
  });
});
