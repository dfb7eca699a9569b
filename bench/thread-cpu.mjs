// Preload that prints, when the process exits, the CPU time of its main thread and of all its other
// threads (V8's TurboFan compiler jobs, concurrent marking and sweeping, libuv's pool), from
// /proc/self/task (Linux). A cold bench run's CPU is split between the two very differently per
// client, which process.cpuUsage() (the sum) does not show:
//   node --import ./bench/thread-cpu.mjs bench/client.mjs tscurl-request URL/100k.bin 2000 50 102400
//   node --no-opt --import ./bench/thread-cpu.mjs bench/client.mjs ...   (no TurboFan: what is left)
// Prints `threads: main=MS other=MS` (milliseconds, the whole process: imports included) to stderr.
import { readdirSync, readFileSync } from 'node:fs';

/** utime + stime of one task in milliseconds (fields 14 and 15 of stat, in clock ticks of 10 ms). */
function taskMs(tid) {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: the fields after it start past its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

process.on('exit', () => {
  let main = 0;
  let other = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (Number(tid) === process.pid) main += taskMs(tid);
      else other += taskMs(tid);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  process.stderr.write(`threads: main=${main} other=${other}\n`);
});
