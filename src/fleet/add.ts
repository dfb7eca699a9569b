// Adding jobs to {NAME}:jobs: one XADD per job (field `job`, the job's JSON), issued a batch at a
// time so the client pipelines them.
import { expandGlob, parseGlob } from '../cli/glob.js';
import type { BodyTarget, FleetJob } from './job.js';
import { command, ensureGroup, type QueueRef, type Redis } from './queue.js';

const BATCH = 1000;

/** Add every job text (one JSON object each; not checked here: a bad one becomes a failed result). */
export async function addJobs(
  client: Redis,
  q: QueueRef,
  jobs: Iterable<string> | AsyncIterable<string>,
): Promise<number> {
  await ensureGroup(client, q);
  let n = 0;
  let batch: Array<Promise<unknown>> = [];
  for await (const job of jobs) {
    batch.push(command(client, ['XADD', q.jobs, '*', 'job', job]));
    n++;
    if (batch.length >= BATCH) {
      await Promise.all(batch);
      batch = [];
    }
  }
  await Promise.all(batch);
  return n;
}

export interface UrlJobsOptions {
  /** Command-line options for every job. */
  args?: string[];
  body?: BodyTarget;
  /** Job ids: PREFIX + the job's number from 1 (default: each job's stream entry id). */
  idPrefix?: string;
  /** Expand curl's globs ({a,b}, [1-100]) in the URLs (default true, as curl). */
  glob?: boolean;
}

/** Jobs for URLs given as arguments, globs expanded one URL at a time (curl's syntax and errors). */
export function* urlJobs(urls: readonly string[], o: UrlJobsOptions = {}): Generator<string> {
  let n = 0;
  for (const pattern of urls) {
    const expanded = o.glob === false ? [{ url: pattern }] : expandGlob(parseGlob(pattern));
    for (const { url } of expanded) {
      n++;
      const job: FleetJob = { url };
      if (o.idPrefix !== undefined) job.id = `${o.idPrefix}${n}`;
      if (o.args !== undefined && o.args.length > 0) job.args = o.args;
      if (o.body !== undefined) job.body = o.body;
      yield JSON.stringify(job);
    }
  }
}

/** JSON lines from a text stream (stdin): every non-empty line is one job. */
export async function* lines(input: AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of input) {
    rest += chunk.toString();
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line !== '') yield line;
      nl = rest.indexOf('\n');
    }
  }
  if (rest.trim() !== '') yield rest.trim();
}
