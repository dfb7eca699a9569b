// SimNet: the transport-level face of the simulated network. Servers (HTTP or raw bytes) listen on
// host names; clients reach them through `transport` (a Transport for the engine). Time is virtual:
// it moves only while `advance()`, `runUntilIdle()` (or SimNetwork.run()) pop events.
import { type DrawOptions, drawFault, type Fault, type FaultPlan } from './faults.js';
import { Http2ServerConnection, type Http2ServerOptions } from './h2-server.js';
import { HttpConnection, type HttpServerOptions, type SimHandler } from './http-server.js';
import type { LinkOptions } from './link.js';
import type { PeerConn } from './peer.js';
import type { Rng } from './prng.js';
import { type SimTlsServerOptions, simTlsListener } from './tls.js';
import { SimTransport } from './transport.js';
import { type Listener, normalizeHost, type SimStats, SimWorld } from './world.js';

export interface SimNetworkOptions extends LinkOptions {
  /** Seed of every random choice (fault draws, spurious wake-ups). Default 1. */
  seed?: number;
  /** Delay of every DNS lookup of a name, virtual ms (default 0). IP literals resolve at once. */
  dnsDelayMs?: number;
  /** Record trace() lines (default true; turn off for very large runs). */
  trace?: boolean;
}

export interface ListenOptions extends LinkOptions, HttpServerOptions {
  /** Faults for this listener: a list (each may name `connections`), or a function per connection. */
  faults?: FaultPlan;
  /** Speak (simulated) TLS: clients must start TLS after connecting (https). */
  tls?: SimTlsServerOptions;
}

export type RawHandler = (conn: PeerConn) => void | Promise<void>;

/** A listening server in the simulated network. */
export interface SimListener {
  readonly host: string;
  readonly port: number;
  /** The address the host name resolves to (10.x.y.z for names). */
  readonly address: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Replace the fault plan (applies to later connections and lookups). */
  faults: FaultPlan;
  /** Stop listening: later connects are refused; open connections stay. */
  close(): void;
}

/** What is still alive in the network (for leak checks at the end of a test). */
export interface SimActivity {
  /** Client sockets not destroyed, and DNS lookups in flight. */
  openClientSockets: number;
  /** Client sockets or lookups someone is watching. */
  watchedSockets: number;
  /** Server ends not fully closed. */
  openServerConnections: number;
  /** Events waiting in the virtual-time queue. */
  scheduledEvents: number;
}

export function macrotask(): Promise<void> {
  // Lets user continuations (handlers awaiting bodies or sleep) run to completion. It is not a
  // timer: virtual time does not move here.
  return new Promise((resolve) => setImmediate(resolve));
}

export class SimNet {
  /** The Transport to give the engine (Multi's `transport` option). */
  readonly transport: SimTransport;
  readonly seed: number;
  /** Errors thrown by server handlers (the server answered 500 or reset the connection). */
  readonly serverErrors: unknown[] = [];
  /** @internal */
  protected readonly world: SimWorld;
  private readonly drawRng: Rng;

  constructor(options: SimNetworkOptions = {}) {
    this.seed = (options.seed ?? 1) >>> 0;
    const { seed: _s, trace: _t, ...rest } = options;
    this.world = new SimWorld({ ...rest, seed: this.seed });
    this.transport = new SimTransport(this.world);
    this.drawRng = this.world.rng.fork('draw');
  }

  /** Virtual milliseconds since the network was created. */
  now(): number {
    return this.world.sched.now();
  }

  get stats(): Readonly<SimStats> {
    return this.world.stats;
  }

  /** Serve HTTP/1.1 on host:port with a node:http-shaped handler. */
  listen(host: string, port: number, handler: SimHandler, options: ListenOptions = {}): SimListener {
    const onError = (err: unknown): void => {
      this.serverErrors.push(err);
    };
    return this.addListener(host, port, options, (conn) => {
      new HttpConnection(this.world, conn, handler, options, onError);
    });
  }

  /**
   * Serve HTTP/2 over cleartext TCP (h2c with prior knowledge, what `httpVersion: '2-prior-knowledge'`
   * speaks) with the same handler shape; `options` sets the SETTINGS the server announces and
   * gives each connection to the test (GOAWAY, SETTINGS mid-flight).
   */
  listenHttp2(
    host: string,
    port: number,
    handler: SimHandler,
    options: ListenOptions & Http2ServerOptions = {},
  ): SimListener {
    const onError = (err: unknown): void => {
      this.serverErrors.push(err);
    };
    // Over TLS the server accepts only h2 in ALPN unless the test says otherwise.
    const tls = options.tls === undefined ? undefined : { alpn: ['h2'], ...options.tls };
    const listen = tls === undefined ? options : { ...options, tls };
    return this.addListener(host, port, listen, (conn) => {
      new Http2ServerConnection(this.world, conn, handler, options, onError);
    });
  }

