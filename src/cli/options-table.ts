// The command-line options, one row each: names, whether it takes a parameter, whether it is a
// boolean (so `--no-name` exists) and how it changes the configuration. Rows follow curl's
// tool_listhelp.c texts so `-h` reads like curl's.
import { availableParallelism } from 'node:os';
import { HttpAuth } from '../multi/features/auth.js';
import { optionNames, SslOpt, SslVersion } from '../multi/options.js';
import { type DataKind, type Global, type HttpReq, newOperation, type Operation } from './config.js';
import { ParamError } from './errors.js';
import { parseFormField } from './form.js';
import { proxyOptionRows } from './options-proxy.js';

export interface OptionRow {
  long: string;
  short?: string;
  /** Parameter name in -h; absent for flags. */
  arg?: string;
  /** A boolean flag that accepts --no-<long>. */
  bool?: boolean;
  /** The parameter may be absent (--help's subject): the next argument when there is one. */
  optionalArg?: boolean;
  help: string;
  apply(ctx: ApplyContext, value: string, on: boolean): void;
}

export interface ApplyContext {
  global: Global;
  op: Operation;
  /** The option as written, for messages. */
  name: string;
  /** Reads a -K config file (only the parser knows how). */
  readConfig(path: string): void;
  /** Reads a file for @file parameters; '-' is stdin. */
  readFile(path: string): Buffer;
  /** curl's warnf while parsing: 'Warning: ' lines on stderr, none once -s is given. */
  warn(message: string): void;
}

function int(ctx: ApplyContext, v: string, allowNegative = false): number {
  if (!/^-?\d+$/.test(v.trim())) throw new ParamError('bad-numeric', ctx.name);
  const n = Number(v);
  if (n < 0 && !allowNegative) throw new ParamError('negative-numeric', ctx.name);
  return n;
}

/** Seconds with decimals (curl's str2udouble), returned in ms. */
function secondsMs(ctx: ApplyContext, v: string): number {
  if (!/^\d*\.?\d+$|^\d+\.$/.test(v.trim())) throw new ParamError('bad-numeric', ctx.name);
  return Math.round(Number(v) * 1000);
}

/** Sizes with an optional k/m/g suffix (curl's GetSizeParameter). */
function size(ctx: ApplyContext, v: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgGtTpP]?)[bB]?$/.exec(v.trim());
  if (m === null) throw new ParamError('bad-numeric', ctx.name);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[
    (m[2] ?? '').toLowerCase() as '' | 'k'
  ];
  return Math.floor(Number(m[1]) * unit);
}

/**
 * Engine options the CLI sets, checked against options.ts by hand (name, type, meaning). An
 * option must be both in the engine and here: one that lands in the engine with a shape the CLI
 * has not been checked against is still refused, never set wrongly or ignored.
 */
const WIRED = new Set([
  'pipeWait',
  'followLocation',
  'maxRedirs',
  'postRedir',
  'unrestrictedAuth',
  'autoReferer',
  'acceptEncoding',
  'upload',
  'readFunction',
  'inFileSize',
  'maxRecvSpeed',
  'maxSendSpeed',
  'range',
  'resumeFrom',
  'userPwd',
  'httpAuth',
  'xoauth2Bearer',
  'cookie',
  'cookieFile',
  'mimePost',
  'pathAsIs',
  'netrc',
  'netrcFile',
  'httpTransferDecoding',
  'httpContentDecoding',
  'ipResolve',
  'proxy',
  'proxyType',
  'proxyUserPwd',
  'proxyAuth',
  'httpProxyTunnel',
  'noProxy',
  'preProxy',
  'proxyHeader',
  'suppressConnectHeaders',
  'proxyCaInfo',
  'proxyCaPath',
  'proxySslVerifyPeer',
  'proxySslVerifyHost',
  'proxySslCert',
  'proxySslCertType',
  'proxySslKey',
  'proxySslKeyType',
  'proxyKeyPasswd',
  'proxyPinnedPublicKey',
  'connectTo',
  'dnsServers',
  'dohUrl',
  'dohSslVerifyPeer',
  'dohSslVerifyHost',
  'dnsInterface',
  'dnsLocalIp4',
  'dnsLocalIp6',
  'happyEyeballsTimeoutMs',
]);

