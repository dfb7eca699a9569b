// Fleet worker: reads jobs from {NAME}:jobs with the consumer group, never more than it has free
// slots (XREADGROUP COUNT free), runs each as an Easy on one NodeDriver, and writes its result
// once, acknowledging the job in the same script (results.ts). Jobs a dead worker left pending are
// taken over after `claimIdleMs` (XAUTOCLAIM, again only as many as there are free slots); a job
// delivered more than `maxDeliveries` times goes to the dead-letter stream with a 'dead' result.
// While its transfers run, a worker renews its claim on them (XCLAIM JUSTID) so that a slow
// transfer is not taken over. Redis going away only delays reads and result writes: the clients
// reconnect and the writes are retried, the job staying pending (so never lost) meanwhile.
import { hostname } from 'node:os';
import { NodeDriver } from '../api/driver.js';
import { CurlCode } from '../core/codes.js';
import { BodySink, easyForJob, JobError, messageFor, parseJob, pickInfo, type ResultRecord } from './job.js';
import { command, ensureGroup, type QueueRef, type Redis, redisClient, sleep } from './queue.js';
import { writeResult } from './results.js';

export interface FleetWorkerOptions {
  queue: QueueRef;
  /** Consumer name in the group (default host-pid). */
  consumer?: string;
  /** Transfers at once (default 50). */
  parallel?: number;
  /** A pending job idle this long is taken from the worker holding it (ms, default 30 s). */
  claimIdleMs?: number;
  /** Deliveries after which a job is dead-lettered (default 5). */
  maxDeliveries?: number;
  /** Inline bodies are cut at this many bytes (default 64 KiB). */
  inlineMax?: number;
  /** Command-line options applied to every job before its own. */
  defaultArgs?: string[];
  /** Exit once no job came for this long and none runs (ms; default: never). */
  idleExitMs?: number;
  /** Lifetime of the exactly-once guard per job id (s, default 7 days). */
  resultTtlS?: number;
  log?: (line: string) => void;
}

export interface FleetWorkerStats {
  done: number;
  failed: number;
  dead: number;
  duplicates: number;
}

export class FleetWorker {
  readonly consumer: string;
  readonly stats: FleetWorkerStats = { done: 0, failed: 0, dead: 0, duplicates: 0 };
  private readonly q: QueueRef;
  private readonly parallel: number;
  private readonly claimIdleMs: number;
  private readonly maxDeliveries: number;
  private readonly inlineMax: number;
  private readonly defaultArgs: string[];
  private readonly idleExitMs: number | undefined;
  private readonly ttlS: number;
  private readonly log: (line: string) => void;
  private readonly reader: Redis;
  private readonly writer: Redis;
  private readonly driver = new NodeDriver();
  /** Entries running now (their ids, for renewing the claim). */
  private readonly running = new Set<string>();
  private slotFreed: (() => void) | undefined;
  private stopping = false;
  private lastWork = Date.now();

  constructor(o: FleetWorkerOptions) {
    this.q = o.queue;
    this.consumer = o.consumer ?? `${hostname()}-${process.pid}`;
    this.parallel = o.parallel ?? 50;
    this.claimIdleMs = o.claimIdleMs ?? 30_000;
    this.maxDeliveries = o.maxDeliveries ?? 5;
    this.inlineMax = o.inlineMax ?? 64 * 1024;
    this.defaultArgs = o.defaultArgs ?? [];
    this.idleExitMs = o.idleExitMs;
    this.ttlS = o.resultTtlS ?? 7 * 24 * 3600;
    this.log = o.log ?? ((s) => process.stderr.write(`${s}\n`));
    this.writer = redisClient(this.q, this.log);
    this.reader = this.writer.duplicate();
    this.reader.on('error', () => {}); // the writer reports outages
  }

  /** Stop reading jobs; run() resolves once the running ones have their results. */
  stop(): void {
    this.stopping = true;
  }

  async run(): Promise<FleetWorkerStats> {
    await Promise.all([this.writer.connect(), this.reader.connect()]);
    await this.retry(() => this.join());
    const renew = setInterval(() => void this.renewClaims(), Math.max(100, this.claimIdleMs / 3));
    let lastClaim = 0;
    try {
      while (!this.stopping) {
        const free = this.parallel - this.running.size;
        if (free <= 0) {
          await new Promise<void>((r) => {
            this.slotFreed = r;
          });
          continue;
        }
        try {
          if (Date.now() - lastClaim >= this.claimIdleMs / 2) {
            lastClaim = Date.now();
            if ((await this.claim(free)) > 0) continue;
          }
          const reply = (await command(this.reader, [
            'XREADGROUP',
            'GROUP',
            this.q.group,
            this.consumer,
            'COUNT',
            free,
            'BLOCK',
            Math.min(1000, this.claimIdleMs),
            'STREAMS',
            this.q.jobs,
            '>',
          ])) as Array<[string, Array<[string, string[]]>]> | null;
          const entries = reply?.[0]?.[1] ?? [];
          for (const [entry, fields] of entries) this.start(entry, fields, 1);
          if (entries.length === 0 && this.idleDone()) break;
        } catch (e) {
          const message = String((e as Error).message);
          // A server restarted without its data has no group: make it again.
          if (message.includes('NOGROUP')) await this.retry(() => this.join());
          else {
            if (this.writer.isReady) this.log(`reading jobs: ${message}`);
            await sleep(200);
          }
        }
      }
      while (this.running.size > 0) {
        await new Promise<void>((r) => {
          this.slotFreed = r;
        });
      }
    } finally {
      clearInterval(renew);
      this.driver.close();
      await Promise.allSettled([this.reader.quit(), this.writer.quit()]);
    }
    return this.stats;
  }