  /** Accept connections on host:port and hand each one over as raw bytes. */
  listenRaw(host: string, port: number, handler: RawHandler, options: ListenOptions = {}): SimListener {
    return this.addListener(host, port, options, (conn) => {
      this.world.drainNeeded = true;
      try {
        const r = handler(conn);
        if (r && typeof r.then === 'function')
          r.then(undefined, (err: unknown) => this.serverErrors.push(err));
      } catch (err) {
        this.serverErrors.push(err);
      }
    });
  }

  /** The address `host` resolves to inside the simulation. */
  addressOf(host: string): string {
    return this.world.addressesOf(host)[0]!.address;
  }

  /** Set DNS records for a name (several addresses, IPv6, or a name with no listener). */
  setAddresses(host: string, addresses: Array<{ address: string; family: 4 | 6 }>): void {
    this.world.setAddresses(host, addresses);
  }

  /**
   * Connects to these addresses are never answered (no SYN-ACK, no refusal), e.g. every IPv6
   * address of a host to test happy eyeballs. `false` restores them.
   */
  blackhole(addresses: string[], on = true): void {
    for (const a of addresses) {
      const n = normalizeHost(a);
      if (on) this.world.blackholed.add(n);
      else this.world.blackholed.delete(n);
    }
  }

  /** A promise that resolves after `ms` of virtual time (for handlers: delays between writes). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.world.sched.at(ms, () => {
        this.world.drainNeeded = true;
        resolve();
      });
    });
  }

  /** Run `fn` after `ms` of virtual time. */
  schedule(ms: number, fn: () => void): void {
    this.world.sched.at(ms, () => {
      this.world.drainNeeded = true;
      fn();
    });
  }

  /** One fault drawn from this network's seed. */
  drawFault(options?: DrawOptions): Fault {
    return drawFault(this.drawRng, options);
  }

  /** Let `ms` of virtual time pass, running everything due meanwhile. */
  async advance(ms: number): Promise<void> {
    const until = this.now() + Math.max(0, ms);
    await this.drive(() => false, until, 'advance()');
    this.world.sched.advanceTo(until);
  }

  /** Run until nothing is left to happen (careful with servers that never stop talking). */
  async runUntilIdle(): Promise<void> {
    await this.drive(() => false, Number.POSITIVE_INFINITY, 'runUntilIdle()');
  }

  activity(): SimActivity {
    let watched = 0;
    for (const s of this.world.liveSockets) if (s.watched) watched++;
    return {
      openClientSockets: this.world.liveSockets.size,
      watchedSockets: watched,
      openServerConnections: this.world.peers.size,
      scheduledEvents: this.world.sched.size,
    };
  }

  /**
   * The event loop of virtual time: pop events in (time, sequence) order; before the clock moves
   * on, let user continuations settle. Returns when `stop()` holds, the queue is empty, or the next
   * event is after `until`.
   */
  protected async drive(stop: () => boolean, until: number, _caller = 'run()'): Promise<void> {
    const sched = this.world.sched;
    await macrotask();
    for (;;) {
      const next = sched.peekTime();
      if (this.world.drainNeeded && (next === undefined || next > sched.now())) {
        this.world.drainNeeded = false;
        await macrotask();
        continue;
      }
      if (stop()) return;
      if (next === undefined || next > until) return;
      sched.step();
    }
  }

  private addListener(
    host: string,
    port: number,
    options: ListenOptions,
    accept: (conn: PeerConn) => void,
  ): SimListener {
    const name = normalizeHost(host);
    const address = this.world.addressesOf(name)[0]!.address;
    const { latencyMs, bytesPerSecond, windowBytes } = options;
    const link: LinkOptions = {};
    if (latencyMs !== undefined) link.latencyMs = latencyMs;
    if (bytesPerSecond !== undefined) link.bytesPerSecond = bytesPerSecond;
    if (windowBytes !== undefined) link.windowBytes = windowBytes;
    const listener: Listener = {
      host: name,
      port,
      address,
      link,
      faults: options.faults ?? [],
      accept,
      connections: 0,
      closed: false,
      tls: options.tls === undefined ? undefined : simTlsListener(name, port, options.tls),
    };
    this.world.addListener(listener);
    return {
      host: name,
      port,
      address,
      get connections() {
        return listener.connections;
      },
      get faults() {
        return listener.faults;
      },
      set faults(plan: FaultPlan) {
        listener.faults = plan;
      },
      close() {
        listener.closed = true;
      },
    };
  }
}