/** Whether every named engine option exists and is wired into the CLI. */
export function engineSupports(names: readonly string[]): boolean {
  const have = new Set<string>(optionNames);
  return names.every((n) => have.has(n) && WIRED.has(n));
}

/**
 * The header lines of -H / --proxy-header: the argument itself, or with '@file' ('@-': stdin) the
 * file's lines; empty lines are skipped and a line starting with a blank continues the one before
 * (curl's tool_getparam reads header files so).
 */
export function headerArgument(c: ApplyContext, v: string): string[] {
  if (!v.startsWith('@')) return [v];
  const out: string[] = [];
  for (const line of c.readFile(v.slice(1)).toString('latin1').split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const c0 = line.charCodeAt(0);
    if ((c0 === 0x20 || c0 === 0x09) && out.length > 0) out[out.length - 1] += ` ${line.trim()}`;
    else out.push(line);
  }
  return out;
}

/** Options whose engine feature (Easy option) has not landed fail clearly instead of being ignored. */
export function needEngine(ctx: ApplyContext, ...names: string[]): void {
  if (!engineSupports(names)) throw new ParamError('not-built-in', ctx.name);
}

/** A feature the engine does not have ends as in a curl built without it. */
export function notBuiltIn(ctx: ApplyContext): void {
  throw new ParamError('not-built-in', ctx.name);
}

type TlsStringOption =
  | 'caInfo'
  | 'caPath'
  | 'sslKey'
  | 'keyPasswd'
  | 'pinnedPublicKey'
  | 'sslCipherList'
  | 'tls13Ciphers';

/** A TLS flag whose argument is the Easy option's value (curl accepts them for any URL). */
function tls(name: TlsStringOption): (ctx: ApplyContext, v: string) => void {
  return (ctx, v) => void (ctx.op.tls[name] = v);
}

/** --cert-type / --key-type: curl takes the name in any case. */
function tlsType<K extends 'sslCertType' | 'sslKeyType'>(
  name: K,
  allowed: readonly string[],
): (ctx: ApplyContext, v: string) => void {
  return (ctx, v) => {
    const up = v.toUpperCase();
    if (!allowed.includes(up)) throw new ParamError('bad-use', ctx.name);
    (ctx.op.tls as Record<K, string>)[name] = up;
  };
}

/** --tlsv1 (-1), --tlsv1.0 .. --tlsv1.3: the minimum version. */
const TLS_MIN: ReadonlyArray<[string, number, string?]> = [
  ['tlsv1', SslVersion.TLSv1, '1'],
  ['tlsv1.0', SslVersion.TLSv1_0],
  ['tlsv1.1', SslVersion.TLSv1_1],
  ['tlsv1.2', SslVersion.TLSv1_2],
  ['tlsv1.3', SslVersion.TLSv1_3],
];

/** --tls-max values (curl's tool: 'default', '1.0' .. '1.3'). */
const TLS_MAX: Record<string, number | undefined> = {
  default: SslVersion.MAX_DEFAULT,
  '1.0': SslVersion.MAX_TLSv1_0,
  '1.1': SslVersion.MAX_TLSv1_1,
  '1.2': SslVersion.MAX_TLSv1_2,
  '1.3': SslVersion.MAX_TLSv1_3,
};

/** -E 'file:password': the first ':' not escaped with '\\' splits (curl's parse_cert_parameter). */
export function splitCertPassword(v: string): [string, string | undefined] {
  let file = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    if (ch === '\\' && (v[i + 1] === ':' || v[i + 1] === '\\')) {
      file += v[++i];
    } else if (ch === ':') {
      return [file, v.slice(i + 1)];
    } else file += ch;
  }
  return [file, undefined];
}

/** curl's SetHTTPrequest: two different request methods clash ("both <new> and <old>"). */
export function methodClash(op: Operation, req: HttpReq): string | undefined {
  const had = op.httpReq;
  if (had !== undefined && had !== req) {
    return `You can only select one HTTP request method! You asked for both ${req} and ${had}.`;
  }
  op.httpReq = req;
  return undefined;
}

/** -I and -F pick their method while parsing (curl 7.88); -d and -T after it (run.ts). */
function setReq(ctx: ApplyContext, req: HttpReq): void {
  const clash = methodClash(ctx.op, req);
  if (clash !== undefined) {
    const e = new ParamError('method-conflict', ctx.name, clash);
    e.mute = ctx.global.silent;
    throw e;
  }
}

