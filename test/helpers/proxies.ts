// Proxy servers for the interop suite: Debian's squid, tinyproxy, microsocks and danted started by
// the test on a free loopback port with a config file of the suite's own in a temp dir, and
// stopped after; plus a counting TCP forwarder put in front of any of them, so a test can see how
// many connections the client opened to the proxy (reuse through a proxy).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STARTUP_TIMEOUT_MS = 15_000;

export interface Daemon {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/** A free loopback TCP port (bound and released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`server did not listen on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startDaemon(
  name: string,
  makeArgs: (dir: string, port: number) => Promise<{ cmd: string; args: string[] }>,
): Promise<Daemon> {
  const dir = await mkdtemp(join(tmpdir(), `tscurl-${name}-`));
  // squid and danted drop to an unprivileged user when started as root: it must write here.
  await chmod(dir, 0o777);
  const port = await freePort();
  const { cmd, args } = await makeArgs(dir, port);
  let output = '';
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  try {
    await waitForPort(port, child, () => output);
  } catch (e) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    port,
    dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** squid as an HTTP proxy (absolute-form and CONNECT), optionally with Basic proxy auth. */
export function startSquid(auth?: { user: string; password: string }): Promise<Daemon> {
  return startDaemon('squid', async (dir, port) => {
    const lines = [
      `http_port 127.0.0.1:${port}`,
      `pid_filename ${dir}/squid.pid`,
      `cache_log ${dir}/cache.log`,
      `access_log stdio:${dir}/access.log`,
      'cache_store_log none',
      'cache deny all',
      'cache_mem 8 MB',
      `coredump_dir ${dir}`,
      'netdb_filename none',
      'visible_hostname tscurl-test',
      'shutdown_lifetime 0 seconds',
      // Names are never looked up outside the machine: tests use IP addresses.
      'dns_nameservers 127.0.0.1',
      'acl CONNECT method CONNECT',
      'acl all_ports port 1-65535',
      'http_access allow CONNECT all_ports localhost' + (auth ? ' authed' : ''),
    ];
    if (auth !== undefined) {
      const hash = execFileSync('openssl', ['passwd', '-apr1', auth.password]).toString().trim();
      await writeFile(join(dir, 'passwd'), `${auth.user}:${hash}\n`);
      lines.splice(
        lines.length - 1,
        0,
        `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${dir}/passwd`,
        'auth_param basic realm tscurl',
        'acl authed proxy_auth REQUIRED',
      );
      lines.push('http_access allow localhost authed');
    } else {
      lines.push('http_access allow localhost');
    }
    lines.push('http_access deny all');
    await writeFile(join(dir, 'squid.conf'), `${lines.join('\n')}\n`);
    return { cmd: '/usr/sbin/squid', args: ['-N', '-f', join(dir, 'squid.conf')] };
  });
}

export function startTinyproxy(): Promise<Daemon> {
  return startDaemon('tinyproxy', async (dir, port) => {
    const conf = [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 60',
      `LogFile "${dir}/tinyproxy.log"`,
      'LogLevel Info',
      'MaxClients 200',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
    ];
    await writeFile(join(dir, 'tinyproxy.conf'), `${conf.join('\n')}\n`);
    return { cmd: '/usr/bin/tinyproxy', args: ['-d', '-c', join(dir, 'tinyproxy.conf')] };
  });
}

/** microsocks: SOCKS5, with username/password auth when given. */
export function startMicrosocks(auth?: { user: string; password: string }): Promise<Daemon> {
  return startDaemon('microsocks', async (_dir, port) => {
    const args = ['-i', '127.0.0.1', '-p', String(port)];
    if (auth !== undefined) args.push('-u', auth.user, '-P', auth.password);
    return { cmd: '/usr/bin/microsocks', args };
  });
}

/** danted: SOCKS4 and SOCKS5 without authentication. */
export function startDante(): Promise<Daemon> {
  return startDaemon('dante', async (dir, port) => {
    const conf = [
      `logoutput: ${dir}/dante.log`,
      `internal: 127.0.0.1 port = ${port}`,
      'external: 127.0.0.1',
      'clientmethod: none',
      'socksmethod: none',
      'user.privileged: root',
      'user.unprivileged: nobody',
      'client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }',
      'socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }',
    ];
    await writeFile(join(dir, 'danted.conf'), `${conf.join('\n')}\n`);
    return { cmd: '/usr/sbin/danted', args: ['-f', join(dir, 'danted.conf'), '-N', '1'] };
  });
}

export interface Forwarder {
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** A TCP forwarder to 127.0.0.1:targetPort that counts the connections it accepts. */
export async function countingForwarder(targetPort: number): Promise<Forwarder> {
  let connections = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(targetPort, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const done = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
