// Happy eyeballs (RFC 8305 as libcurl's connect.c does it): the bottom of a chain when a name has
// addresses of both families. IPv6 goes first; IPv4 starts after `happyEyeballsTimeoutMs` (200 ms)
// or at once when IPv6 has no address left to try. Within a family the addresses are tried in
// turn: the next one when the current one fails, or when its share of the remaining connect time
// (half of it while more addresses follow, all of it for the last) is used up. The first attempt
// to connect wins and becomes the filter's `next`; every other attempt is closed at once.
//
// Every attempt is a SocketFilter with one address. While racing, the socket the connection is
// watched on is the newest attempt's (`query('socket')`); the older one is looked at whenever
// the transfer runs, and `query('connectDeadline')` says when the next attempt is due.
import { CurlCode, curlStrerror } from '../core/codes.js';
import { TransferError } from '../core/errors.js';
import type { ReadResult, ResolvedAddress, Transport } from '../transport/types.js';
import { SocketFilter } from './socket.js';
import type { Filter, FilterQueries } from './types.js';

/** libcurl's CURLOPT_HAPPY_EYEBALLS_TIMEOUT_MS default. */
export const DEFAULT_HAPPY_EYEBALLS_TIMEOUT_MS = 200;

interface Attempt {
  filter: SocketFilter;
  address: ResolvedAddress;
  /** When to give up on it and try the family's next address. */
  deadline: number;
}

/** One family's addresses and its attempt in flight. */
class Family {
  index = 0;
  current: Attempt | undefined;
  lastError: Error | undefined;
  constructor(readonly addresses: ResolvedAddress[]) {}
  get exhausted(): boolean {
    return this.current === undefined && this.index >= this.addresses.length;
  }
}

export interface HappyEyeballsOptions {
  happyEyeballsTimeoutMs: number;
  /** When the whole connect must be done (the transfer's connect timeout). */
  connectDeadline: number;
  /** Told each address as its attempt starts (curl's "  Trying 127.0.0.1:80..." line). */
  onAttempt?: ((address: ResolvedAddress) => void) | undefined;
  /**
   * Told when an attempt fails with an error of its own (curl's "connect to 127.0.0.1 port 80
   * failed: Connection refused"); an attempt closed because its time share ran out is not.
   */
  onAttemptFailed?: ((address: ResolvedAddress, error: Error) => void) | undefined;
  /**
   * Told when an attempt wins, before the filters above go on (curl's "Connected to" line comes
   * at the TCP connect: before a SOCKS handshake, proxy TLS or a CONNECT).
   */
  onConnected?: (() => void) | undefined;
}

/** The options before the addresses are known and after the race (nothing to time). */
const NO_RACE: HappyEyeballsOptions = {
  happyEyeballsTimeoutMs: DEFAULT_HAPPY_EYEBALLS_TIMEOUT_MS,
  connectDeadline: 0,
};
/** No families (never written: setAddresses replaces it). */
const NO_FAMILIES: Family[] = [];

export class HappyEyeballsFilter implements Filter {
  private winner: SocketFilter | undefined;
  private families: Family[] = NO_FAMILIES;
  /**
   * The attempt for a lone address (a literal one, most names on loopback), which has nothing to
   * race: no family, attempt record or timing options (about 0.25 KB per connection, alive until
   * it connects; at 10,000 connects in one call all of it is promoted).
   */
  private lone: SocketFilter | undefined;
  private opts: HappyEyeballsOptions = NO_RACE;
  private startedAt = Number.NaN;
  private secondStarted = false;
  private newest: Attempt | undefined;

  /** Addresses come later (`setAddresses`), once the name is resolved. */
  constructor(
    private readonly transport: Transport,
    private readonly host: string,
    private readonly port: number,
    private readonly localAddress: string | undefined,
  ) {}

