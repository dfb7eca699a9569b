// The Transport the engine sees when it runs on the simulated network.
import type { ConnectOptions, Resolution, Transport, TransportSocket } from '../types.js';
import type { SimWorld } from './world.js';

export class SimTransport implements Transport {
  readonly name = 'sim';

  constructor(private readonly world: SimWorld) {}

  now(): number {
    return this.world.sched.now();
  }

  resolve(host: string, family: 0 | 4 | 6): Resolution {
    return this.world.resolve(host, family);
  }

  connect(options: ConnectOptions): TransportSocket {
    return this.world.connect(options);
  }
}
