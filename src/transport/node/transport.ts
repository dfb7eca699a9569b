// The Node transport: net for TCP, dns.lookup for names, process.uptime() and Date.now() for the
// clocks.
import type {
  ConnectOptions,
  Resolution,
  ResolveOptions,
  TlsConnectOptions,
  TlsTransportSocket,
  Transport,
  TransportSocket,
} from '../types.js';
import { aresLookup, hasResolverOptions } from './ares.js';
import { type LookupAll, NodeResolution } from './resolve.js';
import { NodeSocket } from './socket.js';
import { startNodeTls } from './tls.js';

export interface NodeTransportOptions {
  /**
   * Name lookups (default dns.lookup). Tests pass a table of their own so that no query leaves
   * the machine; an application can plug in a caching resolver.
   */
  lookup?: LookupAll;
}

export class NodeTransport implements Transport {
  readonly name = 'node';
  private readonly lookup: LookupAll | undefined;

  constructor(options: NodeTransportOptions = {}) {
    this.lookup = options.lookup;
  }

  now(): number {
    // Milliseconds since the process started, like performance.now(), whose first use would load
    // node:perf_hooks (several ms of a CLI run's start-up).
    return process.uptime() * 1000;
  }

  wallClockMs(): number {
    return Date.now();
  }

  resolve(host: string, family: 0 | 4 | 6, options?: ResolveOptions): Resolution {
    if (options !== undefined && hasResolverOptions(options)) {
      return new NodeResolution(host, family, aresLookup(options));
    }
    return new NodeResolution(host, family, this.lookup);
  }

  connect(options: ConnectOptions): TransportSocket {
    return NodeSocket.connect(options);
  }

  startTls(socket: TransportSocket, options: TlsConnectOptions): TlsTransportSocket {
    return startNodeTls(socket, options);
  }
}

/** The shared default instance (the transport holds no state of its own). */
export const nodeTransport = new NodeTransport();
