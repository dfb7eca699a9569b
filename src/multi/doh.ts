// DNS-over-HTTPS (libcurl's doh.c): a name is asked for as A and AAAA in parallel, each by a probe
// transfer of the engine's own (POST application/dns-message to dohUrl, RFC 8484) that runs in
// the same Multi like any other transfer: its sockets and timers go through the application's
// callbacks, it is never in easyHandles and queues no done message (libcurl's fmultidone: the
// probe tells its transfer instead). When both probes are done the transfer decodes the answers;
// one usable answer is enough. Probes inherit what libcurl's inherit: the CA settings, the share,
// the debug callback and the time left; not the proxy (the environment's still applies to them).
import { CurlCode, curlStrerror } from '../core/codes.js';
import { TransferError } from '../core/errors.js';
import {
  type DnsAnswer,
  DnsError,
  type DnsQueryType,
  DnsType,
  decodeResponse,
  encodeQuery,
} from '../proto/dns/index.js';
import { parseIPv6 } from '../proto/ip.js';
import type { ResolvedAddress } from '../transport/types.js';
import { Easy } from './easy.js';
import type { Multi } from './multi.js';
import { type EasyOptions, HttpVersion, IpResolve } from './options.js';
import { unsupportedSchemeMessage } from './request.js';
import { Timer } from './timers.js';
import type { Transfer } from './transfer.js';

/** libcurl's DYN_DOH_RESPONSE: a longer answer fails the probe with WRITE_ERROR (23). */
export const DOH_RESPONSE_MAX = 3000;

interface Probe {
  type: DnsQueryType;
  transfer: Transfer;
  /** The answer as it arrives (at most DOH_RESPONSE_MAX bytes). */
  body: { chunks: Uint8Array[]; size: number };
  /** Set when the probe transfer ended. */
  result: CurlCode | undefined;
}

/** The probes of one name lookup of one transfer (libcurl's `struct dohdata`). */
export class DohLookup {
  readonly probes: Probe[] = [];
  pending = 0;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  /** The transfer gives up (it failed or was removed): probes still running are removed. */
  cancel(m: Multi): void {
    for (const p of this.probes) if (p.result === undefined) m.removeInternal(p.transfer);
  }
}

/** The options every probe of a transfer shares, made when the transfer is added (TLS files read then). */
export function dohProbeOptions(o: EasyOptions): EasyOptions {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(o.dohUrl!) ? o.dohUrl! : `https://${o.dohUrl}`;
  const p: EasyOptions = {
    url,
    httpHeader: ['Content-Type: application/dns-message'],
    httpVersion: HttpVersion.V2TLS,
    pipeWait: true,
    sslVerifyPeer: o.dohSslVerifyPeer ?? true,
    sslVerifyHost: (o.dohSslVerifyHost ?? 2) === 0 ? 0 : 2,
  };
  if (o.share !== undefined) p.share = o.share;
  if (o.caInfo !== undefined) p.caInfo = o.caInfo;
  if (o.caInfoBlob !== undefined) p.caInfoBlob = o.caInfoBlob;
  if (o.caPath !== undefined) p.caPath = o.caPath;
  if (o.sslOptions !== undefined) p.sslOptions = o.sslOptions;
  if (o.verbose !== undefined) p.verbose = o.verbose;
  if (o.debugFunction !== undefined) p.debugFunction = o.debugFunction;
  return p;
}

/** Does this lookup go over DoH? Not for addresses and localhost (libcurl answers those itself). */
export function usesDoh(o: EasyOptions, host: string, isAddress: boolean): boolean {
  if (o.dohUrl === undefined || o.dohUrl === '' || isAddress) return false;
  const h = host.toLowerCase();
  return h !== 'localhost' && !h.endsWith('.localhost');
}

