// A throw-away redis-server (Debian's) for the fleet tests and benches: run in the foreground as a
// child of the test process, on a free loopback port, with its own config and data in one mktemp
// dir that stop() removes. No RDB snapshots; AOF (appendfsync always) only when asked, in that dir.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_BIN = '/usr/bin/redis-server';

export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:PORT */
  url: string;
  dir: string;
  /** Kill it (SIGKILL: as a crash) and start it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export async function startRedis(o: { aof?: boolean } = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tscurl-redis-'));
  const port = await freePort();
  const conf = join(dir, 'redis.conf');
  await writeFile(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      'save ""',
      `appendonly ${o.aof === true ? 'yes' : 'no'}`,
      'appendfsync always',
      'daemonize no',
      'protected-mode yes',
      `logfile ${join(dir, 'redis.log')}`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(REDIS_BIN, [conf], { stdio: 'ignore' });
    const started = Date.now();
    while (!(await accepting(port))) {
      if (child.exitCode !== null)
        throw new Error(`redis-server exited (${child.exitCode}); see ${dir}/redis.log`);
      if (Date.now() - started > 10_000) throw new Error('redis-server did not start in 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      const c = child;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async restart(downMs = 500) {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
