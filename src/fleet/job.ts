// A fleet job: what one stream entry asks for, how it becomes an Easy, and the result record it
// ends as. The job is JSON (field `job` of the entry):
//
//   { "id": "page-17",                        optional; default: the stream entry id
//     "url": "http://example.test/17",
//     "args": ["-H", "x-a: 1", "-L"],        optional: curl command-line options (tscurl's parser)
//     "options": { "timeoutMs": 5000 },       optional: Easy options (camelCase), applied after args
//     "body": "inline" | "discard" | { "file": "/data/{id}.html" } }   default "inline"
//
// A job that is not JSON, has no URL, or has a bad value fails with BAD_FUNCTION_ARGUMENT (43); an
// unknown option (Easy name or command-line option) with UNKNOWN_OPTION (48). Either way it ends
// as a failed result like any transfer failure: a bad job never stops a worker.

import { newGlobal } from '../cli/config.js';
import { CookieStore } from '../cli/cookies.js';
import { ParamError } from '../cli/errors.js';
import { GlobError } from '../cli/glob.js';
import { buildEasy, createJob } from '../cli/job.js';
import { OutputSink } from '../cli/output.js';
import { parseArgs } from '../cli/parse.js';
import { CurlCode, curlStrerror } from '../core/codes.js';
import { EasyError } from '../core/errors.js';
import { Easy } from '../multi/easy.js';
import type { EasyInfo } from '../multi/info.js';
import type { EasyOptions } from '../multi/options.js';

export type BodyTarget = 'inline' | 'discard' | { file: string };

export interface FleetJob {
  id?: string;
  url: string;
  args?: string[];
  options?: Record<string, unknown>;
  body?: BodyTarget;
}

/** Where the body went, in the result. */
export interface BodyRecord {
  bytes: number;
  /** base64 of the body (inline), cut at the worker's inline cap. */
  inline?: string;
  truncated?: boolean;
  file?: string;
}

/** One result record (field `result` of a results-stream entry, as JSON). */
export interface ResultRecord {
  id: string;
  /** The jobs-stream entry it came from. */
  entry: string;
  url: string;
  outcome: 'done' | 'failed' | 'dead';
  /** CurlCode (0 = OK). */
  code: number;
  /** curl's message for a failure ('' on success). */
  error: string;
  /** HTTP status (0 when no response). */
  status: number;
  worker: string;
  /** Times this job was handed to a worker (1 unless a worker died holding it). */
  deliveries: number;
  info?: Partial<EasyInfo>;
  body?: BodyRecord;
}

/** getInfo fields a result carries: the timings and sizes. */
const infoFields = [
  'effectiveUrl',
  'responseCode',
  'namelookupTime',
  'connectTime',
  'appconnectTime',
  'pretransferTime',
  'starttransferTime',
  'totalTime',
  'redirectTime',
  'redirectCount',
  'sizeDownload',
  'sizeUpload',
  'speedDownload',
  'headerSize',
  'requestSize',
  'numConnects',
  'primaryIp',
  'primaryPort',
] as const satisfies ReadonlyArray<keyof EasyInfo>;

export function pickInfo(info: EasyInfo): Partial<EasyInfo> {
  const out: Record<string, unknown> = {};
  for (const k of infoFields) out[k] = info[k];
  return out as Partial<EasyInfo>;
}

export class JobError extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** The job's id and URL when they could be read, so its failed result carries them. */
    readonly job?: { id?: string; url?: string },
  ) {
    super(message);
  }
}

