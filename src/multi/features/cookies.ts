// The cookie engine (libcurl's cookie.c with RFC 6265bis's storage model): Set-Cookie parsing
// (name/value rules, nameless cookies, attributes over 1024 octets ignored), domain and path
// matching, a Domain that is a public suffix refused (tldts's list, as libcurl with libpsl),
// Max-Age over Expires, expiry capped at 400 days, Secure only over https (none yet), HttpOnly kept
// (the #HttpOnly_ prefix in files), SameSite stored, __Secure- / __Host- prefixes, 4096-byte limit;
// Netscape files read (cookieFile) and written (cookieJar).
//
// SameSite in files: the Netscape format has no field for it and curl refuses lines with an 8th
// field, so it goes on a comment line just before the cookie's ('#tscurl_SameSite=Lax'): curl
// skips it and reads the cookie, tscurl reads both. An engine without a "site for cookies" sends
// SameSite cookies like any other, as libcurl (which ignores the attribute).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { HeaderList } from '../../proto/h1/types.js';
import type { EasyOptions } from '../options.js';

/** libcurl's MAX_NAME (lib/cookie.h) / RFC 6265bis 5.6: name + value at most 4096 bytes. */
export const MAX_COOKIE_SIZE = 4096;
/** libcurl's MAX_COOKIE_LINE (lib/cookie.h): a longer Set-Cookie line is dropped at once. */
export const MAX_COOKIE_LINE = 5000;
/** libcurl's MAX_SET_COOKIE_AMOUNT (lib/cookie.h): Set-Cookie lines taken from one response. */
export const MAX_SET_COOKIE_AMOUNT = 50;
/** libcurl's MAX_COOKIE_SEND_AMOUNT (lib/cookie.h): cookies sent in one request at most. */
export const MAX_COOKIE_SEND_AMOUNT = 150;
/** libcurl's MAX_COOKIE_HEADER_LEN (lib/cookie.h, Apache's default): the Cookie header's length cap. */
export const MAX_COOKIE_HEADER_LEN = 8190;
/**
 * Cookies kept per domain. libcurl keeps no such cap; this is Chromium's (kDomainMaxCookies, above
 * RFC 6265 6.1's "at least 50"): past it the domain's oldest cookie goes, so one server cannot
 * crowd out every other site's cookies in a shared jar.
 */
export const MAX_COOKIES_PER_DOMAIN = 180;
/** Cookies kept in one jar (Chromium's kMaxCookies; RFC 6265 6.1: at least 3000): the oldest goes. */
export const MAX_COOKIES = 3300;
/** RFC 6265bis 5.6: an attribute value longer than this is ignored. */
export const MAX_ATTRIBUTE_VALUE = 1024;
/** RFC 6265bis 5.6.1/5.6.2 (and libcurl's COOKIES_MAXAGE): expiry at most 400 days ahead. */
export const MAX_COOKIE_AGE_S = 400 * 24 * 3600;
/** The comment line that carries a cookie's SameSite in a Netscape file. */
const SAMESITE_LINE = '#tscurl_SameSite=';

export type SameSite = 'strict' | 'lax' | 'none';
const SAME_SITE_NAMES: Record<SameSite, string> = { strict: 'Strict', lax: 'Lax', none: 'None' };

export interface Cookie {
  name: string;
  value: string;
  domain: string;
  /** Domain attribute given: subdomains match too. */
  tailmatch: boolean;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  /** Seconds since the epoch; 0 = session cookie. */
  expires: number;
  /** The SameSite attribute when given with a known value (RFC 6265bis 5.6.7). */
  sameSite?: SameSite;
}

export class CookieJar {
  /** In creation order (a replaced cookie keeps its place). */
  private cookies: Cookie[] = [];
  /** name, domain and path -> the cookie: a replacement is found without a scan. */
  private readonly byKey = new Map<string, Cookie>();
  /** Cookies per domain, for MAX_COOKIES_PER_DOMAIN. */
  private readonly perDomain = new Map<string, number>();

  get all(): readonly Cookie[] {
    return this.cookies;
  }

