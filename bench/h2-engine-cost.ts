// The engine's own CPU per request for the shape of H1 (10,000 GETs of 1 KiB over ONE HTTP/2
// connection, 100 streams in flight), over an in-memory transport whose socket answers every
// request's HEADERS at once with the frames nginx sends (its HPACK encoding: literal fields with
// Huffman strings, never a reference to its dynamic table). No syscall, no event loop, no server:
// the figure moves only with the engine's work (codec, session, multi) and stays readable on a
// loaded machine, where the wall-clock bench does not.
// Run: node --import tsx bench/h2-engine-cost.ts [--rounds N]   (best of N, default 5)
//      node --import tsx bench/h2-engine-cost.ts --alloc          (bytes allocated per request)
import { Easy, HttpVersion } from '../src/index.js';
import { printAllocationSites } from './alloc-sites.js';
import { MemTransport, QueuedMemSocket, runMemMulti } from './mem-transport.js';

const BODY = 1024;
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
/** nginx 1.22's response head for /1k.bin, as captured from the bench's nginx (h2c). */
const HEAD_BLOCK = hex(
  '887684aa6355e76196dd6d5f4a01c52f948a0802714086e08571b754c5a37f5f901d75d0620d263d4c1c892a56426c2' +
    '8e95c04313032346c96dd6d5f4a01c52f948a0802714086e019b8d3ea62d1bf00832a47378bfe5c8c2db410b6b340' +
    '07f3008919085ad2b583aa62a3848fd24a8f',
);
const PREFACE_LEN = 24;

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

/** What nginx answers for stream `id`: HEADERS, then the body in one DATA frame with END_STREAM. */
function response(id: number): Buffer {
  return Buffer.concat([frame(1, 4, id, HEAD_BLOCK), frame(0, 1, id, Buffer.alloc(BODY, 120))]);
}

/** Sockets with something to report, in order (the harness's epoll). */
const readyQueue: H2ServerSocket[] = [];

/** Answers each HEADERS frame with a response; readiness is level-triggered through readyQueue. */
class H2ServerSocket extends QueuedMemSocket {
  #prefaceLeft = PREFACE_LEN;
  #pending = Buffer.alloc(0);
  /** Frames per write of the client (how well the writes are batched). */
  writes = 0;
  constructor() {
    super();
    // The server's SETTINGS: nginx's MAX_CONCURRENT_STREAMS 128, its window and frame size.
    const settings = Buffer.alloc(18);
    settings.writeUInt16BE(3, 0);
    settings.writeUInt32BE(128, 2);
    settings.writeUInt16BE(4, 6);
    settings.writeUInt32BE(65536, 8);
    settings.writeUInt16BE(5, 12);
    settings.writeUInt32BE(16777215, 14);
    this.inbox.push(frame(4, 0, 0, settings));
  }
  protected enqueue(): void {
    readyQueue.push(this);
  }
  write(data: Uint8Array): number {
    this.writes++;
    let b = Buffer.concat([this.#pending, data]);
    if (this.#prefaceLeft > 0) {
      const n = Math.min(this.#prefaceLeft, b.length);
      this.#prefaceLeft -= n;
      b = b.subarray(n);
    }
    const out: Buffer[] = [];
    while (b.length >= 9) {
      const len = b.readUIntBE(0, 3);
      if (b.length < 9 + len) break;
      const type = b[3]!;
      if (type === 1) out.push(response(b.readUInt32BE(5) & 0x7fffffff));
      else if (type === 4 && (b[4]! & 1) === 0) out.push(frame(4, 1, 0, Buffer.alloc(0)));
      b = b.subarray(9 + len);
    }
    this.#pending = Buffer.from(b);
    if (out.length > 0) {
      this.inbox.push(Buffer.concat(out));
      this.poke();
    }
    return data.length;
  }
}

/** `count` GETs over one h2 connection, `streams` at a time; CPU us per request and writes. */
function run(count: number, streams: number): { us: number; writes: number } {
  const transport = new MemTransport(() => new H2ServerSocket());
  const r = runMemMulti({
    transport,
    readyQueue,
    count,
    concurrency: streams,
    multi: { maxHostConnections: 1, maxConcurrentStreams: streams },
    easy: (write) =>
      new Easy({
        url: 'http://10.0.0.1/1k.bin',
        httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE,
        writeFunction: write,
      }),
  });
  if (r.bytes !== count * BODY) throw new Error(`${r.bytes} bytes, expected ${count * BODY}`);
  if (transport.sockets.length !== 1) throw new Error(`${transport.sockets.length} connections, expected 1`);
  return { us: r.us, writes: transport.sockets[0]!.writes };
}

/** Allocation per request, by allocating function. */
async function allocations(): Promise<void> {
  const count = 10_000;
  run(2_000, 100);
  await printAllocationSites('H1', count, () => run(count, 100));
}

const args = process.argv.slice(2);
if (args[0] === '--alloc') {
  await allocations();
  process.exit(0);
}
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 5;
run(2_000, 100); // warm up
const runs: Array<{ us: number; writes: number }> = [];
for (let i = 0; i < rounds; i++) runs.push(run(10_000, 100));
const us = runs.map((r) => r.us).sort((a, b) => a - b);
console.log('| shape (in-memory transport) | engine CPU us per request, best | median | client writes |');
console.log('|---|---|---|---|');
console.log(
  `| H1: 10,000 x 1 KiB over one h2 connection, 100 streams | ${us[0]!.toFixed(1)} | ${us[us.length >> 1]!.toFixed(1)} | ${runs[0]!.writes} |`,
);
