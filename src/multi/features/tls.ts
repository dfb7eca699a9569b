// From Easy options to the TLS filter's settings (libcurl's ssl_config): the CA store, the client
// credentials, versions, ciphers, the pinned key, verification switches. Files are read here once
// per distinct set of TLS option values (kept per options object and by value, the last 64 sets),
// never during a handshake; a file that cannot be used is remembered and fails the transfer that
// needs it with its code (77, 58).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mayMultiplex } from '../../conn/factory.js';
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import type { TlsSettings, TlsState } from '../../filters/tls.js';
import type { TlsSessionCache } from '../../filters/tls-sessions.js';
import { parsePinnedKeys, verifyReasonOf } from '../../filters/tls-verify.js';
import type { TlsConfig, TlsVersion } from '../../transport/types.js';
import { type EasyOptions, SslOpt } from '../options.js';

/** The TLS part of a transfer's setup: settings, or the error that prevents them. */
export interface TlsSetup {
  /** Without the session cache (the filter gets it per connection). */
  readonly settings: Omit<TlsSettings, 'sessions' | 'alpn'> | undefined;
  readonly error: TransferError | undefined;
  /** Everything that must match for a connection to be reused. */
  readonly reuseKey: string;
}

const versions: Record<number, TlsVersion | undefined> = {
  1: 'TLSv1',
  4: 'TLSv1',
  5: 'TLSv1.1',
  6: 'TLSv1.2',
  7: 'TLSv1.3',
};

const setups = new WeakMap<EasyOptions, TlsSetup>();
/**
 * Setups by the values of the TLS options: request(), fetch() and a new Easy per transfer make a
 * new options object each time, and must not read and hash the CA file for every request.
 */
const byValue = new Map<string, TlsSetup>();
const MAX_BY_VALUE = 64;
/** Ids for blob options (compared by identity, never hashed per request). */
const blobIds = new WeakMap<Uint8Array, number>();
let nextBlobId = 0;

/**
 * The values of the options a TLS setup is made from: equal values (a Uint8Array blob: the same
 * object), the same setup. Read by name, one load each (this runs for every https transfer).
 */
function tlsValues(o: EasyOptions): unknown[] {
  return [
    o.caInfo,
    o.caPath,
    o.caInfoBlob,
    o.sslCert,
    o.sslCertType,
    o.sslKey,
    o.sslKeyType,
    o.keyPasswd,
    o.pinnedPublicKey,
    o.sslVersion,
    o.sslCipherList,
    o.tls13Ciphers,
    o.sslOptions,
    o.sslVerifyPeer,
    o.sslVerifyHost,
  ];
}

/**
 * The last setup found or made, and the TLS option values it is for: an application making a new
 * Easy (or request() a new options object) per transfer, all with the same TLS options, finds its
 * setup by comparing fifteen values, with no key to build and no map to fill.
 */
let last: { values: unknown[]; setup: TlsSetup } | undefined;

