// The Node transport: net for TCP, dns.lookup for names, performance.now() for the clock.
import { performance } from 'node:perf_hooks';
import type { ConnectOptions, Resolution, Transport, TransportSocket } from '../types.js';
import { NodeResolution } from './resolve.js';
import { NodeSocket } from './socket.js';

export class NodeTransport implements Transport {
  readonly name = 'node';

  now(): number {
    return performance.now();
  }

  resolve(host: string, family: 0 | 4 | 6): Resolution {
    return new NodeResolution(host, family);
  }

  connect(options: ConnectOptions): TransportSocket {
    return new NodeSocket(options);
  }
}

/** The shared default instance (the transport holds no state of its own). */
export const nodeTransport = new NodeTransport();
