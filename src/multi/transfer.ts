// One transfer's run-time state and its phase functions (libcurl's multistate table in multi.c):
// one function per state, looked up from a table; only transition() assigns a state.

import type { Connection } from '../conn/connection.js';
import {
  bottomFilterOf,
  createConnection,
  createSession,
  hostKeyOf,
  mayMultiplex,
  type Route,
  reuseKeyOf,
  setsReuseOption,
} from '../conn/factory.js';
import { StreamRefusedError } from '../conn/http2/session.js';
import type { ProxyChainContext } from '../conn/proxy-chain.js';
import type { HeadSent, Stream, StreamEvent, StreamOwner } from '../conn/types.js';
import { CurlCode, ProxyCode } from '../core/codes.js';
import { TransferError } from '../core/errors.js';
import type { HeapItem } from '../core/heap.js';
import { DEFAULT_HAPPY_EYEBALLS_TIMEOUT_MS, type HappyEyeballsOptions } from '../filters/happy-eyeballs.js';
import { describeErrno } from '../filters/socket.js';
import { TlsFilter, type TlsState } from '../filters/tls.js';
import type { Filter } from '../filters/types.js';
import { type HeaderList, NEED_DATA, ProtocolError } from '../proto/h1/types.js';
import { ipVersion } from '../proto/ip.js';
import { hostForUrl } from '../proto/url.js';
import { EOF, type Resolution, type ResolvedAddress, type Socket } from '../transport/types.js';
import { connectToTarget, loadResolveEntries } from './dns-cache.js';
import { dohProbeOptions, finishDoh, startDoh, usesDoh } from './doh.js';
import type { Easy } from './easy.js';
import { AuthState, credentials, loadNetrc } from './features/auth.js';
import { applyCookieList, CookieJar, cookiesEnabled, prepareJar, storeCookies } from './features/cookies.js';
import { ContentDecoder } from './features/decode/index.js';
import { httpReturnedError, httpShouldFail } from './features/fail.js';
import { ProgressState, progressEnabled, reportProgress } from './features/progress.js';
import { planProxy } from './features/proxy/setup.js';
import { checkResume, resumeUpload } from './features/range.js';
import {
  followRedirect,
  NO_REDIRECTS,
  onFinalHead,
  RedirectState,
  shapeRequest,
} from './features/redirect.js';
import { responseInfo } from './features/response-info.js';
import { checkLowSpeed, rateLimitWait, recvAllowance, SpeedState } from './features/speed.js';
import { proxyAlpnOffer, proxyTlsOptions, tlsDebugText, tlsSettings, tlsSetupFor } from './features/tls.js';
import {
  type BodySource,
  bodyLength,
  bodySource,
  DEFAULT_EXPECT_100_TIMEOUT_MS,
  expects100,
  MAX_INITIAL_POST_SIZE,
  rewindBody,
  Upload,
  wantsExpect,
} from './features/upload.js';
import { flushHeld, headerLine, receiveBody, startDecodeRun } from './features/write.js';
import type { Multi } from './multi.js';
import type { EasyOptions } from './options.js';
import { requestHeaders, requestMethod, requestVersion, responseMethod, type Target } from './request.js';
import {
  cachedLookup,
  dnsTimeoutMs,
  familyOf,
  resolvedLines,
  resolveOptionsOf,
  storeLookup,
} from './resolve.js';
import { acquireShared, dnsCacheFor, releaseShared } from './share.js';
import { type FollowUp, NO_HELD_OUTPUT, NO_REQUEST_YET, SingleRequest } from './single-request.js';
import type { SocketUser } from './socket-table.js';
import { inConnectPhase, isAllowed, type TransferState } from './states.js';
import { NO_TIMERS, newTimerTable, Time, Timer } from './timers.js';
import { TransferRareFields } from './transfer-rare.js';

/** libcurl's DEFAULT_CONNECT_TIMEOUT. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 300_000;
/** Bytes read for one transfer in one run before yielding to others (fairness between sockets). */
export const MAX_READ_PER_RUN = 4 * 1024 * 1024;

type Step = 'again' | 'wait';

let nextTransferId = 0;

/** One transfer (its rarely set fields are in TransferRareFields: records made on first use). */
export class Transfer extends TransferRareFields implements HeapItem, SocketUser, StreamOwner {
  heapKey = Number.POSITIVE_INFINITY;
  heapIndex = -1;
  heapSeq = 0;
  /**
   * Deadlines by Timer, then phase times by Time: the shared NO_TIMERS (read-only) until the first
   * write, which goes through timers().
   */
  deadlines = NO_TIMERS;
  pollSocket: Socket | undefined = undefined;
  pollWhat = 0;

  readonly id = nextTransferId++;
  state: TransferState = 'init';
  /** Which pending queue holds it. */
  pendingOn: string | undefined;

  target: Target | undefined;
  hostKey = '';
  reuseKey = '';
  conn: Connection | undefined;

  /** The URL of the current request: CURLOPT_URL, then each Location followed. */
  url = '';

  /** The current request (fresh for each one, made by `setup`). */
  req: SingleRequest = NO_REQUEST_YET;
  /** CURLINFO_CONTENT_LENGTH_UPLOAD: -1 unknown. */
  uploadSize = -1;
  /** How the current request's connection reaches the origin (proxies, connectTo). */
  route: Route | undefined;
  status = 0;
  httpVersion = 0;
  contentLength = -1;
  contentType: string | null = null;
  /** Decoded bytes this run may still deliver before yielding (features/write.ts). */
  decodeBudget = 0;
  /** The Multi API call in which it last yielded with work left (Multi._action). */
  yieldedIn = -1;

  /** What the connection's TLS handshake established (https only). */
  tls: TlsState | undefined;
  /** Id of the last connection the transfer used (CURLINFO_CONN_ID), -1 before any. */
  connId = -1;

  sizeDownload = 0;
  sizeUpload = 0;
  headerSize = 0;
  requestSize = 0;
  numConnects = 0;
  primaryIp = '';
  primaryPort = 0;
  localIp = '';
  localPort = 0;

  result: CurlCode = CurlCode.OK;

  constructor(readonly easy: Easy) {
    super();
  }

  /**
   * The transfer's own table, made at the first write (a deadline or a phase time). Until then a
   * transfer in the multi's heap is there for its RUN_NOW deadline alone, which is its key.
   */
  timers(): number[] {
    let d = this.deadlines;
    if (d === NO_TIMERS) {
      d = newTimerTable();
      if (this.heapIndex >= 0) d[Timer.RUN_NOW] = this.heapKey;
      this.deadlines = d;
    }
    return d;
  }

  // Phase times, transport clock ms; NaN = not reached (a virtual clock may start at 0). They are
  // slots of `deadlines` after the timers: as fields, each fractional number would be a 16-byte
  // heap box of its own.
  get tStart(): number {
    return this.deadlines[Time.START]!;
  }
  set tStart(at: number) {
    this.timers()[Time.START] = at;
  }
  /** Start of the current request (libcurl's t_startsingle); phase times count from here. */
  get tStartSingle(): number {
    return this.deadlines[Time.START_SINGLE]!;
  }
  set tStartSingle(at: number) {
    this.timers()[Time.START_SINGLE] = at;
  }
  get tNamelookup(): number {
    return this.deadlines[Time.NAMELOOKUP]!;
  }
  set tNamelookup(at: number) {
    this.timers()[Time.NAMELOOKUP] = at;
  }
  get tConnect(): number {
    return this.deadlines[Time.CONNECT]!;
  }
  set tConnect(at: number) {
    this.timers()[Time.CONNECT] = at;
  }
  get tAppconnect(): number {
    return this.deadlines[Time.APPCONNECT]!;
  }
  set tAppconnect(at: number) {
    this.timers()[Time.APPCONNECT] = at;
  }
  get tPretransfer(): number {
    return this.deadlines[Time.PRETRANSFER]!;
  }
  set tPretransfer(at: number) {
    this.timers()[Time.PRETRANSFER] = at;
  }
  get tStarttransfer(): number {
    return this.deadlines[Time.STARTTRANSFER]!;
  }
  set tStarttransfer(at: number) {
    this.timers()[Time.STARTTRANSFER] = at;
  }
  get tEnd(): number {
    return this.deadlines[Time.END]!;
  }
  set tEnd(at: number) {
    this.timers()[Time.END] = at;
  }
  /** Since when the transfer waits in the pending queue for a connection slot (NaN: not waiting). */
  get tQueued(): number {
    return this.deadlines[Time.QUEUED]!;
  }
  set tQueued(at: number) {
    this.timers()[Time.QUEUED] = at;
  }

  get o(): EasyOptions {
    return this.easy._opts;
  }

  /**
   * The redirect history, made on first use. Until then every request was the first one (no
   * Location followed), so the current target is the first request's: credentials stay with it.
   */
  get redirect(): RedirectState {
    if (this.redirectState === undefined) {
      this.redirectState = new RedirectState();
      this.redirectState.firstTarget = this.target;
    }
    return this.redirectState;
  }

