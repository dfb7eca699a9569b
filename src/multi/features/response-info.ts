// What a final response's head tells getInfo() beyond the status (libcurl's http.c header
// handlers): CURLINFO_RETRY_AFTER from Retry-After (seconds, or an HTTP date as seconds from
// now, never negative) and CURLINFO_FILETIME from Last-Modified (only with the filetime option).
import type { HeaderList } from '../../proto/h1/types.js';
import type { EasyOptions } from '../options.js';

export interface ResponseInfo {
  retryAfter: number;
  fileTime: number;
}

/** The clock is read only for a Retry-After given as a date. */
export function responseInfo(
  o: EasyOptions,
  headers: HeaderList,
  clock: { wallClockMs(): number },
): ResponseInfo {
  let retryAfter = 0;
  let fileTime = -1;
  for (const [name, value] of headers) {
    // Only two names matter: no lower-case copy of every other one.
    if (name.length !== 11 && name.length !== 13) continue;
    const lower = name.toLowerCase();
    if (lower === 'retry-after') {
      const v = value.trim();
      if (/^\d+$/.test(v)) retryAfter = Number(v);
      else {
        const at = Date.parse(v);
        if (!Number.isNaN(at)) retryAfter = Math.max(0, Math.floor((at - clock.wallClockMs()) / 1000));
      }
    } else if (lower === 'last-modified' && o.filetime) {
      const at = Date.parse(value.trim());
      if (!Number.isNaN(at)) fileTime = Math.floor(at / 1000);
    }
  }
  return { retryAfter, fileTime };
}
