// Start-up cost of one tscurl transfer against `node -e 0` (and curl when installed): wall time of
// N runs of each, interleaved so that machine load hits both alike; prints the medians, the
// difference and the ratio. The server runs in its own process (spawnSync blocks this one).
//
//   node bench/startup.mjs [runs=20] [bin=dist/bin/tscurl.mjs]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const runs = Number(process.argv[2] ?? 20);
const bin = process.argv[3] ?? new URL('../dist/bin/tscurl.mjs', import.meta.url).pathname;
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
  'node -e 0': [process.execPath, ['-e', '0']],
  'tscurl -s URL': [process.execPath, [bin, '-s', url]],
};
if (existsSync('/usr/bin/curl')) commands['curl -s URL'] = ['/usr/bin/curl', ['-s', url]];

const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, [cmd, args]] of Object.entries(commands)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} failed: ${r.status} ${r.stderr}`);
    times[name].push(ms);
  }
}
server.kill();

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(times['node -e 0']);
const cli = median(times['tscurl -s URL']);
console.log(`runs: ${runs} each, interleaved; node ${process.version}; bin ${bin}`);
for (const [name, a] of Object.entries(times))
  console.log(`${name.padEnd(16)} median ${median(a).toFixed(1)} ms`);
console.log(
  `tscurl - node -e 0: ${(cli - base).toFixed(1)} ms (goal <= 50 ms); ratio ${(cli / base).toFixed(2)}`,
);