  /** The redirect history to read: a transfer that never needed one reads the empty one. */
  get redirects(): Readonly<RedirectState> {
    return this.redirectState ?? NO_REDIRECTS;
  }

  /** The redirect history if one was made (shapeRequest keeps it current). */
  get madeRedirect(): RedirectState | undefined {
    return this.redirectState;
  }

  /** The server's authentication, made and started (libcurl: authhost.want = httpauth) on first use. */
  get auth(): AuthState {
    if (this.authState === undefined) {
      this.authState = new AuthState();
      this.authState.start(this.o);
    }
    return this.authState;
  }

  /** The server's authentication if one was made (for CURLINFO_HTTPAUTH_*, failOnError). */
  get madeAuth(): AuthState | undefined {
    return this.authState;
  }

  get progress(): ProgressState {
    if (this.progressState === undefined) this.progressState = new ProgressState();
    return this.progressState;
  }

  /** The proxy's authentication (407, Proxy-Authenticate, proxyAuth), started for the current request. */
  get proxyAuth(): AuthState {
    if (this.proxyAuthState === undefined) {
      this.proxyAuthState = new AuthState('proxy');
      this.proxyAuthState.start(this.o);
    }
    return this.proxyAuthState;
  }

  /** Each request starts the proxy's authentication over (libcurl: authproxy.want = proxyauth). */
  startProxyAuth(): void {
    this.proxyAuthState?.start(this.o);
  }
}

/** Phase durations in ms (CURLINFO's namelookup .. starttransfer). */
export interface PhaseTimes {
  namelookup: number;
  connect: number;
  appconnect: number;
  pretransfer: number;
  starttransfer: number;
}

export function transition(m: Multi, t: Transfer, to: TransferState): void {
  const from = t.state;
  if (!isAllowed(from, to)) throw new Error(`tscurl: can't move transfer #${t.id} from ${from} to ${to}`);
  t.state = to;
  m.publishState(t, from, to);
}

/** Run one transfer as far as it goes now; ends with its pollset and timers up to date. */
export function runTransfer(m: Multi, t: Transfer, now: number): void {
  m.clearTimer(t, Timer.RUN_NOW);
  try {
    checkTimeouts(t, now);
    while (runPhase(m, t, now) === 'again') {}
    if (t.state !== 'completed' && progressEnabled(t.o)) progressTick(m, t, now, false);
  } catch (e) {
    fail(m, t, e);
  }
  if (t.state === 'completed') m.completeTransfer(t, now);
  m.settle(t);
}

/** End a transfer with an error: any state goes straight to completed. */
export function fail(m: Multi, t: Transfer, e: unknown): void {
  const err = toTransferError(e, t);
  t.error = err;
  if (err.proxyCode !== undefined) t.proxyCode = err.proxyCode;
  t.result = err.code;
  // libcurl's failf sends its message to the debug callback too: the error buffer's text as a line.
  if (t.o.debugFunction !== undefined) m.callDebug(t, 'text', `${err.message}\n`);
  releaseResponse(t);
  dropConnection(m, t, `failed: ${err.codeName}`);
  releaseLookup(m, t);
  if (t.state !== 'completed' && t.state !== 'msgsent') transition(m, t, 'completed');
}

/** The transfer no longer waits for a name: a shared lookup is let go, DoH probes are removed. */
export function releaseLookup(m: Multi, t: Transfer): void {
  if (t.resolution !== undefined) {
    m.lookups.release(t.resolution);
    t.resolution = undefined;
  }
  if (t.doh !== undefined) {
    t.doh.cancel(m);
    t.doh = undefined;
  }
}

function toTransferError(e: unknown, t: Transfer): TransferError {
  if (e instanceof TransferError) return e;
  if (e instanceof ProtocolError) {
    return new TransferError(e.code, `${e.message} (from ${where(t)})`, {
      side: 'remote',
      phase: 'recv',
      cause: e,
    });
  }
  // An engine bug must still end only this transfer, with a message that says so.
  return new TransferError(CurlCode.RECV_ERROR, `Internal error in state ${t.state}: ${String(e)}`, {
    side: 'local',
    cause: e,
  });
}

function where(t: Transfer): string {
  return t.target === undefined ? 'no host' : `${t.target.host} port ${t.target.port}`;
}

/**
 * Give up the transfer's connection mid-exchange: its stream is abandoned (HTTP/1 cannot reuse the
 * connection then; HTTP/2 resets the stream and keeps it), a connection that cannot carry another
 * exchange closes.
 */
function dropConnection(m: Multi, t: Transfer, reason: string, failed = true): void {
  const conn = t.conn;
  if (conn === undefined) return;
  t.req.stream?.abandon();
  t.req.stream = undefined;
  m.detach(t, conn);
  if (conn.reusable) {
    m.releaseConnection(conn, m.transport.now(), t);
    // After the pool's eviction lines, as curl; a connection that was evicted itself is not kept.
    if (conn.state !== 'closed') tellConnectionEnd(m, t, conn, 'kept');
    return;
  }
  // A retry is no failure: curl's multi_done runs without "premature" then.
  tellConnectionEnd(m, t, conn, failed ? 'closing' : 'shutting down');
  m.closeConnection(conn, reason);
}

/**
 * curl 8's multi_done line as a transfer lets go of its connection: "closing connection #N" when
 * a failed transfer takes it down, "shutting down connection #N" when a finished one does (curl
 * 7.88 said "Closing connection N" for both), "Connection #N to host H left intact" when it goes
 * back to the pool (H is the first hop, as curl's display name: the proxy, else the connectTo
 * target). Nothing while other transfers still use it, as curl.
 */
export function tellConnectionEnd(
  m: Multi,
  t: Transfer,
  conn: Connection,
  how: 'kept' | 'closing' | 'shutting down',
): void {
  // While other transfers use it (HTTP/2 streams) the connection neither closes nor goes back to
  // the pool now (closeConnection keeps it for them), so there is nothing to tell.
  if (t.o.debugFunction === undefined || conn.users > 0) return;
  if (how !== 'kept') m.callDebug(t, 'text', `${how} connection #${conn.id}\n`);
  else
    m.callDebug(t, 'text', `Connection #${conn.id} to host ${(t.route?.first ?? conn).host} left intact\n`);
}

function checkTimeouts(t: Transfer, now: number): void {
  const d = t.deadlines;
  if (d[Timer.TOTAL]! <= now) throw timeoutError(t, now, now - t.tStart);
  if (d[Timer.CONNECT]! <= now && inConnectPhase(t.state)) throw timeoutError(t, now, now - t.tStart);
}

function timeoutError(t: Transfer, _now: number, elapsed: number): TransferError {
  const ms = Math.round(elapsed);
  let msg: string;
  if (t.state === 'resolving') msg = `Resolving timed out after ${ms} milliseconds`;
  else if (t.state === 'connecting' || t.state === 'pending' || t.state === 'connect')
    msg = `Connection timed out after ${ms} milliseconds`;
  else if (t.contentLength >= 0)
    msg = `Operation timed out after ${ms} milliseconds with ${t.sizeDownload} out of ${t.contentLength} bytes received`;
  else msg = `Operation timed out after ${ms} milliseconds with ${t.sizeDownload} bytes received`;
  return new TransferError(CurlCode.OPERATION_TIMEDOUT, `${msg} (${where(t)}, ${t.state})`, {
    side: 'remote',
    phase: 'timeout',
  });
}

/**
 * A socket the transfer itself waits on (a name lookup); connection sockets are their
 * connection's, which waits for what its streams want (settleInterest).
 */
export function ownSocket(t: Transfer): Socket | undefined {
  return t.state === 'resolving' ? t.resolution : undefined;
}

/** Tell the transfer's stream what it wants now: the connection's poll interest follows. */
export function settleInterest(t: Transfer): void {
  const s = t.req.stream;
  if (s === undefined) return;
  switch (t.state) {
    case 'do':
    case 'doing':
      s.setInterest(false, !t.sendPaused);
      return;
    case 'performing':
      s.setInterest(!t.recvPaused, t.req.upload?.wantsToSend(t.sendPaused) === true);
      return;
    default:
      s.setInterest(false, false);
  }
}

/**
 * The phase function of the transfer's state (libcurl's multistate switch). A switch, not a table
 * looked up by the state's name: a keyed load whose key varies misses V8's inline caches on every
 * step (the busiest states first).
 */
function runPhase(m: Multi, t: Transfer, now: number): Step {
  switch (t.state) {
    case 'performing':
      return phasePerforming(m, t, now);
    case 'do':
      return phaseDo(m, t, now);
    case 'doing':
      return phaseDoing(m, t, now);
    case 'did':
      return phaseDid(m, t, now);
    case 'setup':
      return phaseSetup(m, t, now);
    case 'connect':
      return phaseConnect(m, t, now);
    case 'init':
      return phaseInit(m, t, now);
    case 'done':
      return phaseDone(m, t, now);
    case 'resolving':
      return phaseResolving(m, t, now);
    case 'connecting':
      return phaseConnecting(m, t, now);
    case 'protoconnect':
      return phaseProtoconnect(m, t, now);
    case 'ratelimiting':
      return phaseRatelimiting(m, t, now);
    case 'pending':
    case 'completed':
    case 'msgsent':
      return 'wait';
  }
}

