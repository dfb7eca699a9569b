// Soak: rounds of N transfers through one Multi (NodeDriver) against a raw server in a child
// process, a share of them (10% by default) hitting a fault: reset mid-body (56), truncated body
// (18), a non-HTTP answer (1), a stall past timeoutMs (28), a gzip bomb past maxFileSize (63),
// an oversized header (100). Prints per round: results by CurlCode (and whether each matches the
// fault's expected code), RSS and heap after the round, open fds, wall time.
// Run: node --import tsx bench/soak.ts [--transfers 10000] [--rounds 3] [--faults 0.1] [--concurrency 256]
import { fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};

const FAULTS = {
  reset: 56,
  trunc: 18,
  garbage: 1, // not HTTP: curl's "Received HTTP/0.9 when not allowed"
  stall: 28,
  bomb: 63,
  bighead: 100,
} as const;
type Fault = keyof typeof FAULTS;

if (args[0] === '--server') server();
else await client();

function server(): void {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
  const body = Buffer.alloc(64 * 1024, 120);
  const gz = gzipSync(body);
  const srv = createServer((s: Socket) => {
    s.on('error', () => {});
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const path = buf.slice(buf.indexOf(' ') + 1, buf.indexOf(' ', buf.indexOf(' ') + 1));
        buf = buf.slice(end + 4);
        answer(s, path);
      }
    });
  });
  function answer(s: Socket, path: string): void {
    const [, kind, n] = path.split('/') as [string, string, string];
    const size = Number(n) % body.length;
    switch (kind as Fault | 'ok' | 'gz') {
      case 'ok':
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
        s.write(body.subarray(0, size));
        return;
      case 'gz':
        s.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`);
        s.write(gz);
        return;
      case 'reset':
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(500)}`);
        setTimeout(() => s.resetAndDestroy(), 5);
        return;
      case 'trunc':
        s.end(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(10)}`);
        return;
      case 'garbage':
        s.end('SSH-2.0-OpenSSH\r\n\r\n');
        return;
      case 'stall':
        return;
      case 'bomb':
        s.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`);
        s.write(bomb);
        return;
      case 'bighead':
        s.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(200 * 1024)}\r\n\r\n`);
        return;
    }
  }
  srv.listen(0, '127.0.0.1', () => process.send!((srv.address() as { port: number }).port));
}

async function client(): Promise<void> {
  const transfers = opt('transfers', 10_000);
  const rounds = opt('rounds', 3);
  const faultShare = opt('faults', 0.1);
  const concurrency = opt('concurrency', 256);
  const { Easy, NodeDriver } = await import('../src/index.js');
  const child = fork(new URL(import.meta.url).pathname, ['--server'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((r) => child.once('message', (m) => r(m as number)));
  const base = `http://127.0.0.1:${port}`;
  const driver = new NodeDriver({ maxTotalConnections: concurrency });
  if (concurrency <= 0) throw new Error('--concurrency must be > 0');
  const kinds = Object.keys(FAULTS) as Fault[];
  const fds = () => readdirSync('/proc/self/fd').length;
  console.log(
    `soak: ${transfers} transfers x ${rounds} rounds, ${faultShare * 100}% faults, ${concurrency} connections at most`,
  );
  console.log(`fds before: ${fds()}`);
  let seed = 1;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let round = 1; round <= rounds; round++) {
    const t0 = Date.now();
    const byCode = new Map<number, number>();
    let wrong = 0;
    const mismatches = new Map<string, number>();
    // A window of `concurrency` transfers in flight: timeoutMs then never counts queueing.
    let started = 0;
    const startOne = (): Promise<void> | undefined => {
      if (started >= transfers) return undefined;
      started++;
      const fault = rand() < faultShare ? kinds[Math.floor(rand() * kinds.length)]! : undefined;
      const path = fault ?? (rand() < 0.2 ? 'gz' : 'ok');
      const easy = new Easy({
        url: `${base}/${path}/${Math.floor(rand() * 100000)}`,
        acceptEncoding: '',
        timeoutMs: fault === 'stall' ? 300 : 5000,
        maxFileSize: 8 * 1024 * 1024,
        writeFunction: (c: Buffer) => c.length,
      });
      return driver.add(easy).then((m) => {
        byCode.set(m.result, (byCode.get(m.result) ?? 0) + 1);
        const expected = fault === undefined ? 0 : FAULTS[fault];
        if (m.result !== expected) {
          wrong++;
          const k = `${fault ?? 'ok'}->${m.result}`;
          mismatches.set(k, (mismatches.get(k) ?? 0) + 1);
        }
        return startOne();
      });
    };
    const jobs: Array<Promise<void> | undefined> = [];
    for (let i = 0; i < Math.min(concurrency, transfers); i++) jobs.push(startOne());
    await Promise.all(jobs);
    globalThis.gc?.();
    const mem = process.memoryUsage();
    const codes = [...byCode]
      .sort((a, b) => a[0] - b[0])
      .map(([c, n]) => `${c}:${n}`)
      .join(' ');
    console.log(
      `round ${round}: ${((Date.now() - t0) / 1000).toFixed(1)} s | codes ${codes} | unexpected ${wrong}${wrong > 0 ? ` (${[...mismatches].map(([k, n]) => `${k}:${n}`).join(' ')})` : ''} | RSS ${(mem.rss / 1048576).toFixed(0)} MiB heap ${(mem.heapUsed / 1048576).toFixed(0)} MiB | fds ${fds()} | running ${driver.running}`,
    );
  }
  driver.close();
  child.kill();
  await new Promise((r) => setTimeout(r, 100));
  console.log(`fds after close: ${fds()}`);
}
