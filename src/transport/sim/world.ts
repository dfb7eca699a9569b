// The simulated network's shared state: clock, PRNG streams, hosts and their addresses, listeners,
// and the plumbing that turns a connect() into a pair of endpoints joined by two Pipes.
import { isIP } from 'node:net';
import { nextSyntheticFd } from '../fd.js';
import type {
  ConnectOptions,
  ResolvedAddress,
  TlsConnectOptions,
  TlsTransportSocket,
  TransportSocket,
} from '../types.js';
import { type Fault, type FaultContext, type FaultPlan, faultApplies } from './faults.js';
import {
  DEFAULT_WINDOW_BYTES,
  type LinkOptions,
  type LinkParams,
  linkParams,
  Pipe,
  type PipeSink,
} from './link.js';
import { PeerConn } from './peer.js';
import { Rng } from './prng.js';
import { SimResolution } from './resolve.js';
import { Scheduler } from './scheduler.js';
import { SimSocket, transportError } from './socket.js';
import { type SimTlsListenerState, SimTlsSocket } from './tls.js';

export interface Listener {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly link: LinkOptions | undefined;
  faults: FaultPlan;
  accept(conn: PeerConn): void;
  connections: number;
  closed: boolean;
  /** Set when the listener speaks TLS. */
  readonly tls?: SimTlsListenerState | undefined;
}

export interface WorldOptions extends LinkOptions {
  seed: number;
  /** Delay of every DNS lookup of a name (not IP literals or localhost), virtual ms. Default 0. */
  dnsDelayMs?: number;
}

export interface SimStats {
  connections: number;
  refused: number;
  resets: number;
  spurious: number;
  lookups: number;
}

export class SimWorld {
  readonly sched = new Scheduler();
  readonly rng: Rng;
  readonly faultRng: Rng;
  readonly spuriousRng: Rng;
  readonly defaultLink: LinkParams;
  readonly dnsDelayMs: number;
  readonly stats: SimStats = { connections: 0, refused: 0, resets: 0, spurious: 0, lookups: 0 };
  /** Client sockets and lookups in flight (for leak checks). */
  readonly liveSockets = new Set<SimSocket | SimResolution>();
  /** Open server ends. */
  readonly peers = new Set<PeerConn>();
  /** Set when user code may have continuations to run (a promise we resolved, a handler call). */
  drainNeeded = false;

  private readonly hosts = new Map<string, ResolvedAddress[]>();
  /** Addresses whose connects get no answer at all (a dead route, a firewall dropping SYNs). */
  readonly blackholed = new Set<string>();
  private readonly listeners = new Map<string, Listener>();
  private readonly byHost = new Map<string, Listener[]>();
  private readonly lookups = new Map<string, number>();
  private nextHostNumber = 1;
  private localFd = 3;
  private nextEphemeral = 49152;
  private connectionId = 0;

  constructor(options: WorldOptions) {
    this.rng = new Rng(options.seed);
    this.faultRng = this.rng.fork('faults');
    this.spuriousRng = this.rng.fork('spurious');
    this.defaultLink = {
      latencyMs: options.latencyMs ?? 0,
      bytesPerSecond: options.bytesPerSecond ?? 0,
      windowBytes: options.windowBytes ?? DEFAULT_WINDOW_BYTES,
    };
    this.dnsDelayMs = options.dnsDelayMs ?? 0;
  }

  allocFd(): number {
    return nextSyntheticFd();
  }

  allocLocalFd(): number {
    return this.localFd++;
  }

  // --- names ---

  /** The host's addresses, giving a name its own 10.x.y.z address on first use. */
  addressesOf(host: string): ResolvedAddress[] {
    const name = normalizeHost(host);
    const family = isIP(name);
    if (family) return [{ address: name, family: family as 4 | 6 }];
    if (isLocalhost(name)) {
      return [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ];
    }
    let addrs = this.hosts.get(name);
    if (!addrs) {
      const n = this.nextHostNumber++;
      addrs = [{ address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, family: 4 }];
      this.hosts.set(name, addrs);
    }
    return addrs;
  }

  /** Replace a name's DNS records (for several addresses, IPv6, or a name with no listener). */
  setAddresses(host: string, addresses: ResolvedAddress[]): void {
    this.hosts.set(normalizeHost(host), addresses);
  }

  resolve(host: string, family: 0 | 4 | 6): SimResolution {
    const name = normalizeHost(host);
    const r = new SimResolution(this, name);
    const literal = isIP(name);
    const pick = (addrs: ResolvedAddress[]): ResolvedAddress[] =>
      family === 0 ? addrs : addrs.filter((a) => a.family === family);
    if (literal || isLocalhost(name)) {
      const addrs = pick(this.addressesOf(name));
      r.complete(addrs.length > 0 ? { addresses: addrs } : { error: notFound(name) });
      return r;
    }
    this.stats.lookups++;
    const index = this.lookups.get(name) ?? 0;
    this.lookups.set(name, index + 1);
    const faults = this.dnsFaults(name, index);
    const delay = faults.find((f) => f.kind === 'dnsDelay');
    const delayMs = delay?.kind === 'dnsDelay' ? delay.ms : this.dnsDelayMs;
    const known = this.hosts.get(name);
    const addrs = known ? pick(known) : [];
    const failed = faults.some((f) => f.kind === 'dnsFail') || addrs.length === 0;
    r.complete(failed ? { error: notFound(name) } : { addresses: addrs.map((a) => ({ ...a })) }, delayMs);
    return r;
  }

  // --- listeners ---

