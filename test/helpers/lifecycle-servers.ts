// Servers for the verbose / debugFunction tests: a raw HTTP/1.1 server with one path for each way
// curl tells a response's end apart, and a node:https server with a self-signed certificate.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { onRequestHead, type RawServer, startRawServer } from './http-server.js';
import { testPki } from './tls-certs.js';

export interface LifecycleServers {
  /**
   * /keep (kept connection), /close (Connection: close), /moved (302 to /keep with a body),
   * /moved-close (302, Connection: close), /once (answers once, then closes when the next request
   * comes on the same connection), /short (3 of 10 bytes, then FIN), /stall (3 of 10 bytes, then
   * nothing), /reset (3 of 10 bytes, then RST). A query is ignored.
   */
  raw: RawServer;
  /** The https server's port (on 127.0.0.1; the certificate is self-signed for localhost). */
  tlsPort: number;
  close(): Promise<void>;
}

export async function startLifecycleServers(): Promise<LifecycleServers> {
  const answered = new WeakSet<Socket>();
  const replies: Record<string, (s: Socket) => void> = {
    '/keep': (s) => void s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    '/close': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'),
    '/moved': (s) => void s.write('HTTP/1.1 302 Found\r\nLocation: /keep\r\nContent-Length: 3\r\n\r\nbye'),
    '/moved-close': (s) => s.end('HTTP/1.1 302 Found\r\nLocation: /keep\r\nConnection: close\r\n\r\n'),
    '/once': (s) => {
      if (answered.has(s)) s.destroy();
      else {
        answered.add(s);
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }
    },
    '/short': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'),
    '/stall': (s) => void s.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'),
    '/reset': (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
      setTimeout(() => s.resetAndDestroy(), 50);
    },
  };
  const raw = await startRawServer((socket) =>
    onRequestHead(socket, (path) => replies[path.split('?')[0]!]?.(socket)),
  );
  const pki = testPki();
  const tls = https.createServer(
    { cert: readFileSync(pki.selfSignedCert), key: readFileSync(pki.serverKey) },
    (_req, res) => res.end('secret'),
  );
  tls.on('tlsClientError', () => {});
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  return {
    raw,
    tlsPort: (tls.address() as AddressInfo).port,
    close: async () => {
      await raw.close();
      await new Promise((r) => tls.close(r));
    },
  };
}
