// 50,000 transfers in one Multi over the simulated network: wall time, virtual time, events and
// memory per transfer. Run: node --expose-gc --import tsx bench/sim-scale.ts [transfers] [hosts]
// (--expose-gc is optional; it makes the memory figure steadier). Prints a table; never asserts.
import { CurlCode, Easy } from '../src/index.js';
import { SimNetwork } from '../src/sim.js';

const transfers = Number(process.argv[2] ?? 50_000);
const hosts = Number(process.argv[3] ?? 500);
const gc = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  gc?.();
  return process.memoryUsage().heapUsed;
}

async function scenario(label: string, latencyMs: number, maxHostConnections: number): Promise<string[]> {
  const net = new SimNetwork({ seed: 1, latencyMs, trace: false });
  const body = new Uint8Array(512).fill(0x61);
  for (let h = 0; h < hosts; h++) net.listen(`h${h}.test`, 80, (_req, res) => res.end(body));
  const multi = net.createMulti({ maxHostConnections });
  let bytes = 0;
  const before = heapUsed();
  const wall0 = performance.now();
  for (let i = 0; i < transfers; i++) {
    multi.addHandle(
      new Easy({
        url: `http://h${i % hosts}.test/item/${i}`,
        timeoutMs: 60_000,
        writeFunction: (c) => {
          bytes += c.length;
          return c.length;
        },
      }),
    );
  }
  const added = performance.now();
  const heapAdded = heapUsed() - before;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed - before);
  }, 20);
  await net.run();
  clearInterval(sampler);
  const wall = performance.now() - wall0;
  let ok = 0;
  let done = 0;
  for (let m = multi.infoRead(); m; m = multi.infoRead()) {
    done++;
    if (m.result === CurlCode.OK) ok++;
  }
  const peakHeap = Math.max(peak, heapUsed() - before);
  multi.close();
  return [
    label,
    String(transfers),
    `${done}/${ok}`,
    (added - wall0).toFixed(0),
    wall.toFixed(0),
    ((wall * 1000) / transfers).toFixed(1),
    net.now().toFixed(0),
    String(net.stats.connections),
    (heapAdded / transfers).toFixed(0),
    (peakHeap / transfers).toFixed(0),
    String(bytes === transfers * body.length),
  ];
}

const header = [
  'scenario',
  'transfers',
  'done/ok',
  'add ms',
  'wall ms',
  'us/transfer',
  'virtual ms',
  'connections',
  'B/transfer added',
  'B/transfer peak',
  'bodies ok',
];
const rows = [header];
rows.push(await scenario('no limit, 10 ms', 10, 0));
rows.push(await scenario('4 per host, 10 ms', 10, 4));
const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i]!)).join('  '));
console.log(
  `node ${process.version}, ${hosts} hosts, 512-byte bodies${gc ? '' : ' (run with --expose-gc for steadier memory)'}`,
);
