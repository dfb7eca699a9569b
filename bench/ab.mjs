// Two or more tscurl builds on one workload, alternating in ONE process: a round of each build in
// turn (the order rotated per round), each round's CPU from process.cpuUsage, medians at the end.
// On a loaded machine the CPU time of separate client processes swings by +-20% from one minute to
// the next; rounds a second apart in one process see the same load, so a 5% change shows.
//   node bench/ab.mjs multi|request|fetch URL COUNT CONCURRENCY SIZE ROUNDS DIR_A DIR_B [DIR...]
// DIR is a checkout with dist/ built (e.g. /work/base and this one). https URLs: BENCH_CA names the
// CA file (as for bench/client.mjs). `multi` is the README's application loop over a Multi (the
// bench's "tscurl Multi"), `request` is Client.request() reading the body, `fetch` Client.fetch()
// reading `response.body` (as bench/client.mjs does). Every transfer's status
// and byte count is checked; one warm-up round per build is not counted. Each build keeps its
// Multi or Client for all rounds: connections are reused, as in a long-running application.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { multiRunner } from './client-run.mjs';
import { median } from './common.mjs';

const [api, url, countArg, concArg, sizeArg, roundsArg, ...dirs] = process.argv.slice(2);
if (!['multi', 'request', 'fetch'].includes(api) || dirs.length < 2) {
  console.error(
    'usage: node bench/ab.mjs multi|request|fetch URL COUNT CONCURRENCY SIZE ROUNDS DIR_A DIR_B [DIR...]',
  );
  process.exit(2);
}
const count = Number(countArg);
const concurrency = Number(concArg);
const size = Number(sizeArg);
const rounds = Number(roundsArg);
const caInfo = process.env.BENCH_CA;
const tlsOptions = caInfo === undefined ? {} : { caInfo };
if (caInfo !== undefined) readFileSync(caInfo); // a missing CA file fails here, not every transfer
const builds = [];
for (const dir of dirs) builds.push(await import(pathToFileURL(resolve(dir, 'dist/src/index.js')).href));

function check(status, got, error) {
  if (error !== undefined) throw new Error(error);
  if (status !== 200 || got !== size) throw new Error(`status ${status}, ${got} bytes (expected ${size})`);
}

/** Client.request() or Client.fetch() with `concurrency` workers, each reading the body. */
async function runCalls(client) {
  let issued = 0;
  const fetchInit = { options: tlsOptions };
  // One call in a function of its own, as bench/client.mjs's workers: a suspended async function
  // keeps the registers of its locals, so a loop that awaited the next call in the same frame
  // would hold the previous call's result, body and last chunk until that call's head came.
  const one = async () => {
    let status;
    let body;
    if (api === 'fetch') {
      const r = await client.fetch(url, fetchInit);
      status = r.status;
      body = r.body;
    } else {
      const r = await client.request(url, tlsOptions);
      status = r.statusCode;
      body = r.body;
    }
    let got = 0;
    for await (const chunk of body) got += chunk.length;
    check(status, got);
  };
  const worker = async () => {
    while (issued < count) {
      issued++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

// The Multi driven by the application's loop, as bench/client.mjs's tscurl-multi; one per build
// for all rounds, so rounds measure the transfers, not the handshakes of the warm-up round.
const clients = builds.map((t) =>
  api === 'multi' ? multiRunner(t, { url, count, concurrency, easy: tlsOptions, check }) : new t.Client(),
);
const cpu = dirs.map(() => []);
for (let r = -1; r < rounds; r++) {
  for (let i = 0; i < builds.length; i++) {
    const k = (r + 1 + i) % builds.length;
    const before = process.cpuUsage();
    if (api !== 'multi') await runCalls(clients[k]);
    else await clients[k].run();
    const used = process.cpuUsage(before);
    if (r >= 0) cpu[k].push((used.user + used.system) / 1e6);
  }
}
for (const c of clients) await c.close();
const width = Math.max(...dirs.map((d) => d.length));
const ref = median(cpu[0]);
for (let k = 0; k < dirs.length; k++) {
  const m = median(cpu[k]);
  console.log(
    `${dirs[k].padEnd(width)}  CPU s per round: median ${m.toFixed(4)}, min ${Math.min(...cpu[k]).toFixed(4)}, ${(m / ref).toFixed(3)}x the first`,
  );
}
