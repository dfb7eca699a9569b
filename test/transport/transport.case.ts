// The transport contract (src/transport/types.ts) as one suite, run against every implementation:
// test/transport/node.test.ts (net + dns) and test/transport/sim.test.ts (the simulator).
//
// Nothing here assumes Node's event loop: all waiting goes through `fixture.wait(ms)` (real time on
// Node, virtual time under the simulator), bounded by `transport.now()`. Every test also checks
// that onReady was never called from inside watch/read/write/end/destroy.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  EOF,
  type Interest,
  type ReadResult,
  Ready,
  type Resolution,
  type Socket,
  type TlsConnectOptions,
  type TlsTransportSocket,
  type Transport,
  type TransportSocket,
} from '../../src/transport/types.js';
import { type TlsFixtureParts, tlsCases } from './tls.case.js';

/** The server side of one accepted connection, as minimal as a test peer needs. */
export interface PeerConn {
  write(data: Uint8Array | string): void;
  /** Half-close (FIN) after what was written. */
  end(): void;
  /** Abortive close: the client must see a reset (ECONNRESET). */
  destroy(): void;
  /** Start reading: until the first onData the peer reads nothing (its receive buffers fill up). */
  onData(cb: (data: Uint8Array) => void): void;
  /** The client half-closed (call after onData: a peer that does not read never sees the end). */
  onEnd(cb: () => void): void;
}

