// Scale-out figures: W1 (20,000 x 1 KiB GETs from a private nginx, 100 in flight) through
// Client.request() on one thread and on 1 and 2 worker threads, and through `tscurl -Z` with and
// without --workers; then the fleet: jobs per second end to end through a private redis-server
// (jobs added first, then K worker processes until the last result), with the CPU seconds per job
// of the workers, Redis and nginx, which say where the limit is.
//   npm run build && node --import tsx bench/scale.ts [--count N] [--jobs N] [--only threads|fleet]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseQueue, redisClient } from '../src/fleet/queue.js';
import { queueStatus } from '../src/fleet/status.js';
import { startRedis } from '../test/helpers/redis.js';
// @ts-expect-error: a plain .mjs module (the bench harness), no declarations.
import { startNginx as startNginxUntyped } from './nginx.mjs';

const startNginx = startNginxUntyped as () => Promise<{
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}>;

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const count = Number(opt('--count') ?? 20_000);
const jobs = Number(opt('--jobs') ?? 10_000);
const only = opt('--only');
const MAIN = 'dist/bin/tscurl.cjs';

function exec(cmd: string, argv: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

/** CPU seconds (user + system) of a process and its threads, from /proc. */
function cpuOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** The nginx master and its workers. */
function nginxCpu(master: number): number {
  let total = cpuOf(master);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(f[1]) === master) total += cpuOf(Number(d));
    } catch {}
  }
  return total;
}

const nginx = await startNginx();
const url = `${nginx.baseUrl}/1k.bin`;
try {
  if (only === undefined || only === 'threads') {
    console.log(`## Threads: W1, ${count} x 1 KiB, 100 in flight (Client.request(), one process each)\n`);
    console.log('| client | req/s | CPU s | CPU us/req | peak RSS MiB |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const w of [0, 1, 2]) {
      const r = await exec(process.execPath, [
        'bench/threads-client.mjs',
        String(w),
        url,
        String(count),
        '100',
        '1024',
      ]);
      const j = JSON.parse(r.out) as {
        done: number;
        failures: number;
        wallMs: number;
        cpuS: number;
        maxRssKiB: number;
      };
      if (j.failures > 0) throw new Error(`failures: ${r.out}`);
      const label = w === 0 ? 'request(), one thread' : `request(), workers: ${w}`;
      console.log(
        `| ${label} | ${Math.round(count / (j.wallMs / 1000))} | ${j.cpuS.toFixed(2)} | ${Math.round((j.cpuS * 1e6) / count)} | ${Math.round(j.maxRssKiB / 1024)} |`,
      );
    }
    for (const w of [0, 2]) {
      const argv = ['-f', 'TIME %e %U %S %M', process.execPath, MAIN, '-Z', '--parallel-max', '100', '-s'];
      if (w > 0) argv.push('--workers', String(w));
      argv.push('-o', '/dev/null', '-w', '%{http_code}\\n', `${url}?[1-${count}]`);
      const r = await exec('/usr/bin/time', argv);
      const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.err)!;
      const ok = r.out.split('\n').filter((l) => l === '200').length;
      if (ok !== count) throw new Error(`tscurl -Z: ${ok} of ${count} answered 200`);
      const cpu = Number(m[2]) + Number(m[3]);
      console.log(
        `| tscurl -Z${w > 0 ? ` --workers ${w}` : ''} | ${Math.round(count / Number(m[1]))} | ${cpu.toFixed(2)} | ${Math.round((cpu * 1e6) / count)} | ${Math.round(Number(m[4]) / 1024)} |`,
      );
    }
  }
  if (only === undefined || only === 'fleet') {
    console.log(
      `\n## Fleet: ${jobs} jobs (1 KiB GETs, body discarded) through redis-server, K worker processes\n`,
    );
    console.log(
      '| workers | add jobs/s | jobs/s end to end | worker CPU us/job | redis CPU us/job | nginx CPU us/job |',
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const k of [1, 2, 4]) {
      const redis = await startRedis();
      const queue = `${redis.url}/bench`;
      const q = parseQueue(queue);
      const client = redisClient(q, () => {});
      await client.connect();
      try {
        const t0 = performance.now();
        const add = await exec(process.execPath, [
          MAIN,
          '--queue-add',
          queue,
          '--body',
          'discard',
          `${url}?[1-${jobs}]`,
        ]);
        if (add.code !== 0) throw new Error(add.err);
        const addRate = jobs / ((performance.now() - t0) / 1000);
        const redisPid = Number(
          (await client.sendCommand(['INFO', 'server'])).toString().match(/process_id:(\d+)/)![1],
        );
        const redis0 = cpuOf(redisPid);
        const nginx0 = nginxCpu(nginx.pid);
        const t1 = performance.now();
        const workers = Array.from({ length: k }, (_, i) =>
          exec('/usr/bin/time', [
            '-f',
            'TIME %e %U %S %M',
            process.execPath,
            MAIN,
            '--queue',
            queue,
            '--queue-consumer',
            `b${i}`,
            '--queue-parallel',
            '100',
            '--queue-idle-exit',
            '500',
          ]),
        );
        while ((await queueStatus(client, q)).results < jobs) await new Promise((r) => setTimeout(r, 50));
        const wall = (performance.now() - t1) / 1000;
        const redisCpu = cpuOf(redisPid) - redis0;
        const nginxUsed = nginxCpu(nginx.pid) - nginx0;
        const done = await Promise.all(workers);
        let workerCpu = 0;
        for (const d of done) {
          const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(d.err)!;
          workerCpu += Number(m[2]) + Number(m[3]);
        }
        const s = await queueStatus(client, q);
        if (s.done !== jobs) throw new Error(`done ${s.done} of ${jobs}`);
        const us = (cpu: number) => Math.round((cpu * 1e6) / jobs);
        console.log(
          `| ${k} | ${Math.round(addRate)} | ${Math.round(jobs / wall)} | ${us(workerCpu)} | ${us(redisCpu)} | ${us(nginxUsed)} |`,
        );
      } finally {
        await client.quit().catch(() => {});
        await redis.stop();
      }
    }
  }
} finally {
  await nginx.stop();
}
