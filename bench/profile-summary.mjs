// Top frames of a V8 CPU profile (`node --cpu-prof`) by self time, as a markdown table.
//   node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--by function|file] [--active]
// Self time is summed per function (name, file, line), or per file with --by file. Percentages are
// of all samples; --active leaves out (idle) and (program) so they are of the time the process
// spent computing. Paths are shown relative to the repository or to node_modules.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (file === undefined) {
  console.error(
    'usage: node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--by function|file] [--active]',
  );
  process.exit(2);
}
const top = Number(option('--top', '25'));
const by = option('--by', 'function');
const activeOnly = args.includes('--active');

const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));

/** A short location: the part after node_modules/ or the repository's dist/ or src/, node: for internals. */
function where(url) {
  if (url === '') return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const m = /\/(dist\/)?(src|bench|bin)\/(.*)$/.exec(url);
  if (m !== null) return `${m[2]}/${m[3]}`;
  return url.replace(/^file:\/\//, '');
}

const IDLE = new Set(['(idle)', '(program)']);
const self = new Map(); // key -> microseconds
let total = 0;
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const node = nodes.get(profile.samples[i]);
  const dt = deltas[i + 1] ?? 0; // a sample's time is the gap to the next one
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (activeOnly && IDLE.has(name)) continue;
  total += dt;
  let key;
  // A frame without a script is V8's or native code (writeBuffer: the write() syscall's binding).
  const native = name.startsWith('(') ? name : `${name} (native)`;
  if (by === 'file') key = url === '' ? native : where(url);
  else key = url === '' ? native : `${name} ${where(url)}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + dt);
}

const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
const span = (profile.endTime - profile.startTime) / 1000;
console.log(
  `${file.split('/').pop()}: ${(total / 1000).toFixed(0)} ms of samples${activeOnly ? ' (idle and program left out)' : ''} in ${span.toFixed(0)} ms`,
);
console.log('');
console.log(`| self % | self ms | ${by === 'file' ? 'file' : 'function (file:line)'} |`);
console.log('|---:|---:|---|');
for (const [key, us] of rows) {
  console.log(`| ${((100 * us) / total).toFixed(1)} | ${(us / 1000).toFixed(1)} | \`${key}\` |`);
}