  /** Listen on every address of the listener's host (localhost: 127.0.0.1 and ::1). */
  addListener(listener: Listener): void {
    const keys = this.addressesOf(listener.host).map((a) => listenerKey(a.address, listener.port));
    for (const key of keys) {
      const old = this.listeners.get(key);
      if (old && !old.closed) throw new Error(`sim: ${listener.host}:${listener.port} is already listening`);
    }
    for (const key of keys) this.listeners.set(key, listener);
    const list = this.byHost.get(listener.host);
    if (list) list.push(listener);
    else this.byHost.set(listener.host, [listener]);
  }

  listenersOf(host: string): Listener[] {
    const name = normalizeHost(host);
    return (this.byHost.get(name) ?? []).filter((l) => !l.closed);
  }

  private dnsFaults(host: string, index: number): Fault[] {
    const out: Fault[] = [];
    for (const l of this.listenersOf(host)) {
      for (const f of this.planFaults(l, index, 'resolve')) {
        if (f.kind === 'dnsFail' || f.kind === 'dnsDelay') out.push(f);
      }
    }
    return out;
  }

  private planFaults(l: Listener, index: number, phase: FaultContext['phase']): Fault[] {
    const plan = l.faults;
    const list =
      typeof plan === 'function'
        ? plan({ index, host: l.host, port: l.port, phase, rng: this.faultRng })
        : plan;
    return list.filter((f) => faultApplies(f, index));
  }

  // --- connections ---

  connect(options: ConnectOptions): SimSocket {
    const address = normalizeHost(options.address);
    const sock = new SimSocket(this, address, options.port);
    const listener = this.listeners.get(listenerKey(address, options.port));
    const live = listener && !listener.closed ? listener : undefined;
    const index = live ? live.connections++ : 0;
    const faults = live ? this.planFaults(live, index, 'connect') : [];
    const link = linkParams(linkParams(this.defaultLink, live?.link), linkOverrides(faults));
    for (const f of faults) {
      if (f.kind === 'partialWrites') sock.maxWriteBytes = Math.max(1, f.maxBytes);
      if (f.kind === 'spurious') sock.spuriousProbability = f.probability;
    }
    const latency = link.latencyMs;
    if (faults.some((f) => f.kind === 'blackhole') || this.blackholed.has(address)) return sock;
    if (!live || faults.some((f) => f.kind === 'refuse')) {
      this.stats.refused++;
      this.sched.at(2 * latency, () =>
        sock.fail('ECONNREFUSED', `connect ECONNREFUSED ${address}:${options.port}`),
      );
      return sock;
    }
    this.sched.at(latency, () => {
      if (sock.destroyed || live.closed) {
        if (!sock.destroyed) {
          this.stats.refused++;
          this.sched.at(latency, () =>
            sock.fail('ECONNREFUSED', `connect ECONNREFUSED ${address}:${options.port}`),
          );
        }
        return;
      }
      this.accept(sock, live, index, faults, link, options.localAddress);
    });
    return sock;
  }

  /** A TLS handshake over a connected socket, against the listener it reached. */
  startTls(socket: TransportSocket, options: TlsConnectOptions): TlsTransportSocket {
    const listener = this.listeners.get(listenerKey(normalizeHost(socket.remoteAddress), socket.remotePort));
    const link = linkParams(this.defaultLink, listener?.link);
    return new SimTlsSocket(this, socket, options, listener?.tls, link.latencyMs);
  }

  private accept(
    sock: SimSocket,
    listener: Listener,
    index: number,
    faults: Fault[],
    link: LinkParams,
    localAddress: string | undefined,
  ): void {
    let peer: PeerConn | undefined;
    const toServer: PipeSink = {
      arrive: (b) => peer?.arrive(b),
      arriveFin: () => peer?.arriveFin(),
      arriveRst: () => peer?.arriveRst(),
    };
    const c2s = new Pipe(this.sched, link, toServer, () => sock.acked());
    const s2c = new Pipe(this.sched, link, sock, () => peer?.acked());
    const clientAddress = localAddress ?? clientAddressFor(sock.remoteAddress);
    const clientPort = this.nextEphemeral;
    this.nextEphemeral = this.nextEphemeral >= 65535 ? 49152 : this.nextEphemeral + 1;
    this.stats.connections++;
    peer = new PeerConn(
      this,
      {
        id: ++this.connectionId,
        index,
        host: listener.host,
        port: listener.port,
        remoteAddress: clientAddress,
        remotePort: clientPort,
        localAddress: listener.address,
        localPort: listener.port,
        faults,
      },
      s2c,
      c2s,
    );
    const p = peer;
    this.peers.add(p);
    p.onClose(() => this.peers.delete(p));
    sock.onClose = () => p.clientClosed();
    this.sched.at(link.latencyMs, () => sock.established(clientAddress, clientPort, c2s, s2c));
    listener.accept(p);
  }
}

function linkOverrides(faults: Fault[]): LinkOptions | undefined {
  let over: LinkOptions | undefined;
  for (const f of faults) {
    if (f.kind === 'latency') over = { ...over, latencyMs: f.ms };
    if (f.kind === 'bandwidth') over = { ...over, bytesPerSecond: f.bytesPerSecond };
  }
  return over;
}

function listenerKey(address: string, port: number): string {
  return `${address}|${port}`;
}

export function normalizeHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.') && !isIP(h)) h = h.slice(0, -1);
  return h;
}

/** localhost and *.localhost (RFC 6761) never reach DNS, like curl. */
function isLocalhost(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost');
}

function clientAddressFor(remote: string): string {
  if (remote.startsWith('127.')) return '127.0.0.1';
  if (remote === '::1') return '::1';
  return isIP(remote) === 6 ? 'fd00::2' : '10.255.255.254';
}

function notFound(host: string) {
  return transportError('ENOTFOUND', `getaddrinfo ENOTFOUND ${host}`);
}
