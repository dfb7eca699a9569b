// A DNS server for tests, answering from a fixed zone: over UDP (for dnsServers / c-ares) and as
// an RFC 8484 DoH handler (POST application/dns-message) for node:http / node:https servers and
// one for the simulator's.
import dgram from 'node:dgram';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DnsRecord, DnsType, decodeQuestion, encodeResponse } from '../../src/proto/dns/index.js';
import type { SimHandler, SimNetwork } from '../../src/sim.js';

export type Zone = Record<string, { a?: string[]; aaaa?: string[]; cname?: string; ttl?: number }>;

/** The answer to one query from `zone` (NXDOMAIN for unknown names). */
export function answerFrom(zone: Zone, query: Uint8Array): Uint8Array {
  const q = decodeQuestion(query);
  const records: DnsRecord[] = [];
  let name = q.name;
  for (let hops = 0; hops < 8; hops++) {
    const e = zone[name];
    if (e === undefined) break;
    const ttl = e.ttl ?? 60;
    if (e.cname !== undefined) {
      records.push({ name, type: DnsType.CNAME, ttl, data: e.cname });
      name = e.cname;
      continue;
    }
    const list = q.type === DnsType.A ? e.a : q.type === DnsType.AAAA ? e.aaaa : undefined;
    for (const data of list ?? []) records.push({ name, type: q.type as 1 | 28, ttl, data });
    break;
  }
  const known = zone[q.name] !== undefined;
  return encodeResponse(query, records, known ? 0 : 3);
}

export interface UdpDnsServer {
  port: number;
  queries: Array<{ name: string; type: number }>;
  close(): Promise<void>;
}

export async function startUdpDns(zone: Zone, address = '127.0.0.1'): Promise<UdpDnsServer> {
  const sock = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  const queries: Array<{ name: string; type: number }> = [];
  sock.on('message', (msg, rinfo) => {
    const q = decodeQuestion(msg);
    queries.push({ name: q.name, type: q.type });
    sock.send(answerFrom(zone, msg), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, address, resolve));
  return {
    port: sock.address().port,
    queries,
    close: () => new Promise((resolve) => sock.close(() => resolve())),
  };
}

/** An RFC 8484 handler: POST with a dns-message body. Counts the queries it answered. */
export function dohHandler(zone: Zone, seen: Array<{ name: string; type: number }> = []) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/dns-message') {
        res.writeHead(415).end();
        return;
      }
      const body = new Uint8Array(Buffer.concat(chunks));
      seen.push(decodeQuestion(body));
      res.writeHead(200, { 'content-type': 'application/dns-message' }).end(answerFrom(zone, body));
    });
  };
}

/** What a simulated DoH server does with one query (a test may delay, fail or garble it). */
export type SimDohPlan = (q: {
  name: string;
  type: number;
}) => { delayMs?: number; status?: number; body?: Uint8Array } | undefined;

/**
 * An RFC 8484 handler for the simulator's servers (`net.listen(..., { tls: {} })`): answers from
 * `zone` unless `plan` says otherwise for a query; `seen` records the questions with their time.
 */
export function simDohHandler(
  net: SimNetwork,
  zone: Zone,
  seen: Array<{ name: string; type: number; at: number }> = [],
  plan: SimDohPlan = () => undefined,
): SimHandler {
  return async (req, res) => {
    const body = await req.bytes();
    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/dns-message') {
      res.writeHead(415).end();
      return;
    }
    const q = decodeQuestion(body);
    seen.push({ name: q.name, type: q.type, at: net.now() });
    const p = plan(q) ?? {};
    if (p.delayMs !== undefined) await net.sleep(p.delayMs);
    res
      .writeHead(p.status ?? 200, { 'content-type': 'application/dns-message' })
      .end(p.body ?? answerFrom(zone, body));
  };
}
