// A private nginx for the bench (the bench-specific copy of test/helpers/nginx.ts): Debian's
// /usr/sbin/nginx in the foreground, one process, one worker, on a free loopback port, serving
// generated fixtures from a temp dir. Sized for W4: 10,000+ connections at once (worker
// connections, open files, listen backlog up to net.core.somaxconn).
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX_BIN = '/usr/sbin/nginx';

/** The fixtures by URL path and size (bytes are random: nothing compresses or caches them specially). */
export const FIXTURES = { '/1k.bin': 1024, '/100k.bin': 100 * 1024, '/big.bin': 100 * 1024 * 1024 };

function conf(dir, port, root, tls, listenParams = '') {
  const ssl =
    tls === undefined
      ? ''
      : ` ssl;
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:bench:10m`;
  return `daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 65536;
error_log ${join(dir, 'error.log')} error;
pid ${join(dir, 'nginx.pid')};
events {
  worker_connections 32768;
  multi_accept on;
}
http {
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  server_tokens off;
  client_body_temp_path ${join(dir, 'tmp')};
  proxy_temp_path ${join(dir, 'tmp')};
  fastcgi_temp_path ${join(dir, 'tmp')};
  uwsgi_temp_path ${join(dir, 'tmp')};
  scgi_temp_path ${join(dir, 'tmp')};
  server {
    listen 127.0.0.1:${port} backlog=65535${listenParams === '' ? '' : ` ${listenParams}`}${ssl};
    location / { root ${root}; }
  }
}
`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function writeRandom(path, size) {
  const fh = await open(path, 'w');
  const block = Buffer.alloc(1 << 20);
  try {
    for (let left = size; left > 0; left -= block.length) {
      randomFillSync(block);
      await fh.write(block, 0, Math.min(left, block.length));
    }
  } finally {
    await fh.close();
  }
}

/**
 * Start nginx (https with `tls: { cert, key }`; `listenParams: 'http2'` for HTTP/2: h2c with prior
 * knowledge, or h2 over TLS); resolves with { port, baseUrl, stop() }.
 */
export async function startNginx({ tls, listenParams = '' } = {}) {
  if (!existsSync(NGINX_BIN)) throw new Error(`${NGINX_BIN} not found (apt-get install -y nginx-light)`);
  const dir = await mkdtemp(join(tmpdir(), 'tscurl-bench-nginx-'));
  const root = join(dir, 'root');
  await mkdir(root);
  await mkdir(join(dir, 'tmp'));
  for (const [path, size] of Object.entries(FIXTURES)) await writeRandom(join(root, path.slice(1)), size);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    await writeFile(join(dir, 'nginx.conf'), conf(dir, port, root, tls, listenParams));
    const child = spawn(
      NGINX_BIN,
      ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
      {
        stdio: 'ignore',
      },
    );
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline && !(await canConnect(port)))
      await new Promise((r) => setTimeout(r, 20));
    if (!exited && Date.now() < deadline) {
      process.once('exit', () => child.kill('SIGKILL'));
      return {
        port,
        baseUrl: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
        pid: child.pid,
        async stop() {
          if (!exited) {
            const done = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            await done;
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    if (!exited) child.kill('SIGKILL');
    const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
    if (!/Address already in use/.test(log)) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${log}`);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error('nginx: no free port after 5 attempts');
}

// `node bench/nginx.mjs [--tls]`: start the bench's nginx alone (to run bench/client.mjs against it,
// e.g. under a profiler); prints the base URL and stops on SIGINT / SIGTERM. With --tls it serves
// https with a throw-away CA (as bench/run-all.mjs does for W1s/W2s) and prints the CA's path on a
// second line, for `BENCH_CA=PATH node bench/client.mjs CLIENT URL/100k.bin 2000 50 102400`.
if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  let certDir;
  let server;
  if (process.argv.includes('--tls')) {
    const { makeCertificates } = await import('./common.mjs');
    certDir = await mkdtemp(join(tmpdir(), 'tscurl-bench-ca-'));
    const certs = makeCertificates(certDir);
    server = await startNginx({ tls: certs });
    console.log(server.baseUrl);
    console.log(certs.ca);
  } else {
    server = await startNginx();
    console.log(server.baseUrl);
  }
  const stop = async () => {
    await server.stop();
    if (certDir !== undefined) await rm(certDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  setInterval(() => {}, 1 << 30);
}