/**
 * When the transfer is added (never in a phase, which must not block): the cookie file is loaded
 * and cookieList applied (libcurl loads them when the transfer starts), the .netrc file and the TLS
 * files read.
 */
export function readTransferFiles(m: Multi, t: Transfer): void {
  const o = t.o;
  if (cookiesEnabled(o)) {
    const jar = (t.easy._cookies ??= new CookieJar());
    const nowS = Math.floor(m.transport.wallClockMs() / 1000);
    prepareJar(jar, o, nowS);
    for (const cmd of o.cookieList ?? []) applyCookieList(jar, o, cmd, nowS);
  }
  t.netrc = loadNetrc(o);
  // The DoH probes' options, with their TLS files read now too (probes start in a phase).
  if (o.dohUrl !== undefined && o.dohUrl !== '') {
    t.dohOptions = dohProbeOptions(o);
    if (/^https:/i.test(t.dohOptions.url!)) tlsSetupFor(t.dohOptions);
  }
  // TLS files (CA, client certificate and key, a pinned key file) are read once per options
  // object: for an https URL here, so the handshake setup in a phase finds them read. (Only then:
  // an http transfer never needs them; one redirected to https reads them at that redirect.)
  if (o.url !== undefined && /^https:/i.test(o.url)) tlsSetupFor(o);
  // The same for an HTTPS proxy's own TLS files (proxyCaInfo...), when set and the proxy may be an
  // https:// one (CURLOPT_PROXY, or the environment when it is unset).
  if (
    (o.proxyCaInfo !== undefined ||
      o.proxyCaPath !== undefined ||
      o.proxySslCert !== undefined ||
      o.proxySslKey !== undefined ||
      o.proxyPinnedPublicKey !== undefined) &&
    (o.proxy === undefined || /^https:/i.test(o.proxy))
  )
    tlsSetupFor(proxyTlsOptions(o));
}

function phaseInit(m: Multi, t: Transfer, now: number): Step {
  t.tStart = now;
  t.url = t.o.url ?? '';
  t.startProxyAuth();
  if (t.o.resolve !== undefined) loadResolve(m, t, now);
  transition(m, t, 'setup');
  return 'again';
}

/**
 * The `resolve` entries go into the DNS cache when the transfer starts (libcurl's
 * Curl_loadhostpairs in Curl_pretransfer: once, not again for a redirect or a retry), with its
 * "Added H:P:A to DNS cache" lines. Each lookup loads them again (cachedLookup), silently.
 */
function loadResolve(m: Multi, t: Transfer, now: number): void {
  const o = t.o;
  const say =
    o.debugFunction === undefined ? undefined : (line: string) => m.callDebug(t, 'text', `${line}\n`);
  loadResolveEntries(dnsCacheFor(m, o.share).cache, o.resolve, now, say);
}

function phaseSetup(m: Multi, t: Transfer, now: number): Step {
  const o = t.o;
  const target = m.target(
    t.url,
    t.redirects.allowPort ? o.port : undefined,
    o.pathAsIs === true,
    t.redirects.isFollow,
  );
  t.target = target;
  t.tStartSingle = now;
  t.req = new SingleRequest();
  const redirect = t.madeRedirect;
  if (redirect !== undefined) shapeRequest(redirect, target, o.unrestrictedAuth === true);
  t.hostKey = target.hostKey;
  t.reuseKey =
    target.scheme === 'http' && !setsReuseOption(o)
      ? target.plainReuseKey()
      : reuseKeyOf(target, t.hostKey, o, target.scheme === 'https' ? tlsSetupFor(o).reuseKey : undefined);
  t.route = routeOf(m, t, target);
  if (o.timeoutMs !== undefined && o.timeoutMs > 0) m.expire(t, Timer.TOTAL, t.tStart + o.timeoutMs);
  transition(m, t, 'connect');
  return 'again';
}

function phaseConnect(m: Multi, t: Transfer, now: number): Step {
  const o = t.o;
  t.req.reused = false;
  if (!o.freshConnect && !t.forceFresh) {
    const conn =
      m.acquireConnection(t.reuseKey, now, t) ?? acquireShared(m, o.share, t.reuseKey, t.hostKey, now, t);
    if (conn !== undefined) {
      leaveQueue(t, now);
      m.attach(t, conn);
      t.req.reused = true;
      t.tNamelookup = t.tConnect = now;
      // CURLINFO_CERTINFO lists what the server sent: found out now if the handshake did not.
      t.tls =
        o.certInfo === true && conn.top instanceof TlsFilter
          ? conn.top.withSentChain()
          : conn.top.query('tls');
      t.proxyTls = conn.top.query('proxyTls');
      if (t.tls !== undefined) t.tAppconnect = now;
      if (o.debugFunction !== undefined) tellReuse(m, t);
      m.clearTimer(t, Timer.CONNECT);
      transition(m, t, 'do');
      return 'again';
    }
  }
  return connectNew(m, t, now);
}

/** curl's verbose line for a connection reused. */
function tellReuse(m: Multi, t: Transfer): void {
  const px = t.route?.plan?.http;
  const peer = px === undefined ? `host ${t.target!.host}` : `proxy ${px.host}`;
  // curl 8.0-8.10's words (7.88 named the connection: "Re-using existing connection #N with").
  m.callDebug(t, 'text', `Re-using existing connection with ${peer}\n`);
}

/**
 * The connect phase without a connection to reuse: the connect timeout armed, then a wait for a
 * multiplexing one (pipeWait) or a connection slot, or a new connection and its name lookup.
 */
function connectNew(m: Multi, t: Transfer, now: number): Step {
  const o = t.o;
  const target = t.target!;
  // The connect timeout counts from this request's setup (libcurl's Curl_pgrsTime(TIMER_STARTSINGLE)),
  // armed only now: a reused connection never needed it (a heap insert and delete per request).
  const ct =
    o.connectTimeoutMs === undefined || o.connectTimeoutMs === 0
      ? DEFAULT_CONNECT_TIMEOUT_MS
      : o.connectTimeoutMs;
  m.expire(t, Timer.CONNECT, t.tStartSingle + ct);
  // CURLOPT_PIPEWAIT: rather wait for a connection being set up that may multiplex than open another.
  if (o.pipeWait === true && mayMultiplex(target.scheme, o.httpVersion) && m.connectingFor(t.reuseKey)) {
    m.addPipeWaiter(t);
    transition(m, t, 'pending');
    return 'wait';
  }
  const slot = m.connectionSlot(t.hostKey);
  if (slot !== 'ok') {
    if (Number.isNaN(t.tQueued)) t.tQueued = now;
    m.addPending(t, slot);
    transition(m, t, 'pending');
    return 'wait';
  }
  leaveQueue(t, now);
  t.forceFresh = false;
  const tls = target.scheme === 'https' ? tlsSettings(tlsSetupFor(o), o, m.tlsSessions) : undefined;
  const conn = createConnection(m.transport, target, t.hostKey, t.reuseKey, o, now, tls, t.route);
  m.addConnection(conn);
  m.attach(t, conn);
  t.numConnects++;
  const route = t.route!;
  for (const line of route.plan?.info ?? []) m.callDebug(t, 'text', `${line}\n`);
  // SOCKS4 and SOCKS5 (not 4a / 5h) get the destination as an address: resolved here first.
  const kind = route.plan?.socks?.kind;
  const socksLocal = route.plan?.http === undefined && (kind === 'socks4' || kind === 'socks5');
  t.resolving = socksLocal && ipVersion(route.dest.host) === 0 ? 'socks-dest' : 'hop';
  return lookup(m, t, now);
}

/** The name of the current resolving step and its port. */
function lookupTarget(t: Transfer): { host: string; port: number } {
  const route = t.route!;
  return t.resolving === 'socks-dest' ? route.dest : route.first;
}

/** Resolve the current step's name: a cached answer goes on at once, else wait for the lookup. */
function lookup(m: Multi, t: Transfer, now: number): Step {
  const o = t.o;
  const { host, port } = lookupTarget(t);
  const { cache, defaultMs } = dnsCacheFor(m, o.share);
  const fixed = cachedLookup(cache, o, host, port, now, defaultMs);
  if (fixed !== undefined) {
    if (o.debugFunction !== undefined) m.callDebug(t, 'text', `Hostname ${host} was found in DNS cache\n`);
    return resolvedStep(m, t, fixed, now);
  }
  if (usesDoh(o, host, ipVersion(host) !== 0)) {
    t.doh = startDoh(m, t, host, port, now);
    if (t.state !== 'resolving') transition(m, t, 'resolving');
    return 'wait';
  }
  const r = m.lookups.start(m.transport, host, familyOf(o), resolveOptionsOf(o));
  if (r.result !== undefined) return resolvedStep(m, t, resolved(m, t, r, now), now);
  t.resolution = r;
  if (t.state !== 'resolving') transition(m, t, 'resolving');
  return 'wait';
}

