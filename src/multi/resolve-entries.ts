// CURLOPT_RESOLVE entries: '[+]HOST:PORT:ADDR[,ADDR]' adds, '-HOST:PORT' removes.
import { isIP } from 'node:net';

/**
 * Why a CURLOPT_RESOLVE entry cannot be used, or undefined when it can: '[+]HOST:PORT:ADDR[,ADDR]'
 * or '-HOST:PORT', a port 0-65535 and numeric addresses (libcurl's Curl_loadhostpairs refuses the
 * rest with SETOPT_OPTION_SYNTAX, 49).
 */
export function resolveEntryProblem(raw: string): string | undefined {
  let e = raw.trim();
  const remove = e.startsWith('-');
  if (remove || e.startsWith('+')) e = e.slice(1);
  const parts = splitResolve(e);
  if (parts === undefined) return 'not HOST:PORT:ADDRESS';
  const [, port, addrs] = parts;
  if (port < 0 || port > 65535) return `port ${port} out of range`;
  if (remove) return undefined;
  if (addrs.length === 0) return 'no address';
  const bad = addrs.find((a) => isIP(a) === 0);
  return bad === undefined ? undefined : `'${bad}' is not a numeric address`;
}

export function splitResolve(e: string): [string, number, string[]] | undefined {
  const first = e.indexOf(':');
  if (first <= 0) return undefined;
  const second = e.indexOf(':', first + 1);
  const host = e.slice(0, first);
  const port = Number(e.slice(first + 1, second < 0 ? undefined : second));
  if (!Number.isInteger(port)) return undefined;
  if (second < 0) return [host, port, []];
  const addrs = e
    .slice(second + 1)
    .split(',')
    .map((a) => a.trim().replace(/^\[(.*)\]$/, '$1'))
    .filter((a) => a !== '');
  return [host, port, addrs];
}
