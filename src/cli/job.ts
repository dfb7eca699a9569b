// One transfer of the command line: its URL (after globbing), where its body and headers go, and
// the Easy built from its operation's options (curl's tool_operate.c single_transfer).
import { statSync } from 'node:fs';
import { CurlCode, curlStrerror } from '../core/codes.js';
import { READFUNC_ABORT } from '../multi/constants.js';
import { Easy } from '../multi/easy.js';
import { Mime } from '../multi/features/mime.js';
import { type EasyOptions, HttpVersion, optionNames } from '../multi/options.js';
import { SUPPORTED_SCHEMES, unsupportedSchemeMessage } from '../multi/request.js';
import { parseCurlUrl, utf8Bytes } from '../proto/url.js';
import type { Global, Operation, UrlNode } from './config.js';
import type { CookieStore } from './cookies.js';
import { fillOutputName, type GlobbedUrl, GlobError } from './glob.js';
import { OutputSink } from './output.js';
import { isStdinUpload, openFileUpload, stdinUpload, type UploadSource, uploadUrl } from './upload.js';
import { traceAscii, VerboseState } from './verbose.js';

/** curl's tool follows at most 50 redirects unless --max-redirs says otherwise. */
const CURL_TOOL_MAXREDIRS = 50;

export interface JobError {
  code: number;
  message: string;
  /** A curl warning printed before the error. */
  warning?: string;
  /** No transfer after this one is set up (curl's set-up failures). */
  stopsRun?: boolean;
}

export interface Job {
  op: Operation;
  node: UrlNode;
  /** The URL as given (after globbing), %{url}. */
  url: string;
  urlnum: number;
  body: OutputSink;
  headerFile: OutputSink | undefined;
  /** Response header fields of the current response, for -w. */
  headers: Array<[string, string]>;
  retriesLeft: number;
  retryDelayMs: number;
  firstStart: number;
  /** -C: the byte offset to resume from (for '-', the output file's size). */
  resumeFrom: number;
  /** -T: the local file ('-' or '.' for stdin) and, while a transfer runs, its open source. */
  uploadFile?: string;
  upload?: UploadSource | undefined;
  /** Set when the job can not even start (bad output name, unsupported protocol...). */
  preError?: JobError;
  /** Printed before preError's message (curl's "Can't open 'f'!" and its try-help line). */
  preNotice?: string;
}

export interface JobContext {
  global: Global;
  version: string;
  /** Writes -v / --trace-ascii text. */
  trace(s: string): void;
  traceAscii(s: string): void;
  /** Whether stdout is a terminal: -v then does not announce body data (curl's isatty). */
  stdoutTty: boolean;
  /** The run's cookie store (-b files, -c, -j). */
  cookies: CookieStore;
}

/** The URL's scheme as libcurl reads it (guessed when there is none); undefined when it is no URL. */
function schemeOf(url: string): string | undefined {
  try {
    return parseCurlUrl(utf8Bytes(url), { guessScheme: true, nonSupportScheme: true }).scheme;
  } catch {
    return undefined; // the engine says why
  }
}

