// Server authentication (libcurl's http.c output_auth_headers / Curl_http_input_auth /
// Curl_http_auth_act, vauth/digest.c): userPwd / username / password (or the URL's user:pass),
// httpAuth as a CURLAUTH_* bitmask, Basic, Digest per RFC 7616 (MD5, MD5-sess, SHA-256,
// SHA-256-sess, SHA-512-256; qop auth), Bearer via xoauth2Bearer.
// - One wanted method (the default is Basic) goes out with the first request (Digest needs a
//   challenge first). Several: the first request goes without, and a 401 picks the best the
//   server offers (libcurl's pickoneauth order: Bearer, Digest, Basic).
// - A 401 answered by a method picked now is retried on the same URL, on the same connection
//   when it is kept alive (its body is read and dropped). A second 401 after Basic, or a Digest
//   challenge that is not stale: an "authentication problem" - the 401 is the answer (22 with
//   failOnError). HTTP never ends in 67 LOGIN_DENIED in libcurl; neither does it here.

import type { HeaderList } from '../../proto/h1/types.js';
import type { EasyOptions } from '../options.js';
import { defaultNetrcPath, Netrc, type NetrcEntry, netrcLookup, readNetrc } from './netrc.js';

/** CURLAUTH_* bits (unsigned, as libcurl's unsigned long). */
export const HttpAuth = {
  NONE: 0,
  BASIC: 1,
  DIGEST: 2,
  NEGOTIATE: 4,
  NTLM: 8,
  DIGEST_IE: 16,
  NTLM_WB: 32,
  BEARER: 64,
  AWS_SIGV4: 128,
  ONLY: 0x8000_0000,
  /** Every method but DIGEST_IE. */
  ANY: ~16 >>> 0,
  /** ANY without Basic (no password in clear). */
  ANYSAFE: ~(1 | 16) >>> 0,
} as const;

/** Methods this engine can answer, best first (libcurl's pickoneauth order among them). */
const SUPPORTED = [HttpAuth.BEARER, HttpAuth.DIGEST, HttpAuth.BASIC] as const;

export interface Credentials {
  user: string;
  password: string;
}

interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | undefined;
  /** As the server wrote it (echoed back); undefined when it named none (MD5). */
  algorithm: string | undefined;
  qop: 'auth' | undefined;
  userhash: boolean;
}

/**
 * One side's authentication: the origin server's (401, WWW-Authenticate, httpAuth) or the
 * proxy's (407, Proxy-Authenticate, proxyAuth), as libcurl keeps data->state.authhost and
 * authproxy apart.
 */
export class AuthState {
  constructor(readonly target: 'server' | 'proxy' = 'server') {}

  /** Method chosen: a single bit once picked; before any 401 it is the wanted mask. */
  picked = 0;
  /** CURLINFO_HTTPAUTH_AVAIL: methods the last 401 offered. */
  avail = 0;
  /** CURLINFO_HTTPAUTH_USED: the method of the last Authorization sent. */
  used = 0;
  /** Gave up (libcurl's authproblem): a 401 is then the answer. */
  problem = false;
  digest: DigestChallenge | undefined;
  /** The digest challenge came with stale=true (a new nonce for the same credentials). */
  private stale = false;
  private digestSent = false;
  private nc = 0;

  get want(): number {
    return this.picked;
  }

  start(o: EasyOptions): void {
    this.picked = wanted(o, this.target);
  }

  /** The Authorization value for this request, or undefined. */
  header(o: EasyOptions, creds: Credentials | undefined, method: string, uri: string): string | undefined {
    const p = this.picked;
    if (p === HttpAuth.BEARER && o.xoauth2Bearer !== undefined) {
      this.used = HttpAuth.BEARER;
      return `Bearer ${o.xoauth2Bearer}`;
    }
    if (creds === undefined) return undefined;
    if (p === HttpAuth.BASIC) {
      this.used = HttpAuth.BASIC;
      return `Basic ${Buffer.from(`${creds.user}:${creds.password}`, 'latin1').toString('base64')}`;
    }
    if (p === HttpAuth.DIGEST && this.digest !== undefined) {
      this.used = HttpAuth.DIGEST;
      this.digestSent = true;
      return digestHeader(this.digest, creds, method, uri, ++this.nc);
    }
    return undefined;
  }

