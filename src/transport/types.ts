// The transport contract: the only way the engine touches the outside world. Two implementations
// with the same file names: transport/node (net, dns) and transport/sim (in-memory network,
// virtual clock, seeded faults). One shared suite (test/transport/transport.case.ts) runs on both.
//
// Everything here is synchronous and non-blocking: an operation either completes now or reports
// "would block"; readiness is announced through `Socket.watch`, which the engine hands to the
// application via the socket callback. The engine reads and writes only inside its own API calls.

/** Readiness bits (same values as CSelect: IN 1, OUT 2, ERR 4). */
export const Ready = { IN: 1, OUT: 2, ERR: 4 } as const;

/** Interest bits (same values as Poll: IN 1, OUT 2, INOUT 3). */
export type Interest = 1 | 2 | 3;

/**
 * What the application waits on; handed to the socket callback. `watch` is the stand-in for
 * epoll_ctl / uv_poll_start: it only reports readiness, it never reads or writes.
 *
 * Semantics (mio's contract: readiness is a hint):
 * - `watch(what, onReady)` replaces any earlier watch. If the watched condition already holds
 *   when `watch` is called, `onReady` is called soon after (never synchronously inside `watch`).
 * - After that, `onReady(events)` is called whenever a watched condition newly becomes true
 *   (data or EOF arrived, the socket became writable after a full buffer, the connect finished,
 *   an error happened). `events` are Ready bits; ERR is added on error.
 * - The engine reads until `read()` returns null (would block) and writes until `write()` takes
 *   less than offered; only then is a new notification guaranteed. Spurious notifications are
 *   allowed and must be harmless.
 * - `onReady` is never called synchronously from inside any method of the socket, and never after
 *   `unwatch()` or `destroy()`.
 */
export interface Socket {
  /** A number unique in the process while the socket lives (the OS descriptor where one exists). */
  readonly fd: number;
  watch(what: Interest, onReady: (events: number) => void): void;
  unwatch(): void;
}

/** Returned by `read()` at end of stream (the peer half-closed). */
export const EOF: unique symbol = Symbol('EOF');
export type ReadResult = Uint8Array | null | typeof EOF;

/** An error from the transport: `code` is the errno-style name ('ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', ...). */
export interface TransportErrorLike extends Error {
  code?: string | undefined;
}