function leaveQueue(t: Transfer, now: number): void {
  if (Number.isNaN(t.tQueued)) return;
  t.queueMs += now - t.tQueued;
  t.tQueued = Number.NaN;
}

function resolved(m: Multi, t: Transfer, r: Resolution, now: number): ResolvedAddress[] {
  const res = r.result!;
  m.lookups.release(r);
  const { host, port } = lookupTarget(t);
  if ('error' in res) {
    const proxy = t.resolving === 'hop' && t.route?.plan !== undefined;
    throw new TransferError(
      proxy ? CurlCode.COULDNT_RESOLVE_PROXY : CurlCode.COULDNT_RESOLVE_HOST,
      proxy ? `Could not resolve proxy: ${host}` : `Could not resolve host: ${host}`,
      { side: 'transport', phase: 'resolve', cause: res.error },
    );
  }
  const { cache, defaultMs } = dnsCacheFor(m, t.o.share);
  if (t.o.debugFunction !== undefined) {
    // Another transfer waiting for the same (shared) lookup stored the answer first: libcurl's
    // transfer finds the name in the cache then (state_resolving), in its quoted form.
    if (cache.get(host, port, now, dnsTimeoutMs(t.o, defaultMs)) !== undefined)
      m.callDebug(t, 'text', `Hostname '${host}' was found in DNS cache\n`);
    else tellResolved(m, t, host, port, res.addresses);
  }
  storeLookup(cache, t.o, host, port, res.addresses, now, defaultMs);
  return res.addresses;
}

function tellResolved(m: Multi, t: Transfer, host: string, port: number, addrs: ResolvedAddress[]): void {
  for (const line of resolvedLines(host, port, addrs)) m.callDebug(t, 'text', line);
}

/** A step's addresses: the SOCKS destination's first (IPv4 for SOCKS4), or the first hop's: connect. */
function resolvedStep(m: Multi, t: Transfer, addrs: ResolvedAddress[], now: number): Step {
  const route = t.route!;
  if (t.resolving === 'socks-dest') {
    const v4 = addrs.find((a) => a.family === 4);
    const pick = route.plan?.socks?.kind === 'socks4' ? v4 : addrs[0];
    if (pick === undefined) {
      throw new TransferError(CurlCode.PROXY, `SOCKS4 connection to ${route.dest.host} not supported`, {
        phase: 'proxy',
        proxyCode: ProxyCode.RESOLVE_HOST,
      });
    }
    route.socksTarget = pick.address;
    t.resolving = 'hop';
    return lookup(m, t, now);
  }
  startConnect(m, t, t.conn!, addrs, now);
  return 'again';
}

function startConnect(m: Multi, t: Transfer, conn: Connection, addrs: ResolvedAddress[], now: number): void {
  t.tNamelookup = now;
  const o = t.o;
  const route = t.route!;
  // Only a proxy chain's route keeps the addresses (to open its first hop again); a direct route
  // is its target's, shared by every transfer to it.
  if (route.plan !== undefined) route.addresses = addrs;
  const eyeballs: HappyEyeballsOptions = {
    happyEyeballsTimeoutMs: o.happyEyeballsTimeoutMs ?? DEFAULT_HAPPY_EYEBALLS_TIMEOUT_MS,
    connectDeadline: t.deadlines[Timer.CONNECT]!,
    onAttempt:
      o.debugFunction === undefined
        ? undefined
        : (a) =>
            m.callDebug(
              t,
              'text',
              `  Trying ${a.family === 6 ? `[${a.address}]` : a.address}:${route.first.port}...\n`,
            ),
    onAttemptFailed:
      o.debugFunction === undefined
        ? undefined
        : // curl 8 adds "from <local address> port <local port>": Node does not know the local
          // end of a socket whose connect failed, so this is curl 7.88's shorter form.
          (a, e) =>
            m.callDebug(
              t,
              'text',
              `connect to ${a.address} port ${route.first.port} failed: ${describeErrno(e)}\n`,
            ),
    onConnected: o.debugFunction === undefined ? undefined : () => verboseConnect(m, t),
  };
  // A proxy chain may open its first hop again later (createConnection's openFirstHop): only
  // then the route keeps the options, which hold the transfer's callback (a plain connection's
  // happy eyeballs drops them once its race is won).
  if (route.plan !== undefined) route.eyeballs = eyeballs;
  bottomFilterOf(conn).setAddresses(addrs, eyeballs);
  transition(m, t, 'connecting');
}

function phaseResolving(m: Multi, t: Transfer, now: number): Step {
  const doh = t.doh;
  if (doh !== undefined) {
    if (doh.pending > 0) return 'wait';
    t.doh = undefined;
    const { addresses, ttlMs } = finishDoh(m, t, doh);
    const { cache, defaultMs } = dnsCacheFor(m, t.o.share);
    storeLookup(cache, t.o, doh.host, doh.port, addresses, now, defaultMs, ttlMs);
    const family = familyOf(t.o);
    const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
    if (usable.length === 0) {
      throw new TransferError(CurlCode.COULDNT_RESOLVE_HOST, `Could not resolve host: ${doh.host}`, {
        side: 'remote',
        phase: 'resolve',
      });
    }
    if (t.o.debugFunction !== undefined) tellResolved(m, t, doh.host, doh.port, usable);
    return resolvedStep(m, t, usable, now);
  }
  const r = t.resolution!;
  if (r.result === undefined) return 'wait';
  t.resolution = undefined;
  return resolvedStep(m, t, resolved(m, t, r, now), now);
}

/**
 * TLS to an HTTPS proxy with the proxy's own TLS options (proxyCaInfo, proxySslVerifyPeer...). Its
 * handshake is told (curl -v's "Proxy certificate:" block) as soon as it is done: before the
 * CONNECT or the first request.
 */
function httpsProxy(
  m: Multi,
  t: Transfer,
  proxy: { host: string; port: number },
  originScheme: string,
): (below: Filter) => Filter {
  const o = t.o;
  const px = proxyTlsOptions(o);
  const tell =
    o.debugFunction === undefined ? undefined : (s: TlsState) => m.callDebug(t, 'text', tlsDebugText(s));
  return (below) =>
    new TlsFilter(
      below,
      m.transport,
      proxy.host,
      proxy.port,
      {
        ...tlsSettings(tlsSetupFor(px), px, m.tlsSessions),
        alpn: proxyAlpnOffer(o, originScheme),
        proxy: true,
        certInfo: o.certInfo === true,
      },
      tell,
    );
}

/**
 * Where the connection goes: connectTo changes the destination, a proxy is the first hop (the
 * environment's proxy variables as read in this API call), and both join the reuse key.
 */
function routeOf(m: Multi, t: Transfer, target: Target): Route {
  const o = t.o;
  // The target itself when connectTo leaves it as it is (read only: no object of its own).
  const dest: Route['dest'] = connectToTarget(o.connectTo, target.host, target.port) ?? target;
  if (dest.host !== target.host || dest.port !== target.port) t.reuseKey += `|to:${dest.host}:${dest.port}`;
  const plan = planProxy(o, target, m.proxyEnvironment());
  t.connectCode = 0;
  if (plan !== undefined) return proxyRoute(m, t, target, dest, plan);
  // Straight to the target: its own route, made once (one object less per transfer).
  if (dest === target) return target.directRoute();
  return {
    first: dest,
    dest,
    plan: undefined,
    proxyContext: undefined,
    addresses: undefined,
    eyeballs: undefined,
    socksTarget: undefined,
  };
}

/** The route through the proxies of a plan (their keys added to the transfer's reuse key). */
function proxyRoute(
  m: Multi,
  t: Transfer,
  target: Target,
  dest: Route['dest'],
  plan: NonNullable<ReturnType<typeof planProxy>>,
): Route {
  const o = t.o;
  if (plan.absoluteForm === true) {
    // libcurl's ConnectionExists: a connection to an HTTP proxy without a tunnel carries requests
    // for any origin, so its key (and its bucket for maxHostConnections) is the proxy's.
    const proxy = plan.http!;
    t.hostKey = hostKeyOf({ scheme: 'http', host: proxy.host, port: proxy.port });
    t.reuseKey = reuseKeyOf({ scheme: 'proxy', host: proxy.host, port: proxy.port }, t.hostKey, o, undefined);
  }
  t.reuseKey += plan.reuseKey;
  if (plan.http?.kind === 'https') t.reuseKey += `|pxtls:${tlsSetupFor(proxyTlsOptions(o)).reuseKey}`;
  const ctx: ProxyChainContext = {
    o,
    proxyAuth: t.proxyAuth,
    report: t,
    header: (line) => headerLine(m, t, line),
    debug: (type, data) => m.callDebug(t, type, data),
    connected: o.debugFunction === undefined ? undefined : () => verboseConnect(m, t),
    proxyTls: plan.http?.kind === 'https' ? httpsProxy(m, t, plan.http, target.scheme) : undefined,
  };
  return {
    first: { host: plan.first.host, port: plan.first.port },
    dest,
    plan,
    proxyContext: ctx,
    addresses: undefined,
    eyeballs: undefined,
    socksTarget: undefined,
  };
}

