// A raw HTTP/1.1 server for feature tests that need byte-level control: requests (head + a
// Content-Length body) are parsed per connection and handed to `onRequest` with their index on
// that connection; the handler writes whatever bytes it likes.
import type { Socket as NetSocket } from 'node:net';
import { type RawServer, startRawServer } from '../helpers/http-server.js';

export interface RawRequest {
  socket: NetSocket;
  /** 0 for the first request on this connection. */
  index: number;
  /** The connection's number on this server, from 0. */
  connection: number;
  head: string;
  method: string;
  path: string;
  body: Buffer;
  header(name: string): string | undefined;
}

export interface RawHttpServer extends RawServer {
  requests: RawRequest[];
}

export async function startRawHttp(
  onRequest: (r: RawRequest) => void,
  /** Called as soon as a request's head is in (before its body). */
  onHead?: (head: string, socket: NetSocket) => void,
): Promise<RawHttpServer> {
  const requests: RawRequest[] = [];
  let connections = 0;
  const srv = await startRawServer((socket) => {
    const connection = connections++;
    let buf = Buffer.alloc(0);
    let pending: { head: string } | undefined;
    let need = 0;
    let index = 0;
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (pending === undefined) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = buf.subarray(0, end).toString('latin1');
          buf = buf.subarray(end + 4);
          const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
          need = cl === null ? 0 : Number(cl[1]);
          pending = { head };
          onHead?.(head, socket);
          if (socket.destroyed) return;
        }
        if (buf.length < need) return;
        const body = buf.subarray(0, need);
        buf = buf.subarray(need);
        const head = pending.head;
        pending = undefined;
        const [method = '', path = ''] = head.split(' ');
        const r: RawRequest = {
          socket,
          index: index++,
          connection,
          head,
          method,
          path,
          body,
          header(name) {
            const m = new RegExp(`\\r\\n${name}: *([^\\r]*)`, 'i').exec(head);
            return m?.[1];
          },
        };
        requests.push(r);
        onRequest(r);
        if (socket.destroyed) return;
      }
    });
  });
  return { ...srv, requests };
}

export function reply(socket: NetSocket, status: string, headers: Record<string, string>, body = ''): void {
  let head = `HTTP/1.1 ${status}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  if (!('Content-Length' in headers)) head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  socket.write(`${head}\r\n${body}`);
}
