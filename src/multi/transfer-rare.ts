// The transfer's fields that most transfers leave at their defaults all their life: name lookups
// in flight, DNS-over-HTTPS, the retries, pauses, the error, the proxy's answers, Retry-After, the
// file time, the times of earlier requests, the records made for credentials, redirects, rate
// limits or a progress callback. They live in one
// record made when the first of them is set to something else; until then the transfer reads the
// shared defaults. Each field is 8 bytes of every transfer in flight, and with thousands of
// transfers started at once the transfers are kept by the old generation until the last one ends.
import type { CurlCode } from '../core/codes.js';
import type { TransferError } from '../core/errors.js';
import type { TlsState } from '../filters/tls.js';
import type { Resolution } from '../transport/types.js';
import type { DohLookup } from './doh.js';
import type { AuthState } from './features/auth.js';
import type { NetrcEntry } from './features/netrc.js';
import type { ProgressState } from './features/progress.js';
import type { RedirectState } from './features/redirect.js';
import type { SpeedState } from './features/speed.js';
import type { EasyOptions } from './options.js';
import type { PhaseTimes, Transfer } from './transfer.js';

/** The record (its field initialisers are the defaults every transfer reads until it has one). */
export class RareFields {
  resolution: Resolution | undefined = undefined;
  doh: DohLookup | undefined = undefined;
  dohOptions: EasyOptions | undefined = undefined;
  onDone: ((t: Transfer, result: CurlCode) => void) | undefined = undefined;
  retriedStale = false;
  refusedRetries = 0;
  forceFresh = false;
  redirectState: RedirectState | undefined = undefined;
  speed: SpeedState | undefined = undefined;
  progressState: ProgressState | undefined = undefined;
  authState: AuthState | undefined = undefined;
  proxyAuthState: AuthState | undefined = undefined;
  connectCode = 0;
  proxyAuthAvail = 0;
  proxyCode = 0;
  resolving: 'hop' | 'socks-dest' = 'hop';
  netrc: NetrcEntry[] | undefined = undefined;
  retryAfter = 0;
  fileTime = -1;
  timesBefore: PhaseTimes | undefined = undefined;
  proxyTls: TlsState | undefined = undefined;
  queueMs = 0;
  recvPaused = false;
  sendPaused = false;
  error: TransferError | undefined = undefined;
}

/** What a transfer without a record reads (never written: setters make the record first). */
const DEFAULTS = new RareFields();

/**
 * The rare fields as accessors of the transfer, so code reads and writes them as plain fields. A
 * setter given the value the field already has writes nothing: several are reset to their
 * default on every request (connectCode, retryAfter, fileTime, forceFresh), which must not make
 * the record.
 */
export abstract class TransferRareFields {
  private rareMade: RareFields | undefined = undefined;

  /** The rare fields to read several of at once: the record, or the shared defaults until it is made. */
  get rare(): Readonly<RareFields> {
    return this.rareMade ?? DEFAULTS;
  }

  /** The record to write, made on first use. */
  private get rareToWrite(): RareFields {
    if (this.rareMade === undefined) this.rareMade = new RareFields();
    return this.rareMade;
  }