  /** The addresses to race (IPv6 first) and the timing; connect() starts the first attempt. */
  setAddresses(addresses: ResolvedAddress[], opts: HappyEyeballsOptions): void {
    if (addresses.length === 1) {
      this.families = NO_FAMILIES;
      this.lone = new SocketFilter(this.transport, this.host, this.port, addresses, this.localAddress);
      // Only the callbacks matter without a race (a lone attempt has all the connect time).
      const told =
        opts.onAttempt !== undefined || opts.onAttemptFailed !== undefined || opts.onConnected !== undefined;
      this.opts = told ? opts : NO_RACE;
      return;
    }
    this.lone = undefined;
    const first = addresses[0];
    let mixed = false;
    for (const a of addresses) if (a.family !== first!.family) mixed = true;
    // One family (a literal address, most names on loopback or IPv4-only hosts): that list as it
    // is, no copies (filter() reserves 17 slots for its result).
    if (!mixed) this.families = first === undefined ? NO_FAMILIES : [new Family(addresses)];
    else {
      const v6 = addresses.filter((a) => a.family === 6);
      const v4 = addresses.filter((a) => a.family === 4);
      this.families = [v6, v4].filter((l) => l.length > 0).map((l) => new Family(l));
    }
    this.opts = opts;
  }

  get name(): string {
    return 'happy-eyeballs';
  }

  /** The host and port this filter connects to (the first hop: a proxy or the origin). */
  get target(): { host: string; port: number } {
    return { host: this.host, port: this.port };
  }

  get next(): Filter | undefined {
    return this.winner;
  }

  /** After the race everything goes to the winner. */
  passThrough(): Filter | undefined {
    return this.winner;
  }

  connect(now: number): boolean {
    if (this.winner !== undefined) return true;
    const lone = this.lone;
    if (lone !== undefined) return this.connectLone(lone, now);
    if (Number.isNaN(this.startedAt)) {
      this.startedAt = now;
      const first = this.families[0];
      if (first === undefined) throw this.failure(now);
      this.startNext(first, now);
    }
    for (;;) {
      let progressed = false;
      for (const fam of this.families) {
        if (!this.secondStarted && fam !== this.families[0]) continue;
        const a = fam.current;
        if (a === undefined) continue;
        let connected = false;
        try {
          connected = a.filter.connect(now);
        } catch (e) {
          fam.lastError = attemptError(e);
          this.opts.onAttemptFailed?.(a.address, fam.lastError);
          a.filter.destroy();
          fam.current = undefined;
          this.startNext(fam, now);
          progressed = true;
          continue;
        }
        if (connected) {
          this.win(fam);
          return true;
        }
        if (now >= a.deadline && fam.index < fam.addresses.length) {
          // Its share of the time is up: the family's next address, the slow one closed.
          a.filter.destroy();
          fam.current = undefined;
          this.startNext(fam, now);
          progressed = true;
        }
      }
      const second = this.families[1];
      if (!this.secondStarted && second !== undefined) {
        const first = this.families[0]!;
        if (first.exhausted || now >= this.startedAt + this.opts.happyEyeballsTimeoutMs) {
          this.secondStarted = true;
          this.startNext(second, now);
          progressed = true;
        }
      }
      if (this.allExhausted() && (this.secondStarted || this.families.length === 1)) {
        throw this.failure(now);
      }
      if (!progressed) return false;
    }
  }

  /** The race of one: the attempt connects or the filter fails with what it failed with. */
  private connectLone(lone: SocketFilter, now: number): boolean {
    if (Number.isNaN(this.startedAt)) {
      this.startedAt = now;
      this.opts.onAttempt?.(lone.address!);
    }
    let connected: boolean;
    try {
      connected = lone.connect(now);
    } catch (e) {
      const error = attemptError(e);
      this.opts.onAttemptFailed?.(lone.address!, error);
      lone.destroy();
      this.lone = undefined;
      throw this.failure(now, error);
    }
    if (!connected) return false;
    this.lone = undefined;
    this.winner = lone;
    this.opts.onConnected?.();
    this.opts = NO_RACE;
    return true;
  }

  /** No family has an attempt running or an address left. */
  private allExhausted(): boolean {
    for (const f of this.families) if (!f.exhausted) return false;
    return true;
  }

