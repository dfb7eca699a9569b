// Garbage collections and CPU of one bench client, for builds side by side: runs
// `node --trace-gc DIR/bench/client.mjs CLIENT URL COUNT CONC SIZE` for each DIR in turn (DIR is a
// checkout with its own dist/, e.g. a worktree of the parent commit), RUNS times, alternating, and
// prints per DIR the mark-compacts and scavenges of each process, and the median client CPU and
// wall time of each round (BENCH_ROUNDS=ROUNDS: round 1 is the bench's cold run).
//   node bench/gc-count.mjs [--runs 5] [--rounds 1] [--ca CA.pem] [--shape W2] CLIENT URL DIR...
// --shape: W2 (100k.bin 2000 50 102400, the default) or W1 (1k.bin 20000 100 1024): URL is the base
// URL (`node bench/nginx.mjs [--tls]` prints it, and with --tls the CA's path for --ca).
// --node-flag FLAG (repeatable) passes a flag to the client's node, e.g. --no-incremental-marking.
import { execFileSync } from 'node:child_process';
import { helpFromHeader, median } from './common.mjs';

const args = process.argv.slice(2);
helpFromHeader(import.meta.url, args);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const nodeFlags = [];
for (let f = option('--node-flag'); f !== undefined; f = option('--node-flag')) nodeFlags.push(f);
const runs = Number(option('--runs', '5'));
const rounds = Number(option('--rounds', '1'));
const ca = option('--ca');
const shape = option('--shape', 'W2');
const [client, base, ...dirs] = args;
if (client === undefined || base === undefined || dirs.length === 0) {
  console.error(
    'usage: node bench/gc-count.mjs [--runs N] [--rounds N] [--ca CA] [--shape W1|W2] CLIENT URL DIR...',
  );
  process.exit(2);
}
const shapes = { W1: ['/1k.bin', '20000', '100', '1024'], W2: ['/100k.bin', '2000', '50', '102400'] };
const [path, count, conc, size] = shapes[shape];

const env = { ...process.env, BENCH_ROUNDS: String(rounds) };
if (ca !== undefined) env.BENCH_CA = ca;
const results = new Map(dirs.map((d) => [d, []]));
for (let i = 0; i < runs; i++) {
  for (const dir of dirs) {
    const out = execFileSync(
      process.execPath,
      ['--trace-gc', ...nodeFlags, `${dir}/bench/client.mjs`, client, `${base}${path}`, count, conc, size],
      { env, encoding: 'utf8', maxBuffer: 1 << 28 },
    );
    const lines = out.split('\n');
    const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    results.get(dir).push({
      mc: lines.filter((l) => l.includes(': Mark-Compact ')).length,
      sc: lines.filter((l) => l.includes(': Scavenge ')).length,
      cpu: json.map((j) => j.cpuS),
      wall: json.map((j) => j.wallMs),
      ok: json.length === rounds && json.every((j) => j.ok),
    });
  }
}
for (const [dir, rs] of results) {
  const parts = [
    `${dir} ${client} ${shape}`,
    `mark-compacts ${rs.map((r) => r.mc).join(' ')} (median ${median(rs.map((r) => r.mc))})`,
    `scavenges ${rs.map((r) => r.sc).join(' ')}`,
  ];
  for (let k = 0; k < rounds; k++) {
    const cpu = median(rs.map((r) => r.cpu[k]));
    const wall = median(rs.map((r) => r.wall[k]));
    parts.push(`round ${k + 1}: CPU ${cpu.toFixed(3)} s, wall ${wall.toFixed(0)} ms`);
  }
  if (!rs.every((r) => r.ok)) parts.push('FAILED TRANSFERS');
  console.log(parts.join(' | '));
}
