// Real node:http servers on loopback for engine tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  createServer as createNetServer,
  type Server as NetServer,
  type Socket as NetSocket,
} from 'node:net';

export interface TestServer {
  url: string;
  port: number;
  server: Server;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const server = createServer({ keepAliveTimeout: 60_000 }, handler);
  const s: TestServer = {
    url: '',
    port: 0,
    server,
    connections: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => s.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  s.port = addr.port;
  s.url = `http://127.0.0.1:${addr.port}`;
  return s;
}

export interface RawServer {
  url: string;
  port: number;
  sockets: Set<NetSocket>;
  close(): Promise<void>;
}

/** A TCP server whose handler writes raw bytes: for malformed responses. */
export async function startRawServer(onConnection: (socket: NetSocket) => void): Promise<RawServer> {
  const sockets = new Set<NetSocket>();
  const server: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    sockets,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on which nothing listens (connect is refused). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  return addr.port;
}

/**
 * For raw servers: calls onHead(path, head) for each complete request head the socket receives
 * (pipelined heads one by one). With once, only the first: what follows (a body) is ignored and
 * not buffered.
 */
export function onRequestHead(
  socket: NetSocket,
  onHead: (path: string, head: string) => void,
  opts: { once?: boolean } = {},
): void {
  let buf = '';
  let done = false;
  socket.on('data', (d: Buffer) => {
    if (done) return;
    buf += d.toString('latin1');
    for (let end = buf.indexOf('\r\n\r\n'); end >= 0 && !done; end = buf.indexOf('\r\n\r\n')) {
      const head = buf.slice(0, end + 4);
      buf = buf.slice(end + 4);
      if (opts.once === true) done = true;
      onHead(head.split(' ')[1] ?? '/', head);
    }
  });
}