  /** The name lookup in flight (a literal address or a cached name needs none). */
  get resolution(): Resolution | undefined {
    return (this.rareMade ?? DEFAULTS).resolution;
  }
  set resolution(v: Resolution | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).resolution) this.rareToWrite.resolution = v;
  }
  /** A name being resolved over DNS-over-HTTPS (dohUrl): its probe transfers. */
  get doh(): DohLookup | undefined {
    return (this.rareMade ?? DEFAULTS).doh;
  }
  set doh(v: DohLookup | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).doh) this.rareToWrite.doh = v;
  }
  /** The options the DoH probes start from (made when the transfer is added). */
  get dohOptions(): EasyOptions | undefined {
    return (this.rareMade ?? DEFAULTS).dohOptions;
  }
  set dohOptions(v: EasyOptions | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).dohOptions) this.rareToWrite.dohOptions = v;
  }
  /** An engine-made transfer (a DoH probe) reports here instead of queueing a done message. */
  get onDone(): ((t: Transfer, result: CurlCode) => void) | undefined {
    return (this.rareMade ?? DEFAULTS).onDone;
  }
  set onDone(v: ((t: Transfer, result: CurlCode) => void) | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).onDone) this.rareToWrite.onDone = v;
  }
  /** Retried once on a reused connection that turned out dead. */
  get retriedStale(): boolean {
    return (this.rareMade ?? DEFAULTS).retriedStale;
  }
  set retriedStale(v: boolean) {
    if (v !== (this.rareMade ?? DEFAULTS).retriedStale) this.rareToWrite.retriedStale = v;
  }
  /** Times an HTTP/2 server refused the request unprocessed (each one retried). */
  get refusedRetries(): number {
    return (this.rareMade ?? DEFAULTS).refusedRetries;
  }
  set refusedRetries(v: number) {
    if (v !== (this.rareMade ?? DEFAULTS).refusedRetries) this.rareToWrite.refusedRetries = v;
  }
  /** The next connection must be a new one (a retry after a dead or refusing one). */
  get forceFresh(): boolean {
    return (this.rareMade ?? DEFAULTS).forceFresh;
  }
  set forceFresh(v: boolean) {
    if (v !== (this.rareMade ?? DEFAULTS).forceFresh) this.rareToWrite.forceFresh = v;
  }
  /** The redirect history: made when a response first needs it (most transfers never redirect). */
  protected get redirectState(): RedirectState | undefined {
    return (this.rareMade ?? DEFAULTS).redirectState;
  }
  protected set redirectState(v: RedirectState | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).redirectState) this.rareToWrite.redirectState = v;
  }
  /** Rate limits and the low-speed check: made in the body phase, for a transfer with one of them. */
  get speed(): SpeedState | undefined {
    return (this.rareMade ?? DEFAULTS).speed;
  }
  set speed(v: SpeedState | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).speed) this.rareToWrite.speed = v;
  }
  /** xferInfoFunction's state; made on first use (only transfers with the callback have one). */
  protected get progressState(): ProgressState | undefined {
    return (this.rareMade ?? DEFAULTS).progressState;
  }
  protected set progressState(v: ProgressState | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).progressState) this.rareToWrite.progressState = v;
  }
  /** The server's authentication: made when a request has credentials or a 401 comes. */
  protected get authState(): AuthState | undefined {
    return (this.rareMade ?? DEFAULTS).authState;
  }
  protected set authState(v: AuthState | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).authState) this.rareToWrite.authState = v;
  }
  /** The proxy's authentication; made when a request first goes through a proxy. */
  protected get proxyAuthState(): AuthState | undefined {
    return (this.rareMade ?? DEFAULTS).proxyAuthState;
  }
  protected set proxyAuthState(v: AuthState | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).proxyAuthState) this.rareToWrite.proxyAuthState = v;
  }
  /** CURLINFO_HTTP_CONNECTCODE: the last answer of an HTTP proxy to CONNECT (0: none). */
  get connectCode(): number {
    return (this.rareMade ?? DEFAULTS).connectCode;
  }
  set connectCode(v: number) {
    if (v !== (this.rareMade ?? DEFAULTS).connectCode) this.rareToWrite.connectCode = v;
  }
  /** CURLINFO_PROXYAUTH_AVAIL: the auth methods the last 407 offered. */
  get proxyAuthAvail(): number {
    return (this.rareMade ?? DEFAULTS).proxyAuthAvail;
  }
  set proxyAuthAvail(v: number) {
    if (v !== (this.rareMade ?? DEFAULTS).proxyAuthAvail) this.rareToWrite.proxyAuthAvail = v;
  }
  /** CURLINFO_PROXY_ERROR: the CURLproxycode of a failed proxy handshake. */
  get proxyCode(): number {
    return (this.rareMade ?? DEFAULTS).proxyCode;
  }
  set proxyCode(v: number) {
    if (v !== (this.rareMade ?? DEFAULTS).proxyCode) this.rareToWrite.proxyCode = v;
  }
  /** The name being resolved: the first hop, or the destination a SOCKS4/5 proxy is given as an address. */
  get resolving(): 'hop' | 'socks-dest' {
    return (this.rareMade ?? DEFAULTS).resolving;
  }
  set resolving(v: 'hop' | 'socks-dest') {
    if (v !== (this.rareMade ?? DEFAULTS).resolving) this.rareToWrite.resolving = v;
  }
  /** The .netrc entries, read when the transfer was added (undefined: netrc off). */
  get netrc(): NetrcEntry[] | undefined {
    return (this.rareMade ?? DEFAULTS).netrc;
  }
  set netrc(v: NetrcEntry[] | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).netrc) this.rareToWrite.netrc = v;
  }
  /** CURLINFO_RETRY_AFTER (s). */
  get retryAfter(): number {
    return (this.rareMade ?? DEFAULTS).retryAfter;
  }
  set retryAfter(v: number) {
    if (v !== (this.rareMade ?? DEFAULTS).retryAfter) this.rareToWrite.retryAfter = v;
  }
  /** CURLINFO_FILETIME (s since the epoch, -1 unknown). */
  get fileTime(): number {
    return (this.rareMade ?? DEFAULTS).fileTime;
  }
  set fileTime(v: number) {
    if (v !== (this.rareMade ?? DEFAULTS).fileTime) this.rareToWrite.fileTime = v;
  }
  /** Phase durations of the requests before the current one (libcurl adds them up over redirects). */
  get timesBefore(): PhaseTimes | undefined {
    return (this.rareMade ?? DEFAULTS).timesBefore;
  }
  set timesBefore(v: PhaseTimes | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).timesBefore) this.rareToWrite.timesBefore = v;
  }
  /** What the TLS handshake with an HTTPS proxy established (CURLINFO_PROXY_SSL_VERIFYRESULT). */
  get proxyTls(): TlsState | undefined {
    return (this.rareMade ?? DEFAULTS).proxyTls;
  }
  set proxyTls(v: TlsState | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).proxyTls) this.rareToWrite.proxyTls = v;
  }
  /** Time spent in the pending queue, over the whole transfer (CURLINFO_QUEUE_TIME_T). */
  get queueMs(): number {
    return (this.rareMade ?? DEFAULTS).queueMs;
  }
  set queueMs(v: number) {
    if (v !== (this.rareMade ?? DEFAULTS).queueMs) this.rareToWrite.queueMs = v;
  }
  /** Receiving paused (a write callback's pause, or the application's). */
  get recvPaused(): boolean {
    return (this.rareMade ?? DEFAULTS).recvPaused;
  }
  set recvPaused(v: boolean) {
    if (v !== (this.rareMade ?? DEFAULTS).recvPaused) this.rareToWrite.recvPaused = v;
  }
  /** Sending paused (a read callback's pause, or the application's). */
  get sendPaused(): boolean {
    return (this.rareMade ?? DEFAULTS).sendPaused;
  }
  set sendPaused(v: boolean) {
    if (v !== (this.rareMade ?? DEFAULTS).sendPaused) this.rareToWrite.sendPaused = v;
  }
  /** Why the transfer failed (its CurlCode is `result`). */
  get error(): TransferError | undefined {
    return (this.rareMade ?? DEFAULTS).error;
  }
  set error(v: TransferError | undefined) {
    if (v !== (this.rareMade ?? DEFAULTS).error) this.rareToWrite.error = v;
  }
}
