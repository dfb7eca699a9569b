// Throw-away HTTP/2 servers from Debian for the interop suite: nghttpd (nghttp2-server) and h2o,
// each serving cleartext HTTP/2 with prior knowledge (h2c) on a free loopback port from a
// generated fixture root (the same files as the nginx helper), stopped and removed after.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { canConnect, type FixtureFile, pickFreePort, writeFixtures } from './nginx.js';

export interface H2Server {
  name: string;
  baseUrl: string;
  files: ReadonlyMap<string, FixtureFile>;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 10_000;

async function startProcess(
  name: string,
  bigFileBytes: number,
  command: (dir: string, root: string, port: number) => Promise<[string, string[]]>,
): Promise<H2Server> {
  const dir = await mkdtemp(join(tmpdir(), `tscurl-${name}-`));
  const root = join(dir, 'root');
  const files = await writeFixtures(root, bigFileBytes);
  const port = await pickFreePort();
  const [bin, args] = await command(dir, root, port);
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', () => {});
  const stop = async (): Promise<void> => {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (!exited) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not start: ${stderr.slice(0, 500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, baseUrl: `http://127.0.0.1:${port}`, files, stop };
}

/** nghttpd --no-tls: HTTP/2 only, cleartext, files from the fixture root. */
export function startNghttpd(bigFileBytes = 100 * 1024 * 1024): Promise<H2Server> {
  return startProcess('nghttpd', bigFileBytes, async (_dir, root, port) => [
    '/usr/sbin/nghttpd',
    ['--no-tls', '-a', '127.0.0.1', '-d', root, '--max-concurrent-streams=100', String(port)],
  ]);
}

/** h2o with a plain listener: it answers cleartext HTTP/2 with prior knowledge as well as HTTP/1.1. */
export function startH2o(bigFileBytes = 100 * 1024 * 1024): Promise<H2Server> {
  return startProcess('h2o', bigFileBytes, async (dir, root, port) => {
    const conf = join(dir, 'h2o.conf');
    await writeFile(
      conf,
      [
        // h2o started as root switches to 'nobody' unless told otherwise; the fixture dir is ours.
        `user: ${userInfo().username}`,
        `pid-file: ${join(dir, 'h2o.pid')}`,
        `error-log: ${join(dir, 'error.log')}`,
        'listen:',
        `  host: 127.0.0.1`,
        `  port: ${port}`,
        'hosts:',
        '  default:',
        '    paths:',
        '      /:',
        `        file.dir: ${root}`,
        '',
      ].join('\n'),
    );
    return ['/usr/bin/h2o', ['-c', conf]];
  });
}
