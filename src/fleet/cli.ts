// The fleet's three commands (docs/scale-out.md):
//   tscurl --queue-add redis://HOST:PORT/NAME [--body inline|discard|TEMPLATE] [--id-prefix P] URL... [-- CURL-OPTIONS]
//   tscurl --queue-add redis://HOST:PORT/NAME -          (JSON lines on stdin, one job each)
//   tscurl --queue redis://HOST:PORT/NAME [--queue-parallel N] [--queue-consumer NAME]
//          [--queue-claim-idle MS] [--queue-max-deliveries N] [--queue-inline-max BYTES]
//          [--queue-idle-exit MS] [--queue-result-ttl S] [CURL-OPTIONS for every job]
//   tscurl --queue-status redis://HOST:PORT/NAME [--json]

import { newGlobal } from '../cli/config.js';
import { ParamError } from '../cli/errors.js';
import { GlobError } from '../cli/glob.js';
import { parseArgs } from '../cli/parse.js';
import { addJobs, lines, urlJobs } from './add.js';
import { fleetModes } from './detect.js';
import type { BodyTarget } from './job.js';
import { parseQueue, redisClient } from './queue.js';
import { formatStatus, queueStatus } from './status.js';
import { FleetWorker } from './worker.js';

const modes = fleetModes;
type Mode = (typeof modes)[number];

/** Options taking a value, by mode. */
const valued: Record<Mode, readonly string[]> = {
  '--queue': [
    '--queue-parallel',
    '--queue-consumer',
    '--queue-claim-idle',
    '--queue-max-deliveries',
    '--queue-inline-max',
    '--queue-idle-exit',
    '--queue-result-ttl',
  ],
  '--queue-add': ['--body', '--id-prefix'],
  '--queue-status': [],
};

function fail(message: string): number {
  process.stderr.write(`tscurl: ${message}\n`);
  return 2;
}

function log(line: string): void {
  process.stderr.write(`tscurl fleet: ${line}\n`);
}

export async function runFleet(args: readonly string[]): Promise<number> {
  const i = args.findIndex((a) => (modes as readonly string[]).includes(a));
  const mode = args[i] as Mode;
  const queueText = args[i + 1];
  if (queueText === undefined) return fail(`option ${mode}: requires a redis://HOST:PORT/NAME parameter`);
  let q: ReturnType<typeof parseQueue>;
  try {
    q = parseQueue(queueText);
  } catch (e) {
    return fail(`option ${mode}: ${(e as Error).message}`);
  }
  const opts = new Map<string, string>();
  const rest: string[] = [];
  const flags = new Set<string>();
  const rawArgs = [...args.slice(0, i), ...args.slice(i + 2)];
  const dashDash = rawArgs.indexOf('--');
  const own = dashDash >= 0 ? rawArgs.slice(0, dashDash) : rawArgs;
  const jobArgs = dashDash >= 0 ? rawArgs.slice(dashDash + 1) : [];
  for (let k = 0; k < own.length; k++) {
    const a = own[k]!;
    if (valued[mode].includes(a)) {
      const v = own[++k];
      if (v === undefined) return fail(`option ${a}: requires parameter`);
      opts.set(a, v);
    } else if (a === '--json' && mode === '--queue-status') flags.add(a);
    else rest.push(a);
  }
  if (mode === '--queue') return runWorker(q, opts, [...rest, ...jobArgs]);
  const client = redisClient(q, log);
  await client.connect();
  try {
    if (mode === '--queue-status') {
      const s = await queueStatus(client, q);
      process.stdout.write(flags.has('--json') ? `${JSON.stringify(s)}\n` : formatStatus(s));
      return 0;
    }
    const jobs = rest.length === 1 && rest[0] === '-' ? lines(process.stdin) : undefined;
    if (jobs === undefined && rest.length === 0)
      return fail('--queue-add: no URL (or - for JSON lines on stdin)');
    const bodyText = opts.get('--body');
    const body: BodyTarget | undefined =
      bodyText === undefined || bodyText === 'inline' || bodyText === 'discard'
        ? bodyText
        : { file: bodyText };
    if (jobArgs.length > 0) {
      const bad = checkArgs(jobArgs);
      if (bad !== undefined) return fail(bad);
    }
    const idPrefix = opts.get('--id-prefix');
    const n = await addJobs(
      client,
      q,
      jobs ??
        urlJobs(rest, {
          args: jobArgs,
          ...(body !== undefined && { body }),
          ...(idPrefix !== undefined && { idPrefix }),
        }),
    );
    process.stderr.write(`tscurl: ${n} jobs added to ${q.name}\n`);
    return 0;
  } catch (e) {
    if (e instanceof GlobError) {
      fail(`(3) ${e.format()}`);
      return 3;
    }
    throw e;
  } finally {
    await client.quit().catch(() => {});
  }
}

/** The command-line options for jobs as tscurl's parser sees them: undefined when fine, else curl's message. */
function checkArgs(args: readonly string[]): string | undefined {
  try {
    parseArgs([...args, '--url', 'http://check.invalid/'], newGlobal());
    return undefined;
  } catch (e) {
    if (e instanceof ParamError) return e.message;
    throw e;
  }
}

async function runWorker(
  q: ReturnType<typeof parseQueue>,
  opts: Map<string, string>,
  curlArgs: string[],
): Promise<number> {
  const bad = checkArgs(curlArgs);
  if (bad !== undefined) return fail(bad);
  const num = (name: string): number | undefined => {
    const v = opts.get(name);
    return v === undefined ? undefined : Number(v);
  };
  for (const [name, v] of opts) {
    if (name !== '--queue-consumer' && !(Number.isFinite(Number(v)) && Number(v) >= 0)) {
      return fail(`option ${name}: expected a proper numerical parameter`);
    }
  }
  const worker = new FleetWorker({
    queue: q,
    defaultArgs: curlArgs,
    log,
    ...defined({
      consumer: opts.get('--queue-consumer'),
      parallel: num('--queue-parallel'),
      claimIdleMs: num('--queue-claim-idle'),
      maxDeliveries: num('--queue-max-deliveries'),
      inlineMax: num('--queue-inline-max'),
      idleExitMs: num('--queue-idle-exit'),
      resultTtlS: num('--queue-result-ttl'),
    }),
  });
  const stop = () => worker.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  log(`worker ${worker.consumer} on ${q.name}`);
  const s = await worker.run();
  log(
    `worker ${worker.consumer} stopped: done ${s.done}, failed ${s.failed}, dead ${s.dead}, duplicates ${s.duplicates}`,
  );
  return 0;
}

function defined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