  /**
   * A final response's head: a 401 picks a method and asks for a retry ('retry'), or marks the
   * problem. `canAuth`: there are credentials or a bearer token for this host.
   */
  onResponse(o: EasyOptions, status: number, headers: HeaderList, canAuth: boolean): 'retry' | undefined {
    if (status !== (this.target === 'proxy' ? 407 : 401)) return undefined;
    const offered = parseChallenges(
      headers,
      this.target === 'proxy' ? 'proxy-authenticate' : 'www-authenticate',
    );
    let avail = 0;
    let digest: DigestChallenge | undefined;
    for (const c of offered) {
      if (c.scheme === 'basic') {
        // Basic asked for again after we sent it: the credentials are wrong.
        if (this.used === HttpAuth.BASIC) this.problem = true;
        avail |= HttpAuth.BASIC;
      } else if (c.scheme === 'digest' && (avail & HttpAuth.DIGEST) === 0) {
        // The first Digest challenge wins (libcurl ignores duplicates).
        digest = toDigest(c.params);
        if (digest !== undefined) {
          avail |= HttpAuth.DIGEST;
          this.stale = /^true$/i.test(c.params.get('stale') ?? '');
        }
      } else if (c.scheme === 'bearer') avail |= HttpAuth.BEARER;
    }
    this.avail = avail;
    if (this.used === HttpAuth.DIGEST && this.digestSent && !this.stale) this.problem = true;
    if (this.used === HttpAuth.BEARER) this.problem = true;
    if (!canAuth || this.problem) return undefined;
    const want = wanted(o, this.target);
    const pick = SUPPORTED.find((m) => (avail & want & m) !== 0);
    if (pick === undefined) {
      this.problem = true;
      return undefined;
    }
    if (pick === HttpAuth.BEARER && o.xoauth2Bearer === undefined) {
      this.problem = true;
      return undefined;
    }
    this.picked = pick;
    if (pick === HttpAuth.DIGEST) {
      if (this.digest?.nonce !== digest!.nonce) this.nc = 0;
      this.digest = digest;
      this.digestSent = false;
    }
    return 'retry';
  }
}

function wanted(o: EasyOptions, target: 'server' | 'proxy'): number {
  const w = ((target === 'proxy' ? o.proxyAuth : o.httpAuth) ?? HttpAuth.BASIC) >>> 0;
  return (w & ~HttpAuth.ONLY) >>> 0;
}

/** The user and password: the options override the URL's (libcurl's override_login). */
/** CURLOPT_NETRC's file, read now (when the transfer is added); undefined when netrc is off. */
export function loadNetrc(o: EasyOptions): NetrcEntry[] | undefined {
  if ((o.netrc ?? Netrc.IGNORED) === Netrc.IGNORED) return undefined;
  return readNetrc(o.netrcFile ?? defaultNetrcPath());
}

/** A userPwd / proxyUserPwd value: the user up to the first ':', the password after it ('' without one). */
export function splitUserPwd(value: string): [user: string, password: string] {
  const i = value.indexOf(':');
  return i < 0 ? [value, ''] : [value.slice(0, i), value.slice(i + 1)];
}

export function credentials(
  o: EasyOptions,
  url: { user: string | undefined; password: string | undefined; host: string },
  /** The .netrc entries read when the transfer was added (undefined: netrc not used). */
  netrc: readonly NetrcEntry[] | undefined,
): Credentials | undefined {
  // Most transfers have none: no user in the URL, no option, no .netrc.
  if (
    url.user === undefined &&
    netrc === undefined &&
    o.userPwd === undefined &&
    o.username === undefined &&
    o.password === undefined
  ) {
    return undefined;
  }
  return givenCredentials(o, url, netrc);
}

/** credentials() when there may be some (apart: the common case stays small bytecode). */
function givenCredentials(
  o: EasyOptions,
  url: { user: string | undefined; password: string | undefined; host: string },
  netrc: readonly NetrcEntry[] | undefined,
): Credentials | undefined {
  let user: string | undefined;
  let password = '';
  // A URL's user, even an empty one ('http://@host/'), means credentials (curl sends 'Basic Og==').
  if (url.user !== undefined) {
    user = url.user;
    password = url.password ?? '';
  }
  if (o.userPwd !== undefined) [user, password] = splitUserPwd(o.userPwd);
  if (o.username !== undefined) user = o.username;
  if (o.password !== undefined) {
    password = o.password;
    user ??= '';
  }
  // .netrc: never over credentials set as options; REQUIRED ignores the URL's, OPTIONAL fills in
  // what the URL lacks (libcurl's override_login()).
  const mode = o.netrc ?? Netrc.IGNORED;
  if (
    mode !== Netrc.IGNORED &&
    netrc !== undefined &&
    o.userPwd === undefined &&
    o.username === undefined &&
    o.password === undefined
  ) {
    const urlHasPassword = (url.password ?? '') !== '';
    if (mode === Netrc.REQUIRED || !urlHasPassword) {
      const login = (url.user ?? '') === '' ? undefined : url.user;
      const found = netrcLookup(netrc, url.host, login);
      if (found !== undefined) return found;
      if (mode === Netrc.REQUIRED && login === undefined) return undefined;
    }
  }
  return user === undefined ? undefined : { user, password };
}

