// TLS over Node's tls (OpenSSL). A connected NodeSocket's net.Socket is handed to tls.connect();
// the resulting TLSSocket is driven exactly like a TCP one (decrypted bytes through onread, pulled
// by read(), readiness from its events) with 'secureConnect' ending `connecting`. Verification is
// left to the engine: OpenSSL checks the chain (rejectUnauthorized false), the TLS filter reads the
// outcome and checks the name, so every reason maps onto its own CurlCode.
//
// Secure contexts are cached per config id: building one parses the whole CA store (several ms
// with ~300 roots), which would otherwise dominate a handshake.

import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import type tls from 'node:tls';
import { nextSyntheticFd } from '../fd.js';
import {
  EOF,
  type ReadResult,
  type TlsCertificate,
  type TlsConfig,
  type TlsConfigError,
  type TlsConnectOptions,
  type TlsSessionInfo,
  type TlsTransportSocket,
  type TransportSocket,
} from '../types.js';
import { copyOut, NodeSocket } from './socket.js';

/** node:tls, loaded at the first TLS connection or context (a plain http run never needs it). */
function nodeTls(): typeof tls {
  return process.getBuiltinModule('node:tls');
}

/** Debian's (and most distributions') system CA bundle. */
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

let systemCas: readonly string[] | undefined;

/** The operating system's trust store, read once per process. */
export function systemCertificates(): readonly string[] {
  if (systemCas !== undefined) return systemCas;
  const fromNode = (nodeTls() as { getCACertificates?: (which: string) => string[] }).getCACertificates;
  if (fromNode !== undefined) {
    systemCas = fromNode('system');
  } else {
    try {
      systemCas = [readFileSync(SYSTEM_BUNDLE, 'latin1')];
    } catch {
      systemCas = [];
    }
  }
  return systemCas;
}

function configError(part: TlsConfigError['tlsPart'], cause: unknown): TlsConfigError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  const err = new Error(msg) as TlsConfigError;
  err.tlsPart = part;
  return err;
}

const contexts = new Map<string, tls.SecureContext>();
/** Bounded: ids are few in practice (one per distinct TLS setup). */
const MAX_CONTEXTS = 64;

/** The secure context for `config`, built once per id; throws TlsConfigError. */
export function secureContextFor(config: TlsConfig): tls.SecureContext {
  const cached = contexts.get(config.id);
  if (cached !== undefined) return cached;
  // The default store is Node's bundled roots plus the system's (curl uses the system store).
  const ca: (string | Buffer)[] =
    config.ca === undefined
      ? [...nodeTls().rootCertificates, ...systemCertificates()]
      : config.ca.map(asBuffer);
  if (config.ca !== undefined && config.caNative === true) ca.push(...systemCertificates());
  // @types/node 20 lacks `ciphersuites` and `allowPartialTrustChain` (Node 20.18, 22.9); Node takes them.
  const options: tls.SecureContextOptions & { ciphersuites?: string; allowPartialTrustChain?: boolean } = {
    ca,
  };
  if (config.partialChain === true) options.allowPartialTrustChain = true;
  if (config.minVersion !== undefined) options.minVersion = config.minVersion;
  if (config.maxVersion !== undefined) options.maxVersion = config.maxVersion;
  if (config.ciphers !== undefined) options.ciphers = config.ciphers;
  if (config.ciphersuites !== undefined) options.ciphersuites = config.ciphersuites;
  let ctx: tls.SecureContext;
  try {
    ctx = nodeTls().createSecureContext(options);
  } catch (e) {
    // Node parses CA PEM leniently (garbage is ignored); what throws here is the cipher or
    // version settings.
    throw configError('settings', e);
  }
  if (config.cert !== undefined || config.key !== undefined || config.pfx !== undefined) {
    // Built again with the client credentials, so a failure here is theirs (58, not 59/35).
    if (config.pfx !== undefined) options.pfx = asBuffer(config.pfx);
    else {
      if (config.cert !== undefined) options.cert = asBuffer(config.cert);
      options.key = asBuffer(config.key ?? config.cert!);
    }
    if (config.passphrase !== undefined) options.passphrase = config.passphrase;
    try {
      ctx = nodeTls().createSecureContext(options);
    } catch (e) {
      throw configError('cert', e);
    }
  }
  if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value as string);
  contexts.set(config.id, ctx);
  return ctx;
}

function asBuffer(v: string | Uint8Array): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

// --- SSLKEYLOGFILE: appended to as curl does (NSS key log format), one stream per path ---

let keylog: { path: string; stream: WriteStream } | undefined;

