// Resolution over dns.lookup (getaddrinfo on libuv's threadpool: non-blocking for the loop, and
// it honours /etc/hosts and nsswitch like curl's threaded resolver). IP literals and localhost
// names complete synchronously, without a query.
import type dns from 'node:dns';
import net from 'node:net';
import { nextSyntheticFd } from '../fd.js';
import {
  type Interest,
  Ready,
  type Resolution,
  type ResolvedAddress,
  type TransportErrorLike,
} from '../types.js';

type ResolveResult = { addresses: ResolvedAddress[] } | { error: TransportErrorLike };

/** dns.lookup with { all: true }: the shape NodeTransport accepts for a lookup of its own. */
export type LookupAll = (
  host: string,
  options: { all: true; family: 0 | 4 | 6 },
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

function notFound(host: string, message: string): TransportErrorLike {
  const err: TransportErrorLike = new Error(`${message}: ${host}`);
  err.code = 'ENOTFOUND';
  return err;
}

/** curl's rule (hostip.c): 'localhost' and any name under '.localhost', with or without the root dot. */
export function isLocalhostName(host: string): boolean {
  const h = (host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost');
}

/** The answer for a name that needs no query, or undefined when it must be looked up. */
function resolveWithoutQuery(host: string, family: 0 | 4 | 6): ResolveResult | undefined {
  const bare = host.length > 2 && host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const literal = net.isIP(bare);
  if (literal === 4 || literal === 6) {
    if (family !== 0 && family !== literal) {
      return { error: notFound(host, `IPv${literal} address, but IPv${family} was requested`) };
    }
    return { addresses: [{ address: bare, family: literal }] };
  }
  if (isLocalhostName(host)) {
    const addresses: ResolvedAddress[] = [];
    if (family !== 6) addresses.push({ address: '127.0.0.1', family: 4 });
    if (family !== 4) addresses.push({ address: '::1', family: 6 });
    return { addresses };
  }
  return undefined;
}

export class NodeResolution implements Resolution {
  readonly fd: number = nextSyntheticFd();
  readonly host: string;
  private res: ResolveResult | undefined;
  private canceled = false;
  private what = 0;
  private onReady: ((events: number) => void) | null = null;
  private immediate: NodeJS.Immediate | null = null;

  /** `lookup` defaults to dns.lookup; node:dns is loaded only when a name needs a query. */
  constructor(host: string, family: 0 | 4 | 6, lookup?: LookupAll) {
    this.host = host;
    this.res = resolveWithoutQuery(host, family);
    if (this.res === undefined) {
      (lookup ?? process.getBuiltinModule('node:dns').lookup)(host, { all: true, family }, this.onLookup);
    }
  }

  get result(): ResolveResult | undefined {
    return this.res;
  }

  watch(what: Interest, onReady: (events: number) => void): void {
    if (this.canceled) return;
    this.what = what;
    this.onReady = onReady;
    this.clearImmediate();
    if (this.res !== undefined && (what & Ready.IN) !== 0) {
      this.immediate = setImmediate(this.onImmediate);
    }
  }

  unwatch(): void {
    this.what = 0;
    this.onReady = null;
    this.clearImmediate();
  }

  cancel(): void {
    this.canceled = true;
    this.unwatch();
  }

  private clearImmediate(): void {
    if (this.immediate !== null) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
  }

  private readonly onImmediate = (): void => {
    this.immediate = null;
    if (this.onReady !== null && (this.what & Ready.IN) !== 0) this.onReady(Ready.IN);
  };

  private readonly onLookup = (err: NodeJS.ErrnoException | null, addrs: dns.LookupAddress[]): void => {
    if (this.canceled) return;
    if (err !== null) {
      this.res = { error: err };
    } else {
      const addresses: ResolvedAddress[] = [];
      for (const a of addrs) {
        if (a.family === 4 || a.family === 6) addresses.push({ address: a.address, family: a.family });
      }
      this.res = addresses.length > 0 ? { addresses } : { error: notFound(this.host, 'no addresses found') };
    }
    if (this.onReady !== null && (this.what & Ready.IN) !== 0) {
      this.clearImmediate();
      this.onReady(Ready.IN);
    }
  };
}
