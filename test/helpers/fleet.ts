// The fleet tests' shared parts: tscurl --queue workers as child processes, --queue-add, reading
// the results stream, waiting for a condition, and "every id exactly one result".
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import type { ResultRecord } from '../../src/fleet/job.js';
import { command, type QueueRef, type Redis } from '../../src/fleet/queue.js';
import { cliNodeArgs, runCommand } from '../cli/helpers.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Worker {
  child: ChildProcess;
  stderr: string;
  exited: Promise<number | null>;
}

export function startWorker(queue: string, extra: string[] = []): Worker {
  const child = spawn(process.execPath, [...cliNodeArgs(), '--queue', queue, ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const w: Worker = {
    child,
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  child.stderr!.on('data', (d) => (w.stderr += d));
  return w;
}

export function addJobs(queue: string, args: string[], input?: string) {
  return runCommand(process.execPath, [...cliNodeArgs(), '--queue-add', queue, ...args], {
    ...(input !== undefined && { input }),
  });
}

export async function results(client: Redis, q: QueueRef): Promise<ResultRecord[]> {
  const out: ResultRecord[] = [];
  let start = '-';
  for (;;) {
    const page = (await command(client, ['XRANGE', q.results, start, '+', 'COUNT', 2000])) as Array<
      [string, string[]]
    >;
    for (const [, fields] of page) out.push(JSON.parse(fields[3]!) as ResultRecord);
    if (page.length < 2000) return out;
    start = `(${page.at(-1)![0]}`;
  }
}

export async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Every id exactly once among the results. */
export function assertOnceEach(rs: ResultRecord[], ids: string[]): void {
  const seen = new Map<string, number>();
  for (const r of rs) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
  const missing = ids.filter((id) => !seen.has(id));
  const twice = [...seen].filter(([, n]) => n > 1);
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} jobs without a result`);
  assert.deepEqual(twice.slice(0, 5), [], `${twice.length} jobs with more than one result`);
  assert.equal(rs.length, ids.length);
}
