// The command: parse, then run the transfers serially or in parallel through one Multi, print
// errors in curl's form, write -w output, retry, and compute the exit code by curl's rules: in
// serial mode the last transfer's result, in parallel mode the last failure's.

import { appendFileSync, writeFileSync } from 'node:fs';
import { renderTimeline } from '../api/timeline.js';
import { CurlCode, curlStrerror } from '../core/codes.js';
import { isFleetCommand } from '../fleet/detect.js';
import { Easy } from '../multi/easy.js';
import type { EasyInfo } from '../multi/info.js';
import type { DoneMessage } from '../multi/multi.js';
import type { Global, Operation, UrlNode } from './config.js';
import { CookieStore } from './cookies.js';
import { ParamError, warningText } from './errors.js';
import { expandGlob, type GlobbedUrl, GlobError, parseGlob } from './glob.js';
import { manualText, packageVersion, versionText } from './help.js';
import { buildEasy, createJob, effectiveUrl, type Job, type JobContext } from './job.js';
import { ProgressDisplay, stderrWantsProgress } from './meter.js';
import { methodClash } from './options-table.js';
import { type DoneAction, runParallel } from './parallel.js';
import { parseArgs } from './parse.js';
import { completeUserPwd } from './password.js';
import { runInThreads, type Shard } from './threads.js';
import { writeOut } from './write-out.js';

const TRY_HELP = "tscurl: try 'tscurl --help' or 'tscurl --manual' for more information\n";
/** curl's RETRY_SLEEP_MAX: the exponential back-off stops growing at 10 minutes. */
const RETRY_SLEEP_MAX_MS = 600_000;
/** curl's is_fatal_error: a transfer ending with one of these ends the run, --fail-early or not. */
const FATAL_CODES: ReadonlySet<number> = new Set([
  CurlCode.FAILED_INIT,
  CurlCode.OUT_OF_MEMORY,
  CurlCode.UNKNOWN_OPTION,
  CurlCode.BAD_FUNCTION_ARGUMENT,
]);
/** The error text of the transfers curl aborts when another one failed (check_finished). */
const ABORTED = 'Transfer aborted due to critical error in another transfer';

function stderr(s: string): void {
  process.stderr.write(s);
}

interface UrlItem {
  op: Operation;
  node: UrlNode;
  url: string;
  urlnum: number;
  /** The URL's expansion (its glob values, for -o names). */
  globbed: GlobbedUrl;
  /** -T's file for this transfer (its glob expanded). */
  upload: GlobbedUrl | undefined;
}

/** Every expansion of a glob pattern, or the text itself when globbing is off. */
function* expansions(text: string, glob: boolean): Generator<GlobbedUrl> {
  if (!glob) {
    yield { url: text, matches: [] };
    return;
  }
  yield* expandGlob(parseGlob(text));
}

/**
 * A lazy walk over every URL of every operation, globs expanded one at a time. As curl's
 * single_transfer: a -T file name is globbed too, its files the outer loop and the URL's
 * expansions the inner one.
 */
function* allUrls(g: Global): Generator<UrlItem | GlobError> {
  let urlnum = 0;
  for (const op of g.operations) {
    for (const node of op.nodes) {
      if (node.url === undefined) continue;
      const n = urlnum++;
      const glob = !(node.noGlob || op.globOff);
      try {
        const uploads = node.upload === undefined ? [undefined] : expansions(node.upload, glob);
        for (const up of uploads) {
          for (const globbed of expansions(node.url, glob)) {
            yield { op, node, url: globbed.url, urlnum: n, globbed, upload: up };
          }
        }
      } catch (e) {
        if (e instanceof GlobError) {
          yield e;
          return;
        }
        throw e;
      }
    }
  }
}

