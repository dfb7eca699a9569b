// What Node's own Response, Headers and ReadableStream cost to make, the ways fetch() could make
// them for a 1 KiB response with nginx's 8 header fields: CPU us per object, best of 3 rounds.
//   node bench/response-cost.mjs [--rounds N]
import { nginxFields } from './common.mjs';

const fields = nginxFields(1024);
const strategy = { highWaterMark: 65536, size: (chunk) => chunk.byteLength };
const init = { status: 200, statusText: 'OK' };
const source = () => ({ pull() {} });
const at = process.argv.indexOf('--rounds');
const rounds = at > 0 ? Number(process.argv[at + 1]) : 3;
const N = 50_000;

function appended(headers) {
  for (let i = 0; i < fields.length; i += 2) headers.append(fields[i], fields[i + 1]);
  return headers;
}

const variants = {
  'ReadableStream (source, byte strategy)': () => new ReadableStream(source(), strategy),
  'ReadableStream.from(async iterator)': () =>
    ReadableStream.from({
      next: async () => ({ done: true }),
      [Symbol.asyncIterator]() {
        return this;
      },
    }),
  'Response(null)': () => new Response(null, init),
  'Response(null), 8 fields appended to its headers': () => appended(new Response(null, init).headers),
  'Response(null, { headers: [[name, value], ...] })': () => {
    const pairs = [];
    for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i], fields[i + 1]]);
    return new Response(null, { ...init, headers: pairs });
  },
  'Response(null, { headers: { name: value, ... } })': () => {
    const record = {};
    for (let i = 0; i < fields.length; i += 2) record[fields[i]] = fields[i + 1];
    return new Response(null, { ...init, headers: record });
  },
  'Response(null, { headers: a Headers filled first })': () =>
    new Response(null, { ...init, headers: appended(new Headers()) }),
  'Response(stream), 8 fields appended (what fetch() does)': () =>
    appended(new Response(new ReadableStream(source(), strategy), init).headers),
  'Response(Uint8Array(1024))': () => new Response(new Uint8Array(1024), init),
};

for (const [name, make] of Object.entries(variants)) {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds + 1; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < N; i++) make();
    const used = process.cpuUsage(before);
    if (r > 0) best = Math.min(best, (used.user + used.system) / N);
  }
  console.log(`| ${name} | ${best.toFixed(2)} |`);
}
