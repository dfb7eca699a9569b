// The Transport the engine sees when it runs on the simulated network.
import type {
  ConnectOptions,
  Resolution,
  ResolveOptions,
  TlsConnectOptions,
  TlsTransportSocket,
  Transport,
  TransportSocket,
} from '../types.js';
import type { SimWorld } from './world.js';

export class SimTransport implements Transport {
  readonly name = 'sim';

  /** Calendar time moves with the virtual clock, from the real time the transport was made. */
  private readonly epoch: number;

  constructor(private readonly world: SimWorld) {
    this.epoch = Date.now() - world.sched.now();
  }

  now(): number {
    return this.world.sched.now();
  }

  wallClockMs(): number {
    return this.epoch + this.world.sched.now();
  }

  /** The simulated resolver answers every query itself: server options change nothing here. */
  resolve(host: string, family: 0 | 4 | 6, _options?: ResolveOptions): Resolution {
    return this.world.resolve(host, family);
  }

  connect(options: ConnectOptions): TransportSocket {
    return this.world.connect(options);
  }

  startTls(socket: TransportSocket, options: TlsConnectOptions): TlsTransportSocket {
    return this.world.startTls(socket, options);
  }
}