function retryKind(job: Job, code: number, status: number): string | undefined {
  const op = job.op;
  if (code === CurlCode.OPERATION_TIMEDOUT || code === CurlCode.COULDNT_RESOLVE_HOST) return ': timeout';
  if (op.retryConnrefused && code === CurlCode.COULDNT_CONNECT) return ': connection refused';
  if (
    (code === CurlCode.OK || (op.fail !== 'no' && code === CurlCode.HTTP_RETURNED_ERROR)) &&
    [408, 429, 500, 502, 503, 504].includes(status)
  ) {
    return ': HTTP error';
  }
  if (code !== CurlCode.OK && op.retryAllErrors) return '(retrying all errors)';
  return undefined;
}

export async function run(args: string[], shard?: Shard): Promise<number> {
  // --queue, --queue-add, --queue-status: the fleet commands (loaded only then: they bring Redis).
  if (isFleetCommand(args)) return (await import('../fleet/cli.js')).runFleet(args);
  let g: Global;
  try {
    g = parseArgs(args);
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    if (e.problem === 'method-conflict') {
      if (!e.mute) stderr(warningText(e.message));
      stderr(`tscurl: option ${e.option}: is badly used here\n`);
      stderr(TRY_HELP);
      return 2;
    }
    if (e.preface !== undefined) stderr(`tscurl: ${e.preface}\n`);
    stderr(`tscurl: ${e.message}\n`);
    if (e.exitCode !== 4) stderr(TRY_HELP);
    return e.exitCode;
  }
  if (g.help) {
    // Loaded only for help: curl's option texts are not a start-up cost of a transfer.
    const text = (await import('./help-text.js')).helpText(g.helpSubject);
    if (typeof text === 'string') process.stdout.write(text);
    else stderr(text.stderr);
    return 0;
  }
  if (g.manual) {
    const text = manualText();
    if (text === undefined) {
      stderr('tscurl: built-in manual was disabled at build-time\n');
      return 2;
    }
    process.stdout.write(text);
    return 0;
  }
  if (g.version) {
    process.stdout.write(versionText());
    return 0;
  }
  if (g.bench) {
    // Loaded only for --bench (its worker and server are not start-up costs of a transfer).
    const { BENCH_DEFAULTS, formatBench, runBench } = await import('./bench.js');
    const o = {
      transfers: g.benchTransfers,
      parallelMax: g.parallelMaxGiven ? g.parallelMax : BENCH_DEFAULTS.parallelMax,
      size: g.benchSize,
      faultEvery: g.benchFaultEvery,
    };
    const r = await runBench(o);
    process.stdout.write(formatBench(o, r));
    return r.errors === 0 ? 0 : r.lastCode || 1;
  }
  if (!g.operations.some((op) => op.nodes.some((n) => n.url !== undefined))) {
    stderr('tscurl: no URL specified!\n');
    stderr(TRY_HELP);
    return 2;
  }
  for (const op of g.operations) {
    // After parsing, as curl 7.88: -d (unless -G) asks for POST, then -T for PUT.
    const clash =
      (op.data.length > 0 && !op.get ? methodClash(op, 'POST (-d, --data)') : undefined) ??
      (op.nodes.some((n) => n.upload !== undefined) ? methodClash(op, 'PUT (-T, --upload-file)') : undefined);
    if (clash !== undefined) {
      if (!g.silent) stderr(warningText(clash));
      return 2;
    }
  }
  // curl's get_args: every operation's `-u user` gets its password before any transfer starts.
  for (const [i, op] of g.operations.entries()) {
    if (op.user !== undefined && op.oauth2Bearer === undefined) {
      op.user = completeUserPwd(op.user, i, g.operations.length, stderr);
    }
  }
  if (shard !== undefined) {
    g.shard = shard;
    g.parallelMax = shard.parallelMax;
    g.noProgressMeter = true;
  } else if (g.parallel && g.workers > 1) return runInThreads(args, g);
  return runTransfers(g);
}