  /**
   * Store `c`; one with the same name, domain and path is replaced in place (it keeps its creation
   * order). A new cookie over MAX_COOKIES_PER_DOMAIN or MAX_COOKIES evicts the oldest (of its
   * domain, else of the jar), so a flood keeps the jar's size flat.
   */
  add(c: Cookie, nowS: number): void {
    const key = cookieKey(c);
    const old = this.byKey.get(key);
    const live = c.expires === 0 || c.expires > nowS;
    const cookies = this.cookies;
    if (old !== undefined) {
      const i = cookies.indexOf(old);
      if (live) {
        cookies[i] = c;
        this.byKey.set(key, c);
      } else {
        cookies.splice(i, 1);
        this.forget(old);
      }
      return;
    }
    if (!live) return;
    if ((this.perDomain.get(c.domain) ?? 0) >= MAX_COOKIES_PER_DOMAIN) {
      const i = cookies.findIndex((x) => x.domain === c.domain);
      this.forget(cookies[i]!);
      cookies.splice(i, 1);
    } else if (cookies.length >= MAX_COOKIES) this.forget(cookies.shift()!);
    cookies.push(c);
    this.byKey.set(key, c);
    this.perDomain.set(c.domain, (this.perDomain.get(c.domain) ?? 0) + 1);
  }

  private forget(c: Cookie): void {
    this.byKey.delete(cookieKey(c));
    const n = (this.perDomain.get(c.domain) ?? 1) - 1;
    if (n === 0) this.perDomain.delete(c.domain);
    else this.perDomain.set(c.domain, n);
  }

  /** Keep only the cookies `keep` accepts. */
  private retain(keep: (c: Cookie) => boolean): void {
    const kept = this.cookies.filter(keep);
    if (kept.length === this.cookies.length) return;
    for (const c of this.cookies) if (!keep(c)) this.forget(c);
    this.cookies = kept;
  }

  /** A Set-Cookie value received from `host` for `path` (`secure`: over https); true if taken. */
  setCookie(line: string, host: string, reqPath: string, nowS: number, secure = false): boolean {
    const c = parseSetCookie(line, host, reqPath, nowS, secure);
    if (c === undefined) return false;
    this.add(c, nowS);
    return true;
  }

  /** The Cookie header value for a request, or undefined. */
  header(host: string, path: string, secure: boolean, nowS: number): string | undefined {
    this.retain((c) => c.expires === 0 || c.expires > nowS);
    const h = host.toLowerCase();
    const match: Cookie[] = [];
    // libcurl's Curl_cookie_getlist: the first MAX_COOKIE_SEND_AMOUNT matches, then sorted.
    for (const c of this.cookies) {
      if (
        (c.tailmatch ? h === c.domain || h.endsWith(`.${c.domain}`) : h === c.domain) &&
        pathMatch(path, c.path) &&
        (!c.secure || secure) &&
        match.push(c) >= MAX_COOKIE_SEND_AMOUNT
      )
        break;
    }
    if (match.length === 0) return undefined;
    // Longer paths first (RFC 6265 5.4).
    match.sort((a, b) => b.path.length - a.path.length);
    // libcurl's http.c: a cookie that would take the line to MAX_COOKIE_HEADER_LEN is not sent,
    // nor any after it. A nameless cookie (RFC 6265bis) is sent as its value alone.
    let out = '';
    for (const c of match) {
      const pair = c.name === '' ? c.value : `${c.name}=${c.value}`;
      const add = out === '' ? pair.length : pair.length + 2;
      if (out.length + add >= MAX_COOKIE_HEADER_LEN) break;
      out = out === '' ? pair : `${out}; ${pair}`;
    }
    return out === '' ? undefined : out;
  }

  clearSession(): void {
    this.retain((c) => c.expires !== 0);
  }

  clear(): void {
    this.cookies = [];
    this.byKey.clear();
    this.perDomain.clear();
  }

