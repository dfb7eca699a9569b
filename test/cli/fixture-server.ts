// A deterministic node:http server for CLI tests: no Date header, so curl's and tscurl's
// outputs can be compared byte for byte.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { type CliServer, startServer } from './helpers.js';

const flakyCounts = new Map<string, number>();

/** Returns whether a route matched (the 404 is the fallback). */
function route(req: IncomingMessage, res: ServerResponse, body: Buffer): boolean {
  res.sendDate = false;
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  const send = (status: number, text: string | Buffer, type = 'text/plain') => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return true;
  };
  if (path === '/hello') return send(200, 'hello\n');
  if (path === '/empty') return send(200, '');
  if (path.startsWith('/files/') || path.startsWith('/g/')) return send(200, `${path}\n`);
  if (path === '/echo') {
    const ct = req.headers['content-type'] ?? '-';
    return send(
      200,
      `${req.method} ${req.url}\nct=${ct}\ncl=${req.headers['content-length'] ?? '-'}\n${body.toString('latin1')}`,
    );
  }
  if (path === '/headers') {
    const lines: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    return send(200, `${lines.join('\n')}\n`);
  }
  if (path.startsWith('/status/')) {
    const code = Number(path.slice(8));
    return send(code, `status ${code}\n`);
  }
  if (path === '/range') {
    // Single byte ranges as a real server: 206 with Content-Range, 416 past the end.
    const all = Buffer.from('abcdefghijklmnopqrstuvwxyz\n');
    const m = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (m === null) return send(200, all);
    let first = m[1] === '' ? all.length - Number(m[2]) : Number(m[1]);
    let last = m[1] === '' || m[2] === '' ? all.length - 1 : Math.min(Number(m[2]), all.length - 1);
    if (first >= all.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${all.length}`, 'Content-Length': 0 });
      res.end();
      return true;
    }
    first = Math.max(0, first);
    last = Math.max(first, last);
    const part = all.subarray(first, last + 1);
    res.writeHead(206, {
      'Content-Type': 'text/plain',
      'Content-Range': `bytes ${first}-${last}/${all.length}`,
      'Content-Length': part.length,
    });
    res.end(part);
    return true;
  }
  if (path === '/gzip') {
    // Compressed only when asked for, as a real server.
    const text = 'compressed body\n'.repeat(20);
    if (!/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return send(200, text);
    const z = gzipSync(text);
    res.writeHead(200, {
      'Content-Type': 'text/plain',
      'Content-Encoding': 'gzip',
      'Content-Length': z.length,
    });
    res.end(z);
    return true;
  }
  if (path === '/version') return send(200, `${req.httpVersion}\n`);
  if (path === '/slow') {
    const t = setTimeout(() => send(200, 'late\n'), 3000);
    res.on('close', () => clearTimeout(t));
    return true;
  }
  if (path === '/chunked') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('chunk one\n');
    setTimeout(() => res.end('chunk two\n'), 5);
    return true;
  }
  if (path === '/big') return send(200, Buffer.alloc(100_000, 'b'), 'application/octet-stream');
  if (path === '/redirect') {
    res.writeHead(302, { Location: '/hello', 'Content-Length': 0 });
    res.end();
    return true;
  }
  if (path.startsWith('/flaky/')) {
    // Fails with 503 `n` times per key, then answers.
    const [, , key, n] = path.split('/');
    const seen = flakyCounts.get(key!) ?? 0;
    flakyCounts.set(key!, seen + 1);
    if (seen < Number(n)) return send(503, 'busy\n');
    return send(200, `ok after ${seen}\n`);
  }
  send(404, 'not found\n');
  return false;
}

export function startFixtureServer(): Promise<CliServer> {
  return startServer((req, res, body) => void route(req, res, body));
}
