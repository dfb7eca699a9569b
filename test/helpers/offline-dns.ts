// Name lookups answered in-process, so no test sends a DNS query off the machine. Names in the
// table resolve to their addresses; every other name fails with ENOTFOUND, asynchronously, as
// getaddrinfo would.
import type { LookupAddress } from 'node:dns';
import type { LookupAll } from '../../src/transport/node/resolve.js';
import { NodeTransport } from '../../src/transport/node/transport.js';

export function tableLookup(table: Record<string, string[]> = {}): LookupAll {
  return (host, options, callback) => {
    setImmediate(() => {
      const found = (table[host.toLowerCase()] ?? [])
        .map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }))
        .filter((a) => options.family === 0 || a.family === options.family);
      if (found.length > 0) callback(null, found);
      else {
        const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${host}`);
        err.code = 'ENOTFOUND';
        err.syscall = 'getaddrinfo';
        callback(err, []);
      }
    });
  };
}

/** A Node transport whose lookups never leave the process. */
export function offlineTransport(table: Record<string, string[]> = {}): NodeTransport {
  return new NodeTransport({ lookup: tableLookup(table) });
}
