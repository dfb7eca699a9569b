// A name lookup as a watchable Socket: IN readiness once the result is in (libcurl's threaded
// resolver announces its socketpair the same way).
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { nextSyntheticFd } from '../fd.js';
import type { Interest, Resolution, ResolvedAddress, TransportErrorLike } from '../types.js';
import { Ready } from '../types.js';

export class NodeResolution implements Resolution {
  readonly fd = nextSyntheticFd();
  result: { addresses: ResolvedAddress[] } | { error: TransportErrorLike } | undefined;
  private onReady: ((events: number) => void) | undefined;
  private scheduled: NodeJS.Immediate | undefined;
  private cancelled = false;

  constructor(host: string, family: 0 | 4 | 6) {
    const ip = isIP(host);
    if (ip !== 0) {
      this.result = { addresses: [{ address: host, family: ip as 4 | 6 }] };
      return;
    }
    const lower = host.toLowerCase();
    if (lower === 'localhost' || lower.endsWith('.localhost')) {
      // Like curl: localhost never goes to DNS.
      const all: ResolvedAddress[] = [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ];
      this.result = { addresses: all.filter((a) => family === 0 || a.family === family) };
      return;
    }
    lookup(host, { all: true, family }, (err, addresses) => {
      if (this.cancelled) return;
      if (err !== null) this.result = { error: err };
      else if (addresses.length === 0) {
        this.result = {
          error: Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }),
        };
      } else
        this.result = {
          addresses: addresses.map((a) => ({ address: a.address, family: a.family as 4 | 6 })),
        };
      this.onReady?.(Ready.IN);
    });
  }

  watch(_what: Interest, onReady: (events: number) => void): void {
    this.onReady = onReady;
    if (this.result !== undefined && this.scheduled === undefined) {
      this.scheduled = setImmediate(() => {
        this.scheduled = undefined;
        this.onReady?.(Ready.IN);
      });
    }
  }

  unwatch(): void {
    this.onReady = undefined;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  cancel(): void {
    this.cancelled = true;
    this.unwatch();
  }
}
