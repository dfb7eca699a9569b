// A throw-away nginx for the interop suite: Debian's /usr/sbin/nginx run in the foreground as a
// child of the test process, on a free loopback port, with its own config, logs, pid file and
// temp paths inside one mktemp dir that stop() removes. Nothing under /etc/nginx or /var/lib/nginx
// is read or written, so a system nginx (or Debian's default site on port 80) does not matter.
import { type ChildProcess, spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX_BIN = '/usr/sbin/nginx';
/** Debian's nginx-light is nginx plus the echo module, which /stream needs. */
export const NGINX_APT_PACKAGE = 'nginx-light';
const ECHO_MODULE = '/usr/lib/nginx/modules/ngx_http_echo_module.so';

const STARTUP_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 5;

export interface FixtureFile {
  /** URL path, e.g. '/big.bin'. */
  path: string;
  size: number;
  /** Lower-case hex SHA-256 of the content, computed while writing it. */
  sha256: string;
}

export interface StartNginxOptions {
  /** Serve this directory as it is. Without it, a fixture root is generated in the temp dir. */
  root?: string;
  /** Inserted verbatim inside the server block, before the built-in locations. */
  extraConfig?: string;
  /** Size of the generated /big.bin; 100 MiB unless a test needs less. */
  bigFileBytes?: number;
  /** Serve https with this certificate and key (PEM paths) and these ssl_protocols ('TLSv1.2 TLSv1.3'). */
  tls?: { cert: string; key: string; protocols?: string };
  /** Parameters of the listen directive, e.g. 'http2' (cleartext HTTP/2 with prior knowledge). */
  listenParams?: string;
}

export interface NginxServer {
  port: number;
  /** 'http://127.0.0.1:PORT' ('https://' with `tls`) without a trailing slash. */
  baseUrl: string;
  root: string;
  /** The generated fixtures by URL path; empty when opts.root was given. */
  files: ReadonlyMap<string, FixtureFile>;
  /** True when the echo module was found and /stream is served. */
  hasEcho: boolean;
  pid: number;
  /** The temp dir holding nginx.conf, error.log and the temp paths. */
  dir: string;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Locations served besides the static files under root:
 * - /chunked/NAME   the file NAME from root, sent with Transfer-Encoding: chunked (see below)
 * - /stream         echo module: five lines, flushed one by one 20 ms apart, chunked
 * - /close/NAME     the file NAME from root, answered with Connection: close (keepalive_timeout 0)
 * - /status/204, /status/404, /status/500   fixed status, no body (204) or nginx's small page
 * - /redirect       302 to /small.txt
 */
function serverLocations(root: string, hasEcho: boolean): string {
  const stream = hasEcho
    ? `
    # The echo module writes each 'echo' as it comes and never knows the total length, so nginx
    # frames the body with Transfer-Encoding: chunked; echo_flush pushes each line out at once.
    location = /stream {
      default_type text/plain;
      echo "line 1"; echo_flush; echo_sleep 0.02;
      echo "line 2"; echo_flush; echo_sleep 0.02;
      echo "line 3"; echo_flush; echo_sleep 0.02;
      echo "line 4"; echo_flush; echo_sleep 0.02;
      echo "line 5";
    }`
    : '';
  return `
    location / {
      root ${root};
    }

    # sub_filter's header filter clears Content-Length before it has seen the body (it cannot know
    # the length after substitution), so every response here goes out with
    # Transfer-Encoding: chunked to HTTP/1.1 clients. The pattern never occurs in the fixtures, so
    # the bytes are the file's own. Built into Debian's nginx (--with-http_sub_module), no module.
    location /chunked/ {
      alias ${root}/;
      sub_filter 'tscurl-no-such-token-5f0c2a9e' '';
      sub_filter_types *;
      sub_filter_once on;
    }
${stream}
    location /close/ {
      alias ${root}/;
      keepalive_timeout 0;
    }

    location = /status/204 { return 204; }
    location = /status/404 { return 404; }
    location = /status/500 { return 500; }
    location = /redirect { return 302 /small.txt; }
`;
}

/** The ssl directives of a TLS server block (Debian's nginx-light is built with the ssl module). */
function tlsConf(tls: StartNginxOptions['tls']): string {
  if (tls === undefined) return '';
  return `
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};
    ssl_protocols ${tls.protocols ?? 'TLSv1.2 TLSv1.3'};
    ssl_session_cache shared:tscurl:1m;`;
}

function nginxConf(
  dir: string,
  port: number,
  root: string,
  hasEcho: boolean,
  extra: string,
  tls: StartNginxOptions['tls'],
  listenParams: string,
): string {
  const t = (name: string) => join(dir, 'tmp', name);
  return `# generated by test/helpers/nginx.ts
${hasEcho ? `load_module ${ECHO_MODULE};\n` : ''}daemon off;
# One process: nothing is left behind if the test process dies, and as root it keeps serving
# from the temp dir (a master would hand requests to a worker running as 'nobody').
master_process off;
worker_processes 1;
worker_rlimit_nofile 8192;
error_log ${join(dir, 'error.log')} warn;
pid ${join(dir, 'nginx.pid')};
lock_file ${join(dir, 'nginx.lock')};

events {
  worker_connections 4096;
}

http {
  default_type application/octet-stream;
  types {
    text/plain txt;
    application/octet-stream bin;
  }
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000;
  keepalive_timeout 65s;
  server_tokens off;
  client_body_temp_path ${t('client_body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};

  server {
    listen 127.0.0.1:${port}${tls === undefined ? '' : ' ssl'}${listenParams === '' ? '' : ` ${listenParams}`};
    server_name localhost;${tlsConf(tls)}
${extra}
${serverLocations(root, hasEcho)}
  }
}
`;
}

/** A port the kernel just handed out on 127.0.0.1; someone else may take it before nginx binds. */
export function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port from listen(0)'))));
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      s.destroy();
      resolve(false);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Deterministic bytes, fast: AES-128-CTR keystream under a fixed key and IV (the same bytes on
 * every machine and Node version), written 1 MiB at a time and hashed on the way.
 */
async function writeDeterministicFile(path: string, size: number, seed: string): Promise<string> {
  const key = createHash('sha256').update(`tscurl-fixture-key:${seed}`).digest().subarray(0, 16);
  const iv = Buffer.alloc(16);
  const cipher = createCipheriv('aes-128-ctr', key, iv);
  const zeros = Buffer.alloc(1 << 20);
  const hash = createHash('sha256');
  const fh = await open(path, 'w');
  try {
    for (let left = size; left > 0; ) {
      const n = Math.min(left, zeros.length);
      const block = cipher.update(zeros.subarray(0, n));
      hash.update(block);
      await fh.write(block);
      left -= n;
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

export async function writeFixtures(root: string, bigFileBytes: number): Promise<Map<string, FixtureFile>> {
  await mkdir(root, { recursive: true });
  const files = new Map<string, FixtureFile>();
  const line = 'tscurl interop fixture: small.txt, 1 KiB of printable text.\n';
  const small = Buffer.from(line.repeat(Math.ceil(1024 / line.length)).slice(0, 1023) + '\n');
  await writeFile(join(root, 'small.txt'), small);
  files.set('/small.txt', {
    path: '/small.txt',
    size: small.length,
    sha256: createHash('sha256').update(small).digest('hex'),
  });
  for (const [name, size] of [
    ['1k.bin', 1024],
    ['100k.bin', 100 * 1024],
    ['big.bin', bigFileBytes],
  ] as const) {
    const sha256 = await writeDeterministicFile(join(root, name), size, name);
    files.set(`/${name}`, { path: `/${name}`, size, sha256 });
  }
  return files;
}

const running = new Set<ChildProcess>();
// Last resort when a test process exits without calling stop(): kill what we started.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startNginx(opts: StartNginxOptions = {}): Promise<NginxServer> {
  if (!existsSync(NGINX_BIN)) {
    throw new Error(
      `${NGINX_BIN} not found: the interop suite needs Debian's nginx ` +
        `(apt-get install -y --no-install-recommends ${NGINX_APT_PACKAGE})`,
    );
  }
  const hasEcho = existsSync(ECHO_MODULE);
  const dir = await mkdtemp(join(tmpdir(), 'tscurl-nginx-'));
  try {
    await mkdir(join(dir, 'tmp'));
    const root = opts.root ?? join(dir, 'root');
    const files = opts.root
      ? new Map<string, FixtureFile>()
      : await writeFixtures(root, opts.bigFileBytes ?? 100 * 1024 * 1024);
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = await pickFreePort();
      const result = await launch(
        dir,
        port,
        root,
        hasEcho,
        opts.extraConfig ?? '',
        opts.tls,
        opts.listenParams ?? '',
      );
      if (result.ok) {
        return { ...result.server, root, files, hasEcho, dir };
      }
      lastError = result.error;
      if (!result.addrInUse) break;
    }
    throw lastError ?? new Error('nginx did not start');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

type Launched =
  | { ok: true; server: Omit<NginxServer, 'root' | 'files' | 'hasEcho' | 'dir'> }
  | { ok: false; addrInUse: boolean; error: Error };

async function launch(
  dir: string,
  port: number,
  root: string,
  hasEcho: boolean,
  extra: string,
  tls: StartNginxOptions['tls'],
  listenParams: string,
): Promise<Launched> {
  const confPath = join(dir, 'nginx.conf');
  const errorLogPath = join(dir, 'error.log');
  await writeFile(confPath, nginxConf(dir, port, root, hasEcho, extra, tls, listenParams));
  await writeFile(errorLogPath, '');
  // -e: Debian builds with --error-log-path=stderr; this covers what is logged before the config
  // is read. -p: relative paths resolve in the temp dir, never /usr/share/nginx.
  const child = spawn(NGINX_BIN, ['-p', `${dir}/`, '-c', confPath, '-e', errorLogPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve();
    });
  });
  child.once('error', () => {
    /* reported through 'exit' / the readiness wait */
  });
  const errorLog = async () => {
    const log = await readFile(errorLogPath, 'utf8').catch(() => '');
    return log + stderr;
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!exited && Date.now() < deadline) {
    if (await canConnect(port)) break;
    await sleep(20);
  }
  if (exited || Date.now() >= deadline) {
    if (!exited) {
      child.kill('SIGKILL');
      await exitPromise;
    }
    const log = await errorLog();
    const why = exited
      ? `exited (code ${exited.code}, signal ${exited.signal})`
      : `did not accept connections within ${STARTUP_TIMEOUT_MS} ms`;
    return {
      ok: false,
      addrInUse: /Address already in use/.test(log),
      error: new Error(`nginx on 127.0.0.1:${port} ${why}; error log:\n${log}`),
    };
  }

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exitPromise;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  return {
    ok: true,
    server: {
      port,
      baseUrl: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
      pid: child.pid ?? -1,
      errorLog,
      stop,
    },
  };
}
