// An HTTP proxy made in the tests (node:http): absolute-form requests are forwarded, CONNECT opens
// a tunnel; optional Basic credentials (407 with Proxy-Authenticate otherwise). Records request
// lines and headers, counts client connections.
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';

export interface TestProxy {
  port: number;
  url: string;
  connections: number;
  requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
  /** Answer CONNECT with this status instead of 200. */
  connectStatus: number;
  /** An HTTPS proxy: the protocol ALPN chose per TLS connection (false: none, e.g. none offered). */
  alpn: (string | false)[];
  close(): Promise<void>;
}

/**
 * `tls`: an HTTPS proxy (TLS to the proxy itself) with this certificate and key (PEM), and any other
 * node:tls server option (client certificates, ALPN).
 */
export async function startHttpProxy(
  opts: {
    user?: string;
    password?: string;
    digest?: boolean;
    tls?: TlsOptions & { cert: string; key: string };
  } = {},
): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const expected =
    opts.user === undefined
      ? undefined
      : `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}`;
  const authorized = (h: IncomingHttpHeaders): boolean => {
    if (opts.digest) return (h['proxy-authorization'] ?? '').startsWith('Digest ');
    return expected === undefined || h['proxy-authorization'] === expected;
  };
  const challenge = opts.digest ? 'Digest realm="tp", nonce="abc123", qop="auth"' : 'Basic realm="tp"';
  const state: TestProxy = {
    port: 0,
    url: '',
    connections: 0,
    requests: [],
    connectStatus: 200,
    alpn: [],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const handler = (
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ): void => {
    state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (!authorized(req.headers)) {
      res.writeHead(407, { 'Proxy-Authenticate': challenge, 'Content-Length': '4' }).end('auth');
      return;
    }
    const u = new URL(req.url ?? '');
    const up = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: req.method,
        headers: { ...req.headers, host: u.host },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  };
  const server: Server = opts.tls === undefined ? createServer(handler) : createTlsServer(opts.tls, handler);
  server.on(opts.tls === undefined ? 'connection' : 'secureConnection', (s: Socket) => {
    state.connections++;
    if ('alpnProtocol' in s) state.alpn.push((s as import('node:tls').TLSSocket).alpnProtocol ?? false);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // After a CONNECT answered 407 the socket is ours (node:http no longer parses it): the next
  // CONNECT on it is read here.
  const onConnect = (url: string, headers: IncomingHttpHeaders, client: Socket, head: Buffer): void => {
    state.requests.push({ method: 'CONNECT', url, headers });
    if (!authorized(headers)) {
      client.write(
        `HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: ${challenge}\r\nContent-Length: 0\r\n\r\n`,
      );
      let buf = head;
      const more = (b: Buffer): void => {
        buf = Buffer.concat([buf, b]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        client.off('data', more);
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
        const h: IncomingHttpHeaders = {};
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          h[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
        }
        onConnect(lines[0]!.split(' ')[1] ?? '', h, client, buf.subarray(end + 4));
      };
      client.on('data', more);
      if (head.length > 0) more(Buffer.alloc(0));
      return;
    }
    if (state.connectStatus !== 200) {
      client.end(`HTTP/1.1 ${state.connectStatus} Nope\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = url.split(':');
    const up = connect(Number(port), host === 'localhost' ? '127.0.0.1' : host);
    sockets.add(up);
    up.on('error', () => client.destroy());
    up.on('close', () => client.destroy());
    client.on('close', () => up.destroy());
    up.once('connect', () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0) up.write(head);
      client.pipe(up);
      up.pipe(client);
    });
  };
  server.on('connect', (req, client: Socket, head: Buffer) =>
    onConnect(req.url ?? '', req.headers, client, head),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as { port: number }).port;
  state.url = `${opts.tls === undefined ? 'http' : 'https'}://127.0.0.1:${state.port}`;
  return state;
}

/** An origin for proxy tests that answers "origin saw METHOD PATH"; `url` without a trailing slash. */
export async function startEchoOrigin(): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => res.end(`origin saw ${req.method} ${req.url}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => server.close(),
  };
}
