// One W1-style run of Client.request() in its own process, with or without worker threads:
//   node bench/threads-client.mjs <workers: 0|N> <url> <count> <concurrency> <size>
// Prints one JSON line: { done, failures, firstFailure, wallMs, cpuS, maxRssKiB }. CPU is the whole
// process (process.cpuUsage() counts every thread), so it includes the workers' and the main
// thread's share. Workers start (and warm up with one request each) before the clock starts.
import { performance } from 'node:perf_hooks';

const [workersArg, url, countArg, concArg, sizeArg] = process.argv.slice(2);
const workers = Number(workersArg);
const count = Number(countArg);
const conc = Number(concArg);
const size = Number(sizeArg);
const { Client } = await import('../dist/src/index.js');
const client = new Client(workers > 0 ? { workers } : {});
await Promise.all(
  Array.from({ length: Math.max(1, workers) * 2 }, async () => (await client.request(url)).body.dump()),
);
let done = 0;
let failures = 0;
let firstFailure = '';
let issued = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
// One call in a function of its own: a loop awaiting the next call in the frame that read the last
// one would keep that call's result and body bytes (the suspended frame's registers) meanwhile.
const one = async () => {
  const r = await client.request(url);
  const b = await r.body.bytes();
  if (r.statusCode !== 200 || b.length !== size) throw new Error(`status ${r.statusCode}, ${b.length} bytes`);
};
await Promise.all(
  Array.from({ length: conc }, async () => {
    while (issued < count) {
      issued++;
      try {
        await one();
      } catch (e) {
        failures++;
        if (firstFailure === '') firstFailure = String(e?.message ?? e);
      }
      done++;
    }
  }),
);
const wallMs = performance.now() - t0;
const c = process.cpuUsage(cpu0);
await client.close();
process.stdout.write(
  `${JSON.stringify({ done, failures, firstFailure, wallMs, cpuS: (c.user + c.system) / 1e6, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