function phaseConnecting(m: Multi, t: Transfer, now: number): Step {
  const conn = t.conn!;
  if (!conn.top.connect(now)) {
    // Happy eyeballs: the next attempt is due at this time even if no socket becomes ready.
    const due = conn.top.query('connectDeadline');
    if (due !== undefined) m.expire(t, Timer.HAPPY_EYEBALLS, due);
    else m.clearTimer(t, Timer.HAPPY_EYEBALLS);
    return 'wait';
  }
  m.clearTimer(t, Timer.HAPPY_EYEBALLS);
  conn.markConnected();
  const tls = conn.top.query('tls');
  t.proxyTls = conn.top.query('proxyTls');
  // With TLS (to the origin or to an HTTPS proxy) the connect time is the TCP connect's.
  t.tConnect = tls === undefined && t.proxyTls === undefined ? now : (conn.top.query('connectedAt') ?? now);
  // CURLINFO_APPCONNECT_TIME is the origin's handshake only (libcurl's proxy SSL filter does not
  // answer CF_QUERY_TIMER_APPCONNECT): 0 for an http:// origin through an HTTPS proxy.
  if (tls !== undefined) t.tAppconnect = tls.connectedAt;
  t.tls = tls;
  conn.session = createSession(conn, t.target!.scheme, t.o.httpVersion, m.maxConcurrentStreams);
  if (conn.multiplexed) m.multiplexReady(conn, now);
  else m.pipeWaitOver(conn, now);
  m.publishConnection('open', conn);
  if (tls !== undefined && t.o.debugFunction !== undefined) m.callDebug(t, 'text', tlsDebugText(tls));
  transition(m, t, 'protoconnect');
  return 'again';
}

/**
 * curl's Curl_verboseconnect, said when the TCP connect to the first hop is won (before a SOCKS
 * handshake, proxy TLS or a CONNECT) and again after a SOCKS handshake. It names the host the
 * socket went to (CURL_CONN_HOST_DISPNAME): the SOCKS or HTTP proxy, else the connectTo target,
 * else the origin; the port is that hop's. curl 8's words: no connection number after the port
 * (curl 7 ended the line with "(#N)"; the number is in "Connection #N to host H left intact").
 */
function verboseConnect(m: Multi, t: Transfer): void {
  const conn = t.conn!;
  const hop = t.route?.first ?? conn;
  const ip = conn.top.query('remoteAddress')?.ip ?? '';
  m.callDebug(t, 'text', `Connected to ${hop.host} (${ip}) port ${hop.port}\n`);
}

function phaseProtoconnect(m: Multi, t: Transfer, _now: number): Step {
  m.clearTimer(t, Timer.CONNECT);
  transition(m, t, 'do');
  return 'again';
}

function phaseDo(m: Multi, t: Transfer, now: number): Step {
  const o = t.o;
  const conn = t.conn!;
  const target = t.target!;
  const { remote, local } = conn.addresses;
  if (remote !== undefined) {
    t.primaryIp = remote.ip;
    t.primaryPort = remote.port;
  }
  if (local !== undefined) {
    t.localIp = local.ip;
    t.localPort = local.port;
  }
  const stream = conn.session?.openStream(t);
  if (stream === undefined) throw new Error(`connection #${conn.id} gave no stream`);
  t.req.stream = stream;
  const shape = t.redirects.shape;
  t.req.method = requestMethod(o, shape);
  const body = resumeUpload(o, t.easy, bodySource(o, shape));
  // The server answered HTTP/1.0 on this connection: requests on it go as HTTP/1.0 (libcurl's
  // httpversion_seen).
  const version = requestVersion(o) === 10 || conn.session?.http10 === true ? 10 : 11;
  const absolute = t.route?.plan?.absoluteForm === true;
  const extra = featureFields(m, t, target, absolute);
  const headers = requestHeaders(o, target, body, shape, wantsExpect(body, version === 10, shape), extra);
  const expect100 = body !== undefined && expects100(headers);
  const sent = stream.sendHead({
    method: t.req.method,
    // Through an HTTP proxy without a tunnel the request line carries the whole URL (absolute-form).
    path: absolute ? absoluteTarget(target) : target.path,
    scheme: target.scheme,
    headers,
    body: body !== undefined,
    version,
    responseMethod: responseMethod(o, t.req.method),
    ignoreContentLength: o.ignoreContentLength === true,
    rawChunked: o.httpTransferDecoding === false,
    rawLines: o.headerFunction !== undefined || o.debugFunction !== undefined,
  });
  if (o.debugFunction !== undefined) tellHeadSent(m, t, sent);
  if (body === undefined) {
    t.req.initialBody = undefined;
    t.req.upload = undefined;
    t.uploadSize = -1;
  } else startUpload(t, body, sent.framedBody, expect100);
  t.requestSize += sent.bytes.length;
  t.req.responseBytes = 0;
  t.req.ignoreBody = false;
  t.status = 0;
  t.contentLength = -1;
  t.tPretransfer = now;
  transition(m, t, 'doing');
  return 'again';
}

/**
 * The fields the features add to a request: the proxy's (absolute-form), Authorization, Cookie.
 * Most requests add none: no list is made for them.
 */
function featureFields(m: Multi, t: Transfer, target: Target, absolute: boolean): HeaderList | undefined {
  let extra: HeaderList | undefined = absolute ? proxyHeaders(t, target) : undefined;
  const authorization = authorizationField(t, target);
  if (authorization !== undefined) (extra ??= []).push(authorization);
  const cookie = cookieField(m, t, target);
  if (cookie !== undefined) (extra ??= []).push(cookie);
  return extra;
}

/** The request head as sent, to the debug callback. */
function tellHeadSent(m: Multi, t: Transfer, sent: HeadSent): void {
  if (sent.debugText !== undefined) for (const line of sent.debugText) m.callDebug(t, 'text', line);
  m.callDebug(t, 'header-out', latin1(sent.bytes));
}

/** A request with a body: its upload, and a small known body sent right after the head. */
function startUpload(t: Transfer, body: BodySource, framedBody: boolean, expect100: boolean): void {
  // libcurl sends a small known body right after the head, in the same step (MAX_INITIAL_POST_SIZE).
  const withHead =
    body.kind === 'bytes' &&
    !framedBody &&
    !expect100 &&
    body.data.length > 0 &&
    body.data.length <= MAX_INITIAL_POST_SIZE;
  t.req.initialBody = withHead ? body.data : undefined;
  t.req.upload = new Upload(body, framedBody, expect100, withHead);
  t.uploadSize = bodyLength(body);
}

/** The head, then a small body sent with it; a body already complete is ended here. */
function phaseDoing(m: Multi, t: Transfer, _now: number): Step {
  const s = t.req.stream!;
  try {
    if (!s.flush()) return 'wait';
    const b = t.req.initialBody;
    if (b !== undefined) {
      const n = s.sendBody(b);
      t.sizeUpload += n;
      if (n > 0 && t.o.debugFunction !== undefined) m.callDebug(t, 'data-out', b.subarray(0, n));
      if (n < b.length) {
        t.req.initialBody = b.subarray(n);
        return 'wait';
      }
      t.req.initialBody = undefined;
    }
    if (t.req.upload?.done === true) {
      s.endBody();
      if (!s.flush()) return 'wait';
    }
  } catch (e) {
    if (retryOnStale(m, t, e)) return 'again';
    throw e;
  }
  transition(m, t, 'did');
  return 'again';
}

function phaseDid(m: Multi, t: Transfer, now: number): Step {
  if (t.req.upload?.expect === 'waiting') {
    m.expire(t, Timer.EXPECT_100, now + (t.o.expect100TimeoutMs ?? DEFAULT_EXPECT_100_TIMEOUT_MS));
  }
  const o = t.o;
  if (o.maxRecvSpeed || o.maxSendSpeed || (o.lowSpeedLimit && o.lowSpeedTime)) {
    (t.speed ??= new SpeedState()).reset(now, 0);
  }
  transition(m, t, 'performing');
  return 'again';
}

/** REFUSED_STREAM / GOAWAY retries of one request (libcurl gives up after 5 too, CONN_MAX_RETRIES). */
const MAX_REFUSED_RETRIES = 5;

/**
 * A reused connection that the server had already closed: retry once on a fresh connection,
 * as libcurl does ("Connection died, retrying a fresh connect").
 */
