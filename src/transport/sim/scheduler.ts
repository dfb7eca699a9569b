// The virtual clock and its event queue: a binary min-heap keyed by (time, sequence), so events
// due at the same virtual millisecond run in the order they were scheduled. Nothing here touches a
// real timer; time moves only when the simulation pops the next event.

export interface SimEvent {
  readonly time: number;
  readonly seq: number;
  fn: (() => void) | undefined;
}

export class Scheduler {
  private heap: SimEvent[] = [];
  private seq = 0;
  private clock = 0;
  /** Events run so far (for diagnostics and runaway guards). */
  executed = 0;
  /** Called whenever an event is scheduled (a network that drives itself starts its loop). */
  onSchedule: (() => void) | undefined;

  now(): number {
    return this.clock;
  }

  /** Number of live (not cancelled) events is not tracked; this is the heap size. */
  get size(): number {
    return this.heap.length;
  }

  /** Run `fn` after `delayMs` of virtual time (0: later in this same millisecond, after what is queued). */
  at(delayMs: number, fn: () => void): SimEvent {
    const d = delayMs > 0 && Number.isFinite(delayMs) ? delayMs : 0;
    const ev: SimEvent = { time: this.clock + d, seq: this.seq++, fn };
    this.push(ev);
    this.onSchedule?.();
    return ev;
  }

  cancel(ev: SimEvent | undefined): void {
    if (ev) ev.fn = undefined;
  }

  /** Time of the next live event, or undefined when nothing is scheduled. */
  peekTime(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.time;
  }

  /** Pop the next live event, advance the clock to it and run it. False when nothing is left. */
  step(): boolean {
    this.dropCancelled();
    const ev = this.pop();
    if (!ev) return false;
    this.clock = ev.time;
    const fn = ev.fn;
    ev.fn = undefined;
    this.executed++;
    fn?.();
    return true;
  }

  /** Move the clock forward with no event (used to land exactly on a requested time). */
  advanceTo(time: number): void {
    if (time > this.clock) this.clock = time;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.fn === undefined) this.pop();
  }

  private push(ev: SimEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(ev, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = ev;
  }

  private pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