/** Where key log lines go now, if anywhere (the variable is read at each handshake, like curl's init). */
function keylogStream(): WriteStream | undefined {
  const path = process.env.SSLKEYLOGFILE;
  if (path === undefined || path === '') return undefined;
  if (keylog?.path !== path) {
    keylog?.stream.end();
    const stream = createWriteStream(path, { flags: 'a' });
    // An unwritable file loses the lines, never the transfer.
    stream.on('error', () => {});
    keylog = { path, stream };
  }
  return keylog.stream;
}

/**
 * Node decrypts into a 16 KiB buffer and hands each piece on (TLSWrap::ClearOut): no read of a TLS
 * socket is larger than one record's plaintext.
 */
const TLS_READ_MAX = 16 * 1024;
/** Where a TLS socket's reads land while it receives little; copied out at once. */
const TLS_SHARED = Buffer.allocUnsafe(TLS_READ_MAX);
/** A block that consecutive full records of one socket are decrypted into, end to end. */
const TLS_SLAB = 64 * 1024;
/**
 * Unread bytes at which a TLS socket stops reading: records queue up until the loop turn's end
 * (moreFollows), and libuv reads up to 32 x 64 KiB per socket and turn.
 */
const TLS_RX_LIMIT = 128 * 1024;

/**
 * Slabs kept for reuse per socket once its reader recycles. A bulk stream has up to four in flight
 * (TLS_RX_LIMIT unread, the one being filled), so four take it in turn with no new allocation.
 */
const SPARE_SLABS = 4;

/** A TLSSocket driven like NodeSocket drives a TCP socket. */
export class NodeTlsSocket extends NodeSocket implements TlsTransportSocket {
  private info: TlsSessionInfo | undefined;
  private readonly tlsSock: tls.TLSSocket;
  /** The slab full records are decrypted into now (rxNext is its rest); undefined between bursts. */
  private filling: Buffer | undefined = undefined;
  /** recycle() was called: the slabs read() hands views of are noted for the next recycle(). */
  private recycles = false;
  /** The slabs read() handed views of since the last recycle(). */
  private readonly lentSlabs: ArrayBufferLike[] = [];
  /** Slabs recycle() gave back, taken before allocating a new one. */
  private readonly spareSlabs: Buffer[] = [];
  /** The leaf Node read for its name check during the handshake (not on a resumed session). */
  peerLeaf: tls.PeerCertificate | undefined;
  /** TlsConnectOptions.sentChain. */
  wantsSentChain = false;
  /** Decrypted bytes come through `onread` (false: a paused stream, where Node's internals differ). */
  readonly receivesThroughOnread: boolean;

  /** `fd`: a descriptor of its own when it runs over another TLS socket (TLS inside TLS shares the OS fd). */
  constructor(tlsSock: tls.TLSSocket, remoteAddress: string, remotePort: number, fd?: number) {
    super(tlsSock, remoteAddress, remotePort, 'secureConnect', fd);
    this.tlsSock = tlsSock;
    this.receivesThroughOnread = this.receiveThroughOnread(TLS_SHARED);
    this.rxLimit = TLS_RX_LIMIT;
  }

  /**
   * Node decrypts what one TCP read brought record by record, each its own callback: a full record
   * is likely followed by more, so the engine runs once for the records of a loop turn (one
   * 100 KiB response: seven records, one run), not once per record. A short record, the end of
   * what the peer sent, is announced at once.
   */
  protected override moreFollows(n: number): boolean {
    return n === TLS_READ_MAX;
  }

  /**
   * A small read (a response of a few KiB) is copied out of the shared buffer. A full record says
   * the peer sends in bulk: it starts a slab of the socket's own, and the records after it are
   * decrypted into the slab's rest, end to end, handed out as views (read() joins them without a
   * copy) until a short record ends the burst. The next burst goes on in the slab's rest when a full
   * record fits there (after every byte handed out): a 100 KiB response takes 1.6 slabs, not two,
   * and its first record is not copied. The slab is then kept while the connection idles (as a TCP
   * socket keeps its next buffer); one that recycles drops it, so that it can come back.
   */
  protected override claim(n: number, buf: Buffer): Buffer {
    if (buf === TLS_SHARED) {
      if (n < TLS_READ_MAX) return copyOut(buf, n);
      const slab = this.newSlab();
      buf.copy(slab, 0, 0, n);
      this.rxNext = slab.subarray(n);
      return slab.subarray(0, n);
    }
    if (n < TLS_READ_MAX) {
      // The burst ended. Without recycling, the next one starts in the slab's rest when a full
      // record fits there (no copy of its first record, no slab of its own).
      if (!this.recycles && buf.length - n >= TLS_READ_MAX) this.rxNext = buf.subarray(n);
      else {
        this.rxNext = TLS_SHARED;
        this.filling = undefined;
      }
    } else if (buf.length - n >= TLS_READ_MAX) this.rxNext = buf.subarray(n);
    else this.rxNext = this.newSlab();
    return buf.subarray(0, n);
  }