  /** Read a Netscape cookie file (or Set-Cookie: lines, as libcurl accepts both). */
  load(text: string, nowS: number, session: boolean): void {
    let sameSite: SameSite | undefined;
    for (const raw of text.split(/\r?\n/)) {
      if (raw.startsWith(SAMESITE_LINE)) {
        sameSite = sameSiteOf(raw.slice(SAMESITE_LINE.length));
        continue;
      }
      this.addLine(raw, nowS, session, sameSite);
      sameSite = undefined;
    }
  }

  /**
   * One cookieList line: 'Set-Cookie: ...', a Netscape line, or a Netscape line with its SameSite
   * comment line before it ('#tscurl_SameSite=Lax\n<netscape line>', as toNetscape() writes).
   */
  addLine(raw: string, nowS: number, session = false, sameSite?: SameSite): void {
    if (raw.startsWith(SAMESITE_LINE) && raw.includes('\n')) {
      this.load(raw, nowS, session);
      return;
    }
    const set = /^set-cookie:\s*(.*)$/i.exec(raw);
    if (set !== null) {
      const c = parseSetCookie(set[1]!, '', '/', nowS);
      if (c !== undefined && !(session && c.expires === 0)) this.add(c, nowS);
      return;
    }
    const c = parseNetscape(raw);
    if (c === undefined || (session && c.expires === 0)) return;
    if (sameSite !== undefined) c.sameSite = sameSite;
    this.add(c, nowS);
  }

  toNetscape(): string {
    let out =
      '# Netscape HTTP Cookie File\n# https://curl.se/docs/http-cookies.html\n# This file was generated by tscurl! Edit at your own risk.\n\n';
    for (const c of this.cookies) {
      const domain = `${c.httpOnly ? '#HttpOnly_' : ''}${c.tailmatch ? '.' : ''}${c.domain}`;
      if (c.sameSite !== undefined) out += `${SAMESITE_LINE}${SAME_SITE_NAMES[c.sameSite]}\n`;
      out += `${domain}\t${c.tailmatch ? 'TRUE' : 'FALSE'}\t${c.path}\t${c.secure ? 'TRUE' : 'FALSE'}\t${c.expires}\t${c.name}\t${c.value}\n`;
    }
    return out;
  }
}