function retryOnStale(m: Multi, t: Transfer, e: unknown): boolean {
  if (e instanceof StreamRefusedError && t.refusedRetries < MAX_REFUSED_RETRIES) {
    // HTTP/2: the server did not process the request (REFUSED_STREAM, or above a GOAWAY's last
    // stream id): safe to send again, on another connection (RFC 9113 8.7).
    t.refusedRetries++;
    rewindBody(t.o, t.easy, t.req.upload);
    t.forceFresh = t.refusedRetries > 1;
    if (t.o.debugFunction !== undefined) {
      m.callDebug(t, 'text', 'REFUSED_STREAM, retrying a fresh connect\n');
      connectionDied(m, t, t.refusedRetries);
    }
    dropConnection(m, t, 'stream refused', false);
    anotherRequest(m, t);
    t.sizeUpload = 0;
    transition(m, t, 'setup');
    return true;
  }
  if (!t.req.reused || t.retriedStale || t.req.responseBytes > 0) return false;
  const code = e instanceof TransferError || e instanceof ProtocolError ? e.code : undefined;
  if (code !== CurlCode.GOT_NOTHING && code !== CurlCode.SEND_ERROR && code !== CurlCode.RECV_ERROR)
    return false;
  rewindBody(t.o, t.easy, t.req.upload); // 65 when a read-callback body cannot be sent again
  t.retriedStale = true;
  t.forceFresh = true;
  connectionDied(m, t, 1);
  dropConnection(m, t, 'dead on reuse', false);
  anotherRequest(m, t);
  t.sizeUpload = 0;
  transition(m, t, 'setup');
  return true;
}

/** libcurl's Curl_retry_request line (its count goes up to 5; a stale connection is retried once here). */
function connectionDied(m: Multi, t: Transfer, count: number): void {
  if (t.o.debugFunction === undefined) return;
  m.callDebug(t, 'text', `Connection died, retrying a fresh connect (retry count: ${count})\n`);
}

/** libcurl's Curl_follow line: the transfer goes on with another request (a redirect, a retry). */
function anotherRequest(m: Multi, t: Transfer): void {
  if (t.o.debugFunction === undefined) return;
  // The URL as libcurl keeps it once parsed (normalised), or a redirect's new one.
  m.callDebug(t, 'text', `Issue another request to this URL: '${t.target?.href ?? t.url}'\n`);
}

function phasePerforming(m: Multi, t: Transfer, now: number): Step {
  const stream = t.req.stream!;
  if (speedChecks(m, t, now) === 'wait') return 'wait';
  if (t.req.upload !== undefined && !t.req.upload.done) {
    const step = performUpload(m, t, t.req.upload, now);
    if (step !== undefined) return step;
  }
  startDecodeRun(t);
  if (!flushHeld(m, t, now)) return 'wait';
  let budget = MAX_READ_PER_RUN;
  for (;;) {
    let ev: StreamEvent | typeof NEED_DATA;
    try {
      ev = stream.nextEvent();
    } catch (e) {
      if (retryOnStale(m, t, e)) return 'again';
      throw e;
    }
    if (ev === NEED_DATA) {
      if (budget <= 0) {
        // Yield: due again from the next timer call, not from this call's due-timer passes.
        t.yieldedIn = m._action;
        m.expire(t, Timer.RUN_NOW, now);
        return 'wait';
      }
      // Over the receive limit: sleep before reading more, never holding read bytes back from
      // the write callback while asleep. Under it the stream takes only the allowance; the rest
      // of a read waits in it.
      let allowed = Number.POSITIVE_INFINITY;
      if (t.o.maxRecvSpeed) {
        if (speedChecks(m, t, now) === 'wait') return 'wait';
        allowed = recvAllowance(t.o, (t.speed ??= new SpeedState()), now, t.req.responseBytes);
      }
      let got: ReturnType<Stream['fill']>;
      try {
        got = stream.fill(allowed);
      } catch (e) {
        if (retryOnStale(m, t, e)) return 'again';
        throw e;
      }
      if (got === null) {
        releaseInput(t, stream);
        return 'wait';
      }
      if (got === EOF) continue;
      if (t.req.responseBytes === 0) t.tStarttransfer = now;
      t.req.responseBytes += got;
      budget -= got;
      continue;
    }
    switch (ev.type) {
      case 'head':
        if (onHead(m, t, ev, now) === 'stop') {
          transition(m, t, 'done');
          return 'again';
        }
        break;
      case 'data':
        if (t.req.follow !== 'none' || t.req.ignoreBody) break; // not the application's body
        if (!receiveBody(m, t, ev.data, now)) return 'wait';
        break;
      case 'end':
        // Whether the connection can carry another request is the stream's to say (HTTP/1:
        // keep-alive, the whole body sent, nothing past the response's end).
        if (ev.rawTrailerLines.length !== 0) headerLines(m, t, ev.rawTrailerLines);
        releaseInput(t, stream);
        transition(m, t, 'done');
        return 'again';
    }
  }
}

/** phasePerforming's upload step: a step to return, or undefined to go on to the response. */
function performUpload(m: Multi, t: Transfer, u: Upload, now: number): Step | undefined {
  try {
    if (sendUpload(m, t, u, now) === 'limit' && speedChecks(m, t, now) === 'wait') return 'wait';
  } catch (e) {
    if (retryOnStale(m, t, e)) return 'again';
    throw e;
  }
  return undefined;
}

/**
 * reuseReceiveBuffer: every body chunk read so far went through writeFunction and was let go (the
 * option says the callback kept none), so the connection may receive into that memory again.
 * Not while chunks wait for a paused or budget-spent writer, nor with a decoder (it may hold input).
 */
function releaseInput(t: Transfer, stream: Stream): void {
  if (t.o.reuseReceiveBuffer !== true || t.req.heldOutput.length > 0 || t.req.decoder !== undefined) return;
  stream.releaseInput?.();
}

/**
 * Low-speed check (28) and rate limits: over a limit, the transfer sleeps in the ratelimiting
 * state with no socket interest until its average is back under it (libcurl's MSTATE_RATELIMITING).
 */
function speedChecks(m: Multi, t: Transfer, now: number): 'wait' | undefined {
  const o = t.o;
  const speed = t.speed;
  if (speed === undefined) return undefined;
  const next = checkLowSpeed(o, speed, now, t.req.responseBytes + t.sizeUpload);
  if (next !== undefined) m.expire(t, Timer.LOW_SPEED, next);
  if (!o.maxRecvSpeed && !o.maxSendSpeed) return undefined;
  const sending = t.req.upload !== undefined && !t.req.upload.done;
  const wait = rateLimitWait(o, speed, now, t.req.responseBytes, t.sizeUpload, sending);
  if (wait <= 0) return undefined;
  m.expire(t, Timer.RATE_LIMIT, now + wait);
  transition(m, t, 'ratelimiting');
  return 'wait';
}

function phaseRatelimiting(m: Multi, t: Transfer, now: number): Step {
  if (t.deadlines[Timer.RATE_LIMIT]! > now) return 'wait';
  m.clearTimer(t, Timer.RATE_LIMIT);
  transition(m, t, 'performing');
  return 'again';
}

/** The Authorization header of this request (none to another host, or when given as a custom header). */
function authorizationField(t: Transfer, target: Target): [string, string] | undefined {
  const o = t.o;
  if (!t.redirects.shape.credentialsAllowed || hasCustomHeader(o, 'authorization')) return undefined;
  const creds = credentials(o, target, t.netrc);
  // Without credentials or a bearer token there is nothing to send (nor to pick a method for).
  if (creds === undefined && o.xoauth2Bearer === undefined && t.madeAuth === undefined) return undefined;
  const value = t.auth.header(o, creds, t.req.method, target.path);
  return value === undefined ? undefined : ['Authorization', value];
}

/** The absolute-form request target: the URL without its fragment and credentials. */
function absoluteTarget(target: Target): string {
  const u = target.url;
  // CURLU_NO_DEFAULT_PORT: a port equal to the scheme's default is left out.
  const port = u.port === undefined || u.port === (u.scheme === 'https' ? 443 : 80) ? '' : `:${u.port}`;
  return `${u.scheme}://${hostForUrl(u)}${port}${target.path}`;
}

/**
 * Fields for a request sent to an HTTP proxy in absolute-form: Proxy-Authorization, the
 * proxyHeader lines (libcurl sends them to the proxy with every request it gets), and
 * "Proxy-Connection: Keep-Alive" as curl adds it.
 */
function proxyHeaders(t: Transfer, target: Target): HeaderList {
  const o = t.o;
  const http = t.route!.plan!.http!;
  const out: HeaderList = [];
  const creds = http.user === undefined ? undefined : { user: http.user, password: http.password ?? '' };
  const custom = o.proxyHeader ?? [];
  const has = (n: string): boolean =>
    custom.some((l) => l.toLowerCase().startsWith(`${n}:`)) || hasCustomHeader(o, n);
  const auth = has('proxy-authorization')
    ? undefined
    : t.proxyAuth.header(o, creds, t.req.method, absoluteTarget(target));
  if (auth !== undefined) out.push(['Proxy-Authorization', auth]);
  for (const line of custom) {
    const colon = line.indexOf(':');
    const value = colon <= 0 ? '' : line.slice(colon + 1).trim();
    if (value !== '') out.push([line.slice(0, colon), value]);
  }
  if (!has('proxy-connection')) out.push(['Proxy-Connection', 'Keep-Alive']);
  return out;
}

