// Faults the simulated network can inject, and the CurlCode a transfer is expected to end with
// under each. Faults apply per listener (every connection to it) or per connection (`connections`
// lists the 0-based connection indexes, or resolution indexes for DNS faults).
import { CurlCode } from '../../core/codes.js';
import type { Rng } from './prng.js';

/** Where `afterBytes` counts from: the first byte the server sends, or the first body byte (HTTP listeners). */
export type ByteOrigin = 'start' | 'body';

export type Fault = (
  | { kind: 'refuse' }
  | { kind: 'blackhole' }
  | { kind: 'dnsFail' }
  | { kind: 'dnsDelay'; ms: number }
  | { kind: 'reset'; afterBytes: number; from?: ByteOrigin }
  | { kind: 'stall'; afterBytes?: number; from?: ByteOrigin }
  | { kind: 'drip'; intervalMs: number; afterBytes?: number; from?: ByteOrigin }
  | { kind: 'halfClose'; afterBytes: number; from?: ByteOrigin }
  | { kind: 'truncate'; keepBytes?: number }
  | { kind: 'garbage'; bytes?: string }
  | { kind: 'partialWrites'; maxBytes: number }
  | { kind: 'spurious'; probability: number }
  | { kind: 'latency'; ms: number }
  | { kind: 'bandwidth'; bytesPerSecond: number }
) & {
  /** Only these connections (0-based, per listener; per host for DNS faults). Absent: all. */
  connections?: readonly number[];
};

export type FaultKind = Fault['kind'];

/** What a new connection (or lookup) is told about itself when a fault plan is a function. */
export interface FaultContext {
  /** 0-based index of this connection to the listener (or of this lookup of the host). */
  index: number;
  host: string;
  port: number;
  /** 'resolve' for a DNS lookup of the host (only dnsFail / dnsDelay matter), 'connect' otherwise. */
  phase: 'resolve' | 'connect';
  /** A stream of the network's seeded PRNG reserved for fault plans. */
  rng: Rng;
}

export type FaultPlan = readonly Fault[] | ((ctx: FaultContext) => readonly Fault[]);

/**
 * The CurlCode a plain GET is expected to end with when this fault hits it (the transfer having a
 * total or connect timeout for the faults that only end by timing out). `halfClose` depends on
 * where the close lands: before any byte it is GOT_NOTHING, inside a Content-Length body PARTIAL_FILE.
 */
export const FAULT_CODES = {
  refuse: CurlCode.COULDNT_CONNECT, // 7
  dnsFail: CurlCode.COULDNT_RESOLVE_HOST, // 6
  blackhole: CurlCode.OPERATION_TIMEDOUT, // 28 (with a connect or total timeout)
  stall: CurlCode.OPERATION_TIMEDOUT, // 28 (with a total timeout or low-speed limit)
  truncate: CurlCode.PARTIAL_FILE, // 18
  closeBeforeAnyByte: CurlCode.GOT_NOTHING, // 52 (halfClose afterBytes 0)
  reset: CurlCode.RECV_ERROR, // 56 (reset mid-body)
  garbage: CurlCode.WEIRD_SERVER_REPLY, // 8
  // Faults a correct client rides through: the transfer succeeds, only later.
  dnsDelay: CurlCode.OK,
  drip: CurlCode.OK,
  partialWrites: CurlCode.OK,
  spurious: CurlCode.OK,
  latency: CurlCode.OK,
  bandwidth: CurlCode.OK,
} as const;

/**
 * The expected result of a GET hit by `fault` (see FAULT_CODES), for a Content-Length response
 * larger than any byte offset in the fault. Undefined where the table does not pin it down
 * (a half-close in the middle of the response head).
 */