export interface TransportFixture extends TlsFixtureParts {
  transport: Transport;
  listen(handler: (conn: PeerConn) => void): Promise<{ address: string; port: number; family: 4 | 6 }>;
  /** A port on the listen address where connect is refused. */
  closedPort(): Promise<number>;
  /** Let `ms` pass (real or virtual time) while the transport and the peers make progress. */
  wait(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface TransportSuiteOptions {
  name: string;
  create: () => Promise<TransportFixture>;
}

/** Bound for anything that should happen promptly on loopback. */
const PROMPT_MS = 5_000;
/** A name lookup may go to a real resolver. */
const LOOKUP_MS = 30_000;
/** Enough for 8 MiB through loopback or the simulator. */
const BULK_MS = 60_000;
/** How long "nothing happens" is watched for, once the event that would have caused it is known to have happened. */
const QUIET_MS = 50;

/** Ready.IN | Ready.OUT as an Interest. */
const INOUT: Interest = 3;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function concat(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function randomLabel(): string {
  return `tscurl-${Math.random().toString(36).slice(2, 10)}`;
}

/** What one watch() has delivered so far. */
class Watch {
  calls = 0;
  /** OR of every event mask delivered. */
  events = 0;
  last = 0;
}

/**
 * Per-test harness: wraps every call into a socket so that a synchronous onReady is caught, and
 * waits with a bound in the transport's own time.
 */
class Probe {
  private inside = 0;
  syncCalls: string[] = [];

  /** Everything a test opened, closed after it whether it passed or not (no cascade of leaks). */
  private readonly opened: TransportSocket[] = [];
  private readonly tlsOpened: TransportSocket[] = [];
  private readonly lookups: Resolution[] = [];

  constructor(readonly fx: TransportFixture) {}

  open(address: { address: string; port: number; family: 4 | 6 }): TransportSocket {
    const s = this.transport.connect(address);
    this.opened.push(s);
    return s;
  }

  lookup(host: string, family: 0 | 4 | 6): Resolution {
    const r = this.transport.resolve(host, family);
    this.lookups.push(r);
    return r;
  }

  /** Transport.startTls, closed after the test like every socket. */
  startTls(s: TransportSocket, opts: TlsConnectOptions): TlsTransportSocket {
    const t = this.guard(() => this.transport.startTls(s, opts));
    this.tlsOpened.push(t);
    return t;
  }

  cleanup(): void {
    for (const s of this.tlsOpened) s.destroy();
    for (const s of this.opened) s.destroy();
    for (const r of this.lookups) r.cancel();
  }

  get transport(): Transport {
    return this.fx.transport;
  }

  private guard<T>(f: () => T): T {
    this.inside++;
    try {
      return f();
    } finally {
      this.inside--;
    }
  }

  /** watch() that records what it delivers (and runs `then` with it, like an engine would). */
  watch(s: Socket, what: Interest, then?: (events: number) => void): Watch {
    const w = new Watch();
    this.guard(() =>
      s.watch(what, (events) => {
        if (this.inside > 0) this.syncCalls.push(`onReady(${events}) inside a socket method`);
        w.calls++;
        w.events |= events;
        w.last = events;
        then?.(events);
      }),
    );
    return w;
  }

  unwatch(s: Socket): void {
    this.guard(() => s.unwatch());
  }

  read(s: TransportSocket): ReadResult {
    return this.guard(() => s.read());
  }

  write(s: TransportSocket, data: Uint8Array): number {
    return this.guard(() => s.write(data));
  }

  end(s: TransportSocket): void {
    this.guard(() => s.end());
  }

  destroy(s: TransportSocket): void {
    this.guard(() => s.destroy());
  }

  /** Read until null or EOF. */
  drain(s: TransportSocket): { bytes: Uint8Array; eof: boolean } {
    const chunks: Uint8Array[] = [];
    for (;;) {
      const r = this.read(s);
      if (r === null) return { bytes: concat(chunks), eof: false };
      if (r === EOF) return { bytes: concat(chunks), eof: true };
      assert.ok(r instanceof Uint8Array, 'read() returns Uint8Array, null or EOF');
      assert.ok(r.length > 0, 'read() never returns an empty chunk');
      chunks.push(r);
    }
  }

  /** Wait until cond() holds; fails the test after boundMs of transport time. */
  async until(cond: () => boolean, what: string, boundMs = PROMPT_MS): Promise<void> {
    const deadline = this.transport.now() + boundMs;
    while (!cond()) {
      if (this.transport.now() > deadline) assert.fail(`timed out after ${boundMs} ms waiting for ${what}`);
      await this.fx.wait(1);
    }
  }

  /** Connect and wait for OUT (the connect finished). */
  async connect(address: { address: string; port: number; family: 4 | 6 }): Promise<TransportSocket> {
    const s = this.open(address);
    const w = this.watch(s, Ready.OUT);
    await this.until(() => w.calls > 0, 'OUT after connect');
    assert.equal(s.error, undefined, `connect failed: ${s.error?.message}`);
    assert.equal(s.connecting, false);
    this.unwatch(s);
    return s;
  }

  /** Write all of `data`, waiting for OUT whenever the socket takes less than offered. */
  async writeAll(s: TransportSocket, data: Uint8Array): Promise<void> {
    let at = 0;
    const deadline = this.transport.now() + PROMPT_MS;
    while (at < data.length) {
      if (this.transport.now() > deadline) assert.fail(`timed out writing (${at} of ${data.length} taken)`);
      const n = this.write(s, data.subarray(at));
      assert.ok(n >= 0 && n <= data.length - at, `write() took ${n} of ${data.length - at}`);
      at += n;
      if (at < data.length) {
        const w = this.watch(s, Ready.OUT);
        await this.until(() => w.calls > 0, 'OUT after a short write');
        this.unwatch(s);
        assert.equal(s.error, undefined);
      }
    }
  }

  /** Read until `n` bytes (or EOF / error), waiting for IN in between. */
  async readBytes(
    s: TransportSocket,
    n: number,
    boundMs = PROMPT_MS,
  ): Promise<{ bytes: Uint8Array; eof: boolean }> {
    const chunks: Uint8Array[] = [];
    let got = 0;
    const deadline = this.transport.now() + boundMs;
    for (;;) {
      const r = this.drain(s);
      chunks.push(r.bytes);
      got += r.bytes.length;
      if (got >= n || r.eof || s.error !== undefined) return { bytes: concat(chunks), eof: r.eof };
      if (this.transport.now() > deadline) assert.fail(`timed out reading ${n} bytes (have ${got})`);
      const w = this.watch(s, Ready.IN);
      await this.until(() => w.calls > 0, `IN while reading ${n} bytes (have ${got})`, boundMs);
      this.unwatch(s);
    }
  }

  checkNoSyncCalls(): void {
    assert.deepEqual(this.syncCalls, [], 'onReady must never run inside a socket method');
  }
}

/** A peer that hands out its connections in accept order. */
class Accepted {
  conns: PeerConn[] = [];
  readonly handler = (c: PeerConn): void => {
    this.conns.push(c);
  };
}

export function runTransportSuite(opts: TransportSuiteOptions): void {
  // Every case is part of the contract: each transport runs all of them (no skips).
  function tcase(name: string, body: (p: Probe) => Promise<void>): void {
    const full = `${opts.name}: ${name}`;
    test(full, async () => {
      const fx = await opts.create();
      const p = new Probe(fx);
      try {
        await body(p);
        p.checkNoSyncCalls();
      } finally {
        p.cleanup();
        await fx.close();
      }
    });
  }

  // ---- clock ------------------------------------------------------------------------------------

  tcase('now() is monotonic and follows wait()', async (p) => {
    const t0 = p.transport.now();
    assert.equal(typeof t0, 'number');
    assert.ok(Number.isFinite(t0));
    await p.fx.wait(20);
    const t1 = p.transport.now();
    assert.ok(t1 - t0 >= 15, `20 ms wait advanced the clock by ${t1 - t0} ms`);
    assert.ok(p.transport.now() >= t1);
  });

  // ---- resolve ----------------------------------------------------------------------------------

  tcase('resolve: IP literals complete synchronously, IN follows soon but not inside watch()', async (p) => {
    const v4 = p.lookup('127.0.0.1', 0);
    assert.deepEqual(v4.result, { addresses: [{ address: '127.0.0.1', family: 4 }] });
    const v6 = p.lookup('::1', 0);
    assert.deepEqual(v6.result, { addresses: [{ address: '::1', family: 6 }] });
    assert.ok(Number.isInteger(v4.fd) && v4.fd >= 0);
    const w = p.watch(v4, Ready.IN);
    assert.equal(w.calls, 0, 'not synchronously inside watch()');
    await p.until(() => w.calls > 0, 'IN on a resolved lookup');
    assert.ok((w.events & Ready.IN) !== 0);
    v4.cancel();
    v6.cancel();
  });

  tcase(
    'resolve: localhost names complete synchronously to 127.0.0.1 and ::1, filtered by family',
    async (p) => {
      const sorted = (r: Resolution): string[] => {
        const res = r.result;
        assert.ok(res !== undefined && 'addresses' in res, `resolved: ${JSON.stringify(res)}`);
        return res.addresses.map((a) => `${a.family}/${a.address}`).sort();
      };
      for (const host of ['localhost', 'LocalHost', 'api.localhost']) {
        assert.deepEqual(sorted(p.lookup(host, 0)), ['4/127.0.0.1', '6/::1'], host);
        assert.deepEqual(sorted(p.lookup(host, 4)), ['4/127.0.0.1'], `${host} family 4`);
        assert.deepEqual(sorted(p.lookup(host, 6)), ['6/::1'], `${host} family 6`);
      }
    },
  );

  tcase('resolve: a name that does not exist ends with an error result and IN readiness', async (p) => {
    const r = p.lookup(`${randomLabel()}.invalid`, 0);
    const w = p.watch(r, Ready.IN);
    assert.equal(w.calls, 0);
    await p.until(() => w.calls > 0, 'IN on a failed lookup', LOOKUP_MS);
    assert.ok((w.events & Ready.IN) !== 0);
    const res = r.result;
    assert.ok(res !== undefined && 'error' in res, `expected an error, got ${JSON.stringify(res)}`);
    assert.ok(res.error instanceof Error);
    assert.equal(typeof res.error.code, 'string');
    assert.ok((res.error.code ?? '').length > 0, 'the error keeps its code (ENOTFOUND, EAI_AGAIN...)');
    r.cancel();
  });

  tcase('resolve: cancel() drops the watcher; the late answer is not reported', async (p) => {
    const control = p.lookup(`${randomLabel()}.invalid`, 0);
    const cancelled = p.lookup(`${randomLabel()}.invalid`, 0);
    const wc = p.watch(control, Ready.IN);
    const wx = p.watch(cancelled, Ready.IN);
    cancelled.cancel();
    cancelled.cancel(); // idempotent
    await p.until(() => wc.calls > 0, 'IN on the control lookup', LOOKUP_MS);
    await p.fx.wait(QUIET_MS);
    assert.equal(wx.calls, 0, 'no notification after cancel()');
    control.cancel();
  });

  // ---- connect, read, write ---------------------------------------------------------------------

  tcase('connect: OUT when connected, addresses known, echo round trip', async (p) => {
    const addr = await p.fx.listen((c) => c.onData((d) => c.write(d)));
    const s = p.open(addr);
    assert.equal(s.connecting, true);
    assert.equal(s.remoteAddress, addr.address);
    assert.equal(s.remotePort, addr.port);
    const out = p.watch(s, Ready.OUT);
    assert.equal(out.calls, 0);
    await p.until(() => out.calls > 0, 'OUT after connect');
    assert.equal(out.events & Ready.ERR, 0);
    assert.equal(s.connecting, false);
    assert.equal(s.error, undefined);
    assert.ok(s.localPort > 0, 'localPort known once connected');
    assert.ok(s.localAddress.length > 0, 'localAddress known once connected');
    await p.writeAll(s, encoder.encode('hello, transport'));
    const r = await p.readBytes(s, 16);
    assert.equal(decoder.decode(r.bytes), 'hello, transport');
    p.destroy(s);
  });

  tcase(
    'read: null while nothing is there, then the data, then EOF after the peer ends (sticky)',
    async (p) => {
      const acc = new Accepted();
      const addr = await p.fx.listen(acc.handler);
      const s = await p.connect(addr);
      await p.until(() => acc.conns.length === 1, 'the peer accepted');
      const peer = acc.conns[0]!;
      assert.equal(p.read(s), null);
      assert.equal(s.hasPendingInput, false);
      peer.write('abc');
      peer.end();
      const w = p.watch(s, Ready.IN);
      const got: Uint8Array[] = [];
      let eof = false;
      const deadline = p.transport.now() + PROMPT_MS;
      while (!eof) {
        assert.ok(p.transport.now() <= deadline, 'timed out waiting for EOF');
        await p.until(() => w.calls > 0, 'IN for data and EOF');
        w.calls = 0;
        const r = p.drain(s);
        got.push(r.bytes);
        eof = r.eof;
      }
      assert.equal(decoder.decode(concat(got)), 'abc');
      assert.equal(p.read(s), EOF, 'EOF stays EOF');
      assert.equal(s.error, undefined);
      p.destroy(s);
    },
  );

  tcase('half-close: after the peer ends we can still write, and end() reaches the peer', async (p) => {
    const acc = new Accepted();
    const addr = await p.fx.listen(acc.handler);
    const s = await p.connect(addr);
    await p.until(() => acc.conns.length === 1, 'the peer accepted');
    const peer = acc.conns[0]!;
    const received: Uint8Array[] = [];
    let peerSawEnd = false;
    peer.onData((d) => received.push(d));
    peer.onEnd(() => {
      peerSawEnd = true;
    });
    peer.end();
    const r = await p.readBytes(s, 1);
    assert.equal(r.eof, true);
    await p.writeAll(s, encoder.encode('late words'));
    p.end(s);
    await p.until(() => peerSawEnd, 'the peer sees our end()');
    assert.equal(decoder.decode(concat(received)), 'late words');
    p.destroy(s);
  });

  tcase(
    'write: 8 MiB through a slow-reading peer: short writes, OUT after drain, bytes intact',
    async (p) => {
      const TOTAL = 8 * 1024 * 1024;
      const CHUNK = 64 * 1024;
      const data = new Uint8Array(TOTAL);
      let x = 0x9e3779b9;
      for (let i = 0; i < TOTAL; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        data[i] = x & 0xff;
      }
      const want = createHash('sha256').update(data).digest('hex');

      const acc = new Accepted();
      const addr = await p.fx.listen(acc.handler);
      const s = await p.connect(addr);
      await p.until(() => acc.conns.length === 1, 'the peer accepted');
      const peer = acc.conns[0]!;
      const hash = createHash('sha256');
      let received = 0;
      let peerEnded = false;
      let peerReading = false;
      const startReading = (): void => {
        peerReading = true;
        peer.onData((d) => {
          hash.update(d);
          received += d.length;
        });
        peer.onEnd(() => {
          peerEnded = true;
        });
      };

      let at = 0;
      let shortWrites = 0;
      let zeroWrites = 0;
      let outAfterShort = 0;
      const deadline = p.transport.now() + BULK_MS;
      while (at < TOTAL) {
        assert.ok(p.transport.now() <= deadline, `timed out after ${at} bytes`);
        const offer = data.subarray(at, Math.min(TOTAL, at + CHUNK));
        const n = p.write(s, offer);
        assert.ok(n >= 0 && n <= offer.length);
        at += n;
        if (n < offer.length) {
          shortWrites++;
          if (n === 0) zeroWrites++;
          if (!peerReading) {
            // The peer has read nothing so far; it starts now, a little later.
            await p.fx.wait(20);
            startReading();
          }
          const w = p.watch(s, Ready.OUT);
          await p.until(() => w.calls > 0, 'OUT after a short write', BULK_MS);
          p.unwatch(s);
          assert.equal(w.events & Ready.ERR, 0, `error while writing: ${s.error?.message}`);
          outAfterShort++;
        }
      }
      if (!peerReading) startReading();
      p.end(s);
      await p.until(() => peerEnded, 'the peer receives everything and our end()', BULK_MS);
      assert.ok(shortWrites > 0, 'a peer that does not read must make write() take less than offered');
      assert.ok(zeroWrites > 0, 'write() eventually takes 0');
      assert.ok(outAfterShort > 0);
      assert.equal(received, TOTAL);
      assert.equal(hash.digest('hex'), want, 'bytes arrive intact and in order');
      p.destroy(s);
    },
  );

  // ---- failures ---------------------------------------------------------------------------------

  tcase('connect to a closed port: ECONNREFUSED with ERR readiness; read/write inert', async (p) => {
    const addr = await p.fx.listen(() => {});
    const port = await p.fx.closedPort();
    const s = p.open({ address: addr.address, port, family: addr.family });
    const w = p.watch(s, Ready.OUT);
    await p.until(() => w.calls > 0, 'readiness after a refused connect');
    assert.ok((w.events & Ready.ERR) !== 0, `ERR in ${w.events}`);
    assert.equal(s.error?.code, 'ECONNREFUSED');
    assert.equal(s.connecting, false);
    assert.equal(p.read(s), null);
    assert.equal(p.write(s, encoder.encode('x')), 0);
    // The error is sticky and level: a new watch reports it again.
    const again = p.watch(s, Ready.IN);
    await p.until(() => again.calls > 0, 'ERR again on a new watch');
    assert.ok((again.events & Ready.ERR) !== 0);
    p.destroy(s);
  });

  tcase('a peer reset shows as an error (ECONNRESET) with ERR readiness', async (p) => {
    const acc = new Accepted();
    const addr = await p.fx.listen(acc.handler);
    const s = await p.connect(addr);
    await p.until(() => acc.conns.length === 1, 'the peer accepted');
    const w = p.watch(s, Ready.IN);
    acc.conns[0]!.destroy();
    await p.until(() => (w.events & Ready.ERR) !== 0, 'ERR after the peer reset');
    assert.equal(s.error?.code, 'ECONNRESET');
    assert.equal(p.drain(s).eof, false, 'a reset is not a clean EOF');
    assert.equal(p.read(s), null);
    assert.equal(p.write(s, encoder.encode('x')), 0);
    assert.equal(s.hasPendingInput, true, 'an unread error counts as pending input');
    p.destroy(s);
  });

  tcase('bytes and a reset sent at once: the bytes (or part), then ECONNRESET, never EOF', async (p) => {
    const acc = new Accepted();
    const addr = await p.fx.listen(acc.handler);
    const s = await p.connect(addr);
    await p.until(() => acc.conns.length === 1, 'the peer accepted');
    // Both reach the client before it reads: on Node, one poll reports the bytes and the hang-up.
    acc.conns[0]!.write('abc');
    acc.conns[0]!.destroy();
    const r = await p.readBytes(s, 4);
    assert.equal(r.eof, false, 'a reset behind bytes is not a clean EOF');
    assert.ok('abc'.startsWith(decoder.decode(r.bytes)), `got ${decoder.decode(r.bytes)}`);
    assert.equal(s.error?.code, 'ECONNRESET');
    assert.equal(p.read(s), null);
    p.destroy(s);
  });

  // ---- readiness semantics ----------------------------------------------------------------------

  tcase('watch() on an already-readable socket fires without new data', async (p) => {
    const acc = new Accepted();
    const addr = await p.fx.listen(acc.handler);
    const s = await p.connect(addr);
    await p.until(() => acc.conns.length === 1, 'the peer accepted');
    acc.conns[0]!.write('xyz');
    const first = p.watch(s, Ready.IN);
    await p.until(() => first.calls > 0, 'IN for the data');
    p.unwatch(s);
    // Not read: the condition still holds, so a new watch reports it (soon, not inside watch()).
    const second = p.watch(s, Ready.IN);
    assert.equal(second.calls, 0);
    await p.until(() => second.calls > 0, 'IN on re-watch of unread data');
    assert.ok((second.events & Ready.IN) !== 0);
    // Replacing the watch (INOUT) reports both conditions.
    const third = p.watch(s, INOUT);
    await p.until(() => (third.events & (Ready.IN | Ready.OUT)) === (Ready.IN | Ready.OUT), 'IN and OUT');
    assert.equal(second.calls, 1, 'a replaced watch gets nothing more');
    assert.equal(decoder.decode(p.drain(s).bytes), 'xyz');
    p.destroy(s);
  });

  tcase('watch(OUT) on a connected idle socket fires without any event', async (p) => {
    const addr = await p.fx.listen(() => {});
    const s = await p.connect(addr);
    const w = p.watch(s, Ready.OUT);
    assert.equal(w.calls, 0);
    await p.until(() => w.calls > 0, 'OUT on a writable socket');
    assert.equal(w.last, Ready.OUT);
    p.destroy(s);
  });

  tcase('only watched conditions are reported: OUT-only watch ignores incoming data', async (p) => {
    const acc = new Accepted();
    const addr = await p.fx.listen(acc.handler);
    const s = await p.connect(addr);
    await p.until(() => acc.conns.length === 1, 'the peer accepted');
    const w = p.watch(s, Ready.OUT);
    await p.until(() => w.calls > 0, 'OUT');
    acc.conns[0]!.write('data');
    await p.until(() => s.hasPendingInput, 'the data arrived');
    await p.fx.wait(QUIET_MS);
    assert.equal(w.events & Ready.IN, 0, 'IN is not reported to an OUT-only watch');
    p.destroy(s);
  });

  tcase('unwatch() stops notifications', async (p) => {
    const acc = new Accepted();
    const addr = await p.fx.listen(acc.handler);
    const s = await p.connect(addr);
    await p.until(() => acc.conns.length === 1, 'the peer accepted');
    const w = p.watch(s, INOUT); // OUT holds now: a notification is due...
    p.unwatch(s); // ...and must not come
    acc.conns[0]!.write('data');
    acc.conns[0]!.end();
    await p.until(() => s.hasPendingInput, 'the data arrived');
    await p.fx.wait(QUIET_MS);
    assert.equal(w.calls, 0);
    p.unwatch(s); // idempotent
    p.destroy(s);
  });

  tcase('destroy() stops notifications; a destroyed socket reads null and takes no bytes', async (p) => {
    const acc = new Accepted();
    const addr = await p.fx.listen(acc.handler);
    const control = await p.connect(addr);
    const s = await p.connect(addr);
    await p.until(() => acc.conns.length === 2, 'the peer accepted both');
    const [peerControl, peerS] = acc.conns as [PeerConn, PeerConn];
    peerS.write('first');
    await p.until(() => s.hasPendingInput, 'data on the socket');
    const w = p.watch(s, INOUT); // due at once: destroy() must cancel it
    p.destroy(s);
    p.destroy(s); // idempotent
    peerS.write('more');
    peerS.end();
    peerControl.write('ping');
    peerControl.end();
    const wc = p.watch(control, Ready.IN);
    await p.until(() => wc.calls > 0, 'the control socket hears the peer');
    await p.fx.wait(QUIET_MS);
    assert.equal(w.calls, 0, 'no notification after destroy()');
    assert.equal(p.read(s), null);
    assert.equal(p.write(s, encoder.encode('x')), 0);
    const after = p.watch(s, INOUT);
    p.unwatch(s);
    p.end(s);
    await p.fx.wait(QUIET_MS);
    assert.equal(after.calls, 0, 'watch() on a destroyed socket never fires');
    p.destroy(control);
  });

  tcase('hasPendingInput turns true when data or EOF arrives on an unwatched, unread socket', async (p) => {
    const acc = new Accepted();
    const addr = await p.fx.listen(acc.handler);
    const withData = await p.connect(addr);
    const withEof = await p.connect(addr);
    await p.until(() => acc.conns.length === 2, 'the peer accepted both');
    await p.fx.wait(QUIET_MS);
    assert.equal(withData.hasPendingInput, false);
    assert.equal(withEof.hasPendingInput, false);
    acc.conns[0]!.write('surprise');
    acc.conns[1]!.end();
    await p.until(() => withData.hasPendingInput, 'data noticed without a watch');
    await p.until(() => withEof.hasPendingInput, 'EOF noticed without a watch');
    assert.equal(decoder.decode(p.drain(withData).bytes), 'surprise');
    assert.equal(p.drain(withEof).eof, true);
    p.destroy(withData);
    p.destroy(withEof);
  });

  tcase('onReady is never invoked inside watch/read/write, even when re-entered from onReady', async (p) => {
    const addr = await p.fx.listen((c) => c.onData((d) => c.write(d)));
    const s = await p.connect(addr);
    // A ping-pong driven entirely from inside onReady, the way an engine runs: read until null,
    // write, re-arm the watch - all re-entrant calls that must not call back synchronously.
    const ROUNDS = 200;
    let rounds = 0;
    let pendingOut: Uint8Array | null = encoder.encode('ping-0');
    let expect = 'ping-0';
    let buffered = '';
    let failure: string | undefined;
    const rearm = (): void => {
      p.watch(s, pendingOut !== null ? INOUT : Ready.IN, step);
    };
    const step = (events: number): void => {
      if ((events & Ready.ERR) !== 0) failure = `error: ${s.error?.message}`;
      if (pendingOut !== null) {
        const n = p.write(s, pendingOut);
        pendingOut = n < pendingOut.length ? pendingOut.subarray(n) : null;
      }
      const r = p.drain(s);
      buffered += decoder.decode(r.bytes);
      if (r.eof) failure = 'unexpected EOF';
      if (buffered === expect) {
        rounds++;
        buffered = '';
        expect = `ping-${rounds}`;
        pendingOut = encoder.encode(expect);
      }
      if (rounds < ROUNDS && failure === undefined) rearm();
      else p.unwatch(s);
    };
    rearm();
    await p.until(() => rounds >= ROUNDS || failure !== undefined, `${ROUNDS} echo rounds`);
    assert.equal(failure, undefined);
    p.destroy(s);
  });

  tcase('fd values are integers, unique among live sockets and lookups', async (p) => {
    const addr = await p.fx.listen(() => {});
    const live: Socket[] = [];
    const check = (): void => {
      const fds = live.map((x) => x.fd);
      for (const fd of fds) assert.ok(Number.isInteger(fd) && fd >= 0, `fd ${fd}`);
      assert.equal(new Set(fds).size, fds.length, 'duplicate fd among live sockets');
    };
    const sockets: TransportSocket[] = [];
    for (let i = 0; i < 40; i++) {
      const s = p.open(addr);
      sockets.push(s);
      live.push(s);
    }
    for (let i = 0; i < 5; i++) live.push(p.lookup('127.0.0.1', 0));
    check();
    const watches = sockets.map((s) => p.watch(s, Ready.OUT));
    await p.until(() => watches.every((w) => w.calls > 0), 'all connected');
    check();
    // Close half, open more: still unique among the live ones.
    for (let i = 0; i < 20; i++) p.destroy(sockets[i]!);
    live.splice(0, 20);
    for (let i = 0; i < 20; i++) live.push(p.open(addr));
    check();
    for (const s of live) if ('destroy' in s) (s as TransportSocket).destroy();
  });

  // ---- TLS (Transport.startTls) -------------------------------------------------------------------

  tlsCases(tcase);
}