  private startNext(fam: Family, now: number): void {
    const address = fam.addresses[fam.index++];
    if (address === undefined) return;
    const left = fam.addresses.length - fam.index;
    const remaining = Math.max(0, this.opts.connectDeadline - now);
    // A family of one address is that one-element list already (a copy would live as long as
    // the connection, in the winning socket filter).
    const list = fam.addresses.length === 1 ? fam.addresses : [address];
    const filter = new SocketFilter(this.transport, this.host, this.port, list, this.localAddress);
    const attempt: Attempt = { filter, address, deadline: now + (left > 0 ? remaining / 2 : remaining) };
    fam.current = attempt;
    this.newest = attempt;
    this.opts.onAttempt?.(address);
  }

  private win(fam: Family): void {
    const a = fam.current!;
    this.winner = a.filter;
    for (const f of this.families) {
      if (f !== fam && f.current !== undefined) {
        f.current.filter.destroy();
        f.current = undefined;
      }
    }
    this.newest = undefined;
    this.opts.onConnected?.();
    // The race is over: its state (address lists, attempts, the options with the transfer's
    // callback) would otherwise live as long as the connection.
    this.families = NO_FAMILIES;
    this.opts = NO_RACE;
  }

  /**
   * curl 8's failf after the last attempt: the CurlCode's text (curl 7.8x gave the last errno's
   * text, which curl 8 says in each attempt's own line, onAttemptFailed).
   */
  private failure(now: number, loneError?: Error): TransferError {
    const cause = loneError ?? this.families.map((f) => f.lastError).find((e) => e !== undefined);
    const why = cause === undefined ? 'no address to try' : curlStrerror(CurlCode.COULDNT_CONNECT);
    return new TransferError(
      CurlCode.COULDNT_CONNECT,
      `Failed to connect to ${this.host} port ${this.port} after ${Math.round(now - this.startedAt)} ms: ${why}`,
      { side: 'transport', phase: 'connect', cause },
    );
  }

  pollset(wantRecv: boolean, wantSend: boolean): number {
    if (this.winner !== undefined) return this.winner.pollset(wantRecv, wantSend);
    if (this.lone !== undefined) return this.lone.pollset(false, false);
    return this.newest === undefined ? 0 : this.newest.filter.pollset(false, false);
  }

  send(data: Uint8Array): number {
    return this.winner!.send(data);
  }

  recv(): ReadResult {
    return this.winner!.recv();
  }

  recycle(): void {
    this.winner?.recycle?.();
  }

  hasPendingData(): boolean {
    return this.winner?.hasPendingData() ?? false;
  }

  query<K extends keyof FilterQueries>(what: K): FilterQueries[K] | undefined {
    if (this.winner !== undefined) return this.winner.query(what);
    // A lone attempt has no deadline of its own: the transfer's connect timeout is its limit.
    if (this.lone !== undefined) return what === 'connectDeadline' ? undefined : this.lone.query(what);
    if (what === 'connectDeadline') return this.nextDeadline() as FilterQueries[K];
    return this.newest?.filter.query(what);
  }

  /** The next time racing needs to look again: the second family's start or an attempt's timeout. */
  private nextDeadline(): number | undefined {
    let d = Number.POSITIVE_INFINITY;
    if (!this.secondStarted && this.families.length > 1)
      d = this.startedAt + this.opts.happyEyeballsTimeoutMs;
    for (const f of this.families) {
      if (f.current !== undefined && f.index < f.addresses.length) d = Math.min(d, f.current.deadline);
    }
    return Number.isFinite(d) ? d : undefined;
  }

  destroy(): void {
    this.winner?.destroy();
    this.lone?.destroy();
    for (const f of this.families) f.current?.filter.destroy();
  }
}

/** What an attempt failed with: the socket's own error under the socket filter's. */
function attemptError(e: unknown): Error {
  return e instanceof TransferError && e.cause instanceof Error ? e.cause : (e as Error);
}
