// Checking a TLS peer the way libcurl's OpenSSL backend does: OpenSSL's verify result as its
// X509_V_ERR number and text, the host name against subjectAltName (then the CN when there is no
// DNS name), and CURLOPT_PINNEDPUBLICKEY against the leaf's SubjectPublicKeyInfo.
import type { TlsCertificate } from '../transport/types.js';

/** OpenSSL's verify codes (x509_vfy.h) and texts, by the name Node reports. */
const verifyErrors: Record<string, [number, string]> = {
  UNABLE_TO_GET_ISSUER_CERT: [2, 'unable to get issuer certificate'],
  CERT_SIGNATURE_FAILURE: [7, 'certificate signature failure'],
  CERT_NOT_YET_VALID: [9, 'certificate is not yet valid'],
  CERT_HAS_EXPIRED: [10, 'certificate has expired'],
  DEPTH_ZERO_SELF_SIGNED_CERT: [18, 'self-signed certificate'],
  SELF_SIGNED_CERT_IN_CHAIN: [19, 'self-signed certificate in certificate chain'],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: [20, 'unable to get local issuer certificate'],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: [21, 'unable to verify the first certificate'],
  CERT_CHAIN_TOO_LONG: [22, 'certificate chain too long'],
  CERT_REVOKED: [23, 'certificate revoked'],
  INVALID_CA: [24, 'invalid CA certificate'],
  PATH_LENGTH_EXCEEDED: [25, 'path length constraint exceeded'],
  INVALID_PURPOSE: [26, 'unsupported certificate purpose'],
  CERT_UNTRUSTED: [27, 'certificate not trusted'],
  CERT_REJECTED: [28, 'certificate rejected'],
  HOSTNAME_MISMATCH: [62, 'hostname mismatch'],
};

/** CURLINFO_SSL_VERIFYRESULT for a verify code name (0: trusted; 1: unknown failure). */
export function verifyCodeOf(name: string | undefined): number {
  if (name === undefined) return 0;
  return verifyErrors[name]?.[0] ?? 1;
}

export function verifyReasonOf(name: string): string {
  return verifyErrors[name]?.[1] ?? name.toLowerCase().replaceAll('_', ' ');
}

/** Expand an IPv6 literal to eight lower-case groups so textual forms compare equal. */
function normalizeIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const a = head === '' ? [] : head.split(':');
  const b = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? a : [...a, ...Array(8 - a.length - b.length).fill('0'), ...b];
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/** RFC 6125 as curl applies it: a wildcard only as the whole left-most label, never for IPs. */
function nameMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === h) return true;
  if (!p.startsWith('*.')) return false;
  const rest = p.slice(1);
  // At least two labels after the wildcard ('*.com' matches nothing).
  if (rest.split('.').length < 3) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot) === rest;
}

const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Why `cert` is not valid for `host` (curl's message), or undefined when it is. */
export function hostMismatch(cert: TlsCertificate, host: string): string | undefined {
  const isIp = ipv4.test(host) || host.includes(':');
  if (isIp) {
    const want = normalizeIp(host);
    if (cert.ipAddresses.some((ip) => normalizeIp(ip) === want)) return undefined;
    if (cert.ipAddresses.length > 0 || cert.dnsNames.length > 0)
      return `no alternative certificate subject name matches target host name '${host}'`;
  } else {
    if (cert.dnsNames.some((n) => nameMatches(n, host))) return undefined;
    if (cert.dnsNames.length > 0)
      return `no alternative certificate subject name matches target host name '${host}'`;
    if (cert.commonName !== '' && !isIp && nameMatches(cert.commonName, host)) return undefined;
  }
  return cert.commonName === ''
    ? `unable to obtain common name from peer certificate`
    : `certificate subject name '${cert.commonName}' does not match target host name '${host}'`;
}

/** CURLOPT_PINNEDPUBLICKEY parsed: sha256 hashes (base64) and/or one key's SPKI DER. */
export interface PinnedKeys {
  readonly sha256: readonly string[];
  readonly spki: Uint8Array | undefined;
}

/**
 * Parse the option: 'sha256//<base64>' entries separated by ';', or a file's contents (a PEM
 * 'PUBLIC KEY' or DER SubjectPublicKeyInfo). Returns undefined when the file holds no key.
 */
export function parsePinnedKeys(
  value: string,
  readFile: (path: string) => Uint8Array,
): PinnedKeys | undefined {
  if (value.startsWith('sha256//')) {
    const sha256 = value
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('sha256//'))
      .map((s) => s.slice(8));
    return { sha256, spki: undefined };
  }
  const bytes = readFile(value);
  const text = Buffer.from(bytes).toString('latin1');
  const m = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(text);
  if (m !== null) return { sha256: [], spki: Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') };
  if (text.includes('-----BEGIN')) return undefined;
  return { sha256: [], spki: bytes };
}

export function pinnedKeyMatches(pinned: PinnedKeys, spki: Uint8Array): boolean {
  if (pinned.spki !== undefined && Buffer.compare(Buffer.from(pinned.spki), Buffer.from(spki)) === 0)
    return true;
  if (pinned.sha256.length === 0) return false;
  const digest = process.getBuiltinModule('node:crypto').createHash('sha256').update(spki).digest('base64');
  return pinned.sha256.includes(digest);
}