  /** The next slab to decrypt into: one recycle() gave back, or a new one. */
  private newSlab(): Buffer {
    const slab = this.spareSlabs.pop() ?? Buffer.allocUnsafe(TLS_SLAB);
    this.filling = slab;
    return slab;
  }

  override read(): ReadResult {
    const r = super.read();
    // Only slabs are this size (a copied-out record is smaller, the shared buffer never handed out).
    if (
      this.recycles &&
      this.receivesThroughOnread &&
      r !== null &&
      r !== EOF &&
      r.buffer.byteLength === TLS_SLAB
    ) {
      if (this.lentSlabs[this.lentSlabs.length - 1] !== r.buffer) this.lentSlabs.push(r.buffer);
    }
    return r;
  }

  /**
   * Nothing read() handed out is referenced any more: a slab whose views were all handed out takes
   * later bursts from its start, unless records are still being decrypted into it or wait in it
   * unread (those are handed out later, and the slab given back after them).
   */
  override recycle(): void {
    super.recycle();
    this.recycles = true;
    const lent = this.lentSlabs;
    for (let i = 0; i < lent.length; i++) {
      const block = lent[i]!;
      if (this.spareSlabs.length >= SPARE_SLABS) break;
      if (this.filling?.buffer === block || this.queuedIn(block)) continue;
      this.spareSlabs.push(Buffer.from(block, 0, TLS_SLAB));
    }
    lent.length = 0;
  }

  /** The certificates the peer sent, read now (the whole chain first: see sentPart). */
  readSentChain(): readonly TlsCertificate[] | undefined {
    const info = this.tls;
    if (info === undefined || this.error !== undefined) return undefined;
    return info.sentChain ?? sentPart(this.tlsSock, chainOf(peerCertificate(this.tlsSock, true)));
  }

  get tls(): TlsSessionInfo | undefined {
    if (this.info !== undefined || this.connecting || this.error !== undefined) return this.info;
    this.info = sessionInfo(this.tlsSock, this.peerLeaf, this.wantsSentChain);
    this.peerLeaf = undefined;
    return this.info;
  }
}

/**
 * What the handshake established. The peer's certificates: the whole chain only when the
 * certificates sent are wanted (CURLOPT_CERTINFO), otherwise the leaf alone, which is all the name
 * check and a pinned key need. Node builds the whole chain's objects with a lookup of the last
 * issuer in the trust store, ten times the cost of the leaf (libcurl reads the chain only for
 * CURLOPT_CERTINFO too).
 */
function sessionInfo(
  s: tls.TLSSocket,
  leaf: tls.PeerCertificate | undefined,
  wantsSent: boolean,
): TlsSessionInfo {
  const chain = chainOf(wantsSent ? peerCertificate(s, true) : (leaf ?? peerCertificate(s, false)));
  const err = s.authorizationError as unknown as string | Error | null | undefined;
  return {
    protocol: s.getProtocol() ?? '',
    cipher: s.getCipher()?.standardName ?? s.getCipher()?.name ?? '',
    alpn: typeof s.alpnProtocol === 'string' ? s.alpnProtocol : '',
    authorizationError: s.authorized || err === null || err === undefined ? undefined : String(err),
    chain,
    sentChain: wantsSent ? sentPart(s, chain) : undefined,
    resumed: s.isSessionReused(),
  };
}

/** The certificates from `first` along its issuer links (one for a certificate read without them). */
function chainOf(first: tls.PeerCertificate | null): NodeCertificate[] {
  const chain: NodeCertificate[] = [];
  let cert = (first ?? undefined) as tls.DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  while (cert !== undefined && cert.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(certificateOf(cert));
    cert = cert.issuerCertificate;
  }
  return chain;
}

/**
 * Node's TLSSocket.getPeerCertificate: `detailed` links each certificate to its issuer, the last
 * one's looked up in the trust store. Called on the prototype: the socket's own method is leafOnly.
 */
function peerCertificate(s: tls.TLSSocket, detailed: boolean): tls.PeerCertificate | null {
  return nodeTls().TLSSocket.prototype.getPeerCertificate.call(s, detailed) as tls.PeerCertificate | null;
}

/**
 * The TLS socket's own getPeerCertificate. Node's secure-connect step asks for the whole chain on
 * every full handshake that OpenSSL verified, only to hand it to checkServerIdentity (270 us of
 * CPU against 21 us for the leaf, with a two-certificate chain): the name check is the filter's,
 * from the leaf. Nothing else calls the socket's method (the socket is never the application's).
 */
function leafOnly(this: tls.TLSSocket): tls.PeerCertificate {
  return peerCertificate(this, false) ?? ({} as tls.PeerCertificate);
}