  /** The group (made if missing) with this worker in it, so that progress shows it while it waits. */
  private async join(): Promise<void> {
    await ensureGroup(this.writer, this.q);
    await command(this.writer, ['XGROUP', 'CREATECONSUMER', this.q.jobs, this.q.group, this.consumer]);
  }

  private idleDone(): boolean {
    if (this.idleExitMs === undefined || this.running.size > 0) return false;
    return Date.now() - this.lastWork >= this.idleExitMs;
  }

  /** Take over up to `free` jobs idle longer than claimIdleMs; how many were taken. */
  private async claim(free: number): Promise<number> {
    const reply = (await command(this.writer, [
      'XAUTOCLAIM',
      this.q.jobs,
      this.q.group,
      this.consumer,
      this.claimIdleMs,
      '0-0',
      'COUNT',
      free,
    ])) as [string, Array<[string, string[]] | null>, string[]?];
    const entries = reply[1].filter((e): e is [string, string[]] => e !== null);
    for (const [entry, fields] of entries) {
      const pending = (await command(this.writer, [
        'XPENDING',
        this.q.jobs,
        this.q.group,
        entry,
        entry,
        1,
      ])) as Array<[string, string, number, number]>;
      const deliveries = Number(pending[0]?.[3] ?? 1);
      this.log(`claimed ${entry} (delivery ${deliveries})`);
      this.start(entry, fields, deliveries);
    }
    return entries.length;
  }

  /** Reset the idle time of the entries running here, so nobody claims a slow transfer. */
  private async renewClaims(): Promise<void> {
    if (this.running.size === 0) return;
    const ids = [...this.running];
    try {
      await command(this.writer, ['XCLAIM', this.q.jobs, this.q.group, this.consumer, 0, ...ids, 'JUSTID']);
    } catch {
      // Redis away: the next tick tries again.
    }
  }

  private start(entry: string, fields: string[], deliveries: number): void {
    this.running.add(entry);
    this.lastWork = Date.now();
    void this.process(entry, fields, deliveries).finally(() => {
      this.running.delete(entry);
      this.lastWork = Date.now();
      const wake = this.slotFreed;
      this.slotFreed = undefined;
      wake?.();
    });
  }

  private async process(entry: string, fields: string[], deliveries: number): Promise<void> {
    const text = fieldOf(fields, 'job') ?? '';
    const r: ResultRecord = {
      id: entry,
      entry,
      url: '',
      outcome: 'failed',
      code: CurlCode.BAD_FUNCTION_ARGUMENT,
      error: '',
      status: 0,
      worker: this.consumer,
      deliveries,
    };
    let dead: string | undefined;
    try {
      const job = parseJob(text);
      r.id = job.id ?? entry;
      r.url = job.url;
      if (deliveries > this.maxDeliveries) {
        dead = text;
        r.outcome = 'dead';
        r.code = CurlCode.ABORTED_BY_CALLBACK;
        r.error = `job delivered ${deliveries} times without a result (more than ${this.maxDeliveries}): dead-lettered`;
      } else {
        const sink = new BodySink(job.body ?? 'inline', this.inlineMax, r.id);
        const easy = easyForJob(job, this.defaultArgs, sink);
        const m = await this.driver.add(easy);
        const info = easy.getInfo();
        r.code = m.result;
        r.outcome = m.result === CurlCode.OK ? 'done' : 'failed';
        r.error = messageFor(m.result, sink.failure ?? easy.errorBuffer);
        r.status = info.responseCode;
        r.info = pickInfo(info);
        r.body = sink.finish(m.result === CurlCode.OK);
      }
    } catch (e) {
      if (!(e instanceof JobError)) throw e;
      r.id = e.job?.id ?? r.id;
      r.url = e.job?.url ?? r.url;
      r.code = e.code;
      r.error = e.message;
    }
    const wrote = await this.retry(() => writeResult(this.writer, this.q, r, this.ttlS, dead));
    if (!wrote) this.stats.duplicates++;
    else this.stats[r.outcome]++;
  }

  /** Run `f` until it succeeds (Redis away: wait and again), unless the worker was stopped hard. */
  private async retry<T>(f: () => Promise<T>): Promise<T> {
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      try {
        return await f();
      } catch (e) {
        if (!this.writer.isOpen) throw e;
        await sleep(wait);
      }
    }
  }
}

function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