function addUrl(op: Operation, url: string): void {
  const node = op.nodes.find((n) => n.url === undefined);
  if (node !== undefined) node.url = url;
  else op.nodes.push({ url, noGlob: op.globOff });
  const set = op.nodes.find((n) => n.url === url && n.noGlob !== op.globOff);
  if (set !== undefined) set.noGlob = op.globOff;
}

function addOutput(op: Operation, output: string | { remote: true }): void {
  const node = op.nodes.find((n) => n.output === undefined);
  if (node !== undefined) node.output = output;
  else op.nodes.push({ output, noGlob: op.globOff });
}

function addUpload(op: Operation, file: string): void {
  const node = op.nodes.find((n) => n.upload === undefined);
  if (node !== undefined) node.upload = file;
  else op.nodes.push({ upload: file, noGlob: op.globOff });
}

function data(kind: DataKind) {
  return (ctx: ApplyContext, v: string): void => {
    let value = v;
    if (kind !== 'raw' && kind !== 'urlencode' && v.startsWith('@')) {
      const bytes = ctx.readFile(v.slice(1));
      // --data/--data-ascii strip carriage returns and newlines from files; --data-binary and
      // --json keep them.
      value =
        kind === 'binary' || kind === 'json'
          ? bytes.toString('latin1')
          : bytes.toString('latin1').replace(/[\r\n]/g, '');
    }
    if (kind === 'urlencode') value = urlencodeData(ctx, v);
    ctx.op.data.push({ kind, value });
  };
}

/** --data-urlencode forms: content, =content, name=content, @file, name@file. */
function urlencodeData(ctx: ApplyContext, v: string): string {
  // curl_easy_escape (only A-Za-z0-9-._~ stay), then spaces as '+' as curl's tool does.
  const enc = (s: string) =>
    encodeURIComponent(s)
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replaceAll('%20', '+');
  const eq = v.indexOf('=');
  const at = v.indexOf('@');
  if (at >= 0 && (eq < 0 || at < eq)) {
    const name = v.slice(0, at);
    const content = ctx.readFile(v.slice(at + 1)).toString('latin1');
    return name === '' ? enc(content) : `${name}=${enc(content)}`;
  }
  if (eq >= 0) {
    const name = v.slice(0, eq);
    return name === '' ? enc(v.slice(eq + 1)) : `${name}=${enc(v.slice(eq + 1))}`;
  }
  return enc(v);
}

function flag<K extends keyof Operation>(key: K) {
  return (ctx: ApplyContext, _v: string, on: boolean): void => {
    (ctx.op as unknown as Record<string, unknown>)[key] = on;
  };
}

function gflag<K extends keyof Global>(key: K) {
  return (ctx: ApplyContext, _v: string, on: boolean): void => {
    (ctx.global as unknown as Record<string, unknown>)[key] = on;
  };
}