/** Start the A (and, unless ipResolve is V4, AAAA) probes for `host` on behalf of `t`. */
export function startDoh(m: Multi, t: Transfer, host: string, port: number, now: number): DohLookup {
  const base = t.dohOptions!;
  if (!/^https:/i.test(base.url!)) {
    // libcurl's probes allow https only (CURLOPT_PROTOCOLS): they fail at once, the name with them.
    const scheme = base.url!.slice(0, base.url!.indexOf(':'));
    throw notResolved(t, host, [unsupportedSchemeMessage(scheme.toLowerCase(), false)]);
  }
  const types: DnsQueryType[] = t.o.ipResolve === IpResolve.V4 ? [DnsType.A] : [DnsType.A, DnsType.AAAA];
  let query: Uint8Array[];
  try {
    query = types.map((type) => encodeQuery(host, type));
  } catch (e) {
    throw notResolved(t, host, [e instanceof DnsError ? e.message : String(e)], e);
  }
  // libcurl's Curl_timeleft(data, NULL, TRUE): what is left of the total and connect timeouts.
  const left = Math.min(t.deadlines[Timer.TOTAL]!, t.deadlines[Timer.CONNECT]!) - now;
  const doh = new DohLookup(host, port);
  for (const [i, type] of types.entries()) {
    const body = { chunks: [] as Uint8Array[], size: 0 };
    const easy = new Easy({
      ...base,
      postFields: query[i]!,
      timeoutMs: Math.max(1, Math.ceil(left)),
      writeFunction: (chunk) => {
        if (body.size + chunk.length > DOH_RESPONSE_MAX) return 0;
        body.chunks.push(new Uint8Array(chunk));
        body.size += chunk.length;
        return chunk.length;
      },
    });
    const transfer = m.addInternal(easy, (pt, result) => {
      probe.result = result;
      doh.pending--;
      m.callDebug(pt, 'text', `a DoH request is completed, ${doh.pending} to go\n`);
      if (result !== CurlCode.OK) m.callDebug(pt, 'text', `DoH request ${curlStrerror(result)}\n`);
      if (doh.pending === 0) m.expire(t, Timer.RUN_NOW, m.transport.now());
    });
    const probe: Probe = { type, transfer, body, result: undefined };
    doh.probes.push(probe);
    doh.pending++;
  }
  return doh;
}

/**
 * Both probes are done: the addresses of the answers that decoded (A first), and the smallest TTL
 * in ms; 6 (5 for a proxy's name) naming why each probe failed when none did.
 */
export function finishDoh(
  m: Multi,
  t: Transfer,
  doh: DohLookup,
): { addresses: ResolvedAddress[]; ttlMs: number } {
  const reasons: string[] = [];
  const answers: DnsAnswer[] = [];
  for (const p of doh.probes) {
    const name = p.type === DnsType.A ? 'A' : 'AAAA';
    let reason: string;
    if (p.result !== CurlCode.OK) {
      reason = p.transfer.error?.message ?? curlStrerror(p.result!);
    } else {
      try {
        answers.push(decodeResponse(Buffer.concat(p.body.chunks, p.body.size), doh.host, p.type));
        continue;
      } catch (e) {
        reason = e instanceof DnsError ? e.message : String(e);
        const status = p.transfer.status;
        if (status !== 200) reason += ` (HTTP ${status})`;
      }
    }
    m.callDebug(t, 'text', `DoH: ${reason} type ${name} for ${doh.host}\n`);
    reasons.push(`${name}: ${reason}`);
  }
  if (answers.length === 0) throw notResolved(t, doh.host, reasons);
  const addresses: ResolvedAddress[] = answers.flatMap((a) => a.addresses);
  const ttl = Math.min(...answers.map((a) => a.ttl ?? 0));
  if (t.o.debugFunction !== undefined) {
    const lines = [`DoH Host name: ${doh.host}`, `TTL: ${ttl} seconds`];
    for (const a of addresses)
      lines.push(a.family === 4 ? `DoH A: ${a.address}` : `DoH AAAA: ${longIPv6(a.address)}`);
    for (const a of answers) for (const c of a.cnames) lines.push(`CNAME: ${c}`);
    for (const line of lines) m.callDebug(t, 'text', `${line}\n`);
  }
  return { addresses, ttlMs: ttl * 1000 };
}

function notResolved(t: Transfer, host: string, reasons: string[], cause?: unknown): TransferError {
  const proxy = t.resolving === 'hop' && t.route?.plan !== undefined;
  return new TransferError(
    proxy ? CurlCode.COULDNT_RESOLVE_PROXY : CurlCode.COULDNT_RESOLVE_HOST,
    `Could not resolve ${proxy ? 'proxy' : 'host'}: ${host} (DoH: ${reasons.join('; ')})`,
    { side: 'remote', phase: 'resolve', cause },
  );
}

/** libcurl's verbose form of an IPv6 address: eight groups of four hex digits. */
function longIPv6(address: string): string {
  const b = parseIPv6(address)!;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16).padStart(4, '0'));
  return groups.join(':');
}
