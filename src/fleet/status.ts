// The progress of a queue: jobs waiting (not delivered yet: the group's lag), running (delivered,
// no result yet: the group's pending entries), done, failed and dead (counted by the result
// script), and per worker its running jobs, its counts and how long ago it last read.
import { command, type QueueRef, type Redis } from './queue.js';

export interface WorkerStatus {
  name: string;
  running: number;
  done: number;
  failed: number;
  dead: number;
  /** ms since the worker last read from the group. */
  idleMs: number;
}

export interface QueueStatus {
  queue: string;
  waiting: number;
  running: number;
  done: number;
  failed: number;
  dead: number;
  results: number;
  workers: WorkerStatus[];
}

function asMap(flat: unknown[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (let i = 0; i < flat.length; i += 2) m.set(String(flat[i]), flat[i + 1]);
  return m;
}

export async function queueStatus(client: Redis, q: QueueRef): Promise<QueueStatus> {
  const [groups, stats, results] = (await Promise.all([
    command(client, ['XINFO', 'GROUPS', q.jobs]).catch(() => []),
    command(client, ['HGETALL', q.stats]),
    command(client, ['XLEN', q.results]),
  ])) as [unknown[][], string[], number];
  const group = groups.map(asMap).find((g) => g.get('name') === q.group);
  const counts = asMap(stats);
  const count = (k: string) => Number(counts.get(k) ?? 0);
  let workers: WorkerStatus[] = [];
  if (group !== undefined) {
    const consumers = (await command(client, ['XINFO', 'CONSUMERS', q.jobs, q.group])) as unknown[][];
    workers = consumers.map(asMap).map((c) => {
      const name = String(c.get('name'));
      return {
        name,
        running: Number(c.get('pending')),
        done: count(`done:${name}`),
        failed: count(`failed:${name}`),
        dead: count(`dead:${name}`),
        idleMs: Number(c.get('idle')),
      };
    });
  }
  return {
    queue: q.name,
    waiting: Number(group?.get('lag') ?? 0),
    running: Number(group?.get('pending') ?? 0),
    done: count('done'),
    failed: count('failed'),
    dead: count('dead'),
    results: Number(results),
    workers,
  };
}

export function formatStatus(s: QueueStatus): string {
  const rows = [
    `queue ${s.queue}: waiting ${s.waiting}, running ${s.running}, done ${s.done}, failed ${s.failed}, dead ${s.dead} (${s.results} results)`,
  ];
  if (s.workers.length > 0) {
    rows.push('worker                         running     done   failed     dead   idle');
    for (const w of s.workers) {
      rows.push(
        `${w.name.padEnd(30)} ${pad(w.running, 8)} ${pad(w.done, 8)} ${pad(w.failed, 8)} ${pad(w.dead, 8)}   ${(w.idleMs / 1000).toFixed(1)}s`,
      );
    }
  }
  return `${rows.join('\n')}\n`;
}

const pad = (n: number, w: number) => String(n).padStart(w);
