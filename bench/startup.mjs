// Start-up cost of one tscurl transfer against `node -e 0` (and curl when installed): N runs of
// each, interleaved so that machine load hits all alike. For each: the median wall time and the
// median CPU time (user + sys, from bash's `time`, which load does not stretch the way it stretches
// wall time). Prints the load average, the differences, the ratio, and whether the goal (a transfer
// costs at most 50 ms more wall time than `node -e 0`) is met. The server runs in its own process
// (spawnSync blocks this one). The first tscurl run, untimed, fills the code cache.
//
//   node bench/startup.mjs [runs=20] [bin=dist/bin/tscurl.cjs] [node=this node]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

const GOAL_MS = 50;
const runs = Number(process.argv[2] ?? 20);
const bin = process.argv[3] ?? new URL('../dist/bin/tscurl.cjs', import.meta.url).pathname;
const node = process.argv[4] ?? process.execPath;
if (!existsSync(bin)) {
  console.error(`${bin} missing: npm run build first`);
  process.exit(1);
}

const server = spawn(
  process.execPath,
  [
    '-e',
    "require('node:http').createServer((q, r) => r.end('x')).listen(0, '127.0.0.1', function () { console.log(this.address().port) })",
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(Number(String(d)))));
const url = `http://127.0.0.1:${port}/`;

const commands = {
  'node -e 0': [node, '-e', '0'],
  'tscurl -s URL': [node, bin, '-s', url],
};
if (existsSync('/usr/bin/curl')) commands['curl -s URL'] = ['/usr/bin/curl', '-s', url];

const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
/** Wall and CPU ms of one run, as bash's `time` reports them (getrusage of the child). */
function timed(name, argv) {
  const script = `TIMEFORMAT='%3R %3U %3S'; time (${argv.map(quote).join(' ')} >/dev/null 2>&1 || echo "exit $?" >&2)`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  const last = r.stderr.trim().split('\n');
  const [real, user, sys] = last.at(-1).split(' ').map(Number);
  if (last.length > 1 || r.status !== 0 || Number.isNaN(real)) throw new Error(`${name} failed: ${r.stderr}`);
  return { wall: real * 1000, cpu: (user + sys) * 1000 };
}

timed('tscurl -s URL', commands['tscurl -s URL']);
const loadBefore = loadavg()[0];
const times = Object.fromEntries(Object.keys(commands).map((k) => [k, { wall: [], cpu: [] }]));
for (let i = 0; i < runs; i++) {
  for (const [name, argv] of Object.entries(commands)) {
    const t = timed(name, argv);
    times[name].wall.push(t.wall);
    times[name].cpu.push(t.cpu);
  }
}
server.kill();
const loadAfter = loadavg()[0];

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`runs: ${runs} each, interleaved; node ${nodeVersion}; bin ${bin}`);
console.log(
  `load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after, on ${availableParallelism()} CPUs`,
);
for (const [name, t] of Object.entries(times)) {
  console.log(
    `${name.padEnd(14)} wall median ${median(t.wall).toFixed(1).padStart(6)} ms   cpu median ${median(t.cpu).toFixed(1).padStart(6)} ms`,
  );
}
const base = times['node -e 0'];
const cli = times['tscurl -s URL'];
const wallDiff = median(cli.wall) - median(base.wall);
const cpuDiff = median(cli.cpu) - median(base.cpu);
const verdict = (d) => (d <= GOAL_MS ? 'met' : 'not met');
console.log(
  `tscurl - node -e 0: wall ${wallDiff.toFixed(1)} ms (ratio ${(median(cli.wall) / median(base.wall)).toFixed(2)}), cpu ${cpuDiff.toFixed(1)} ms`,
);
console.log(
  `goal: wall difference <= ${GOAL_MS} ms: ${verdict(wallDiff)} (cpu difference: ${verdict(cpuDiff)})`,
);
if (loadAfter > availableParallelism()) {
  console.log(
    'the machine is loaded (load average above the CPU count): wall times are stretched by waiting',
  );
}
