// What a W2 response's body costs request() against node:http: CPU us per response for request()'s
// BodyReadable (two chunks delivered, read with `for await` as bench/client.mjs reads it) and for
// node:http's IncomingMessage (the same chunks pushed, read with 'data' and 'end' listeners as
// bench/client.mjs's node-http client reads it). Round 1 is cold (a fresh process), later rounds warm.
// Shape w1: a W1 response instead, one 1 KiB chunk with the head and the end at once (the body
// request() finds whole).
//   npm run build && node bench/body-cost.mjs request|node-http [N=2000] [ROUNDS=1] [w2|w1]
import http from 'node:http';

const { BodyReadable } = await import('../dist/src/index.js');
const [mode = 'request', nArg = '2000', roundsArg = '1', shape = 'w2'] = process.argv.slice(2);
if ((mode !== 'request' && mode !== 'node-http') || (shape !== 'w1' && shape !== 'w2')) {
  console.error('usage: node bench/body-cost.mjs request|node-http [N] [ROUNDS] [w2|w1]');
  process.exit(2);
}
const N = Number(nArg);
const w1 = shape === 'w1';
const first = Buffer.allocUnsafe(w1 ? 1024 : 64 * 1024);
const second = Buffer.allocUnsafe(w1 ? 0 : 36 * 1024);
const size = first.length + second.length;
const noop = () => {};

/** One body: the first chunk arrives with the head, the second a turn later, then the end. */
async function incomingMessage() {
  const m = new http.IncomingMessage(null);
  const read = new Promise((resolve) => {
    let n = 0;
    m.on('data', (chunk) => {
      n += chunk.length;
    });
    m.on('end', () => resolve(n));
  });
  m.push(first);
  if (!w1) {
    await null;
    m.push(second);
  }
  m.push(null);
  return read;
}

async function bodyReadable() {
  const body = new BodyReadable({ demand: noop, destroyed: noop }, 64 * 1024);
  body._deliver(first);
  // W1: the caller's continuation runs after the socket's callback delivered the body and its end.
  if (w1) body._end();
  const read = (async () => {
    let n = 0;
    for await (const chunk of body) n += chunk.length;
    return n;
  })();
  if (!w1) {
    await null;
    body._deliver(second);
    body._end();
  }
  return read;
}

const one = mode === 'request' ? bodyReadable : incomingMessage;
for (let r = 1; r <= Number(roundsArg); r++) {
  const before = process.cpuUsage();
  for (let i = 0; i < N; i++) if ((await one()) !== size) throw new Error('wrong byte count');
  const used = process.cpuUsage(before);
  console.log(`${mode} round ${r}: ${((used.user + used.system) / N).toFixed(2)} us per response`);
}