/**
 * The certificates of `chain` the peer sent. getPeerCertificate(true) completes the chain from the
 * trust store (a root the server did not send); getPeerX509Certificate() links the certificates as
 * OpenSSL holds the peer's (SSL_get_peer_cert_chain, what libcurl lists in CURLINFO_CERTINFO).
 * Read after getPeerCertificate: Node 20's getPeerX509Certificate empties OpenSSL's list as it
 * reads it.
 */
function sentPart(s: tls.TLSSocket, chain: readonly TlsCertificate[]): TlsCertificate[] | undefined {
  const sent = new Set<string>();
  for (
    let c = s.getPeerX509Certificate();
    c !== undefined && !sent.has(c.fingerprint256);
    c = c.issuerCertificate
  )
    sent.add(c.fingerprint256);
  if (sent.size === 0) return undefined;
  return chain.filter((c) => c instanceof NodeCertificate && sent.has(c.fingerprint256));
}

function dn(o: tls.Certificate | undefined): string {
  if (o === undefined) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    for (const one of Array.isArray(v) ? v : [v]) parts.push(`${k}=${one}`);
  }
  return parts.join(', ');
}

function certificateOf(c: tls.PeerCertificate): NodeCertificate {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const entry of (c.subjectaltname ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) dnsNames.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) ipAddresses.push(entry.slice(11));
  }
  const cn = c.subject?.CN;
  return new NodeCertificate(
    c.raw,
    dn(c.subject),
    dn(c.issuer),
    c.valid_from,
    c.valid_to,
    c.serialNumber,
    Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? ''),
    dnsNames,
    ipAddresses,
    c.fingerprint256,
  );
}

/**
 * A peer certificate. The public key and the PEM text are made when first asked for: a pinned key
 * needs the one, CURLINFO_CERTINFO the other, most connections neither (parsing the DER again
 * and exporting its key cost about as much as the rest of reading the chain).
 */
class NodeCertificate implements TlsCertificate {
  #spki: Uint8Array | undefined;
  #pem: string | undefined;

  constructor(
    private readonly raw: Buffer,
    readonly subject: string,
    readonly issuer: string,
    readonly validFrom: string,
    readonly validTo: string,
    readonly serialNumber: string,
    readonly commonName: string,
    readonly dnsNames: readonly string[],
    readonly ipAddresses: readonly string[],
    /** Node's SHA-256 fingerprint: which of the chain's certificates the peer sent. */
    readonly fingerprint256: string,
  ) {}

  /** The SubjectPublicKeyInfo DER. */
  get spki(): Uint8Array {
    this.#spki ??= new (process.getBuiltinModule('node:crypto').X509Certificate)(this.raw).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    return this.#spki;
  }

  get pem(): string {
    if (this.#pem === undefined) {
      const b64 = this.raw.toString('base64').replace(/.{64}/g, '$&\n');
      this.#pem = `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
    }
    return this.#pem;
  }
}

/** Transport.startTls for the Node transport. */
export function startNodeTls(socket: TransportSocket, options: TlsConnectOptions): TlsTransportSocket {
  if (!(socket instanceof NodeSocket)) throw configError('settings', new Error('not a Node socket'));
  const secureContext = secureContextFor(options.config);
  const raw = socket.detach();
  if (raw === undefined) throw configError('settings', new Error('socket not connected'));
  const host = options.host;
  let made: NodeTlsSocket | undefined;
  const connectOptions: tls.ConnectionOptions & { highWaterMark: number } = {
    socket: raw,
    secureContext,
    // The filter verifies (so each reason has its code); OpenSSL still computes the result.
    rejectUnauthorized: false,
    // The name is checked by the filter (curl's rules and messages), not by Node. Node reads the
    // leaf to hand it here (leafOnly): kept, so it is not read a second time.
    checkServerIdentity: (_host, cert) => {
      if (made !== undefined) made.peerLeaf = cert;
      return undefined;
    },
    ALPNProtocols: [...options.alpn],
    highWaterMark: NodeSocket.highWaterMark,
  };
  if (net.isIP(host) === 0) connectOptions.servername = host;
  if (options.session !== undefined) connectOptions.session = Buffer.from(options.session);
  const tlsSock = nodeTls().connect(connectOptions);
  (tlsSock as { getPeerCertificate: typeof leafOnly }).getPeerCertificate = leafOnly;
  if (options.onSession !== undefined) tlsSock.on('session', options.onSession);
  const log = keylogStream();
  if (log !== undefined) tlsSock.on('keylog', (line: Buffer) => log.write(line));
  // Over an HTTPS proxy the outer TLS socket's OS descriptor would be this one's too: the socket
  // table needs a number of its own for each socket the application watches.
  const fd = socket instanceof NodeTlsSocket ? nextSyntheticFd() : undefined;
  made = new NodeTlsSocket(tlsSock, socket.remoteAddress, socket.remotePort, fd);
  made.wantsSentChain = options.sentChain === true;
  return made;
}