export const optionTable: OptionRow[] = [
  { long: 'url', arg: '<url>', help: 'URL to work with', apply: (c, v) => addUrl(c.op, v) },
  {
    long: 'output',
    short: 'o',
    arg: '<file>',
    help: 'Write to file instead of stdout',
    apply: (c, v) => addOutput(c.op, v),
  },
  {
    long: 'remote-name',
    short: 'O',
    help: 'Write output to a file named as the remote file',
    apply: (c) => addOutput(c.op, { remote: true }),
  },
  {
    long: 'remote-name-all',
    bool: true,
    help: 'Use the remote file name for all URLs',
    apply: flag('remoteNameAll'),
  },
  {
    long: 'output-dir',
    arg: '<dir>',
    help: 'Directory to save files in',
    apply: (c, v) => void (c.op.outputDir = v),
  },
  {
    long: 'create-dirs',
    bool: true,
    help: 'Create necessary local directory hierarchy',
    apply: flag('createDirs'),
  },
  {
    long: 'include',
    short: 'i',
    bool: true,
    help: 'Include protocol response headers in the output',
    apply: flag('include'),
  },
  // curl 8's name for --include (curl 8.10+); --include stays accepted.
  { long: 'show-headers', bool: true, help: 'Show response headers in output', apply: flag('include') },
  {
    long: 'head',
    short: 'I',
    bool: true,
    help: 'Show document info only',
    apply: (c, _v, on) => {
      if (on) setReq(c, 'HEAD (-I, --head)');
      c.op.head = on;
    },
  },
  {
    long: 'dump-header',
    short: 'D',
    arg: '<filename>',
    help: 'Write the received headers to <filename>',
    apply: (c, v) => void (c.op.dumpHeader = v),
  },
  {
    long: 'request',
    short: 'X',
    arg: '<method>',
    help: 'Specify request method to use',
    apply: (c, v) => void (c.op.method = v),
  },
  {
    long: 'header',
    short: 'H',
    arg: '<header/@file>',
    help: 'Pass custom header(s) to server',
    apply: (c, v) => {
      c.op.headers.push(...headerArgument(c, v));
    },
  },
  {
    long: 'user-agent',
    short: 'A',
    arg: '<name>',
    help: 'Send User-Agent <name> to server',
    apply: (c, v) => void (c.op.userAgent = v),
  },
  {
    long: 'referer',
    short: 'e',
    arg: '<URL>',
    help: 'Referrer URL',
    apply: (c, v) => {
      c.op.autoReferer = v.endsWith(';auto');
      if (c.op.autoReferer) needEngine(c, 'autoReferer');
      c.op.referer = v.replace(/;auto$/, '');
    },
  },
  { long: 'data', short: 'd', arg: '<data>', help: 'HTTP POST data', apply: data('ascii') },
  { long: 'data-ascii', arg: '<data>', help: 'HTTP POST ASCII data', apply: data('ascii') },
  { long: 'data-binary', arg: '<data>', help: 'HTTP POST binary data', apply: data('binary') },
  { long: 'json', arg: '<data>', help: 'HTTP POST JSON', apply: data('json') },
  { long: 'data-raw', arg: '<data>', help: "HTTP POST data, '@' allowed", apply: data('raw') },
  { long: 'data-urlencode', arg: '<data>', help: 'HTTP POST data URL encoded', apply: data('urlencode') },
  {
    long: 'get',
    short: 'G',
    bool: true,
    help: 'Put the post data in the URL and use GET',
    apply: flag('get'),
  },
  ...(
    [
      ['form', 'F', '<name=content>', false],
      ['form-string', undefined, '<name=string>', true],
    ] as const
  ).map(
    ([long, short, arg, literal]): OptionRow => ({
      long,
      ...(short !== undefined ? { short } : {}),
      arg,
      help: 'Specify multipart MIME data',
      apply: (c, v) => {
        needEngine(c, 'mimePost');
        const part = parseFormField(c, v, literal);
        setReq(c, 'multipart formpost (-F, --form)');
        c.op.form.push(part);
      },
    }),
  ),
  {
    long: 'upload-file',
    short: 'T',
    arg: '<file>',
    help: 'Transfer local FILE to destination',
    apply: (c, v) => {
      needEngine(c, 'upload', 'readFunction', 'inFileSize');
      addUpload(c.op, v);
    },
  },
  {
    long: 'fail',
    short: 'f',
    bool: true,
    help: 'Fail fast with no output on HTTP errors',
    apply: (c, _v, on) => void (c.op.fail = on ? 'fail' : 'no'),
  },
  {
    long: 'fail-with-body',
    bool: true,
    help: 'Fail on HTTP errors but save the body',
    apply: (c, _v, on) => void (c.op.fail = on ? 'body' : 'no'),
  },
  {
    long: 'location',
    short: 'L',
    bool: true,
    help: 'Follow redirects',
    apply: (c, _v, on) => {
      if (on) needEngine(c, 'followLocation');
      c.op.location = on;
    },
  },
  {
    long: 'location-trusted',
    bool: true,
    help: 'Like --location, and send auth to other hosts',
    apply: (c, _v, on) => {
      if (on) needEngine(c, 'followLocation', 'unrestrictedAuth');
      c.op.location = on;
      c.op.locationTrusted = on;
    },
  },
  {
    long: 'max-redirs',
    arg: '<num>',
    help: 'Maximum number of redirects allowed',
    apply: (c, v) => {
      needEngine(c, 'maxRedirs');
      c.op.maxRedirs = int(c, v, true);
    },
  },
  ...(['301', '302', '303'] as const).map(
    (n): OptionRow => ({
      long: `post${n}`,
      bool: true,
      help: `Do not switch to GET after following a ${n}`,
      apply: (c, _v, on) => {
        needEngine(c, 'postRedir');
        c.op[`post${n}`] = on;
      },
    }),
  ),
  { long: 'silent', short: 's', bool: true, help: 'Silent mode', apply: gflag('silent') },
  {
    long: 'show-error',
    short: 'S',
    bool: true,
    help: 'Show error even when -s is used',
    apply: gflag('showError'),
  },
  {
    long: 'verbose',
    short: 'v',
    bool: true,
    help: 'Make the operation more talkative',
    apply: gflag('verbose'),
  },
  {
    long: 'trace-ascii',
    arg: '<file>',
    help: 'Like --trace, but without hex output',
    apply: (c, v) => void (c.global.traceAscii = v),
  },
  {
    long: 'compressed',
    bool: true,
    help: 'Request compressed response',
    apply: (c, _v, on) => {
      if (on) needEngine(c, 'acceptEncoding');
      c.op.compressed = on;
    },
  },
  {
    long: 'range',
    short: 'r',
    arg: '<range>',
    help: 'Retrieve only the bytes within RANGE',
    apply: (c, v) => {
      needEngine(c, 'range');
      // curl's tool_getparam: a plain number N means 'N-'.
      if (/^\d+$/.test(v)) {
        c.warn('A specified range MUST include at least one dash (-). Appending one for you!');
        c.op.range = `${v}-`;
      } else c.op.range = v;
    },
  },
  {
    long: 'continue-at',
    short: 'C',
    arg: '<offset>',
    help: 'Resumed transfer offset',
    apply: (c, v) => {
      needEngine(c, 'resumeFrom');
      c.op.continueAt = v === '-' ? '-' : int(c, v);
    },
  },
  {
    long: 'user',
    short: 'u',
    arg: '<user:password>',
    help: 'Server user and password',
    apply: (c, v) => {
      needEngine(c, 'userPwd');
      c.op.user = v;
    },
  },
  // curl's authtype bits: --basic and --digest add (their --no- forms remove), --anyauth sets ANY
  // (--no-anyauth leaves it), --oauth2-bearer adds BEARER.
  ...(
    [
      ['basic', 'Use HTTP Basic Authentication', HttpAuth.BASIC],
      ['digest', 'Use HTTP Digest Authentication', HttpAuth.DIGEST],
    ] as const
  ).map(
    ([long, help, bit]): OptionRow => ({
      long,
      bool: true,
      help,
      apply: (c, _v, on) => {
        needEngine(c, 'httpAuth');
        c.op.authType = on ? (c.op.authType | bit) >>> 0 : (c.op.authType & ~bit) >>> 0;
      },
    }),
  ),
  {
    long: 'anyauth',
    bool: true,
    help: 'Pick any authentication method',
    apply: (c, _v, on) => {
      needEngine(c, 'httpAuth');
      if (on) c.op.authType = HttpAuth.ANY;
    },
  },
  {
    long: 'oauth2-bearer',
    arg: '<token>',
    help: 'OAuth 2 Bearer Token',
    apply: (c, v) => {
      needEngine(c, 'xoauth2Bearer', 'httpAuth');
      c.op.oauth2Bearer = v;
      c.op.authType = (c.op.authType | HttpAuth.BEARER) >>> 0;
    },
  },
  {
    long: 'cookie',
    short: 'b',
    arg: '<data|filename>',
    help: 'Send cookies from string/file',
    apply: (c, v) => {
      // curl: '@file' is a file, else a string with '=' is cookie data, else a file name.
      if (!v.startsWith('@') && v.includes('=')) {
        needEngine(c, 'cookie');
        c.op.cookies.push(v);
      } else {
        needEngine(c, 'cookieFile');
        c.op.cookieFiles.push(v.startsWith('@') ? v.slice(1) : v);
      }
    },
  },
  {
    long: 'cookie-jar',
    short: 'c',
    arg: '<filename>',
    help: 'Write cookies to <filename> after operation',
    apply: (c, v) => {
      // Written by the CLI (cookies.ts) from the shared jar, not by the engine's cookieJar.
      needEngine(c, 'cookieFile');
      c.op.cookieJar = v;
    },
  },
  {
    long: 'junk-session-cookies',
    short: 'j',
    bool: true,
    help: 'Ignore session cookies read from file',
    apply: (c, _v, on) => {
      // Applied by the CLI when it reads the -b files into the shared jar (cookies.ts).
      needEngine(c, 'cookieFile');
      c.op.junkSessionCookies = on;
    },
  },
  // .netrc, as curl's tool sets it: --netrc-optional wins; -n or --netrc-file make it required.
  {
    long: 'netrc',
    short: 'n',
    bool: true,
    help: 'Must read .netrc for user name and password',
    apply: (c, _v, on) => {
      if (on) needEngine(c, 'netrc');
      if (c.op.netrc !== 1) c.op.netrc = on ? 2 : 0;
    },
  },
  {
    long: 'netrc-optional',
    bool: true,
    help: 'Use either .netrc or URL',
    apply: (c, _v, on) => {
      if (on) needEngine(c, 'netrc');
      c.op.netrc = on ? 1 : c.op.netrcFile !== undefined ? 2 : 0;
    },
  },
  {
    long: 'netrc-file',
    arg: '<filename>',
    help: 'Specify FILE for netrc',
    apply: (c, v) => {
      needEngine(c, 'netrc', 'netrcFile');
      c.op.netrcFile = v;
      if (c.op.netrc === 0) c.op.netrc = 2;
    },
  },
  {
    long: 'max-filesize',
    arg: '<bytes>',
    help: 'Maximum file size to download',
    apply: (c, v) => void (c.op.maxFilesize = size(c, v)),
  },
  {
    long: 'max-time',
    short: 'm',
    arg: '<seconds>',
    help: 'Maximum time allowed for transfer',
    apply: (c, v) => void (c.op.timeoutMs = secondsMs(c, v)),
  },
  {
    long: 'connect-timeout',
    arg: '<seconds>',
    help: 'Maximum time allowed for connection',
    apply: (c, v) => void (c.op.connectTimeoutMs = secondsMs(c, v)),
  },
  {
    long: 'speed-limit',
    short: 'Y',
    arg: '<speed>',
    help: 'Stop transfers slower than this',
    apply: (c, v) => void (c.op.speedLimit = int(c, v)),
  },
  {
    long: 'speed-time',
    short: 'y',
    arg: '<seconds>',
    help: "Trigger 'speed-limit' abort after this time",
    apply: (c, v) => void (c.op.speedTime = int(c, v)),
  },
  {
    long: 'limit-rate',
    arg: '<speed>',
    help: 'Limit transfer speed to RATE',
    apply: (c, v) => {
      needEngine(c, 'maxRecvSpeed', 'maxSendSpeed');
      c.op.limitRate = size(c, v);
    },
  },
  {
    long: 'resolve',
    arg: '<[+]host:port:addr[,addr]...>',
    help: 'Resolve the host+port to this address',
    apply: (c, v) => void c.op.resolve.push(v),
  },
  { long: 'http1.0', short: '0', help: 'Use HTTP 1.0', apply: (c) => void (c.op.httpVersion = '1.0') },
  { long: 'http1.1', help: 'Use HTTP 1.1', apply: (c) => void (c.op.httpVersion = '1.1') },
  { long: 'http2', help: 'Use HTTP/2', apply: (c) => void (c.op.httpVersion = '2') },
  {
    long: 'http2-prior-knowledge',
    help: 'Use HTTP 2 without HTTP/1.1 Upgrade',
    apply: (c) => void (c.op.httpVersion = '2-prior'),
  },
  {
    long: 'insecure',
    short: 'k',
    bool: true,
    help: 'Allow insecure server connections',
    apply: (c, _v, on) => {
      if (on) {
        c.op.tls.sslVerifyPeer = false;
        c.op.tls.sslVerifyHost = 0;
      } else {
        delete c.op.tls.sslVerifyPeer;
        delete c.op.tls.sslVerifyHost;
      }
    },
  },
  { long: 'cacert', arg: '<file>', help: 'CA certificate to verify peer against', apply: tls('caInfo') },
  { long: 'capath', arg: '<dir>', help: 'CA directory to verify peer against', apply: tls('caPath') },
  {
    long: 'ca-native',
    bool: true,
    help: 'Use CA certificates from the native OS',
    apply: (c, _v, on) => {
      const bits = c.op.tls.sslOptions ?? 0;
      c.op.tls.sslOptions = on ? bits | SslOpt.NATIVE_CA : bits & ~SslOpt.NATIVE_CA;
    },
  },
  {
    long: 'cert',
    short: 'E',
    arg: '<certificate[:password]>',
    help: 'Client certificate file and password',
    apply: (c, v) => {
      const [file, pass] = splitCertPassword(v);
      c.op.tls.sslCert = file;
      if (pass !== undefined) c.op.tls.keyPasswd = pass;
    },
  },
  {
    long: 'cert-type',
    arg: '<type>',
    help: 'Certificate type (DER/PEM/P12)',
    apply: tlsType('sslCertType', ['PEM', 'DER', 'P12']),
  },
  { long: 'key', arg: '<key>', help: 'Private key file name', apply: tls('sslKey') },
  {
    long: 'key-type',
    arg: '<type>',
    help: 'Private key file type (DER/PEM)',
    apply: tlsType('sslKeyType', ['PEM', 'DER']),
  },
  { long: 'pass', arg: '<phrase>', help: 'Pass phrase for the private key', apply: tls('keyPasswd') },
  {
    long: 'pinnedpubkey',
    arg: '<hashes>',
    help: 'FILE/HASHES Public key to verify peer against',
    apply: tls('pinnedPublicKey'),
  },
  ...TLS_MIN.map(
    ([long, min, short]): OptionRow => ({
      long,
      ...(short === undefined ? {} : { short }),
      help: `Use TLSv${long === 'tlsv1' ? '1.0' : long.slice(4)} or greater`,
      apply: (c) => void (c.op.tls.minVersion = min),
    }),
  ),
  {
    long: 'tls-max',
    arg: '<VERSION>',
    help: 'Set maximum allowed TLS version',
    apply: (c, v) => {
      const max = TLS_MAX[v];
      if (max === undefined) throw new ParamError('bad-use', c.name);
      c.op.tls.maxVersion = max;
    },
  },
  { long: 'ciphers', arg: '<list of ciphers>', help: 'SSL ciphers to use', apply: tls('sslCipherList') },
  {
    long: 'tls13-ciphers',
    arg: '<ciphersuite list>',
    help: 'TLS 1.3 cipher suites to use',
    apply: tls('tls13Ciphers'),
  },
  {
    long: 'write-out',
    short: 'w',
    arg: '<format>',
    help: 'Use output FORMAT after completion',
    apply: (c, v) => void (c.op.writeOut = v.startsWith('@') ? c.readFile(v.slice(1)).toString('utf8') : v),
  },
  {
    long: 'globoff',
    short: 'g',
    bool: true,
    help: 'Disable URL sequences and ranges using {} and []',
    apply: flag('globOff'),
  },
  {
    long: 'path-as-is',
    bool: true,
    help: 'Do not squash .. sequences in URL path',
    apply: (c, _v, on) => {
      if (on) needEngine(c, 'pathAsIs');
      c.op.pathAsIs = on;
    },
  },
  {
    long: 'raw',
    bool: true,
    help: 'Do HTTP "raw"; no transfer decoding',
    apply: (c, _v, on) => {
      if (on) needEngine(c, 'httpTransferDecoding', 'httpContentDecoding');
      c.op.raw = on;
    },
  },
  {
    long: 'no-buffer',
    short: 'N',
    bool: true,
    help: 'Disable buffering of the output stream',
    apply: (c, _v, on) => void (c.op.noBuffer = on),
  },
  {
    long: 'ignore-content-length',
    bool: true,
    help: 'Ignore the size of the remote resource',
    apply: flag('ignoreContentLength'),
  },
  {
    long: 'retry',
    arg: '<num>',
    help: 'Retry request if transient problems occur',
    apply: (c, v) => void (c.op.retry = int(c, v)),
  },
  {
    long: 'retry-delay',
    arg: '<seconds>',
    help: 'Wait time between retries',
    apply: (c, v) => void (c.op.retryDelayS = int(c, v)),
  },
  {
    long: 'retry-max-time',
    arg: '<seconds>',
    help: 'Retry only within this period',
    apply: (c, v) => void (c.op.retryMaxTimeS = int(c, v)),
  },
  {
    long: 'retry-all-errors',
    bool: true,
    help: 'Retry all errors (use with --retry)',
    apply: flag('retryAllErrors'),
  },
  {
    long: 'retry-connrefused',
    bool: true,
    help: 'Retry on connection refused (use with --retry)',
    apply: flag('retryConnrefused'),
  },
  {
    long: 'parallel',
    short: 'Z',
    bool: true,
    help: 'Perform transfers in parallel',
    apply: gflag('parallel'),
  },
  {
    long: 'parallel-max',
    arg: '<num>',
    help: 'Maximum concurrency for parallel transfers',
    apply: (c, v) => {
      const n = int(c, v);
      // curl clamps: 0 means the default, above 300 is 300 (tool_getparam.c, PARALLEL_MAX).
      c.global.parallelMax = n === 0 ? 50 : Math.min(n, 300);
      c.global.parallelMaxGiven = true;
    },
  },
  {
    long: 'workers',
    arg: '<num>',
    help: 'Worker threads for --parallel, each with its own connection pool (tscurl)',
    apply: (c, v) => {
      c.global.workers = v === 'auto' ? availableParallelism() : int(c, v);
    },
  },
  {
    long: 'parallel-immediate',
    bool: true,
    help: 'Do not wait for multiplexing',
    apply: gflag('parallelImmediate'),
  },
  {
    long: 'fail-early',
    bool: true,
    help: 'Fail on first transfer error, do not continue',
    apply: gflag('failEarly'),
  },
  {
    long: 'progress-bar',
    short: '#',
    bool: true,
    help: 'Display transfer progress as a bar',
    apply: gflag('progressBar'),
  },
  {
    long: 'progress-meter',
    bool: true,
    help: 'Show the progress meter (--no-progress-meter hides it)',
    apply: (c, _v, on) => void (c.global.noProgressMeter = !on),
  },
  {
    long: 'config',
    short: 'K',
    arg: '<file>',
    help: 'Read config from a file',
    apply: (c, v) => c.readConfig(v),
  },
  {
    long: 'next',
    short: ':',
    help: 'Make next URL use its separate set of options',
    apply: (c) => {
      c.global.operations.push(newOperation());
    },
  },
  {
    long: 'help',
    short: 'h',
    arg: '<subject>',
    optionalArg: true,
    help: 'Get help for commands',
    apply: (c, v) => {
      c.global.help = true;
      if (v !== '') c.global.helpSubject = v;
    },
  },
  {
    long: 'manual',
    short: 'M',
    help: 'Display the full manual',
    apply: (c) => void (c.global.manual = true),
  },
  {
    long: 'version',
    short: 'V',
    help: 'Show version number and quit',
    apply: (c) => void (c.global.version = true),
  },
  // tscurl's own: the benchmark behind `npm start`.
  {
    long: 'bench',
    bool: true,
    help: 'Benchmark: embedded local server, N transfers in parallel, summary table',
    apply: gflag('bench'),
  },
  {
    long: 'bench-transfers',
    arg: '<num>',
    help: 'Transfers for --bench (default 10000)',
    apply: (c, v) => void (c.global.benchTransfers = int(c, v)),
  },
  {
    long: 'bench-size',
    arg: '<bytes>',
    help: 'Response body size for --bench (default 1024)',
    apply: (c, v) => void (c.global.benchSize = size(c, v)),
  },
  {
    long: 'bench-fault-every',
    arg: '<num>',
    help: 'For testing --bench: the server answers every Nth request with 500',
    apply: (c, v) => void (c.global.benchFaultEvery = int(c, v)),
  },
  // tscurl's own: the transfers of this run as an HTML waterfall (renderTimeline).
  {
    long: 'timeline',
    arg: '<file>',
    help: 'Write an HTML timeline of every transfer to <file>',
    apply: (c, v) => void (c.global.timeline = v),
  },
  ...proxyOptionRows,
];

export const byLong = new Map(optionTable.map((r) => [r.long, r]));
export const byShort = new Map(optionTable.filter((r) => r.short !== undefined).map((r) => [r.short!, r]));