/**
 * Cookie: the jar's cookies for this URL, then CURLOPT_COOKIE as given, joined with "; " (libcurl's
 * Curl_http_cookies); a custom Cookie header replaces only CURLOPT_COOKIE.
 */
function cookieField(m: Multi, t: Transfer, target: Target): [string, string] | undefined {
  const o = t.o;
  const jar = cookiesEnabled(o) ? t.easy._cookies : undefined;
  // Most requests have neither (apart: their path stays small bytecode).
  return jar === undefined && o.cookie === undefined ? undefined : cookieValue(m, t, jar, target);
}

function cookieValue(
  m: Multi,
  t: Transfer,
  jar: CookieJar | undefined,
  target: Target,
): [string, string] | undefined {
  const o = t.o;
  const fromJar =
    jar?.header(target.host, target.pathname, false, Math.floor(m.transport.wallClockMs() / 1000)) ?? '';
  const given = o.cookie === undefined || hasCustomHeader(o, 'cookie') ? '' : o.cookie;
  if (fromJar === '' && given === '') return undefined;
  return ['Cookie', fromJar !== '' && given !== '' ? `${fromJar}; ${given}` : fromJar || given];
}

/** A CURLOPT_HTTPHEADER line names this header ('Name: ...', 'Name:' or 'Name;'). */
function hasCustomHeader(o: EasyOptions, lower: string): boolean {
  if (o.httpHeader === undefined) return false;
  return o.httpHeader.some((l) => {
    const end = l.search(/[:;]/);
    return end > 0 && l.slice(0, end).trim().toLowerCase() === lower;
  });
}

/** A response head; 'stop' when the rest of the response is not wanted. */
function onHead(
  m: Multi,
  t: Transfer,
  ev: Extract<StreamEvent, { type: 'head' }>,
  now: number,
): 'stop' | undefined {
  t.headerSize += ev.headerBytes;
  t.status = ev.status;
  // CURLINFO_HTTP_VERSION numbering: CURL_HTTP_VERSION_1_0 1, 1_1 2, 2_0 3, 3 30.
  t.httpVersion = ev.version === 10 ? 1 : ev.version === 11 ? 2 : ev.version === 20 ? 3 : 30;
  // The raw lines are cut from the head only for a header or debug callback.
  if (t.o.headerFunction !== undefined || t.o.debugFunction !== undefined) headerLines(m, t, ev.rawLines);
  t.easy._onHead?.(ev);
  const jar = t.easy._cookies;
  if (jar !== undefined) keepCookies(m, t, jar, ev.headers);
  const u = t.req.upload;
  if (u !== undefined && !u.done && uploadAnswered(m, t, u, ev.status, ev.interim, now) === 'retry')
    return 'stop';
  if (ev.interim || t.req.follow === 'expect') return undefined;
  t.contentLength = ev.framing === 'length' ? (ev.contentLength ?? -1) : ev.framing === 'none' ? 0 : -1;
  // A HEAD response announces the size it would have sent (CURLINFO_CONTENT_LENGTH_DOWNLOAD).
  if (ev.framing === 'none' && t.req.method === 'HEAD') t.contentLength = announcedLength(ev.headers);
  // An HTTP/1 head noted these while its lines were checked: its header pairs are made only for
  // whoever asks for them.
  const noted = ev.noted;
  if (noted === undefined) contentTypeFrom(t, ev.headers);
  else if (noted.contentType !== undefined) t.contentType = noted.contentType;
  if (noted === undefined || noted.retryAfter || (noted.lastModified && t.o.filetime === true))
    readResponseInfo(m, t, ev.headers);
  else {
    t.retryAfter = 0;
    t.fileTime = -1;
  }
  const o = t.o;
  // A status that may be followed (401, 407, 3xx, or any once a redirect was followed: the history
  // is kept current) and the options that may end the transfer at its head are looked at apart:
  // the common head (a 2xx, none of those options) skips them.
  if (ev.status >= 300 || t.madeRedirect !== undefined) {
    const r = followHead(m, t, ev, o);
    if (r !== 'no') return r;
  }
  if (
    o.failOnError === true ||
    (o.resumeFrom ?? 0) > 0 ||
    (o.maxFileSize !== undefined && o.maxFileSize > 0)
  ) {
    if (stopAtHead(t, ev, o) === 'stop') return 'stop';
  }
  // CURLOPT_HTTP_CONTENT_DECODING off, or a chunked body passed raw: the coded bytes go out as they are.
  const raw =
    o.httpContentDecoding === false || (o.httpTransferDecoding === false && ev.framing === 'chunked');
  // An HTTP/1 head noted whether it has a Content-Encoding: without one, its pairs are not made.
  if (o.acceptEncoding !== undefined && ev.framing !== 'none' && !raw && noted?.contentEncoding !== false)
    t.req.decoder = ContentDecoder.forResponse(ev.headers);
  return undefined;
}

// onHead's rare parts, in functions of their own: onHead runs for every response, and small
// bytecode is optimized after fewer calls.

function headerLines(m: Multi, t: Transfer, lines: readonly string[]): void {
  for (const line of lines) headerLine(m, t, line);
}

function keepCookies(m: Multi, t: Transfer, jar: CookieJar, headers: HeaderList): void {
  if (!cookiesEnabled(t.o)) return;
  storeCookies(
    jar,
    headers,
    t.target!.host,
    t.target!.pathname,
    Math.floor(m.transport.wallClockMs() / 1000),
  );
}

function announcedLength(headers: HeaderList): number {
  const cl = headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1];
  return cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : -1;
}

function contentTypeFrom(t: Transfer, headers: HeaderList): void {
  for (const [name, value] of headers) {
    if (name.length === 12 && name.toLowerCase() === 'content-type') t.contentType = value;
  }
}

function readResponseInfo(m: Multi, t: Transfer, headers: HeaderList): void {
  ({ retryAfter: t.retryAfter, fileTime: t.fileTime } = responseInfo(t.o, headers, m.transport));
}

/**
 * onHead's part for a status that may be followed: a 401 or 407 answered with credentials, a
 * redirect. 'no' when the head is the final one (its body goes to the application).
 */
function followHead(
  m: Multi,
  t: Transfer,
  ev: Extract<StreamEvent, { type: 'head' }>,
  o: EasyOptions,
): 'stop' | 'no' | undefined {
  // A 401 answered with a (new) method: the same URL again, this body read and dropped. (What
  // only some statuses need, the header pairs and the credentials, is looked at for those.)
  if (ev.status === 401) {
    const canAuth =
      t.redirects.shape.credentialsAllowed && (o.xoauth2Bearer !== undefined || hasCredentials(t));
    if (t.auth.onResponse(o, ev.status, ev.headers, canAuth) === 'retry') {
      t.req.follow = 'auth';
      ignoringBody(m, t, ev);
      return undefined;
    }
  }
  const http = t.route?.plan?.absoluteForm === true ? t.route.plan.http : undefined;
  if (http !== undefined && ev.status === 407) {
    // The same for a 407 from an HTTP proxy the request went to in absolute-form.
    const again = t.proxyAuth.onResponse(o, 407, ev.headers, http.user !== undefined) === 'retry';
    t.proxyAuthAvail = t.proxyAuth.avail;
    if (again) {
      t.req.follow = 'auth';
      ignoringBody(m, t, ev);
      return undefined;
    }
  }
  // Only a 3xx can redirect: the history is made for one (or kept current once made).
  const redirect = ev.status >= 300 && ev.status <= 399 ? t.redirect : t.madeRedirect;
  if (
    redirect !== undefined &&
    onFinalHead(redirect, ev, t.url, o.followLocation === true, o.pathAsIs === true)
  ) {
    t.req.follow = 'redirect';
    // libcurl: a followed response's body is read and dropped so the connection can be reused,
    // unless the connection closes anyway: then it stops here.
    if (ev.framing === 'close' || connectionClose(ev.headers)) {
      t.req.stream!.abandon();
      return 'stop';
    }
    ignoringBody(m, t, ev);
    return undefined;
  }
  return 'no';
}