interface Challenge {
  scheme: string;
  params: Map<string, string>;
}

/** WWW-Authenticate (or Proxy-Authenticate) values: several headers, several challenges per header, quoted params. */
export function parseChallenges(headers: HeaderList, field = 'www-authenticate'): Challenge[] {
  const out: Challenge[] = [];
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== field) continue;
    let cur: Challenge | undefined;
    for (const part of splitOutsideQuotes(value)) {
      const p = part.trim();
      if (p === '') continue;
      const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:\s+(.*))?$/s.exec(p);
      const eq = p.indexOf('=');
      const startsChallenge = m !== null && (eq < 0 || (m[2] !== undefined && p.indexOf(' ') < eq));
      if (startsChallenge) {
        cur = { scheme: m[1]!.toLowerCase(), params: new Map() };
        out.push(cur);
        if (m[2] !== undefined) addParam(cur, m[2]);
      } else if (cur !== undefined) addParam(cur, p);
    }
  }
  return out;
}

function addParam(c: Challenge, p: string): void {
  const eq = p.indexOf('=');
  if (eq <= 0) return;
  let v = p.slice(eq + 1).trim();
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
  c.params.set(p.slice(0, eq).trim().toLowerCase(), v);
}

function splitOutsideQuotes(s: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

const DIGEST_HASHES: Record<string, string> = {
  md5: 'md5',
  'md5-sess': 'md5',
  'sha-256': 'sha256',
  'sha-256-sess': 'sha256',
  'sha-512-256': 'sha512-256',
  'sha-512-256-sess': 'sha512-256',
};

function toDigest(p: Map<string, string>): DigestChallenge | undefined {
  const nonce = p.get('nonce');
  if (nonce === undefined) return undefined;
  const algorithm = p.get('algorithm');
  if (algorithm !== undefined && DIGEST_HASHES[algorithm.toLowerCase()] === undefined) return undefined;
  const qops = (p.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase());
  return {
    realm: p.get('realm') ?? '',
    nonce,
    opaque: p.get('opaque'),
    algorithm,
    qop: qops.includes('auth') ? 'auth' : undefined,
    userhash: /^true$/i.test(p.get('userhash') ?? ''),
  };
}

function digestHeader(d: DigestChallenge, c: Credentials, method: string, uri: string, nc: number): string {
  const alg = (d.algorithm ?? 'MD5').toLowerCase();
  const hashName = DIGEST_HASHES[alg]!;
  const { createHash, randomBytes } = process.getBuiltinModule('node:crypto');
  const H = (s: string) => createHash(hashName).update(s, 'utf8').digest('hex');
  const cnonce = randomBytes(16).toString('hex');
  const ncHex = nc.toString(16).padStart(8, '0');
  let ha1 = H(`${c.user}:${d.realm}:${c.password}`);
  if (alg.endsWith('-sess')) ha1 = H(`${ha1}:${d.nonce}:${cnonce}`);
  const ha2 = H(`${method}:${uri}`);
  const response =
    d.qop === undefined
      ? H(`${ha1}:${d.nonce}:${ha2}`)
      : H(`${ha1}:${d.nonce}:${ncHex}:${cnonce}:${d.qop}:${ha2}`);
  const user = d.userhash ? H(`${c.user}:${d.realm}`) : c.user;
  const q = (s: string) => s.replace(/(["\\])/g, '\\$1');
  let h = `Digest username="${q(user)}", realm="${q(d.realm)}", nonce="${q(d.nonce)}", uri="${q(uri)}"`;
  if (d.qop !== undefined) h += `, cnonce="${cnonce}", nc=${ncHex}, qop=${d.qop}`;
  h += `, response="${response}"`;
  if (d.opaque !== undefined) h += `, opaque="${q(d.opaque)}"`;
  if (d.algorithm !== undefined) h += `, algorithm=${d.algorithm}`;
  if (d.userhash) h += ', userhash=true';
  return h;
}