function sameValues(a: unknown[], b: unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The TLS options' values as one string (a Uint8Array blob by identity). */
function valueKey(values: unknown[]): string {
  return JSON.stringify(
    values.map((v) => {
      if (!(v instanceof Uint8Array)) return v;
      let id = blobIds.get(v);
      if (id === undefined) blobIds.set(v, (id = nextBlobId++));
      return id;
    }),
  );
}

/**
 * The TLS setup for these options: the last one when the values are the same, else found per
 * options object or by value (files are read again only for new values).
 */
export function tlsSetupFor(o: EasyOptions): TlsSetup {
  const values = tlsValues(o);
  if (last !== undefined && sameValues(values, last.values)) return last.setup;
  let s = setups.get(o);
  if (s === undefined) {
    const key = valueKey(values);
    s = byValue.get(key);
    if (s === undefined) {
      s = buildSetup(o);
      if (byValue.size >= MAX_BY_VALUE) byValue.delete(byValue.keys().next().value as string);
      byValue.set(key, s);
    }
    setups.set(o, s);
  }
  last = { values, setup: s };
  return s;
}

function setupFailure(code: CurlCode, message: string, cause?: unknown): TlsSetup {
  const error = new TransferError(code, message, { side: 'local', phase: 'connect', cause });
  return { settings: undefined, error, reuseKey: `error:${message}` };
}

function buildSetup(o: EasyOptions): TlsSetup {
  const h = process.getBuiltinModule('node:crypto').createHash('sha256');
  let ca: (string | Uint8Array)[] | undefined;
  if (o.caInfo !== undefined) {
    try {
      ca = [readFileSync(o.caInfo, 'latin1')];
    } catch (e) {
      return setupFailure(CurlCode.SSL_CACERT_BADFILE, `error setting certificate file: ${o.caInfo}`, e);
    }
    if (!ca[0]!.toString().includes('-----BEGIN CERTIFICATE-----'))
      return setupFailure(CurlCode.SSL_CACERT_BADFILE, `error setting certificate file: ${o.caInfo}`);
  }
  if (o.caPath !== undefined) {
    try {
      ca ??= [];
      for (const name of readdirSync(o.caPath).sort()) {
        try {
          const text = readFileSync(join(o.caPath, name), 'latin1');
          if (text.includes('-----BEGIN CERTIFICATE-----')) ca.push(text);
        } catch {
          // Subdirectories and unreadable entries are skipped, as OpenSSL's lookup does.
        }
      }
    } catch (e) {
      return setupFailure(CurlCode.SSL_CACERT_BADFILE, `error setting certificate path: ${o.caPath}`, e);
    }
  }
  if (o.caInfoBlob !== undefined) {
    ca ??= [];
    ca.push(o.caInfoBlob);
  }
  if (ca !== undefined) for (const c of ca) h.update(c);

  const config: { -readonly [K in keyof TlsConfig]: TlsConfig[K] } = { id: '' };
  config.ca = ca;
  config.caNative = ((o.sslOptions ?? 0) & SslOpt.NATIVE_CA) !== 0;
  // libcurl (OpenSSL) trusts any certificate of its CA store as an anchor, an intermediate too,
  // unless CURLSSLOPT_NO_PARTIALCHAIN says otherwise.
  config.partialChain = ((o.sslOptions ?? 0) & SslOpt.NO_PARTIALCHAIN) === 0;
  if (o.sslCert !== undefined) {
    const type = (o.sslCertType ?? 'PEM').toUpperCase();
    let cert: Buffer;
    try {
      cert = readFileSync(o.sslCert);
    } catch (e) {
      return setupFailure(
        CurlCode.SSL_CERTPROBLEM,
        `could not load ${type} client certificate from ${o.sslCert}`,
        e,
      );
    }
    if (type === 'P12') config.pfx = cert;
    else config.cert = type === 'DER' ? derToPem(cert, 'CERTIFICATE') : cert;
    h.update(cert);
    if (o.sslKey !== undefined) {
      let key: Buffer;
      try {
        key = readFileSync(o.sslKey);
      } catch (e) {
        return setupFailure(
          CurlCode.SSL_CERTPROBLEM,
          `unable to set private key file: '${o.sslKey}' type ${o.sslKeyType ?? 'PEM'}`,
          e,
        );
      }
      config.key = (o.sslKeyType ?? 'PEM').toUpperCase() === 'DER' ? derToPem(key, 'PRIVATE KEY') : key;
      h.update(key);
    }
    if (o.keyPasswd !== undefined) {
      config.passphrase = o.keyPasswd;
      h.update(o.keyPasswd);
    }
  }
  const min = (o.sslVersion ?? 0) & 0xffff;
  const max = (o.sslVersion ?? 0) >>> 16;
  config.minVersion = versions[min];
  config.maxVersion = versions[max];
  config.ciphers = o.sslCipherList;
  config.ciphersuites = o.tls13Ciphers;
  h.update(
    JSON.stringify([
      config.caNative,
      config.partialChain,
      config.minVersion,
      config.maxVersion,
      config.ciphers,
      config.ciphersuites,
      o.sslCertType,
    ]),
  );
  config.id = h.digest('base64');

  let pinned: TlsSettings['pinned'];
  if (o.pinnedPublicKey !== undefined) {
    try {
      pinned = parsePinnedKeys(o.pinnedPublicKey, (p) => readFileSync(p));
    } catch (e) {
      return setupFailure(
        CurlCode.SSL_PINNEDPUBKEYNOTMATCH,
        `SSL: public key does not match pinned public key: cannot read ${o.pinnedPublicKey}`,
        e,
      );
    }
    if (pinned === undefined)
      return setupFailure(
        CurlCode.SSL_PINNEDPUBKEYNOTMATCH,
        `SSL: public key does not match pinned public key: no key in ${o.pinnedPublicKey}`,
      );
  }
  const verifyPeer = o.sslVerifyPeer ?? true;
  const verifyHost = (o.sslVerifyHost ?? 2) !== 0;
  const reuseKey = `${config.id}|${verifyPeer ? 1 : 0}${verifyHost ? 1 : 0}|${o.pinnedPublicKey ?? ''}`;
  return { settings: { config, verifyPeer, verifyHost, pinned }, error: undefined, reuseKey };
}

function derToPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** The filter settings for one connection (the session cache is the Share's or the Multi's). */
export function tlsSettings(setup: TlsSetup, o: EasyOptions, sessions: TlsSessionCache): TlsSettings {
  if (setup.error !== undefined) throw setup.error;
  const cache = o.sslSessionIdCache === false ? undefined : (o.share?.tlsSessions ?? sessions);
  return { ...setup.settings!, alpn: alpnOffer(o), sessions: cache, certInfo: o.certInfo === true };
}

/**
 * The protocols offered in ALPN (libcurl's order): h2 first unless httpVersion asks for HTTP/1.x,
 * nothing with sslEnableAlpn off.
 */
function alpnOffer(o: EasyOptions): string[] {
  if (o.sslEnableAlpn === false) return [];
  return mayMultiplex('https', o.httpVersion) ? ['h2', 'http/1.1'] : ['http/1.1'];
}

/**
 * The ALPN offer to an HTTPS proxy (libcurl's cf_ssl_proxy_create): http/1.1 when the origin's
 * scheme uses ALPN (https) and sslEnableAlpn is on; nothing for an http:// origin.
 */
export function proxyAlpnOffer(o: EasyOptions, originScheme: string): string[] {
  return originScheme === 'https' && o.sslEnableAlpn !== false ? ['http/1.1'] : [];
}

/**
 * The handshake as curl -v tells it: version and cipher, ALPN, the peer's certificate ("Proxy
 * certificate:" for an HTTPS proxy), the verdict.
 */
export function tlsDebugText(tls: TlsState): string {
  const leaf = tls.chain[0];
  const offer = tls.alpnOffered;
  const alpn = offer.length > 0;
  const lines = alpn ? [`ALPN: offers ${offer.join(',')}`] : [];
  lines.push(`SSL connection using ${tls.protocol} / ${tls.cipher}`);
  if (alpn) {
    lines.push(
      tls.alpn === ''
        ? 'ALPN: server did not agree on a protocol. Uses default.'
        : `ALPN: server accepted ${tls.alpn}`,
    );
  }
  if (leaf !== undefined) {
    lines.push(
      tls.proxy ? 'Proxy certificate:' : 'Server certificate:',
      ` subject: ${leaf.subject}`,
      ` start date: ${leaf.validFrom}`,
      ` expire date: ${leaf.validTo}`,
      ` issuer: ${leaf.issuer}`,
    );
  }
  if (tls.verifyResult === 0) lines.push(' SSL certificate verify ok.');
  else {
    const reason = tls.authorizationError === undefined ? 'unknown' : verifyReasonOf(tls.authorizationError);
    lines.push(` SSL certificate verify result: ${reason} (${tls.verifyResult}), continuing anyway.`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * CURLINFO_CERTINFO: per certificate the server sent (leaf first; the verified chain when that is
 * not known), libcurl's "Name:value" entries. A root the trust store added is not listed.
 */
export function certInfoOf(tls: TlsState | undefined): string[][] {
  if (tls === undefined) return [];
  return (tls.sentChain ?? tls.chain).map((c) => [
    `Subject:${c.subject}`,
    `Issuer:${c.issuer}`,
    `Serial Number:${c.serialNumber}`,
    `Start date:${c.validFrom}`,
    `Expire date:${c.validTo}`,
    `Cert:${c.pem}`,
  ]);
}

const proxyViews = new WeakMap<EasyOptions, EasyOptions>();

/**
 * The options as the TLS setup reads them, for the HTTPS proxy: libcurl's CURLOPT_PROXY_* TLS
 * options in place of the origin's (CA, verification, client certificate, pinned key). One view
 * per options object, so the files are read once as for the origin.
 */
export function proxyTlsOptions(o: EasyOptions): EasyOptions {
  let v = proxyViews.get(o);
  if (v === undefined) {
    v = {
      sslVerifyPeer: o.proxySslVerifyPeer ?? true,
      sslVerifyHost: o.proxySslVerifyHost ?? 2,
      ...(o.proxyCaInfo === undefined ? {} : { caInfo: o.proxyCaInfo }),
      ...(o.proxyCaPath === undefined ? {} : { caPath: o.proxyCaPath }),
      ...(o.proxySslCert === undefined ? {} : { sslCert: o.proxySslCert }),
      ...(o.proxySslCertType === undefined ? {} : { sslCertType: o.proxySslCertType }),
      ...(o.proxySslKey === undefined ? {} : { sslKey: o.proxySslKey }),
      ...(o.proxySslKeyType === undefined ? {} : { sslKeyType: o.proxySslKeyType }),
      ...(o.proxyKeyPasswd === undefined ? {} : { keyPasswd: o.proxyKeyPasswd }),
      ...(o.proxyPinnedPublicKey === undefined ? {} : { pinnedPublicKey: o.proxyPinnedPublicKey }),
      ...(o.share === undefined ? {} : { share: o.share }),
    };
    proxyViews.set(o, v);
  }
  return v;
}
