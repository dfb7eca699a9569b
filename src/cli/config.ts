// What the command line asks for: global settings and one Operation per --next section
// (curl's GlobalConfig and OperationConfig, tool_cfgable.h).

import type { MimePartInit } from '../multi/features/mime.js';
import type { EasyOptions } from '../multi/options.js';
import type { Shard } from './threads.js';

/** One URL of an operation with the output it goes to (curl's `struct getout`). */
export interface UrlNode {
  url?: string;
  /** -o file, or 'remote' for -O. */
  output?: string | { remote: true };
  /** -T file for this URL. */
  upload?: string;
  /** -g given when the URL was added. */
  noGlob: boolean;
}

export type HttpReq =
  | 'HEAD (-I, --head)'
  | 'multipart formpost (-F, --form)'
  | 'POST (-d, --data)'
  | 'PUT (-T, --upload-file)';

export type DataKind = 'ascii' | 'binary' | 'raw' | 'urlencode' | 'json';

/** One -F / --form-string field, parsed (form.ts) into the engine's Mime part settings. */
export type FormPart = MimePartInit;

export interface Operation {
  nodes: UrlNode[];
  remoteNameAll: boolean;
  outputDir?: string;
  createDirs: boolean;
  include: boolean;
  head: boolean;
  /** The request kind set by -d / -F / -T / -I, for curl's "only one HTTP request method" check. */
  httpReq?: HttpReq;
  dumpHeader?: string;
  method?: string;
  headers: string[];
  userAgent?: string;
  referer?: string;
  /** -e 'url;auto': send the previous URL as Referer on redirects. */
  autoReferer: boolean;
  data: Array<{ kind: DataKind; value: string }>;
  get: boolean;
  form: FormPart[];
  fail: 'no' | 'fail' | 'body';
  location: boolean;
  locationTrusted: boolean;
  maxRedirs?: number;
  post301: boolean;
  post302: boolean;
  post303: boolean;
  compressed: boolean;
  range?: string;
  continueAt?: number | '-';
  /** -u: 'user:password' (a password is asked for before the transfers when there is no ':'). */
  user?: string;
  /** curl's config->authtype: HttpAuth bits from --basic, --digest, --anyauth, --oauth2-bearer (0: not set). */
  authType: number;
  oauth2Bearer?: string;
  /** -b name=value strings, joined with '; ' (CURLOPT_COOKIE). */
  cookies: string[];
  /** -b file names (CURLOPT_COOKIEFILE each). */
  cookieFiles: string[];
  cookieJar?: string;
  junkSessionCookies: boolean;
  maxFilesize?: number;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  speedLimit?: number;
  speedTime?: number;
  limitRate?: number;
  resolve: string[];
  httpVersion?: '1.0' | '1.1' | '2' | '2-prior';
  writeOut?: string;
  globOff: boolean;
  pathAsIs: boolean;
  /** -n / --netrc-optional / --netrc-file: CURL_NETRC_* (0 ignored, 1 optional, 2 required). */
  netrc: 0 | 1 | 2;
  netrcFile?: string;
  raw: boolean;
  noBuffer: boolean;
  ignoreContentLength: boolean;
  retry: number;
  retryDelayS: number;
  retryMaxTimeS: number;
  retryAllErrors: boolean;
  retryConnrefused: boolean;
  /** Options that need an engine feature this build does not have: [option as given, reason]. */
  unsupported: Array<{ option: string; code: number; message: string }>;
  /** Engine options set as they are (proxy and name resolution: -x, --noproxy, --connect-to, -4...). */
  net: Partial<EasyOptions>;
  /** TLS options given (-k, --cacert, --cert, ...), as Easy options; they matter for https:// only. */
  tls: TlsOptions;
}

/** The Easy options the TLS flags set. */
export type TlsOptions = Partial<
  Pick<
    EasyOptions,
    | 'sslVerifyPeer'
    | 'sslVerifyHost'
    | 'caInfo'
    | 'caPath'
    | 'sslCert'
    | 'sslCertType'
    | 'sslKey'
    | 'sslKeyType'
    | 'keyPasswd'
    | 'pinnedPublicKey'
    | 'sslCipherList'
    | 'tls13Ciphers'
    | 'sslOptions'
  >
> & { minVersion?: number; maxVersion?: number };

export interface Global {
  silent: boolean;
  showError: boolean;
  verbose: boolean;
  traceAscii?: string;
  parallel: boolean;
  parallelMax: number;
  parallelMaxGiven: boolean;
  parallelImmediate: boolean;
  failEarly: boolean;
  progressBar: boolean;
  /** --no-progress-meter. */
  noProgressMeter: boolean;
  help: boolean;
  /** --help's subject: all, category, a category name or an option. */
  helpSubject?: string;
  version: boolean;
  manual: boolean;
  bench: boolean;
  /** --timeline FILE: an HTML waterfall of every transfer, written when the run ends. */
  timeline: string | undefined;
  benchTransfers: number;
  benchSize: number;
  benchFaultEvery: number;
  /** --workers: worker threads for parallel mode (0: none). */
  workers: number;
  /** Set inside one of those threads: the URLs it takes. */
  shard?: Shard;
  operations: Operation[];
}

export function newOperation(): Operation {
  return {
    nodes: [],
    remoteNameAll: false,
    createDirs: false,
    include: false,
    head: false,
    headers: [],
    autoReferer: false,
    data: [],
    get: false,
    form: [],
    fail: 'no',
    location: false,
    locationTrusted: false,
    post301: false,
    post302: false,
    post303: false,
    compressed: false,
    authType: 0,
    cookies: [],
    cookieFiles: [],
    junkSessionCookies: false,
    resolve: [],
    globOff: false,
    pathAsIs: false,
    netrc: 0,
    raw: false,
    noBuffer: false,
    ignoreContentLength: false,
    retry: 0,
    retryDelayS: 0,
    retryMaxTimeS: 0,
    retryAllErrors: false,
    retryConnrefused: false,
    unsupported: [],
    net: {},
    tls: {},
  };
}

export function newGlobal(): Global {
  return {
    silent: false,
    showError: false,
    verbose: false,
    parallel: false,
    parallelMax: 50,
    parallelMaxGiven: false,
    parallelImmediate: false,
    failEarly: false,
    progressBar: false,
    noProgressMeter: false,
    workers: 0,
    help: false,
    version: false,
    manual: false,
    bench: false,
    timeline: undefined,
    benchTransfers: 10_000,
    benchSize: 1024,
    benchFaultEvery: 0,
    operations: [newOperation()],
  };
}

export function currentOp(g: Global): Operation {
  return g.operations[g.operations.length - 1]!;
}
