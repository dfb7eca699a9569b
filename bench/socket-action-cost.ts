// The cost of one socketAction for one ready socket, with 100 and with 10,000 other transfers
// waiting (the per-event cost must not grow with the number of transfers): the engine alone, over an in-memory transport whose sockets are always
// connected, so nothing but the engine's per-event work is measured.
// Run: node --import tsx bench/socket-action-cost.ts
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Easy, Multi, SOCKET_TIMEOUT } from '../src/index.js';
import { MemSocket, MemTransport } from './mem-transport.js';

// A full collection before each measurement, so the measured loop's scavenges do not also move the
// setup's objects out of the young generation: with 10,000 transfers just made, the first
// scavenges after the setup copied and promoted them (8-15 ms each, about a third of the
// 10,000-transfer figure), a cost of making the transfers, not of an event.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const HEAD = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n'); // close-delimited body
const CHUNK = Buffer.alloc(1024, 120);

/** Answers the first request with a head of a close-delimited body; the bench feeds the body. */
class BodySocket extends MemSocket {
  sentHead = false;
  watch(): void {}
  unwatch(): void {}
  write(data: Uint8Array): number {
    if (!this.sentHead) {
      this.sentHead = true;
      this.inbox.push(HEAD);
    }
    return data.length;
  }
}

function measure(waiting: number): number {
  const transport = new MemTransport(() => new BodySocket());
  const multi = new Multi({ transport, socketFunction: () => 0, timerFunction: () => 0 });
  for (let i = 0; i <= waiting; i++) {
    multi.addHandle(
      new Easy({ url: `http://h${i % 50}.test/`, timeoutMs: 3_600_000, writeFunction: (c) => c.length }),
    );
  }
  multi.socketAction(SOCKET_TIMEOUT, 0); // connect all, send all requests
  multi.socketAction(SOCKET_TIMEOUT, 0);
  for (const s of transport.sockets) multi.socketAction(s, 1); // read the heads: all now wait in performing
  const hot = transport.sockets[transport.sockets.length - 1]!;
  const rounds = 200_000;
  // warm up
  for (let i = 0; i < 20_000; i++) {
    hot.inbox.push(CHUNK);
    multi.socketAction(hot, 1);
  }
  collect();
  // CPU time, not wall time: on a loaded machine the wall clock counts other processes' turns.
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    hot.inbox.push(CHUNK);
    multi.socketAction(hot, 1);
  }
  const cpu = process.cpuUsage(cpu0);
  const ns = ((cpu.user + cpu.system) * 1000) / rounds;
  if (multi.runningHandles !== waiting + 1)
    throw new Error(`expected ${waiting + 1} running, got ${multi.runningHandles}`);
  multi.close();
  return ns;
}

const rows: Array<[number, number]> = [];
for (const n of [100, 10_000, 100, 10_000]) rows.push([n, measure(n)]);
const best = (n: number) => Math.min(...rows.filter(([k]) => k === n).map(([, v]) => v));
console.log('| transfers waiting | CPU ns per socketAction (1 KiB chunk, best of 2) |');
console.log('|---|---|');
console.log(`| 100 | ${best(100).toFixed(0)} |`);
console.log(`| 10,000 | ${best(10_000).toFixed(0)} |`);
console.log(`ratio 10,000 / 100: ${(best(10_000) / best(100)).toFixed(2)} (goal < 1.5)`);
