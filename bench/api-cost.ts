// The promise API's own CPU per request (request(), fetch()) against the bare engine on a
// NodeDriver, over bench/engine-cost.ts's in-memory transport: every socket answers each request
// head at once with nginx's 1 KiB response, so no system call, no server and no other process's
// turn is in the figure; the difference between a promise API row and the NodeDriver row is what
// the API layer costs per request (its objects, promises, streams and Node's Response).
// Each client reads its bodies as the bench clients do (`for await` over the body stream).
//   node --import tsx bench/api-cost.ts [--rounds N] [--only request,fetch,driver]
//   node --import tsx bench/api-cost.ts --alloc request|fetch|driver   (bytes allocated per request)
// Readiness is level-triggered and served on setImmediate turns (the event loop's check phase),
// so promise continuations run between socket callbacks as they do on a real socket.
import { Client } from '../src/api/client.js';
import type { DriverTimer } from '../src/api/driver.js';
import { Easy, NodeDriver } from '../src/index.js';
import { printAllocationSites } from './alloc-sites.js';
import { MemTransport, QueuedMemSocket } from './mem-transport.js';

const BODY = 1024;
const URL_ = 'http://10.0.0.1/1k.bin';
const RESPONSE = Buffer.concat([
  Buffer.from(
    'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 06 Dec 2026 08:00:00 GMT\r\n' +
      'Content-Type: application/octet-stream\r\nContent-Length: 1024\r\n' +
      'Last-Modified: Sun, 06 Dec 2026 07:00:00 GMT\r\nConnection: keep-alive\r\n' +
      'ETag: "6932d8f0-400"\r\nAccept-Ranges: bytes\r\n\r\n',
  ),
  Buffer.alloc(BODY, 120),
]);

const readyQueue: ServerSocket[] = [];
let pumpArmed = false;
/** The engine's 0 timer (the only one this workload arms that is due while it runs). */
let timerFire: (() => void) | undefined;

function armPump(): void {
  if (pumpArmed) return;
  pumpArmed = true;
  setImmediate(pump);
}

/** One loop turn: the due timer, then every ready socket (each callback as its own macrotask would be). */
function pump(): void {
  pumpArmed = false;
  const fire = timerFire;
  timerFire = undefined;
  fire?.();
  const batch = readyQueue.splice(0);
  for (const s of batch) {
    s.queued = false;
    if (s.onReady === null) continue;
    s.onReady(s.events);
  }
}

const timer: DriverTimer = (ms, fire) => {
  if (ms !== 0) return () => {};
  timerFire = fire;
  armPump();
  return () => {
    if (timerFire === fire) timerFire = undefined;
  };
};

class ServerSocket extends QueuedMemSocket {
  protected enqueue(): void {
    readyQueue.push(this);
    armPump();
  }
  override read() {
    const r = super.read();
    // A socket hands out each read as its own buffer (the Node transport's rule).
    return r === null ? null : Buffer.from(r as Buffer);
  }
  write(data: Uint8Array): number {
    if (data.length >= 4 && data[data.length - 1] === 10 && data[data.length - 3] === 10) {
      this.inbox.push(RESPONSE);
      this.poke();
    }
    return data.length;
  }
}

async function countStream(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += chunk.length;
  return n;
}

/** `count` calls, `concurrency` at a time, each resolving with the body's byte count. */
async function workers(count: number, concurrency: number, one: () => Promise<number>): Promise<void> {
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < count) {
      issued++;
      const n = await one();
      if (n !== BODY) throw new Error(`${n} bytes, expected ${BODY}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

type Kind = 'request' | 'fetch' | 'driver';

async function workload(kind: Kind, count: number, concurrency: number): Promise<void> {
  const transport = new MemTransport(() => new ServerSocket());
  if (kind === 'driver') {
    let issued = 0;
    let done = 0;
    let finish!: () => void;
    const finished = new Promise<void>((r) => {
      finish = r;
    });
    const d: NodeDriver = new NodeDriver({
      transport,
      timer,
      onDone(m) {
        if (m.result !== 0) throw new Error(`transfer failed: ${m.result}`);
        done++;
        d.multi.removeHandle(m.easy);
        if (issued < count) add();
        if (done === count) finish();
      },
    });
    const add = (): void => {
      issued++;
      let bytes = 0;
      d.addHandle(
        new Easy({
          url: URL_,
          writeFunction(chunk) {
            bytes += chunk.length;
            return chunk.length;
          },
        }),
      );
      if (bytes > BODY) throw new Error('too many bytes');
    };
    for (let i = 0; i < concurrency; i++) add();
    await finished;
    d.close();
    return;
  }
  const client = new Client({}, { transport, timer, holdsProcess: false });
  if (kind === 'request') {
    await workers(count, concurrency, async () => countStream((await client.request(URL_)).body));
  } else {
    await workers(count, concurrency, async () => {
      const r = await client.fetch(URL_);
      return countStream(r.body as unknown as AsyncIterable<Uint8Array>);
    });
  }
  await client.close();
}

async function cpuPerRequest(kind: Kind, count: number, concurrency: number): Promise<number> {
  const cpu0 = process.cpuUsage();
  await workload(kind, count, concurrency);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / count;
}

async function allocations(kind: Kind): Promise<void> {
  const count = 20_000;
  await workload(kind, 5_000, 100);
  await printAllocationSites(kind, count, () => workload(kind, count, 100));
}

const args = process.argv.slice(2);
if (args[0] === '--alloc') {
  await allocations((args[1] ?? 'request') as Kind);
  process.exit(0);
}
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(option('--rounds') ?? 5);
const kinds = (option('--only') ?? 'driver,request,fetch').split(',') as Kind[];
for (const k of kinds) await workload(k, 5_000, 100); // warm up
const results = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
for (let i = 0; i < rounds; i++) {
  for (const k of kinds) results.get(k)!.push(await cpuPerRequest(k, 20_000, 100));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const driver = results.has('driver') ? median(results.get('driver')!) : undefined;
console.log(
  '| client (in-memory transport, W1 shape) | CPU us per request, median | best | over the NodeDriver |',
);
console.log('|---|---|---|---|');
for (const [k, xs] of results) {
  const m = median(xs);
  const over = driver === undefined || k === 'driver' ? '' : `+${(m - driver).toFixed(1)} us`;
  console.log(`| ${k} | ${m.toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${over} |`);
  if (process.env.API_COST_ALL) console.log(xs.map((x) => x.toFixed(1)).join(' '));
}
