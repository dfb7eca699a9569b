// What Node's own ReadableStream, Response and Headers cost per W2 response in a cold process (the
// bench's W2 is one): N responses made and read in this fresh process, as fetch() makes them and
// as the bench reads them (a 64 KiB and a 36 KiB chunk, `for await` over the body), CPU ms in all.
// bench/response-cost.mjs gives the warm figures (best of several rounds of 50,000).
//   node bench/response-cold.mjs stream|response|fields|pairs|record [N=2000]
// stream: the body stream alone; response: in a Response; fields: and nginx's 8 header fields
// appended to response.headers (what fetch() does); pairs / record: the fields given as the
// init's `headers` ([name, value] pairs / an object) instead.
import { nginxFields } from './common.mjs';

const [variant = 'fields', nArg = '2000'] = process.argv.slice(2);
const variants = ['stream', 'response', 'fields', 'pairs', 'record'];
if (!variants.includes(variant)) {
  console.error(`usage: node bench/response-cold.mjs ${variants.join('|')} [N]`);
  process.exit(2);
}
const N = Number(nArg);
const fields = nginxFields(100 * 1024);
const strategy = { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength };
const init = { status: 200, statusText: 'OK' };
const first = new Uint8Array(64 * 1024);
const second = new Uint8Array(36 * 1024);

/** A Response around `stream` with the fields given the way `variant` names. */
function response(stream) {
  if (variant === 'pairs') {
    const headers = [];
    for (let i = 0; i < fields.length; i += 2) headers.push([fields[i], fields[i + 1]]);
    return new Response(stream, { ...init, headers });
  }
  if (variant === 'record') {
    const headers = {};
    for (let i = 0; i < fields.length; i += 2) headers[fields[i]] = fields[i + 1];
    return new Response(stream, { ...init, headers });
  }
  const r = new Response(stream, init);
  if (variant === 'fields')
    for (let i = 0; i < fields.length; i += 2) r.headers.append(fields[i], fields[i + 1]);
  return r;
}

// Node's undici loads on first use of Response (about 20 ms): before the clock, as fetch() loads
// it at its first call.
void globalThis.Response;
let total = 0;
const before = process.cpuUsage();
for (let i = 0; i < N; i++) {
  let controller;
  // As fetch()'s sink: start keeps the controller, pull stays pending while the body flows.
  const stream = new ReadableStream(
    {
      start(c) {
        controller = c;
      },
      pull: () => new Promise(() => {}),
    },
    strategy,
  );
  const body = variant === 'stream' ? stream : response(stream).body;
  controller.enqueue(first);
  controller.enqueue(second);
  controller.close();
  for await (const chunk of body) total += chunk.length;
}
const used = process.cpuUsage(before);
if (total !== N * (first.length + second.length)) throw new Error(`read ${total} bytes`);
console.log(`${variant}: ${((used.user + used.system) / 1000).toFixed(1)} ms CPU for ${N} responses`);
