// The floor of W1's shape on this machine: the same keep-alive GETs over `concurrency` raw
// net.Sockets with no HTTP client at all (one write of a fixed request head per request, the
// response's end found by its Content-Length), so what is left is Node's socket cost, the system
// calls and the event loop. Compare its CPU per request with a client's (bench/client.mjs).
//   node bench/w1-floor.mjs <url> <count> <concurrency> [data|onread]
// `data`: 'data' events (a flowing net.Socket); `onread`: libuv reads into one buffer (the
// receive path tscurl's Node transport uses). Prints { mode, wallMs, cpuS, userS, sysS, usPerRequest }.
import net from 'node:net';

const [urlArg, countArg, concArg, modeArg = 'onread'] = process.argv.slice(2);
const url = new URL(urlArg);
const count = Number(countArg);
const concurrency = Number(concArg);
const head = Buffer.from(
  `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: */*\r\n\r\n`,
  'latin1',
);
const shared = Buffer.allocUnsafe(64 * 1024);

let issued = 0;
let done = 0;
let finish;
const finished = new Promise((resolve) => (finish = resolve));

/** One connection: `bytes` of the current response seen, `need` its total once the head is in. */
function connection() {
  let got = 0;
  let need = -1;
  let headText = '';
  const onBytes = (buf, n) => {
    got += n;
    if (need < 0) {
      headText += buf.toString('latin1', 0, n);
      const end = headText.indexOf('\r\n\r\n');
      if (end >= 0) {
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(headText.slice(0, end));
        if (m === null) throw new Error('no Content-Length in the response');
        need = end + 4 + Number(m[1]);
        headText = '';
      }
    }
    if (need >= 0 && got >= need) {
      if (got !== need) throw new Error('bytes past the response (the floor sends one request at a time)');
      got = 0;
      need = -1;
      if (++done === count) finish();
      else if (issued < count) send();
    }
  };
  const options = { host: url.hostname, port: Number(url.port), noDelay: true };
  if (modeArg === 'onread') options.onread = { buffer: shared, callback: (n, buf) => onBytes(buf, n) };
  const socket = net.connect(options);
  if (modeArg !== 'onread') socket.on('data', (chunk) => onBytes(chunk, chunk.length));
  const send = () => {
    issued++;
    socket.write(head);
  };
  socket.on('connect', send);
  return socket;
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const sockets = [];
for (let i = 0; i < Math.min(concurrency, count); i++) sockets.push(connection());
await finished;
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
for (const s of sockets) s.destroy();
const cpuS = (cpu.user + cpu.system) / 1e6;
console.log(
  JSON.stringify({
    mode: modeArg,
    wallMs: Math.round(wallMs),
    cpuS,
    userS: cpu.user / 1e6,
    sysS: cpu.system / 1e6,
    usPerRequest: Number(((cpuS * 1e6) / count).toFixed(1)),
  }),
);