function remoteName(url: string): string {
  const noQuery = url.replace(/[?#].*$/, '');
  const afterHost = noQuery.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*/, '');
  const slash = afterHost.lastIndexOf('/');
  return slash < 0 ? '' : afterHost.slice(slash + 1);
}

function outputPath(
  op: Operation,
  node: UrlNode,
  url: GlobbedUrl,
  upload: GlobbedUrl | undefined,
): string | JobError | GlobError | undefined {
  const out = node.output ?? (op.remoteNameAll ? { remote: true as const } : undefined);
  if (out === undefined) return undefined;
  let name: string;
  if (typeof out === 'string') {
    if (out === '-') return '-';
    if (url.glob === undefined && upload?.glob === undefined) name = out;
    else {
      const filled = fillOutputName(out, url, upload);
      if (filled instanceof GlobError) return filled;
      name = filled;
      if (name === '') {
        // curl's setup_outfile fails the transfer set-up, which ends the run.
        return {
          code: CurlCode.WRITE_ERROR,
          message: curlStrerror(CurlCode.WRITE_ERROR),
          warning: 'output glob produces empty string',
          stopsRun: true,
        };
      }
    }
  } else {
    name = remoteName(url.url);
    if (name === '') return { code: CurlCode.WRITE_ERROR, message: 'Remote file name has no length!' };
  }
  // curl joins them as "%s/%s" whatever the name is.
  if (op.outputDir !== undefined && op.outputDir !== '') name = `${op.outputDir}/${name}`;
  return name;
}

export function createJob(
  op: Operation,
  node: UrlNode,
  globbed: GlobbedUrl,
  urlnum: number,
  uploadGlobbed?: GlobbedUrl,
): Job | GlobError {
  const url = globbed.url;
  const upload = uploadGlobbed?.url ?? node.upload;
  const job: Job = {
    op,
    node,
    url,
    urlnum,
    body: new OutputSink(undefined, false),
    headerFile: undefined,
    headers: [],
    retriesLeft: op.retry,
    retryDelayMs: op.retryDelayS > 0 ? op.retryDelayS * 1000 : 1000,
    firstStart: Date.now(),
    resumeFrom: 0,
  };
  const path = outputPath(op, node, globbed, uploadGlobbed);
  if (path instanceof GlobError) return path;
  if (typeof path === 'object') {
    job.preError = path;
    if (path.warning !== undefined) job.preNotice = `Warning: ${path.warning}\n`;
  } else {
    if (op.continueAt === '-') {
      // curl's "-C -": continue from the size of the file already there.
      try {
        job.resumeFrom = path !== undefined && path !== '-' ? statSync(path).size : 0;
      } catch {
        job.resumeFrom = 0;
      }
    } else if (op.continueAt !== undefined) job.resumeFrom = op.continueAt;
    job.body = new OutputSink(path, op.createDirs, job.resumeFrom > 0);
  }
  if (op.dumpHeader !== undefined) {
    job.headerFile =
      op.dumpHeader === '-' ? new OutputSink(undefined, false) : new OutputSink(op.dumpHeader, op.createDirs);
  }
  const scheme = schemeOf(effectiveUrl(op, url, upload));
  if (scheme !== undefined && !(SUPPORTED_SCHEMES as readonly string[]).includes(scheme)) {
    job.preError = { code: CurlCode.UNSUPPORTED_PROTOCOL, message: unsupportedSchemeMessage(scheme, false) };
  }
  if (upload !== undefined) {
    job.uploadFile = upload;
    if (!isStdinUpload(upload)) {
      const probe = openFileUpload(upload);
      if (probe === undefined && job.preError === undefined) {
        job.preError = {
          code: CurlCode.READ_ERROR,
          message: 'Failed to open/read local data from file/application',
        };
        job.preNotice = `tscurl: Can't open '${upload}'!\ntscurl: try 'tscurl --help' or 'tscurl --manual' for more information\n`;
      }
      probe?.close();
    }
  }
  return job;
}

/** The request data of -d and friends, joined with '&' as curl does (not before a --json piece). */
export function postData(op: Operation): string | undefined {
  if (op.data.length === 0) return undefined;
  let out = '';
  for (const [i, d] of op.data.entries()) out += i > 0 && d.kind !== 'json' ? `&${d.value}` : d.value;
  return out;
}

/** --json's headers after the -H ones, each unless -H gives it (curl's tool_operate). */
function jsonHeaders(op: Operation): string[] {
  if (!op.data.some((d) => d.kind === 'json')) return [];
  const given = (name: string) =>
    op.headers.some((h) => h.slice(0, name.length + 1).toLowerCase() === `${name}:`);
  const out: string[] = [];
  if (!given('content-type')) out.push('Content-Type: application/json');
  if (!given('accept')) out.push('Accept: application/json');
  return out;
}

/** The URL the transfer asks for: -T's file name added, -G's data in the query. */
export function effectiveUrl(op: Operation, url: string, uploadFile?: string): string {
  let u = url;
  if (uploadFile !== undefined && !isStdinUpload(uploadFile)) u = uploadUrl(u, uploadFile);
  const data = postData(op);
  if (op.get && data !== undefined) {
    const hash = u.indexOf('#');
    const frag = hash >= 0 ? u.slice(hash) : '';
    if (hash >= 0) u = u.slice(0, hash);
    u += (u.includes('?') ? '&' : '?') + data + frag;
  }
  return u;
}

/** Options for engine features that may not exist yet; checked against optionNames at run time. */
function optional(o: Record<string, unknown>, name: string, value: unknown): void {
  if (!(optionNames as string[]).includes(name)) {
    throw new Error(`engine option '${name}' missing (the option parser should have refused this)`);
  }
  o[name] = value;
}

/**
 * The TLS flags onto the Easy options. Without --cacert / --capath the curl tool takes the CA
 * bundle from CURL_CA_BUNDLE, then SSL_CERT_FILE (and SSL_CERT_DIR for the directory).
 */
function applyTlsOptions(o: EasyOptions & Record<string, unknown>, op: Operation): void {
  const { minVersion, maxVersion, ...rest } = op.tls;
  for (const [name, value] of Object.entries(rest)) if (value !== undefined) o[name] = value;
  if (minVersion !== undefined || maxVersion !== undefined)
    o.sslVersion = (minVersion ?? 0) | (maxVersion ?? 0);
  const env = process.env;
  if (o.caInfo === undefined && o.caPath === undefined) {
    const bundle = env.CURL_CA_BUNDLE ?? env.SSL_CERT_FILE;
    if (bundle !== undefined && bundle !== '') o.caInfo = bundle;
    else if (env.SSL_CERT_DIR !== undefined && env.SSL_CERT_DIR !== '') o.caPath = env.SSL_CERT_DIR;
  }
}

export function buildEasy(job: Job, ctx: JobContext): Easy {
  const { op } = job;
  const g = ctx.global;
  const o: EasyOptions & Record<string, unknown> = {
    url: effectiveUrl(op, job.url, job.uploadFile),
    writeFunction: (chunk) => (job.body.write(chunk) ? chunk.length : 0),
    headerFunction: (line) => {
      if (line.startsWith('HTTP/')) job.headers = [];
      else {
        const colon = line.indexOf(':');
        if (colon > 0) job.headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
      }
      if (op.include || op.head) {
        if (!job.body.write(Buffer.from(line, 'latin1'))) return false;
      }
      if (job.headerFile !== undefined && !job.headerFile.write(Buffer.from(line, 'latin1'))) return false;
      return true;
    },
  };
  // A file gets each chunk with writeSync inside the callback, so the engine may receive the next
  // bytes into the same memory; stdout may queue a chunk it was given.
  if (!job.body.isStdout) o.reuseReceiveBuffer = true;
  if (op.userAgent === undefined) o.userAgent = `tscurl/${ctx.version}`;
  else if (op.userAgent !== '') o.userAgent = op.userAgent;
  if (op.referer !== undefined && op.referer !== '') o.referer = op.referer;
  const headers = [...op.headers, ...jsonHeaders(op)];
  if (headers.length > 0) o.httpHeader = headers;
  if (op.method !== undefined) o.customRequest = op.method;
  if (op.head) o.nobody = true;
  const data = postData(op);
  if (data !== undefined && !op.get) o.postFields = Buffer.from(data, 'latin1');
  if (op.fail === 'fail') o.failOnError = true;
  if (op.timeoutMs !== undefined) o.timeoutMs = op.timeoutMs;
  if (op.connectTimeoutMs !== undefined) o.connectTimeoutMs = op.connectTimeoutMs;
  if (op.speedLimit !== undefined || op.speedTime !== undefined) {
    o.lowSpeedLimit = op.speedLimit ?? 1;
    o.lowSpeedTime = op.speedTime ?? 30;
  }
  if (op.resolve.length > 0) o.resolve = [...op.resolve];
  for (const [name, value] of Object.entries(op.net)) optional(o, name, value);
  if (op.httpVersion === '1.0') o.httpVersion = HttpVersion.V1_0;
  else if (op.httpVersion === '1.1') o.httpVersion = HttpVersion.V1_1;
  else if (op.httpVersion === '2') o.httpVersion = HttpVersion.V2_0;
  else if (op.httpVersion === '2-prior') o.httpVersion = HttpVersion.V2_PRIOR_KNOWLEDGE;
  if (op.maxFilesize !== undefined) o.maxFileSize = op.maxFilesize;
  if (op.ignoreContentLength) o.ignoreContentLength = true;
  if (op.location) {
    optional(o, 'followLocation', true);
    // The curl tool's own default (tool_cfgable.h DEFAULT_MAXREDIRS), not libcurl's.
    optional(o, 'maxRedirs', op.maxRedirs ?? CURL_TOOL_MAXREDIRS);
  } else if (op.maxRedirs !== undefined) optional(o, 'maxRedirs', op.maxRedirs);
  if (op.locationTrusted) optional(o, 'unrestrictedAuth', true);
  if (op.autoReferer) optional(o, 'autoReferer', true);
  if (op.post301 || op.post302 || op.post303) {
    optional(o, 'postRedir', (op.post301 ? 1 : 0) | (op.post302 ? 2 : 0) | (op.post303 ? 4 : 0));
  }
  if (op.compressed) optional(o, 'acceptEncoding', '');
  if (op.range !== undefined) optional(o, 'range', op.range);
  if (job.resumeFrom > 0) optional(o, 'resumeFrom', job.resumeFrom);
  if (op.user !== undefined) optional(o, 'userPwd', op.user);
  if (op.authType !== 0) optional(o, 'httpAuth', op.authType);
  if (op.oauth2Bearer !== undefined) optional(o, 'xoauth2Bearer', op.oauth2Bearer);
  if (op.pathAsIs) optional(o, 'pathAsIs', true);
  if (op.netrc !== 0) optional(o, 'netrc', op.netrc);
  if (op.netrcFile !== undefined) optional(o, 'netrcFile', op.netrcFile);
  if (op.raw) {
    optional(o, 'httpTransferDecoding', false);
    optional(o, 'httpContentDecoding', false);
  }
  // -b strings are joined with ';' as curl 7.88's tool does; they do not start the cookie engine.
  if (op.cookies.length > 0) optional(o, 'cookie', op.cookies.join(';'));
  // One cookie Share for the whole run, as curl's tool (a CURLSH with CURL_LOCK_DATA_COOKIE):
  // it holds what the -b files gave, and every transfer reads and adds to it.
  const share = ctx.cookies.forOperation(op);
  if (share !== undefined) optional(o, 'share', share);
  if (op.form.length > 0) {
    // A new Mime (and boundary) per transfer, as curl builds one per transfer.
    const mime = new Mime();
    for (const part of op.form) mime.addPart(part);
    optional(o, 'mimePost', mime);
  }
  let easy: Easy | undefined;
  if (job.uploadFile !== undefined) {
    job.upload?.close();
    const src = isStdinUpload(job.uploadFile) ? stdinUpload() : openFileUpload(job.uploadFile);
    job.upload = src;
    optional(o, 'upload', true);
    if (src !== undefined && src.size >= 0) optional(o, 'inFileSize', src.size);
    // A file that vanished since createJob checked it: the read fails as curl's would (26).
    optional(o, 'readFunction', (buf: Buffer) => (src === undefined ? READFUNC_ABORT : src.read(easy!, buf)));
  }
  // curl's parallel mode sets CURLOPT_PIPEWAIT on every transfer (wait for a connection being set
  // up that may multiplex), unless --parallel-immediate.
  if (g.parallel) optional(o, 'pipeWait', !g.parallelImmediate);
  applyTlsOptions(o, op);
  // As curl's tool: any --write-out gathers the chain (CURLOPT_CERTINFO) for %{certs} / %{num_certs}.
  if (op.writeOut !== undefined) o.certInfo = true;
  if (op.limitRate !== undefined) {
    optional(o, 'maxRecvSpeed', op.limitRate);
    optional(o, 'maxSendSpeed', op.limitRate);
  }
  if (g.traceAscii !== undefined) {
    o.verbose = true;
    o.debugFunction = (type, d) => ctx.traceAscii(traceAscii(type, d));
  } else if (g.verbose) {
    o.verbose = true;
    const v = new VerboseState(ctx.stdoutTty);
    o.debugFunction = (type, d) => ctx.trace(v.line(type, d));
  }
  easy = new Easy(o);
  return easy;
}