function pathMatch(reqPath: string, cookiePath: string): boolean {
  if (reqPath === cookiePath) return true;
  if (!reqPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || reqPath[cookiePath.length] === '/';
}

function defaultPath(reqPath: string): string {
  const p = reqPath.split('?')[0]!;
  if (!p.startsWith('/')) return '/';
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 6265bis: CTLs except HTAB abort the cookie
const BAD = /[\x00-\x08\x0a-\x1f\x7f]/;

/** Leading and trailing WSP (SP, HTAB) only, as RFC 6265bis trims. */
function trimWsp(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

function sameSiteOf(v: string): SameSite | undefined {
  const l = trimWsp(v).toLowerCase();
  return l === 'strict' || l === 'lax' || l === 'none' ? l : undefined;
}

/** IPv4 dotted quad or an IPv6 literal: no public suffix check, and Domain must equal the host. */
function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** The Public Suffix List (ICANN and private sections, as libpsl's built-in list) says `domain` is a suffix. */
export function isPublicSuffix(domain: string): boolean {
  if (domain === 'localhost') return false;
  return publicSuffixOf(domain) === domain;
}

/**
 * RFC 6265bis 5.7 steps for the cookie-name prefixes (case-insensitive): __Secure- needs Secure
 * (and a secure origin when one applies); __Host- also needs no Domain attribute and Path=/.
 * A nameless cookie may not smuggle one in its value.
 */
function prefixOk(c: Cookie, secureOrigin: boolean): boolean {
  const n = (c.name === '' ? c.value : c.name).toLowerCase();
  if (c.name === '' && (n.startsWith('__secure-') || n.startsWith('__host-'))) return false;
  if (n.startsWith('__secure-')) return c.secure && secureOrigin;
  if (n.startsWith('__host-')) return c.secure && secureOrigin && !c.tailmatch && c.path === '/';
  return true;
}

/**
 * A Set-Cookie header value from `host` (lower or mixed case; '' = no origin: a cookieList line)
 * requested at `reqPath`; `secure` when it came over https. Undefined when the cookie is refused.
 */
function cookieKey(c: Cookie): string {
  return `${c.domain}\t${c.path}\t${c.name}`;
}

export function parseSetCookie(
  line: string,
  host: string,
  reqPath: string,
  nowS: number,
  secure = false,
): Cookie | undefined {
  if (line.length > MAX_COOKIE_LINE) return undefined;
  const parts = line.split(';');
  const first = parts.shift()!;
  if (BAD.test(first)) return undefined;
  const eq = first.indexOf('=');
  // RFC 6265bis 5.6 step 3: no '=' makes a nameless cookie whose value is the whole pair.
  const name = eq < 0 ? '' : trimWsp(first.slice(0, eq));
  const value = trimWsp(eq < 0 ? first : first.slice(eq + 1));
  if (name === '' && value === '') return undefined;
  if (Buffer.byteLength(name) + Buffer.byteLength(value) > MAX_COOKIE_SIZE) return undefined;
  const lowerHost = host.toLowerCase();
  // No origin (a cookieList line): the Secure attribute and the prefixes are taken as given, as
  // libcurl does for cookies not received over the network.
  const secureOrigin = host === '' || secure;
  const c: Cookie = {
    name,
    value,
    domain: lowerHost,
    tailmatch: false,
    path: defaultPath(reqPath),
    secure: false,
    httpOnly: false,
    expires: 0,
  };
  let maxAge: number | undefined;
  let expires: number | undefined;
  let domainAttr: string | undefined;
  for (const p of parts) {
    const i = p.indexOf('=');
    const key = trimWsp(i < 0 ? p : p.slice(0, i)).toLowerCase();
    const v = i < 0 ? '' : trimWsp(p.slice(i + 1));
    if (Buffer.byteLength(v) > MAX_ATTRIBUTE_VALUE) continue;
    if (key === 'domain') {
      if (v !== '') domainAttr = v.replace(/^\./, '').toLowerCase();
    } else if (key === 'path') c.path = v.startsWith('/') ? v : defaultPath(reqPath);
    else if (key === 'secure') c.secure = true;
    else if (key === 'httponly') c.httpOnly = true;
    else if (key === 'samesite') {
      const ss = sameSiteOf(v);
      if (ss === undefined) delete c.sameSite;
      else c.sameSite = ss;
    } else if (key === 'max-age' && /^-?\d+$/.test(v)) maxAge = Number(v);
    else if (key === 'expires') {
      const at = Date.parse(v);
      if (!Number.isNaN(at)) expires = Math.floor(at / 1000);
    }
  }
  if (domainAttr !== undefined && domainAttr !== '') {
    const d = domainAttr;
    if (host !== '') {
      // The request host must be the domain or inside it (no cookies for unrelated domains); an IP
      // address only for itself.
      if (lowerHost !== d && (!lowerHost.endsWith(`.${d}`) || isIpAddress(lowerHost))) return undefined;
      // A public suffix (co.uk, github.io) may not be set as Domain, unless it is the host itself
      // (then it is a host-only cookie, RFC 6265bis 5.7 step 9; libpsl's cookie_domain_acceptable).
      if (lowerHost !== d && isPublicSuffix(d)) return undefined;
    }
    if (!d.includes('.') && d !== 'localhost' && lowerHost !== d) return undefined;
    if (host !== '' && lowerHost === d && isPublicSuffix(d)) c.domain = d;
    else {
      c.domain = d;
      c.tailmatch = true;
    }
  }
  // Secure from an insecure origin is refused (RFC 6265bis 5.7 step 13).
  if (c.secure && !secureOrigin) return undefined;
  if (!prefixOk(c, secureOrigin)) return undefined;
  // Max-Age wins over Expires; Max-Age <= 0 expires at once; at most 400 days ahead.
  if (maxAge !== undefined) c.expires = maxAge <= 0 ? 1 : nowS + Math.min(maxAge, MAX_COOKIE_AGE_S);
  else if (expires !== undefined) c.expires = Math.max(1, Math.min(expires, nowS + MAX_COOKIE_AGE_S));
  return c;
}

function parseNetscape(raw: string): Cookie | undefined {
  let line = raw;
  let httpOnly = false;
  if (line.startsWith('#HttpOnly_')) {
    httpOnly = true;
    line = line.slice(10);
  } else if (line.startsWith('#') || line.trim() === '') return undefined;
  const f = line.split('\t');
  if (f.length < 7) return undefined;
  const [domain, tail, path, secure, exp, name, value] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const c: Cookie = {
    name,
    value,
    domain: domain.replace(/^\./, '').toLowerCase(),
    tailmatch: tail === 'TRUE',
    path,
    secure: secure === 'TRUE',
    httpOnly,
    expires: Number(exp) || 0,
  };
  // libcurl checks the prefixes on file lines too (no origin: the attributes only).
  return prefixOk(c, true) ? c : undefined;
}

/** The engine is on when a cookie file or jar is named (cookieFile '' = on without a file) or a cookie Share is set. */
export function cookiesEnabled(o: EasyOptions): boolean {
  return (
    o.cookieFile !== undefined ||
    o.cookieJar !== undefined ||
    o.cookieList !== undefined ||
    // libcurl: a handle with a cookie share has the share's cookie engine.
    o.share?.cookies !== undefined
  );
}

/** Load cookieFile and apply cookieList once per transfer start (libcurl loads at perform). */
export function prepareJar(jar: CookieJar, o: EasyOptions, nowS: number): void {
  if (o.cookieFile !== undefined && o.cookieFile !== '') {
    try {
      jar.load(readFileSync(o.cookieFile, 'latin1'), nowS, o.cookieSession === true);
    } catch {
      // libcurl ignores a cookie file it cannot read.
    }
  } else if (o.cookieSession) jar.clearSession();
}

/** CURLOPT_COOKIELIST: 'ALL', 'SESS', 'FLUSH', 'RELOAD', a Set-Cookie line or a Netscape line. */
export function applyCookieList(jar: CookieJar, o: EasyOptions, cmd: string, nowS: number): void {
  switch (cmd.toUpperCase()) {
    case 'ALL':
      jar.clear();
      return;
    case 'SESS':
      jar.clearSession();
      return;
    case 'FLUSH':
      writeJar(jar, o);
      return;
    case 'RELOAD':
      prepareJar(jar, o, nowS);
      return;
    default:
      jar.addLine(cmd, nowS);
  }
}

export function writeJar(jar: CookieJar, o: EasyOptions): void {
  if (o.cookieJar === undefined || o.cookieJar === '') return;
  writeFileSync(o.cookieJar === '-' ? 1 : o.cookieJar, jar.toNetscape());
}

/** Set-Cookie headers of a response into the jar. */
export function storeCookies(
  jar: CookieJar,
  headers: HeaderList,
  host: string,
  path: string,
  nowS: number,
): void {
  let taken = 0;
  for (const [name, value] of headers) {
    if (name.length !== 10 || name.toLowerCase() !== 'set-cookie') continue;
    // libcurl counts the cookies taken from one response (data->req.setcookies).
    if (taken >= MAX_SET_COOKIE_AMOUNT) return;
    if (jar.setCookie(value, host, path, nowS)) taken++;
  }
}

type GetPublicSuffix = (domain: string, opts: { allowPrivateDomains: boolean }) => string | null;
let getPublicSuffix: GetPublicSuffix | undefined;

/**
 * tldts's public suffix of a domain. The list is loaded on the first cookie with a Domain
 * attribute, not at start-up: it is the largest module the CLI would otherwise parse.
 */
function publicSuffixOf(domain: string): string | null {
  getPublicSuffix ??= (createRequire(import.meta.url)('tldts') as { getPublicSuffix: GetPublicSuffix })
    .getPublicSuffix;
  return getPublicSuffix(domain, { allowPrivateDomains: true });
}