/** Parse a job's JSON text; throws JobError (43) when it is not a job. */
export function parseJob(text: string): FleetJob {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new JobError(CurlCode.BAD_FUNCTION_ARGUMENT, `job is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new JobError(CurlCode.BAD_FUNCTION_ARGUMENT, 'job is not a JSON object');
  }
  const j = v as Record<string, unknown>;
  const known = {
    ...(typeof j.id === 'string' && { id: j.id }),
    ...(typeof j.url === 'string' && { url: j.url }),
  };
  const bad = (message: string) => new JobError(CurlCode.BAD_FUNCTION_ARGUMENT, message, known);
  if (typeof j.url !== 'string' || j.url === '') throw bad('job has no "url" string');
  if (j.id !== undefined && typeof j.id !== 'string') {
    throw bad('job "id" is not a string');
  }
  if (j.args !== undefined && !(Array.isArray(j.args) && j.args.every((a) => typeof a === 'string'))) {
    throw bad('job "args" is not an array of strings');
  }
  if (
    j.options !== undefined &&
    (typeof j.options !== 'object' || j.options === null || Array.isArray(j.options))
  ) {
    throw bad('job "options" is not an object');
  }
  const body = j.body;
  const fileBody =
    typeof body === 'object' && body !== null && typeof (body as { file?: unknown }).file === 'string';
  if (body !== undefined && body !== 'inline' && body !== 'discard' && !fileBody) {
    throw bad('job "body" is not "inline", "discard" or { "file": TEMPLATE }');
  }
  return j as unknown as FleetJob;
}

/** A job's body as it arrives: kept inline up to a cap, dropped, or written to a file. */
export class BodySink {
  bytes = 0;
  private parts: Buffer[] = [];
  private kept = 0;
  private truncated = false;
  private readonly file: OutputSink | undefined;

  constructor(
    private readonly target: BodyTarget,
    private readonly inlineMax: number,
    id: string,
  ) {
    if (typeof target === 'object') {
      // {id} in the template; characters a path must not take from an id become '_'.
      this.file = new OutputSink(target.file.replaceAll('{id}', id.replace(/[^\w.-]/g, '_')), true);
    }
  }

  /** The write callback's answer: the bytes taken, 0 (a write error) when the file fails. */
  write(chunk: Buffer): number {
    this.bytes += chunk.length;
    if (this.file !== undefined) return this.file.write(chunk) ? chunk.length : 0;
    if (this.target === 'inline') {
      const room = this.inlineMax - this.kept;
      if (chunk.length > room) this.truncated = true;
      if (room > 0) {
        const part = Buffer.from(chunk.subarray(0, Math.min(room, chunk.length)));
        this.parts.push(part);
        this.kept += part.length;
      }
    }
    return chunk.length;
  }

  /** Close the file; the record of where the body is. */
  finish(ok: boolean): BodyRecord {
    if (this.file !== undefined) {
      this.file.close(ok);
      return { bytes: this.bytes, file: this.file.path! };
    }
    if (this.target === 'discard') return { bytes: this.bytes };
    const r: BodyRecord = { bytes: this.bytes, inline: Buffer.concat(this.parts).toString('base64') };
    if (this.truncated) r.truncated = true;
    return r;
  }

  /** The file's write failure, for the result's message. */
  get failure(): string | undefined {
    return this.file?.failure;
  }
}

const version = '0.1.0';

/**
 * The Easy for a job: the worker's default command-line options, then the job's own `args`, parsed
 * by tscurl's option parser as one command line with the job's URL; then its Easy `options`. The
 * body goes to `sink` whatever -o says.
 */
export function easyForJob(job: FleetJob, defaultArgs: readonly string[], sink: BodySink): Easy {
  const args = [...defaultArgs, ...(job.args ?? [])];
  let easy: Easy;
  try {
    if (args.length === 0) easy = new Easy({ url: job.url, userAgent: `tscurl/${version}` });
    else {
      const g = parseArgs([...args, '--url', job.url], newGlobal());
      const op = g.operations.find((o) => o.nodes.some((n) => n.url !== undefined));
      const node = op?.nodes.find((n) => n.url !== undefined);
      if (op === undefined || node === undefined)
        throw new JobError(CurlCode.BAD_FUNCTION_ARGUMENT, 'job has no URL');
      // The job's URL is used as given (no globbing), so no -o name can fail on a glob.
      const cliJob = createJob(op, node, { url: job.url, matches: [] }, 0);
      if (cliJob instanceof GlobError) throw new JobError(cliJob.code, cliJob.format());
      if (cliJob.preError !== undefined) throw new JobError(cliJob.preError.code, cliJob.preError.message);
      easy = buildEasy(cliJob, {
        global: g,
        version,
        trace: (s) => process.stderr.write(s),
        traceAscii: (s) => process.stderr.write(s),
        stdoutTty: false,
        cookies: new CookieStore(),
      });
    }
    const own: EasyOptions = {
      writeFunction: (chunk) => sink.write(chunk),
      headerFunction: () => true,
    };
    easy.setOptions({ ...(job.options as EasyOptions), ...own });
  } catch (e) {
    if (e instanceof JobError) throw e;
    if (e instanceof ParamError) {
      throw new JobError(
        e.problem === 'unknown' ? CurlCode.UNKNOWN_OPTION : CurlCode.BAD_FUNCTION_ARGUMENT,
        `job args: ${e.message}`,
      );
    }
    if (e instanceof EasyError) throw new JobError(e.code, `job options: ${e.message}`);
    throw new JobError(CurlCode.BAD_FUNCTION_ARGUMENT, `job: ${(e as Error).message}`);
  }
  return easy;
}

/** curl's message for a code, when the transfer gave none. */
export function messageFor(code: number, errorBuffer: string): string {
  if (code === CurlCode.OK) return '';
  return errorBuffer !== '' ? errorBuffer : curlStrerror(code);
}
