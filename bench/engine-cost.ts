// The engine's own CPU per request for the shapes of W1, W2 and W4, over an in-memory transport whose
// sockets answer every request at once: no syscalls, no event loop, no server, so the figure moves
// only with the engine's work (the part of a profile that is tscurl's) and stays readable on a
// loaded machine, where wall-clock benches do not.
//   W1: 20,000 GETs of 1 KiB, 100 at a time, keep-alive (100 connections reused);
//   W2: 2,000 GETs of 100 KiB, 50 at a time, keep-alive, each response read in 64 KiB pieces (the
//       Node transport's read size);
//   W4: 10,000 GETs added at once, one new connection each.
// Run: node --import tsx bench/engine-cost.ts [--rounds N] [--shape W2]   (best of N, default 5;
//      W1 and W4 unless a shape is named)
//      node --import tsx bench/engine-cost.ts --alloc [W1|W2|W4]  (bytes allocated per request, and
//      where: V8's sampling heap profiler, objects collected since included)
import { Easy } from '../src/index.js';
import { printAllocationSites } from './alloc-sites.js';
import { MemTransport, nginxResponseReads, QueuedMemSocket, runMemMulti } from './mem-transport.js';

/** The response of the workload being run. */
let reads = nginxResponseReads(1024);

/** Sockets with something to report, in order (the harness's epoll). */
const readyQueue: ServerSocket[] = [];

/**
 * Answers every request head with the response's reads; readiness is level-triggered through
 * readyQueue. A response of several reads (W2) hands out one per readiness event, as a Node socket
 * notifies per read; a one-read response (W1, W4) is read whenever the engine asks.
 */
class ServerSocket extends QueuedMemSocket {
  /** The read this readiness event may hand out is still there. */
  readable = false;
  override read(): ReturnType<QueuedMemSocket['read']> {
    if (reads.length === 1) return super.read();
    if (!this.readable || this.inbox.length === 0) return null;
    this.readable = false;
    return super.read();
  }
  protected enqueue(): void {
    readyQueue.push(this);
  }
  override fire(): void {
    if (this.onReady !== null) this.readable = true;
    super.fire();
    // The response's next read is the next event.
    if (this.inbox.length > 0) this.poke();
  }
  write(data: Uint8Array): number {
    // Every request is a GET head: one response per head.
    if (data.length >= 4 && data[data.length - 1] === 10 && data[data.length - 3] === 10) {
      this.inbox.push(...reads);
      this.poke();
    }
    return data.length;
  }
}

/**
 * One workload: `count` GETs of `body` bytes, `concurrency` at a time (0 = all at once); returns
 * CPU us per request.
 */
function run(count: number, concurrency: number, body = 1024): number {
  reads = nginxResponseReads(body);
  const r = runMemMulti({
    transport: new MemTransport(() => new ServerSocket()),
    readyQueue,
    count,
    concurrency,
    easy: (write) => new Easy({ url: `http://10.0.0.1/${body}.bin`, writeFunction: write }),
  });
  if (r.bytes !== count * body) throw new Error(`${r.bytes} bytes, expected ${count * body}`);
  return r.us;
}

/** count, concurrency, body bytes. */
const SHAPES: Record<string, [number, number, number]> = {
  W1: [20_000, 100, 1024],
  W2: [2_000, 50, 100 * 1024],
  W4: [10_000, 0, 1024],
};

/** Allocation per request of one workload, by allocating function. */
async function allocations(shape: string): Promise<void> {
  const [count, concurrency, body] = SHAPES[shape] ?? SHAPES.W1!;
  run(5_000, 100);
  await printAllocationSites(shape, count, () => run(count, concurrency, body));
}

const args = process.argv.slice(2);
if (args[0] === '--alloc') {
  await allocations(args[1] ?? 'W1');
  process.exit(0);
}
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 5;
// W2 runs alone (--shape W2): run between the others, its heap and feedback move their figures.
const shapeAt = args.indexOf('--shape');
const shapes = shapeAt >= 0 ? [args[shapeAt + 1]!] : ['W1', 'W4'];
const titles: Record<string, string> = {
  W1: 'W1: 20,000 x 1 KiB, 100 at a time, keep-alive',
  W2: 'W2: 2,000 x 100 KiB, 50 at a time, keep-alive, 64 KiB reads',
  W4: 'W4: 10,000 x 1 KiB at once, a connection each',
};
run(5_000, 100); // warm up
if (shapes.includes('W2')) for (let i = 0; i < 3; i++) run(...SHAPES.W2!);
const results = new Map<string, number[]>(shapes.map((s) => [s, []]));
for (let i = 0; i < rounds; i++) for (const s of shapes) results.get(s)!.push(run(...SHAPES[s]!));
const best = (xs: number[]) => Math.min(...xs).toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(1);
console.log('| shape (in-memory transport) | engine CPU us per request, best | median |');
console.log('|---|---|---|');
for (const [s, xs] of results) console.log(`| ${titles[s]} | ${best(xs)} | ${median(xs)} |`);
