// Decompression bombs against each API, one case per child process: the parent serves the bomb
// from a raw node:net server and samples the child's RSS from /proc (killing it past a cap); the
// child runs one transfer with its body unread or read slowly and reports the event loop's
// longest stall (a 10 ms interval's worst lateness) and how the transfer ended.
// Run: node --import tsx bench/bombs.ts [--seconds 3] [--cap-mib 3072] [--case br:fetch:unread ...]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { type Bomb, brotliBomb, gzipBomb, streamBomb } from '../test/helpers/bombs.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};

if (args[0] === '--child') await child(args[1]!, args[2]!, Number(args[3]), Number(args[4]));
else await parent();

async function parent(): Promise<void> {
  const seconds = Number(opt('seconds', '3'));
  const capMiB = Number(opt('cap-mib', '3072'));
  const wanted = args.flatMap((a, i) => (args[i - 1] === '--case' ? [a] : []));
  const bombs: Record<string, Bomb> = { br: await brotliBomb(256), gzip: gzipBomb(640) };
  const cases =
    wanted.length > 0
      ? wanted
      : ['br', 'gzip'].flatMap((c) =>
          ['easy', 'request', 'fetch'].flatMap((a) => ['unread', 'slow'].map((r) => `${c}:${a}:${r}`)),
        );
  console.log(
    'case                 | code | peak RSS growth MiB | worst loop stall ms | decoded MiB read | wall s',
  );
  for (const c of cases) {
    const [coding, api, mode] = c.split(':') as [string, string, string];
    const server = await serve(bombs[coding]!);
    const port = (server.address() as { port: number }).port;
    const r = await runChild(api, mode, port, seconds, capMiB);
    server.close();
    console.log(
      `${c.padEnd(20)} | ${String(r.code).padEnd(4)} | ${r.peakGrowth.toFixed(0).padStart(18)} | ${r.stall.padStart(19)} | ${r.read.padStart(16)} | ${r.wall.toFixed(1)}${r.killed ? ` (killed past ${capMiB} MiB)` : ''}`,
    );
  }
}

function serve(bomb: Bomb): Promise<Server> {
  const server = createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => {
      s.write(
        `HTTP/1.1 200 OK\r\nContent-Encoding: ${bomb.coding}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n`,
      );
      streamBomb(s, bomb);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

async function runChild(
  api: string,
  mode: string,
  port: number,
  seconds: number,
  capMiB: number,
): Promise<{ code: string; peakGrowth: number; stall: string; read: string; wall: number; killed: boolean }> {
  const t0 = Date.now();
  const cp = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL(import.meta.url).pathname,
      '--child',
      api,
      mode,
      String(port),
      String(seconds),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  cp.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  let base = 0;
  let peak = 0;
  let killed = false;
  const sampler = setInterval(() => {
    const rss = rssMiB(cp.pid!);
    if (rss === 0) return;
    if (base === 0 && out.includes('ready')) base = rss;
    peak = Math.max(peak, rss);
    if (rss > capMiB && !killed) {
      killed = true;
      cp.kill('SIGKILL');
    }
  }, 20);
  await new Promise((resolve) => cp.on('exit', resolve));
  clearInterval(sampler);
  const line = out.split('\n').find((l) => l.startsWith('{'));
  const r =
    line === undefined
      ? undefined
      : (JSON.parse(line) as { code: string; stall: number; read: number; base: number });
  return {
    code: r?.code ?? (killed ? 'kill' : 'died'),
    peakGrowth: peak - (r?.base ?? base),
    stall: r === undefined ? `>${((Date.now() - t0) / 1000).toFixed(0)} s` : r.stall.toFixed(0),
    read: r === undefined ? '?' : (r.read / 1048576).toFixed(1),
    wall: (Date.now() - t0) / 1000,
    killed,
  };
}

async function child(api: string, mode: string, port: number, seconds: number): Promise<void> {
  const { Easy, NodeDriver, PAUSE, Pause, fetch, request } = await import('../src/index.js');
  const url = `http://127.0.0.1:${port}/bomb`;
  const base = process.memoryUsage().rss / 1048576;
  process.stdout.write('ready\n');
  let stall = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - 10);
    last = now;
  }, 10);
  let read = 0;
  let code = 'running';
  const slow = mode === 'slow';
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const deadline = Date.now() + seconds * 1000;
  const report = () => {
    clearInterval(ticker);
    process.stdout.write(`${JSON.stringify({ code, stall, read, base })}\n`);
    process.exit(0);
  };
  setTimeout(report, seconds * 1000 + 200).unref();
  try {
    if (api === 'easy') {
      const driver = new NodeDriver();
      // Takes 64 KiB, then pauses; the slow reader allows 64 KiB more every 50 ms.
      let allowance = 65536;
      const easy = new Easy({
        url,
        acceptEncoding: '',
        writeFunction: (chunk: Buffer) => {
          if (allowance <= 0) return PAUSE;
          allowance -= chunk.length;
          read += chunk.length;
          return chunk.length;
        },
      });
      const done = driver.add(easy).then((m) => {
        code = String(m.result);
      });
      if (slow) {
        const t = setInterval(() => {
          allowance = 65536;
          try {
            easy.pause(Pause.CONT);
          } catch {}
        }, 50);
        void done.finally(() => clearInterval(t));
      }
      await Promise.race([done, sleep(seconds * 1000)]);
    } else if (api === 'request') {
      const r = await request(url, { acceptEncoding: '' });
      if (slow) {
        for await (const chunk of r.body) {
          read += (chunk as Buffer).length;
          await sleep(50);
          if (Date.now() > deadline) break;
        }
      } else await sleep(seconds * 1000);
    } else {
      const res = await fetch(url);
      if (slow) {
        const reader = res.body!.getReader();
        while (Date.now() < deadline) {
          const { value, done } = await reader.read();
          if (done) break;
          read += value.length;
          await sleep(50);
        }
      } else await sleep(seconds * 1000);
    }
    if (code === 'running') code = 'open';
  } catch (e) {
    code = String((e as { curlCode?: number }).curlCode ?? e);
  }
  report();
}
