// The promise API's own CPU per request (request(), fetch()) against the bare engine on a
// NodeDriver, over bench/engine-cost.ts's in-memory transport: every socket answers each request
// head at once with nginx's response, so no system call, no server and no other process's
// turn is in the figure; the difference between a promise API row and the NodeDriver row is what
// the API layer costs per request (its objects, promises, streams and Node's Response).
// Each client reads its bodies as the bench clients do (`for await` over the body stream).
//   node --import tsx bench/api-cost.ts [--rounds N] [--only request,fetch,driver] [--shape W1|W2|W2b|W4]
//   node --import tsx bench/api-cost.ts --cold --rounds 1 --only request   (a fresh process's first round)
//   node --import tsx bench/api-cost.ts --alloc request|fetch|driver [--shape W2]   (bytes per request)
// Shapes: W1, 20,000 x 1 KiB, 100 at a time (the default); W2, 2,000 x 100 KiB, 50 at a time,
// each response handed out in 64 KiB reads, one per readiness event; W2b, W2 with each response's
// reads all handed out in one readiness event (a burst, as a TLS read of several records
// delivers a whole 100 KiB response at once); W4, 10,000 x 1 KiB all at once.
// Readiness is level-triggered and served on setImmediate turns (the event loop's check phase),
// so promise continuations run between socket callbacks as they do on a real socket.
import { Client } from '../src/api/client.js';
import type { DriverTimer } from '../src/api/driver.js';
import { Easy, NodeDriver } from '../src/index.js';
import { printAllocationSites } from './alloc-sites.js';
import { MemTransport, nginxResponseReads, QueuedMemSocket } from './mem-transport.js';

/**
 * The workload's shape: W1 (1 KiB bodies, 100 at a time), W2 (100 KiB, 50 at a time, 64 KiB reads),
 * W2b (W2's reads of a response in one burst) or W4 (10,000 x 1 KiB, all at once, one connection each).
 */
const SHAPES = {
  W1: { body: 1024, count: 20_000, concurrency: 100 },
  W2: { body: 100 * 1024, count: 2_000, concurrency: 50 },
  W2b: { body: 100 * 1024, count: 2_000, concurrency: 50 },
  W4: { body: 1024, count: 10_000, concurrency: 10_000 },
} as const;
type Shape = keyof typeof SHAPES;

let BODY = 1024;
/** Each socket's readiness in an immediate of its own (W4; W2 has it from its several reads). */
let ONE_PER_TURN = false;
/** A response's reads all in one readiness event (W2b), not one each. */
let BURST = false;
const URL_ = 'http://10.0.0.1/1k.bin';
let RESPONSE = nginxResponseReads(BODY);

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
  for (const s of readyQueue.splice(0)) s.fire();
}

function fireOne(s: ServerSocket): void {
  s.fire();
}

const timer: DriverTimer = (ms, fire) => {
  if (ms !== 0) return () => {};
  timerFire = fire;
  armPump();
  return () => {
    if (timerFire === fire) timerFire = undefined;
  };
};

/**
 * A response of several reads (W2) hands out one per readiness event (a Node socket notifies per
 * read, and promise continuations run between its callbacks); a one-read response whenever the
 * engine asks.
 */
class ServerSocket extends QueuedMemSocket {
  /** The read this readiness event may hand out is still there. */
  readable = false;
  protected enqueue(): void {
    if (ONE_PER_TURN || RESPONSE.length > 1) {
      // Each socket's callback in its own immediate: promise continuations run between them as
      // between a real socket's callbacks (a batch in one macrotask would complete many transfers
      // before their callers add the next ones, and the pool would evict idle connections).
      setImmediate(fireOne, this);
      return;
    }
    readyQueue.push(this);
    armPump();
  }
  override fire(): void {
    if (this.onReady !== null) this.readable = true;
    super.fire();
  }
  override read() {
    if (RESPONSE.length > 1) {
      if (!this.readable) {
        this.poke();
        return null;
      }
      if (!BURST) this.readable = false;
    }
    const r = super.read();
    // A socket hands out each read as its own buffer (the Node transport's rule).
    return r === null ? null : Buffer.from(r as Buffer);
  }
  write(data: Uint8Array): number {
    if (data.length >= 4 && data[data.length - 1] === 10 && data[data.length - 3] === 10) {
      this.inbox.push(...RESPONSE);
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

async function allocations(kind: Kind, shape: Shape): Promise<void> {
  const { count, concurrency } = SHAPES[shape];
  await workload(kind, count / 4, concurrency);
  await printAllocationSites(`${kind} ${shape}`, count, () => workload(kind, count, concurrency));
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const shape = (option('--shape') ?? 'W1') as Shape;
if (SHAPES[shape] === undefined) throw new Error(`unknown shape ${shape}: W1, W2, W2b or W4`);
const { count, concurrency } = SHAPES[shape];
BODY = SHAPES[shape].body;
RESPONSE = nginxResponseReads(BODY);
ONE_PER_TURN = shape === 'W4';
BURST = shape === 'W2b';
if (args[0] === '--alloc') {
  await allocations((args[1] ?? 'request') as Kind, shape);
  process.exit(0);
}
const rounds = Number(option('--rounds') ?? 5);
const kinds = (option('--only') ?? 'driver,request,fetch').split(',') as Kind[];
// --cold: no warm-up round, so the first round is what a fresh process pays (compiles, tiering
// up, the first collections); run it in separate processes, one kind each, alternating builds.
if (!args.includes('--cold')) for (const k of kinds) await workload(k, count / 4, concurrency);
const results = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
for (let i = 0; i < rounds; i++) {
  for (const k of kinds) results.get(k)!.push(await cpuPerRequest(k, count, concurrency));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const driver = results.has('driver') ? median(results.get('driver')!) : undefined;
console.log(
  `| client (in-memory transport, ${shape} shape) | CPU us per request, median | best | over the NodeDriver |`,
);
console.log('|---|---|---|---|');
for (const [k, xs] of results) {
  const m = median(xs);
  const over = driver === undefined || k === 'driver' ? '' : `+${(m - driver).toFixed(1)} us`;
  console.log(`| ${k} | ${m.toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${over} |`);
  if (process.env.API_COST_ALL) console.log(xs.map((x) => x.toFixed(1)).join(' '));
}
