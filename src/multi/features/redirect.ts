// Following Location (libcurl's Curl_follow in transfer.c / http.c): which responses redirect,
// the next URL, the method change for 301/302/303 (CURLOPT_POSTREDIR), the redirect limit,
// autoReferer, and which credentials may go to the next host.
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import type { HeaderList } from '../../proto/h1/types.js';
import {
  parseCurlUrl,
  resolveUrl,
  schemeLength,
  UrlError,
  type UrlFlags,
  urlToString,
  utf8Bytes,
} from '../../proto/url.js';
import { PostRedir } from '../options.js';
import { FIRST_REQUEST, fromBytes, type RequestShape, type Target } from '../request.js';

/** CURLOPT_MAXREDIRS default since libcurl 8.3.0 (it was unlimited before). */
export const DEFAULT_MAX_REDIRS = 30;

export class RedirectState {
  /** CURLINFO_REDIRECT_COUNT. */
  count = 0;
  /** The resolved Location of the current 3xx response, if it has one. */
  location: string | undefined;
  /** Why that Location is no URL (followed, the transfer ends with it). */
  locationError: UrlError | undefined;
  /** The Location had a scheme (an absolute URL ends CURLOPT_PORT's say, as libcurl's disallowport). */
  locationAbsolute = false;
  /** CURLINFO_REDIRECT_URL: where a redirect would go (not followed, or the limit was hit). */
  wouldRedirect: string | null = null;
  /** CURLINFO_REDIRECT_TIME in ms: from the start to when the last redirect was followed. */
  timeMs = 0;
  /** The request being built is for a followed Location (libcurl's this_is_a_follow). */
  isFollow = false;
  /** CURLOPT_PORT applies until an absolute Location is followed. */
  allowPort = true;
  /** The first request's target: credentials stay with its origin (compared only on a follow). */
  firstTarget: Target | undefined = undefined;
  shape: RequestShape = FIRST_REQUEST;
}

/** What a transfer that never needed a redirect history reads (never written). */
export const NO_REDIRECTS: Readonly<RedirectState> = new RedirectState();

export function originOf(t: Target): string {
  return `${t.scheme}://${t.host.toLowerCase()}:${t.port}`;
}

/** Before each request: what the redirect history lets it send. */
export function shapeRequest(r: RedirectState, target: Target, unrestrictedAuth: boolean): void {
  if (!r.isFollow) {
    r.firstTarget = target;
    // A retry of the first request (stale connection, 417) keeps what the retry learned.
    r.shape = r.shape.disableExpect ? { ...FIRST_REQUEST, disableExpect: true } : FIRST_REQUEST;
    return;
  }
  const first = r.firstTarget;
  const same = first !== undefined && originOf(target) === originOf(first);
  r.shape = {
    ...r.shape,
    credentialsAllowed: unrestrictedAuth || same,
    customHostAllowed: same,
  };
}

/**
 * A final response's head: a 3xx with a non-empty Location (the first one, as libcurl) is noted.
 * Returns true when it will be followed, so its body is to be skipped.
 */
export function onFinalHead(
  r: RedirectState,
  head: { readonly status: number; readonly headers: HeaderList },
  currentUrl: string,
  follow: boolean,
  pathAsIs = false,
): boolean {
  r.location = undefined;
  r.locationError = undefined;
  // A head's pairs may be made on first read: only a 3xx looks at them.
  if (head.status < 300 || head.status > 399) return false;
  let raw: string | undefined;
  for (const [name, value] of head.headers) {
    if (name.length === 8 && name.toLowerCase() === 'location') {
      raw = value.trim();
      break;
    }
  }
  if (raw === undefined || raw === '') return false;
  r.locationAbsolute = schemeLength(raw, false) > 0;
  try {
    r.location = resolveLocation(raw, currentUrl, follow, pathAsIs);
  } catch (e) {
    if (!(e instanceof UrlError)) throw e;
    // Not followed (CURLINFO_REDIRECT_URL only): the header as it came, as libcurl copies it.
    r.location = raw;
    r.locationError = e;
  }
  return follow;
}

/**
 * libcurl's Curl_follow: curl_url_set() of the Location on the current URL. Followed, with
 * CURLU_URLENCODE | CURLU_ALLOW_SPACE: spaces become %20 in the path and '+' in the query, bytes
 * beyond ASCII %XX (the header's bytes as they came). Only noted (FOLLOW_FAKE): any scheme,
 * nothing encoded. A relative Location always has its dot-segments removed.
 */
function resolveLocation(raw: string, base: string, follow: boolean, pathAsIs: boolean): string {
  const flags: UrlFlags = follow
    ? { urlEncode: true, allowSpace: true, pathAsIs }
    : { nonSupportScheme: true, pathAsIs };
  const current = parseCurlUrl(utf8Bytes(base), {
    guessScheme: true,
    nonSupportScheme: true,
    allowSpace: true,
    pathAsIs,
  });
  return fromBytes(urlToString(resolveUrl(current, raw, flags)));
}

export interface FollowInput {
  status: number;
  method: string;
  currentUrl: string;
  maxRedirs: number | undefined;
  postRedir: number | undefined;
  autoReferer: boolean | undefined;
  now: number;
  start: number;
}

/**
 * After a followed response is done: the next URL, or an error (limit reached: 47, a Location
 * that is no URL: 3). Updates the request shape for 301/302/303.
 */
export function followRedirect(r: RedirectState, i: FollowInput): string {
  const next = r.location!;
  const max = i.maxRedirs ?? DEFAULT_MAX_REDIRS;
  if (max !== -1 && r.count >= max) {
    r.wouldRedirect = next;
    throw new TransferError(CurlCode.TOO_MANY_REDIRECTS, `Maximum (${max}) redirects followed`, {
      side: 'remote',
      phase: 'recv',
    });
  }
  const bad = r.locationError;
  if (bad !== undefined) {
    throw new TransferError(bad.curlCode, `The redirect target URL could not be parsed: ${bad.message}`, {
      side: 'remote',
      phase: 'recv',
      cause: bad,
    });
  }
  r.count++;
  r.isFollow = true;
  r.location = undefined;
  r.wouldRedirect = null;
  if (r.locationAbsolute) r.allowPort = false;
  const shape: RequestShape = { ...r.shape };
  if (i.autoReferer) shape.referer = refererFrom(i.currentUrl);
  const post = i.method === 'POST';
  const keep = i.postRedir ?? 0;
  if (i.status === 301 && post && (keep & PostRedir.POST_301) === 0) shape.postToGet = true;
  else if (i.status === 302 && post && (keep & PostRedir.POST_302) === 0) shape.postToGet = true;
  else if (i.status === 303 && i.method !== 'GET' && !(post && (keep & PostRedir.POST_303) !== 0))
    shape.postToGet = true;
  r.shape = shape;
  r.timeMs = i.now - i.start;
  return next;
}

/** The previous URL without credentials and fragment (libcurl's autoreferer). */
function refererFrom(current: string): string {
  try {
    const u = parseCurlUrl(utf8Bytes(current), {
      guessScheme: true,
      nonSupportScheme: true,
      allowSpace: true,
    });
    return fromBytes(urlToString({ ...u, user: undefined, password: undefined, fragment: undefined }));
  } catch {
    return current;
  }
}
