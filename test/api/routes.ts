// The node:http routes the API tests run against (127.0.0.1 only).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** What /echo reports about the request it got. */
export interface Echo {
  method: string;
  path: string;
  contentType: string | null;
  contentLength: string | null;
  transferEncoding: string | null;
  authorization: string | null;
  cookie: string | null;
  custom: string | null;
  body: string;
  /** FormData entries as parsed by Node's own Response.formData(), for multipart bodies. */
  form?: Array<[string, string]>;
}

export async function echo(req: IncomingMessage): Promise<Echo> {
  const body = await readBody(req);
  const h = (n: string) => (req.headers[n] as string | undefined) ?? null;
  const e: Echo = {
    method: req.method ?? '',
    path: req.url ?? '',
    contentType: h('content-type'),
    contentLength: h('content-length'),
    transferEncoding: h('transfer-encoding'),
    authorization: h('authorization'),
    cookie: h('cookie'),
    custom: h('x-custom'),
    body: body.toString('utf8'),
  };
  if (e.contentType?.startsWith('multipart/form-data')) {
    const fd = await new Response(body, { headers: { 'content-type': e.contentType } }).formData();
    e.form = [];
    for (const [k, v] of fd)
      e.form.push([k, typeof v === 'string' ? v : `file:${v.name}:${v.type}:${await v.text()}`]);
  }
  return e;
}

export function routes(other: () => string): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // The client stopped sending the request body (an aborted or failed upload).
    const gaveUp = () => res.destroy();
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    if (p === '/text') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-one': '1' });
      res.end('hello, world');
    } else if (p === '/gzip') {
      const accepted = String(req.headers['accept-encoding'] ?? '');
      const text = 'compressed '.repeat(100);
      if (!accepted.includes('gzip')) {
        res.end(text);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end(gzipSync(text));
    } else if (p === '/form') {
      res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded', 'x-one': '1' });
      res.end('a=1&b=two');
    } else if (p === '/request-headers') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.headers));
    } else if (p === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ a: 1, b: [true, null] }));
    } else if (p.startsWith('/status/')) {
      const code = Number(p.slice(8));
      res.writeHead(code, url.searchParams.get('text') ?? undefined, { 'x-status': String(code) });
      res.end(code === 204 || code === 304 ? undefined : `status ${code}`);
    } else if (p === '/headers') {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2']);
      res.setHeader('x-multi', ['one', 'two']);
      res.setHeader('X-Mixed-Case', 'Value');
      res.setHeader('content-type', 'text/plain');
      res.end('h');
    } else if (p === '/chunked') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      const tick = () => {
        if (i === 5) {
          res.end('end');
          return;
        }
        res.write(`part${i++};`);
        setTimeout(tick, 2);
      };
      tick();
    } else if (p === '/echo' || p.startsWith('/echo/')) {
      echo(req).then((e) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(e));
      }, gaveUp);
    } else if (p.startsWith('/redirect/')) {
      // /redirect/<status>?to=<location>
      const code = Number(p.slice(10));
      readBody(req).then(() => {
        res.writeHead(code, { location: url.searchParams.get('to') ?? '/echo' });
        res.end('redirect body');
      }, gaveUp);
    } else if (p.startsWith('/chain/')) {
      const n = Number(p.slice(7));
      res.writeHead(302, { location: n <= 1 ? '/echo' : `/chain/${n - 1}` });
      res.end();
    } else if (p === '/loop') {
      res.writeHead(302, { location: '/loop' });
      res.end();
    } else if (p === '/cross') {
      readBody(req).then(() => {
        res.writeHead(307, { location: `${other()}/echo` });
        res.end();
      }, gaveUp);
    } else if (p === '/truncated') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only ten b');
      setTimeout(() => res.socket?.destroy(), 20);
    } else if (p === '/slow') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      const t = setTimeout(() => res.end('late'), 5_000);
      res.on('close', () => clearTimeout(t));
    } else if (p === '/hang') {
      const t = setTimeout(() => res.end('late'), 5_000);
      res.on('close', () => clearTimeout(t));
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  };
}

/** Two servers on different ports (two origins), each with the routes; `other` points at the second. */
export async function startServers(): Promise<{ a: TestServer; b: TestServer; close(): Promise<void> }> {
  let bUrl = '';
  const a = await startHttpServer(routes(() => bUrl));
  const b = await startHttpServer(routes(() => a.url));
  bUrl = b.url;
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
}
