// Shared pieces of the hostile-server suite: raw node:net servers that misbehave beside a good
// one, checks that nothing is left open, and memory / event-loop measurements.
import assert from 'node:assert/strict';
import type { Socket as NetSocket } from 'node:net';
import { type RawServer, startRawServer } from '../helpers/http-server.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A server answering every request with a small 200 (Content-Length, keep-alive). */
export async function goodServer(body = 'fine'): Promise<RawServer> {
  return startRawServer((socket) => {
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        buf = buf.slice(end + 4);
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }
    });
  });
}

/** A server that runs `onRequest` once a request head is in (the head is not parsed further). */
export async function hostileServer(
  onRequest: (socket: NetSocket, head: string) => void,
): Promise<RawServer> {
  return startRawServer((socket) => {
    let buf = '';
    let answered = false;
    socket.on('data', (d: Buffer) => {
      if (answered) return;
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      answered = true;
      onRequest(socket, buf.slice(0, end));
    });
  });
}

/** Open TCP handles (sockets and servers) of this process. */
export function tcpHandles(): number {
  let n = 0;
  for (const r of process.getActiveResourcesInfo()) if (r.startsWith('TCP')) n++;
  return n;
}

/**
 * Waits (up to 2 s) until no more TCP handles are open than `baseline` (taken before the case made
 * its servers), else fails naming what is left.
 */
export async function assertNoTcpLeft(baseline: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (tcpHandles() <= baseline) return;
    await sleep(5);
  }
  assert.fail(`left in the event loop: ${process.getActiveResourcesInfo().join(', ')}`);
}

/**
 * Tracks the event loop's worst stall (how late a 5 ms interval runs) and RSS growth from now.
 * A stall counts the time the process was working, not waiting for a core: the late interval's
 * wall-clock delay, but at most the CPU time the process used meanwhile. Work that blocks the loop
 * shows up in both; a loaded machine that leaves the process runnable and waiting adds to neither.
 */
export class LoopWatch {
  private readonly base: number;
  private last = performance.now();
  private lastCpu = cpuMs();
  worstStallMs = 0;
  peakRss: number;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    globalThis.gc?.();
    this.base = process.memoryUsage.rss();
    this.peakRss = this.base;
    this.timer = setInterval(() => this.sample(), 5);
  }

  private sample(): void {
    const now = performance.now();
    const cpu = cpuMs();
    const late = Math.min(now - this.last, cpu - this.lastCpu) - 5;
    this.worstStallMs = Math.max(this.worstStallMs, late);
    this.last = now;
    this.lastCpu = cpu;
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }

  /** Peak RSS growth in MiB so far. */
  get growthMiB(): number {
    this.sample();
    return (this.peakRss - this.base) / 1048576;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The process's CPU time (user + system) in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