/** onHead's part for failOnError, resumeFrom and maxFileSize: 'stop' ends the transfer here. */
function stopAtHead(
  t: Transfer,
  ev: Extract<StreamEvent, { type: 'head' }>,
  o: EasyOptions,
): 'stop' | undefined {
  const resumedGet = (o.resumeFrom ?? 0) > 0 && t.req.upload === undefined && t.req.method !== 'HEAD';
  if (
    o.failOnError === true &&
    ev.status >= 400 &&
    httpShouldFail(o, ev.status, {
      resumedGet,
      hasUser: t.redirects.shape.credentialsAllowed && hasCredentials(t),
      authProblem: t.madeAuth?.problem === true,
    })
  ) {
    // A failed transfer abandons its stream (libcurl's multi_done with premature set).
    throw httpReturnedError(ev.status);
  }
  const resume = resumedGet ? checkResume(o, resumedGet, ev.status, ev.headers, t.contentLength) : 'ok';
  if (resume !== 'ok') {
    t.req.ignoreBody = true;
    if (resume === 'complete') {
      // libcurl: "The entire document is already downloaded"; the rest is not read.
      t.req.stream!.abandon();
      return 'stop';
    }
  }
  if (
    o.maxFileSize !== undefined &&
    o.maxFileSize > 0 &&
    ((ev.framing === 'length' && (ev.contentLength ?? 0) > o.maxFileSize) || ev.contentLengthOverflow)
  ) {
    throw new TransferError(CurlCode.FILESIZE_EXCEEDED, `Maximum file size exceeded`, { phase: 'recv' });
  }
  return undefined;
}

/** The transfer has credentials for the origin (options, URL or .netrc). */
function hasCredentials(t: Transfer): boolean {
  return credentials(t.o, t.target!, t.netrc) !== undefined;
}

/**
 * libcurl's Curl_http_firstwrite: the body of a response that is followed (a redirect, an auth
 * round) is read and dropped to keep the connection, and says so; not when the connection closes.
 */
function ignoringBody(
  m: Multi,
  t: Transfer,
  ev: { framing: string; headers: readonly [string, string][] },
): void {
  if (t.o.debugFunction === undefined || ev.framing === 'close' || connectionClose(ev.headers)) return;
  m.callDebug(t, 'text', 'Ignoring the response-body\n');
}

function connectionClose(headers: readonly [string, string][]): boolean {
  for (const [name, value] of headers) {
    if (name.length === 10 && name.toLowerCase() === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(value))
      return true;
  }
  return false;
}

/** xferInfoFunction: called on progress and at least once a second (the PROGRESS timer). */
function progressTick(m: Multi, t: Transfer, now: number, force: boolean): void {
  const c = {
    dlTotal: Math.max(0, t.contentLength),
    dlNow: t.sizeDownload,
    ulTotal: Math.max(0, t.uploadSize),
    ulNow: t.sizeUpload,
  };
  m.expire(t, Timer.PROGRESS, reportProgress(t.o, t.easy, t.progress, c, now, force));
}

function phaseDone(m: Multi, t: Transfer, now: number): Step {
  releaseResponse(t);
  m.clearTimer(t, Timer.EXPECT_100);
  m.clearTimer(t, Timer.LOW_SPEED);
  const conn = t.conn;
  if (conn !== undefined) {
    t.req.stream?.done();
    t.req.stream = undefined;
    m.detach(t, conn);
    if (!conn.reusable || t.o.forbidReuse === true) {
      tellConnectionEnd(m, t, conn, 'shutting down');
      m.closeConnection(conn, 'not reusable');
    } else {
      if (!releaseShared(m, t.o.share, conn, now, t)) m.releaseConnection(conn, now, t);
      // After the pool's eviction lines, as curl; a connection that was evicted itself is not kept.
      if (conn.state !== 'closed') tellConnectionEnd(m, t, conn, 'kept');
    }
  }
  const next = t.req.follow;
  if (next !== 'none') return followUp(m, t, next, now);
  const r = t.madeRedirect;
  if (r?.location !== undefined) r.wouldRedirect = r.location;
  // libcurl's Curl_pgrsDone: one last call with the final counters (it may still abort: 42).
  if (progressEnabled(t.o)) progressTick(m, t, now, true);
  transition(m, t, 'completed');
  return 'wait';
}

/** The next request of a followed response: the same URL again (auth, expect) or a redirect. */
function followUp(m: Multi, t: Transfer, next: Exclude<FollowUp, 'none'>, now: number): Step {
  switch (next) {
    case 'auth':
    case 'expect':
      // libcurl's FOLLOW_RETRY: the same URL again, on the same connection if it was kept (a 401
      // round with the picked auth method; after a 417, without the Expect).
      rewindBody(t.o, t.easy, t.req.upload);
      if (next === 'expect') t.redirect.shape = { ...t.redirect.shape, disableExpect: true };
      anotherRequest(m, t);
      t.target = undefined;
      startNextRequest(t);
      transition(m, t, 'setup');
      return 'again';
    case 'redirect': {
      // FOLLOW_REAL.
      const o = t.o;
      if (t.status === 307 || t.status === 308 || (o.postRedir ?? 0) !== 0)
        rewindBody(o, t.easy, t.req.upload);
      t.url = followRedirect(t.redirect, {
        status: t.status,
        method: t.req.method,
        currentUrl: t.url,
        maxRedirs: o.maxRedirs,
        postRedir: o.postRedir,
        autoReferer: o.autoReferer,
        now,
        start: t.tStart,
      });
      t.target = undefined;
      anotherRequest(m, t);
      startNextRequest(t);
      transition(m, t, 'setup');
      return 'again';
    }
  }
}

/** Send what the body has now: the read callback fills, the socket takes what it can. */
function sendUpload(m: Multi, t: Transfer, u: Upload, now: number): 'limit' | undefined {
  if (u.expect === 'waiting' && t.deadlines[Timer.EXPECT_100]! <= now) {
    // No 100 Continue in time: send anyway (libcurl's "Done waiting for 100-continue").
    u.expect = 'go';
    m.clearTimer(t, Timer.EXPECT_100);
  }
  const stream = t.req.stream!;
  while (u.wantsToSend(t.sendPaused)) {
    const next = u.pending[0];
    if (next === undefined) {
      if (u.eof) {
        stream.endBody();
        if (!stream.flush()) return undefined;
        u.done = true;
        break;
      }
      if (u.fill(t.o, t.easy) === 'pause') t.sendPaused = true;
      continue;
    }
    const n = stream.sendBody(next);
    t.sizeUpload += n;
    if (n > 0 && t.o.debugFunction !== undefined) m.callDebug(t, 'data-out', next.subarray(0, n));
    if (n < next.length) {
      u.pending[0] = next.subarray(n);
      return undefined;
    }
    u.pending.shift();
    if (
      t.o.maxSendSpeed &&
      rateLimitWait(t.o, (t.speed ??= new SpeedState()), now, 0, t.sizeUpload, true) > 0
    )
      return 'limit';
  }
  return undefined;
}

/**
 * A response arrived while the body is not all sent (libcurl http.c): 100 lets it go; a 417 to
 * our Expect retries without it; another final >= 300 stops the upload and the connection closes
 * after the response.
 */
function uploadAnswered(
  m: Multi,
  t: Transfer,
  u: Upload,
  status: number,
  interim: boolean,
  now: number,
): 'retry' | undefined {
  if (interim) {
    if (status === 100 && u.expect === 'waiting') {
      u.expect = 'go';
      m.clearTimer(t, Timer.EXPECT_100);
      m.expire(t, Timer.RUN_NOW, now);
    }
    return undefined;
  }
  m.clearTimer(t, Timer.EXPECT_100);
  if (status === 417 && u.expectAnnounced) {
    // Nothing of the body went out while waiting: the connection stays usable once the 417 is read.
    t.req.stream!.stopBody(u.expect === 'waiting' ? 'expectation-failed' : 'final-response');
    u.stopped = true;
    t.req.follow = 'expect';
    return u.expect === 'waiting' ? undefined : 'retry';
  }
  if (status >= 300) {
    u.stopped = true;
    t.req.stream!.stopBody('final-response');
    return undefined;
  }
  u.expect = 'go';
  return undefined;
}

/** Per-response state that holds native memory or output. */
function releaseResponse(t: Transfer): void {
  // Only what was set is cleared: a transfer that fails before its first request reads the
  // shared NO_REQUEST_YET.
  const req = t.req;
  if (req.decoder !== undefined) {
    req.decoder.close();
    req.decoder = undefined;
  }
  if (req.heldOutput.length > 0) req.heldOutput = NO_HELD_OUTPUT;
}

/** Another request follows (redirect, retry): phase times so far are kept as sums, sizes start over (libcurl). */
function startNextRequest(t: Transfer): void {
  if (t.timesBefore === undefined)
    t.timesBefore = { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, starttransfer: 0 };
  const b = t.timesBefore;
  const since = (at: number) => (Number.isNaN(at) ? 0 : Math.max(0, at - t.tStartSingle));
  b.namelookup += since(t.tNamelookup);
  b.connect += since(t.tConnect);
  b.appconnect += since(t.tAppconnect);
  b.pretransfer += since(t.tPretransfer);
  b.starttransfer += since(t.tStarttransfer);
  t.tNamelookup = t.tConnect = t.tAppconnect = t.tPretransfer = t.tStarttransfer = Number.NaN;
  t.sizeDownload = 0;
  t.sizeUpload = 0;
  t.contentLength = -1;
  t.contentType = null;
  t.retriedStale = false;
  t.refusedRetries = 0;
}

function latin1(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('latin1');
}