/** A TCP-like byte stream. */
export interface TransportSocket extends Socket {
  /** True until the connection is established (or failed). Wait for OUT readiness meanwhile. */
  readonly connecting: boolean;
  /** Set once the socket failed (refused, reset, ...). Sticky. Readiness is reported with ERR. */
  readonly error: TransportErrorLike | undefined;
  /**
   * Bytes available now, `null` when it would block, `EOF` once the peer has half-closed and all
   * data was read. After an error, returns null and `error` is set (bytes that arrived before the
   * error may be returned first, as recv() does before reporting a reset).
   */
  read(): ReadResult;
  /**
   * Optional: nothing references the bytes read() has handed out any more (the caller consumed
   * them and dropped every view), so the socket may receive later bytes into their memory.
   */
  recycle?(): void;
  /**
   * Offer bytes; returns how many were taken (0 .. data.length). Fewer than offered means: wait
   * for OUT readiness, then offer the rest. Taken bytes are referenced, not copied: the caller
   * must not modify them afterwards. Writing after an error returns 0 (check `error`).
   */
  write(data: Uint8Array): number;
  /** Half-close (FIN) after everything written so far. */
  end(): void;
  /**
   * Close now: drops every watcher and listener; idempotent. No notification follows; afterwards
   * `read()` returns null, `write()` returns 0, and `watch()` does nothing.
   */
  destroy(): void;
  /**
   * True when input (data or EOF) or an error arrived that nobody has read yet. A pooled idle
   * HTTP/1 connection in that state is dead and must not be reused.
   */
  readonly hasPendingInput: boolean;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Valid once connected; '' / 0 before. */
  readonly localAddress: string;
  readonly localPort: number;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * A name lookup in flight. It is itself a watchable Socket (libcurl's threaded resolver announces
 * its socketpair the same way): IN readiness means `result` is set.
 */
export interface Resolution extends Socket {
  /** undefined while pending; then the addresses (non-empty) or the error (code 'ENOTFOUND', ...). */
  readonly result: { addresses: ResolvedAddress[] } | { error: TransportErrorLike } | undefined;
  /** Abandon the lookup; drops watchers. Idempotent. */
  cancel(): void;
}

export interface ConnectOptions {
  address: string;
  port: number;
  family: 4 | 6;
  /** Local address to bind (CURLOPT_INTERFACE), optional. */
  localAddress?: string;
}

/**
 * How to look a name up when not the system's way (libcurl's c-ares options): DNS servers to ask,
 * and the local addresses or interface queries go out from. Absent: the system resolver
 * (getaddrinfo: /etc/hosts, nsswitch, resolv.conf).
 */
export interface ResolveOptions {
  /** CURLOPT_DNS_SERVERS entries: 'addr', 'addr:port', '[v6addr]:port'. */
  servers?: readonly string[] | undefined;
  /** CURLOPT_DNS_INTERFACE: queries go out from this interface's addresses. */
  interface?: string | undefined;
  /** CURLOPT_DNS_LOCAL_IP4 / _IP6. */
  localIp4?: string | undefined;
  localIp6?: string | undefined;
}

export interface Transport extends TlsTransport {
  readonly name: string;
  /** Monotonic milliseconds (may be fractional). The engine's clock for deadlines and phase times. */
  now(): number;
  /**
   * Wall-clock milliseconds since the Unix epoch, for what is dated in calendar time (cookie
   * expiry, Date and Last-Modified headers). The engine reads no other clock.
   */
  wallClockMs(): number;
  /**
   * Start a lookup. IP literals (and 'localhost', which resolves to 127.0.0.1 and ::1 without a
   * DNS query, like curl) complete synchronously: `result` is set on return.
   */
  resolve(host: string, family: 0 | 4 | 6, options?: ResolveOptions): Resolution;
  /** Start a non-blocking connect; watch for OUT to learn when it completes or fails. */
  connect(options: ConnectOptions): TransportSocket;
}

// --- TLS ---------------------------------------------------------------------------------------

/** TLS protocol versions by their OpenSSL names (CURL_SSLVERSION_* map onto these). */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/**
 * The settings of a TLS client context. Everything the handshake depends on apart from the peer's
 * name; connections with equal `id`s share one context (and a session cache entry).
 */
export interface TlsConfig {
  /** Equal ids mean equal settings (it is part of the connection reuse key). */
  readonly id: string;
  /** Trust anchors (PEM text or DER bytes). Undefined: the default store. */
  readonly ca?: readonly (string | Uint8Array)[] | undefined;
  /** Add the operating system's store to `ca` (or to the default store). */
  readonly caNative?: boolean | undefined;
  /**
   * Any certificate of the trust store ends a chain, an intermediate CA too, not only a
   * self-signed root (OpenSSL's X509_V_FLAG_PARTIAL_CHAIN).
   */
  readonly partialChain?: boolean | undefined;
  /** Client certificate chain and key, PEM. */
  readonly cert?: string | Uint8Array | undefined;
  readonly key?: string | Uint8Array | undefined;
  /** PKCS#12 bundle holding the client certificate and key. */
  readonly pfx?: Uint8Array | undefined;
  readonly passphrase?: string | undefined;
  readonly minVersion?: TlsVersion | undefined;
  readonly maxVersion?: TlsVersion | undefined;
  /** OpenSSL cipher list (TLS 1.2 and below). */
  readonly ciphers?: string | undefined;
  /** TLS 1.3 cipher suites. */
  readonly ciphersuites?: string | undefined;
}

/** One certificate of the peer's chain, as the engine reports and checks it. */
export interface TlsCertificate {
  /** 'CN=example.com, O=Example' (curl's one-line form). */
  readonly subject: string;
  readonly issuer: string;
  /** 'Jan  1 00:00:00 2026 GMT' (OpenSSL's form, as curl prints). */
  readonly validFrom: string;
  readonly validTo: string;
  readonly serialNumber: string;
  readonly commonName: string;
  /** subjectAltName entries. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** The public key as SubjectPublicKeyInfo DER (what CURLOPT_PINNEDPUBLICKEY hashes). */
  readonly spki: Uint8Array;
  /** The certificate in PEM (CURLINFO_CERTINFO's "Cert:" entry). */
  readonly pem: string;
}

/** What a finished handshake established. */
export interface TlsSessionInfo {
  /** 'TLSv1.3', 'TLSv1.2'. */
  readonly protocol: string;
  /** OpenSSL cipher name ('TLS_AES_256_GCM_SHA384'). */
  readonly cipher: string;
  /** Negotiated ALPN protocol, '' when none. */
  readonly alpn: string;
  /**
   * Why the chain is not trusted, as OpenSSL's verify code name ('CERT_HAS_EXPIRED',
   * 'DEPTH_ZERO_SELF_SIGNED_CERT', ...); undefined when it is trusted. The host name is not
   * checked here (the TLS filter does that).
   */
  readonly authorizationError: string | undefined;
  /**
   * Leaf first, each certificate followed by its issuer: those the peer sent, then the issuers the
   * trust store added up to a root. Empty if the peer sent none. A transport may give the leaf
   * alone unless TlsConnectOptions.sentChain was set (the Node transport does: the chain's objects
   * cost ten times the leaf's, and the checks need only the leaf).
   */
  readonly chain: readonly TlsCertificate[];
  /**
   * With TlsConnectOptions.sentChain: the certificates of `chain` the peer sent (OpenSSL's
   * SSL_get_peer_cert_chain, what libcurl's CURLINFO_CERTINFO lists); undefined when not asked or
   * not known (a resumed session).
   */
  readonly sentChain?: readonly TlsCertificate[] | undefined;
  /** The handshake resumed an earlier session. */
  readonly resumed: boolean;
}

export interface TlsConnectOptions {
  readonly config: TlsConfig;
  /** The peer's name: SNI (unless an IP literal) and the name the filter verifies. */
  readonly host: string;
  /** ALPN protocols to offer, most preferred first. */
  readonly alpn: readonly string[];
  /** A session from an earlier connection to resume. */
  readonly session?: Uint8Array | undefined;
  /** Told each resumable session the server hands out (TLS 1.3 sends them after the handshake). */
  readonly onSession?: ((session: Uint8Array) => void) | undefined;
  /** Also tell which certificates the peer sent (TlsSessionInfo.sentChain; costs reading the chain). */
  readonly sentChain?: boolean | undefined;
}

/** A TLS connection over a TransportSocket: readiness and reads/writes are of plaintext. */
export interface TlsTransportSocket extends TransportSocket {
  /** `connecting` is true until the handshake finished; then this is set. */
  readonly tls: TlsSessionInfo | undefined;
  /**
   * Optional: TlsSessionInfo.sentChain read now, for a handshake made without `sentChain`
   * (undefined: not known).
   */
  readSentChain?(): readonly TlsCertificate[] | undefined;
}

/** A TLS setting the transport refused: which part ('ca' -> 77, 'cert' -> 58) and why. */
export interface TlsConfigError extends Error {
  tlsPart: 'ca' | 'cert' | 'settings';
}

/** The transport-level TLS: OpenSSL on Node, a simulated handshake in the simulator. */
export interface TlsTransport {
  /**
   * Start a client handshake over a connected socket. The socket is taken over: use only the
   * returned one from then on (destroying it destroys both). Throws a TlsConfigError when the
   * config cannot be used (unreadable CA, bad client certificate or key, unknown cipher).
   */
  startTls(socket: TransportSocket, options: TlsConnectOptions): TlsTransportSocket;
}
