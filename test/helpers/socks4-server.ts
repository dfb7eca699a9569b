// A SOCKS4 / SOCKS4a server made in the tests (Debian's servers speak SOCKS5, or SOCKS4 only with
// identd): reads the request, connects to the destination (4a: the name it was given), answers 90
// and relays bytes; `reject` answers 91 instead. Counts connections and records requests.
import { connect, createServer, type Socket } from 'node:net';

export interface Socks4Server {
  port: number;
  connections: number;
  requests: Array<{ host: string; port: number; user: string }>;
  reject: boolean;
  close(): Promise<void>;
}

export async function startSocks4Server(): Promise<Socks4Server> {
  const open = new Set<Socket>();
  const state: Socks4Server = {
    port: 0,
    connections: 0,
    requests: [],
    reject: false,
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    state.connections++;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    let buf = Buffer.alloc(0);
    const onData = (b: Buffer): void => {
      buf = Buffer.concat([buf, b]);
      if (buf.length < 9) return;
      const userEnd = buf.indexOf(0, 8);
      if (userEnd < 0) return;
      const user = buf.subarray(8, userEnd).toString('latin1');
      const port = buf.readUInt16BE(2);
      let host = `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`;
      let end = userEnd + 1;
      if (buf[4] === 0 && buf[5] === 0 && buf[6] === 0 && buf[7] !== 0) {
        const nameEnd = buf.indexOf(0, end);
        if (nameEnd < 0) return;
        host = buf.subarray(end, nameEnd).toString('latin1');
        end = nameEnd + 1;
      }
      client.off('data', onData);
      state.requests.push({ host, port, user });
      const reply = Buffer.from([0, state.reject ? 91 : 90, 0, 0, 0, 0, 0, 0]);
      if (state.reject) {
        client.end(reply);
        return;
      }
      const upstream = connect(port, host === 'localhost' ? '127.0.0.1' : host);
      open.add(upstream);
      upstream.on('close', () => {
        open.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.once('connect', () => {
        client.write(reply);
        const rest = buf.subarray(end);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as { port: number }).port;
  return state;
}
