// The cost of turning a URL into a request target: libcurl's parser (proto/url.ts through
// parseTarget, what a transfer pays on a Multi.target() cache miss) against WHATWG URL (Node's
// ada, what the engine used before), over distinct URLs so no cache helps.
// Run: node --import tsx bench/url-parse.ts [count]
import { parseTarget } from '../src/multi/request.js';

const count = Number(process.argv[2] ?? 200_000);
const urls: string[] = [];
for (let i = 0; i < count; i++)
  urls.push(`http://host${i % 97}.example.com:8080/api/v1/items/${i}?page=${i % 13}&q=x`);

function time(name: string, f: (u: string) => unknown): number {
  for (let i = 0; i < 20_000; i++) f(urls[i % urls.length]!); // warm-up
  // CPU time, not wall time: steadier on a shared machine.
  const t0 = process.cpuUsage();
  let sink = 0;
  for (const u of urls) sink += f(u) === undefined ? 0 : 1;
  const used = process.cpuUsage(t0);
  const ns = ((used.user + used.system) * 1000) / urls.length;
  console.log(`${name.padEnd(34)} ${ns.toFixed(0).padStart(6)} ns/URL of CPU${sink === 0 ? ' (none)' : ''}`);
  return ns;
}

const ours = time('parseTarget (proto/url.ts)', (u) => parseTarget(u, undefined));
const whatwg = time('new URL() + fields (before)', (u) => {
  const x = new URL(u);
  return `${x.hostname}${x.port}${x.pathname}${x.search}`;
});
console.log(`ratio ${(ours / whatwg).toFixed(2)}`);
