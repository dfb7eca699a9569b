// 10,000 transfers through squid with CONNECT tunnels reused: tscurl (Easy handles on a NodeDriver,
// httpProxyTunnel) against undici's ProxyAgent and curl (-p -x, --parallel) in the same run. The
// origin is a node:http server in its own process; squid is Debian's, started here on loopback
// with a config of our own; a counting forwarder in front of squid shows how many tunnels each
// client opened. Prints one table row per client: wall time, req/s, connections to the proxy.
//   node --import tsx bench/proxy.ts [count=10000] [concurrency=50]
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProxyAgent, request as undiciRequest } from 'undici';
import { CurlCode, Easy, NodeDriver } from '../src/index.js';
import { countingForwarder, startSquid } from '../test/helpers/proxies.js';

const [count = 10_000, concurrency = 50] = process.argv.slice(2).map(Number);

const serverSource = `
const http = require('node:http');
const server = http.createServer({ keepAliveTimeout: 60000 }, (req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('end', () => process.exit(0)).resume();
`;
const server = spawn(process.execPath, ['-e', serverSource], { stdio: ['pipe', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) =>
  server.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
);
const url = (i: number): string => `http://127.0.0.1:${port}/${i}`;
const squid = await startSquid();

async function pool(n: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await one(next++);
    }),
  );
}

interface Row {
  client: string;
  seconds: number;
  reqPerSec: number;
  tunnels: number;
}
const rows: Row[] = [];

async function measure(client: string, body: (proxy: string) => Promise<void>): Promise<void> {
  const fwd = await countingForwarder(squid.port);
  const proxy = `http://127.0.0.1:${fwd.port}`;
  const t0 = performance.now();
  await body(proxy);
  const s = (performance.now() - t0) / 1000;
  rows.push({ client, seconds: s, reqPerSec: count / s, tunnels: fwd.connections });
  await fwd.close();
}

await measure('tscurl (Easy + NodeDriver, httpProxyTunnel)', async (proxy) => {
  const driver = new NodeDriver();
  await pool(count, async (i) => {
    const easy = new Easy({ url: url(i), proxy, httpProxyTunnel: true, writeFunction: (c) => c.length });
    const m = await driver.add(easy);
    if (m.result !== CurlCode.OK) throw new Error(`tscurl: ${easy.errorBuffer}`);
  });
  driver.close();
});

await measure('undici request + ProxyAgent', async (proxy) => {
  const agent = new ProxyAgent({ uri: proxy, connections: concurrency });
  await pool(count, async (i) => {
    const r = await undiciRequest(url(i), { dispatcher: agent });
    await r.body.text();
    if (r.statusCode !== 200) throw new Error(`undici: ${r.statusCode}`);
  });
  await agent.close();
});

await measure('curl 7.88 -p -x --parallel', async (proxy) => {
  const cfg = join(tmpdir(), `tscurl-bench-proxy-${process.pid}.cfg`);
  writeFileSync(
    cfg,
    Array.from({ length: count }, (_, i) => `url = "${url(i)}"\noutput = "/dev/null"\n`).join(''),
  );
  await new Promise<void>((resolve, reject) =>
    execFile(
      'curl',
      ['-s', '-p', '-x', proxy, '--parallel', '--parallel-max', String(concurrency), '-K', cfg],
      { maxBuffer: 1 << 26 },
      (e) => (e ? reject(e) : resolve()),
    ),
  );
});

console.log(`\n${count} GETs through squid 5.7 (CONNECT tunnels), concurrency ${concurrency}\n`);
console.log('| client | seconds | req/s | tunnels opened |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows)
  console.log(`| ${r.client} | ${r.seconds.toFixed(2)} | ${Math.round(r.reqPerSec)} | ${r.tunnels} |`);
await squid.stop();
server.stdin.end();