export function expectedCurlCode(fault: Fault): CurlCode | undefined {
  switch (fault.kind) {
    case 'halfClose':
      if (fault.from === 'body') return CurlCode.PARTIAL_FILE;
      return fault.afterBytes === 0 ? FAULT_CODES.closeBeforeAnyByte : undefined;
    case 'refuse':
    case 'dnsFail':
    case 'blackhole':
    case 'stall':
    case 'truncate':
    case 'reset':
    case 'garbage':
    case 'dnsDelay':
    case 'drip':
    case 'partialWrites':
    case 'spurious':
    case 'latency':
    case 'bandwidth':
      return FAULT_CODES[fault.kind];
  }
}

export const ALL_FAULT_KINDS: readonly FaultKind[] = [
  'refuse',
  'blackhole',
  'dnsFail',
  'dnsDelay',
  'reset',
  'stall',
  'drip',
  'halfClose',
  'truncate',
  'garbage',
  'partialWrites',
  'spurious',
  'latency',
  'bandwidth',
];

export interface DrawOptions {
  /** Kinds to choose from (default: all). */
  kinds?: readonly FaultKind[];
  /** Size of the response body the fault will meet, so byte offsets land inside it. Default 1000. */
  bodyBytes?: number;
}

/** One fault with parameters drawn from `rng`: the same seed draws the same fault. */
export function drawFault(rng: Rng, options: DrawOptions = {}): Fault {
  const kind = rng.pick(options.kinds ?? ALL_FAULT_KINDS);
  // Offsets are drawn in [0, body - 1] so that the fault lands before the last body byte.
  const body = Math.max(1, options.bodyBytes ?? 1000);
  switch (kind) {
    case 'refuse':
    case 'blackhole':
    case 'dnsFail':
      return { kind };
    case 'dnsDelay':
      return { kind, ms: rng.int(1, 2000) };
    case 'reset':
      return { kind, afterBytes: rng.int(0, body - 1), from: 'body' };
    case 'stall':
      return { kind, afterBytes: rng.int(0, body - 1), from: 'body' };
    case 'drip':
      return { kind, intervalMs: rng.int(1, 20), afterBytes: rng.int(0, body - 1), from: 'body' };
    case 'halfClose':
      return rng.chance(0.5)
        ? { kind, afterBytes: 0 }
        : { kind, afterBytes: rng.int(0, body - 1), from: 'body' };
    case 'truncate':
      return { kind, keepBytes: rng.int(0, body - 1) };
    case 'garbage':
      return { kind };
    case 'partialWrites':
      return { kind, maxBytes: rng.int(1, 64) };
    case 'spurious':
      return { kind, probability: rng.int(1, 9) / 10 };
    case 'latency':
      return { kind, ms: rng.int(1, 500) };
    case 'bandwidth':
      return { kind, bytesPerSecond: rng.int(1000, 1_000_000) };
  }
}

const DNS_KINDS: readonly FaultKind[] = ['dnsFail', 'dnsDelay'];

/**
 * A fault plan drawn from the network's seed: each lookup and each connection gets, with
 * `probability`, one fault drawn from the kinds that apply to that phase.
 */
export function randomFaults(options: DrawOptions & { probability?: number } = {}): FaultPlan {
  const p = options.probability ?? 0.5;
  const kinds = options.kinds ?? ALL_FAULT_KINDS;
  const dns = kinds.filter((k) => DNS_KINDS.includes(k));
  const conn = kinds.filter((k) => !DNS_KINDS.includes(k));
  return (ctx) => {
    const pool = ctx.phase === 'resolve' ? dns : conn;
    if (pool.length === 0 || !ctx.rng.chance(p)) return [];
    return [drawFault(ctx.rng, { ...options, kinds: pool })];
  };
}

export function faultApplies(fault: Fault, index: number): boolean {
  return fault.connections === undefined || fault.connections.includes(index);
}

export function describeFault(fault: Fault): string {
  const { kind, connections: _c, ...rest } = fault;
  const params = Object.entries(rest)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return params ? `${kind}(${params})` : kind;
}
