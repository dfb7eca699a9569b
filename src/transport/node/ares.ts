// Lookups through c-ares (node:dns Resolver) for the options libcurl answers with its c-ares
// backend: dnsServers, dnsInterface, dnsLocalIp4 / 6. The default stays dns.lookup (getaddrinfo:
// /etc/hosts and the system's configuration), as with libcurl's threaded resolver.
import type dns from 'node:dns';
import os from 'node:os';
import type { ResolveOptions } from '../types.js';
import type { LookupAll } from './resolve.js';

/** One Resolver per distinct configuration (a crawler asks thousands of names of the same servers). */
const resolvers = new Map<string, dns.Resolver>();
const MAX_RESOLVERS = 64;

export function hasResolverOptions(o: ResolveOptions): boolean {
  return (
    (o.servers !== undefined && o.servers.length > 0) ||
    o.interface !== undefined ||
    o.localIp4 !== undefined ||
    o.localIp6 !== undefined
  );
}

function interfaceAddresses(name: string): { v4: string | undefined; v6: string | undefined } {
  const list = os.networkInterfaces()[name];
  if (list === undefined) {
    const err: NodeJS.ErrnoException = new Error(
      `Couldn't bind DNS queries to interface ${name}: no such interface`,
    );
    err.code = 'ENODEV';
    throw err;
  }
  return {
    v4: list.find((a) => a.family === 'IPv4')?.address,
    v6: list.find((a) => a.family === 'IPv6')?.address,
  };
}

function resolverFor(o: ResolveOptions): dns.Resolver {
  const key = JSON.stringify([o.servers, o.interface, o.localIp4, o.localIp6]);
  let r = resolvers.get(key);
  if (r !== undefined) return r;
  r = new (process.getBuiltinModule('node:dns').Resolver)();
  if (o.servers !== undefined && o.servers.length > 0) r.setServers(o.servers.map((s) => s.trim()));
  let v4 = o.localIp4;
  let v6 = o.localIp6;
  if (o.interface !== undefined) {
    const a = interfaceAddresses(o.interface);
    v4 ??= a.v4;
    v6 ??= a.v6;
  }
  if (v4 !== undefined || v6 !== undefined) r.setLocalAddress(v4 ?? '0.0.0.0', v6 ?? '::0');
  if (resolvers.size >= MAX_RESOLVERS) resolvers.clear();
  resolvers.set(key, r);
  return r;
}

/** A LookupAll over c-ares: A and AAAA asked in parallel for family 0, IPv6 answers first. */
export function aresLookup(o: ResolveOptions): LookupAll {
  return (host, options, callback) => {
    let r: dns.Resolver;
    try {
      r = resolverFor(o);
    } catch (e) {
      callback(e as NodeJS.ErrnoException, []);
      return;
    }
    const want: Array<4 | 6> = options.family === 0 ? [6, 4] : [options.family];
    const answers: Array<dns.LookupAddress[] | undefined> = want.map(() => undefined);
    let firstError: NodeJS.ErrnoException | null = null;
    let left = want.length;
    want.forEach((fam, i) => {
      const done = (err: NodeJS.ErrnoException | null, addrs: string[]): void => {
        if (err !== null) firstError ??= err;
        else answers[i] = addrs.map((address) => ({ address, family: fam }));
        if (--left > 0) return;
        const all = answers.flatMap((a) => a ?? []);
        callback(all.length > 0 ? null : firstError, all);
      };
      if (fam === 4) r.resolve4(host, done);
      else r.resolve6(host, done);
    });
  };
}