async function runTransfers(g: Global): Promise<number> {
  const showErrors = !g.silent || g.showError;
  const ctx: JobContext = {
    global: g,
    version: packageVersion(),
    trace: stderr,
    stdoutTty: process.stdout.isTTY === true,
    cookies: new CookieStore(),
    traceAscii:
      g.traceAscii === undefined
        ? stderr
        : g.traceAscii === '-'
          ? (s) => process.stdout.write(s)
          : (s) => appendFileSync(g.traceAscii!, s),
  };
  if (g.traceAscii !== undefined && g.traceAscii !== '-') writeFileSync(g.traceAscii, '');
  const urls = allUrls(g);
  let exitCode = 0;
  let fatal = false;
  let stop = false;

  const timeline: EasyInfo[] | undefined = g.timeline === undefined ? undefined : [];
  /** `aborted`: ended because another transfer failed; the run keeps that one's code. */
  const finishJob = (
    job: Job,
    code: number,
    message: string,
    easy: Easy | undefined,
    aborted = false,
  ): void => {
    if (timeline !== undefined && easy !== undefined) timeline.push(easy.getInfo());
    job.body.close(code === CurlCode.OK);
    job.headerFile?.close(code === CurlCode.OK);
    job.upload?.close();
    job.upload = undefined;
    ctx.cookies.save(job.op);
    if (job.preNotice !== undefined && showErrors) stderr(job.preNotice);
    if (code !== CurlCode.OK && showErrors) stderr(`tscurl: (${code}) ${message}\n`);
    if (job.op.writeOut !== undefined) {
      // A transfer that never started still gets its -w, with zero times and sizes (as curl).
      const info = easy?.getInfo() ?? {
        ...new Easy().getInfo(),
        effectiveUrl: effectiveUrl(job.op, job.url, job.uploadFile),
      };
      writeOut(
        job.op.writeOut,
        {
          info,
          url: job.url,
          urlnum: job.urlnum,
          exitcode: code,
          errormsg: code === CurlCode.OK ? '' : message,
          filenameEffective: job.body.isStdout ? null : (job.body.path ?? null),
          headers: job.headers,
          referer: job.op.referer ?? null,
          version: `tscurl/${ctx.version}`,
        },
        {
          stdout: (s) => process.stdout.write(s),
          stderr,
          warn: (s) => stderr(`tscurl: ${s}\n`),
        },
      );
    }
    if (aborted) return;
    if (g.parallel) {
      if (code !== CurlCode.OK) exitCode = code;
    } else exitCode = code;
    if (code !== CurlCode.OK && (g.failEarly || FATAL_CODES.has(code))) stop = true;
  };

  const shard = g.shard;
  let items = 0;
  const next = (): { easy: Easy; job: Job } | undefined => {
    while (!stop && !fatal) {
      const r = urls.next();
      if (r.done === true) return undefined;
      const item = r.value;
      if (item instanceof GlobError) {
        if (showErrors && (shard?.index ?? 0) === 0) stderr(`tscurl: (${item.code}) ${item.format()}\n`);
        exitCode = item.code;
        fatal = true;
        return undefined;
      }
      // --workers: this thread takes every shard.of-th URL.
      if (shard !== undefined && items++ % shard.of !== shard.index) continue;
      const job = createJob(item.op, item.node, item.globbed, item.urlnum, item.upload);
      if (job instanceof GlobError) {
        // A bad #<name> in -o stops everything, as curl's fatal 43.
        if (showErrors) stderr(`tscurl: (${job.code}) ${job.format()}\n`);
        exitCode = job.code;
        fatal = true;
        return undefined;
      }
      if (job.preError !== undefined) {
        finishJob(job, job.preError.code, job.preError.message, undefined);
        if (job.preError.stopsRun === true) {
          fatal = true;
          return undefined;
        }
        continue;
      }
      return { easy: buildEasy(job, ctx), job };
    }
    return undefined;
  };

  const progress = new ProgressDisplay(g, stderr, ctx.stdoutTty, stderrWantsProgress());
  await runParallel<Job>({
    max: g.parallel ? g.parallelMax : 1,
    source: { next },
    onStart: (job, easy) => progress.start(job, easy),
    // --fail-early in parallel: the others running are aborted, each reported and given its -w.
    aborting: () => stop && g.parallel,
    onAbort(job, easy) {
      if (easy !== undefined) progress.done(easy);
      if (easy === undefined) finishJob(job, exitCode, curlStrerror(exitCode), undefined, true);
      else finishJob(job, CurlCode.ABORTED_BY_CALLBACK, ABORTED, easy, true);
    },
    onDone(job, m: DoneMessage): DoneAction {
      progress.done(m.easy);
      let code: number = m.result;
      let message = m.easy.errorBuffer || curlStrerror(code);
      const status = m.easy.getInfo().responseCode;
      if (job.body.failure !== undefined && code === CurlCode.WRITE_ERROR) {
        if (showErrors) stderr(`Warning: ${job.body.failure}\n`);
        message = 'Failure writing output to destination';
      }
      if (code === CurlCode.OK && job.op.fail === 'body' && status >= 400) {
        code = CurlCode.HTTP_RETURNED_ERROR;
        message = `The requested URL returned error: ${status}`;
      }
      const kind = job.retriesLeft > 0 ? retryKind(job, code, status) : undefined;
      const withinTime =
        job.op.retryMaxTimeS === 0 || Date.now() - job.firstStart < job.op.retryMaxTimeS * 1000;
      if (kind !== undefined && withinTime) {
        // curl reports every failed attempt, then the retry warning.
        if (code !== CurlCode.OK && showErrors) stderr(`tscurl: (${code}) ${message}\n`);
        let sleep = job.retryDelayMs;
        // curl's retrycheck: an HTTP error's Retry-After (seconds or a date) lengthens the wait,
        // and is not waited for at all when it would pass --retry-max-time.
        const retryAfterMs = kind === ': HTTP error' ? m.easy.getInfo().retryAfter * 1000 : 0;
        if (retryAfterMs > sleep) sleep = retryAfterMs;
        if (retryAfterMs > 0 && job.op.retryMaxTimeS > 0) {
          if (Date.now() - job.firstStart + sleep > job.op.retryMaxTimeS * 1000) {
            if (!g.silent) {
              stderr(
                warningText(
                  'The Retry-After: time would make this command line exceed the maximum allowed time for retries.',
                ),
              );
            }
            finishJob(job, code, message, m.easy);
            return stop ? (g.parallel ? 'abort' : 'stop') : undefined;
          }
        }
        if (!g.silent) {
          // curl 8's words, through warnf: wrapped at 79 columns, "Warning: " before every line.
          const secs = Math.floor(sleep / 1000);
          const left = job.retriesLeft;
          stderr(
            warningText(
              `Problem ${kind}. Will retry in ${secs} second${secs === 1 ? '' : 's'}. ${left} retr${left > 1 ? 'ies' : 'y'} left.`,
            ),
          );
        }
        job.retriesLeft--;
        if (job.op.retryDelayS === 0) job.retryDelayMs = Math.min(job.retryDelayMs * 2, RETRY_SLEEP_MAX_MS);
        job.body.reset();
        job.headerFile?.reset();
        return { again: buildEasy(job, ctx), delayMs: sleep };
      }
      finishJob(job, code, message, m.easy);
      return stop ? (g.parallel ? 'abort' : 'stop') : undefined;
    },
  }).finally(() => progress.finish());
  if (timeline !== undefined) writeTimeline(g.timeline!, timeline, stderr);
  return exitCode;
}

/** --timeline: the page for this run's transfers (a write failure is reported, not fatal). */
function writeTimeline(path: string, records: EasyInfo[], stderr: (s: string) => void): void {
  try {
    writeFileSync(path, renderTimeline(records, { title: `tscurl: ${records.length} transfers` }));
  } catch (e) {
    stderr(`tscurl: could not write the timeline to ${path}: ${(e as Error).message}\n`);
  }
}
