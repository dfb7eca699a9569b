// .netrc (CURLOPT_NETRC / CURLOPT_NETRC_FILE, libcurl's netrc.c): credentials per host from a
// file of 'machine NAME login USER password PASS' entries, with 'default' as the fallback and
// 'macdef' blocks skipped. Tokens may be double-quoted with \" \\ \n \r \t escapes (curl 8).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** CURL_NETRC_* numbers. */
export const Netrc = { IGNORED: 0, OPTIONAL: 1, REQUIRED: 2 } as const;
export type Netrc = (typeof Netrc)[keyof typeof Netrc];

export interface NetrcEntry {
  /** undefined for the 'default' entry. */
  machine: string | undefined;
  login: string | undefined;
  password: string | undefined;
}

function tokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '"') {
      let tok = '';
      i++;
      while (i < n && text[i] !== '"') {
        let ch = text[i]!;
        if (ch === '\\' && i + 1 < n) {
          const e = text[++i]!;
          ch = e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e;
        }
        tok += ch;
        i++;
      }
      i++;
      out.push(tok);
      continue;
    }
    let j = i;
    while (j < n && !' \t\r\n'.includes(text[j]!)) j++;
    const tok = text.slice(i, j);
    i = j;
    if (tok === 'macdef') {
      // A macro runs to the next empty line; nothing in it is a token.
      const end = text.indexOf('\n\n', i);
      i = end < 0 ? n : end + 2;
      continue;
    }
    out.push(tok);
  }
  return out;
}

export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  const t = tokens(text);
  let cur: NetrcEntry | undefined;
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    if (tok === 'machine' || tok === 'default') {
      cur = { machine: tok === 'machine' ? t[++i] : undefined, login: undefined, password: undefined };
      entries.push(cur);
    } else if (cur !== undefined && (tok === 'login' || tok === 'password' || tok === 'account')) {
      const v = t[++i];
      if (tok === 'login') cur.login = v;
      else if (tok === 'password') cur.password = v;
    }
  }
  return entries;
}

/** The file libcurl reads when no CURLOPT_NETRC_FILE is set: $NETRC, else ~/.netrc. */
export function defaultNetrcPath(): string {
  return process.env.NETRC ?? join(process.env.HOME ?? homedir(), '.netrc');
}

/**
 * The entries of a .netrc file, read once when the transfer is added (never while it runs). A
 * missing or unreadable file has none, as libcurl.
 */
export function readNetrc(file: string): NetrcEntry[] {
  try {
    return parseNetrc(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

/**
 * Credentials for `host` (and `login`, when the URL names a user): the first matching machine
 * entry, else the default entry.
 */
export function netrcLookup(
  entries: readonly NetrcEntry[],
  host: string,
  login: string | undefined,
): { user: string; password: string } | undefined {
  const lower = host.toLowerCase();
  const match = (e: NetrcEntry) => login === undefined || e.login === undefined || e.login === login;
  const found =
    entries.find((e) => e.machine?.toLowerCase() === lower && match(e)) ??
    entries.find((e) => e.machine === undefined && match(e));
  if (found === undefined || (found.login === undefined && login === undefined)) return undefined;
  return { user: found.login ?? login ?? '', password: found.password ?? '' };
}
