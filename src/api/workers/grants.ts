// Connection grants: how maxTotalConnections and maxHostConnections hold across worker threads.
//
// Each worker runs its own Multi and pool, so no worker can see another's connections. The main
// thread therefore hands out connection slots ("grants") per (worker, host): a worker is sent a
// transfer for a host only while it holds more grants for that host than it runs transfers to it,
// so its pool (which reuses an idle connection before opening one) never has more connections to
// the host than grants. New grants are made only while the totals stay under the limits. When a
// transfer waits on maxTotalConnections and some worker holds a grant it does not use (an idle
// connection), that grant is revoked: the worker closes one idle connection to that host and
// answers, and only then does the slot count as free (libcurl's "evict the oldest idle connection").
// Without limits, grants are not kept and a transfer goes to the least busy worker.

interface HostGrant {
  granted: number;
  busy: number;
}

export type Pick =
  | { worker: number }
  | { wait: 'host' | 'total'; revoke?: { worker: number; hostKey: string } };

export class Grants {
  private readonly byWorker: Array<Map<string, HostGrant>> = [];
  private readonly busyOf: number[] = [];
  /** Grants per host, including ones being revoked (their connection may still be open). */
  private readonly hostGranted = new Map<string, number>();
  private totalGranted = 0;
  /** The worker asked to close an idle connection (one revocation at a time), or -1. */
  private revoking = -1;
  private revokingHost = '';
  private readonly limited: boolean;

  constructor(
    workers: number,
    private readonly maxHost: number,
    private readonly maxTotal: number,
  ) {
    this.limited = maxHost > 0 || maxTotal > 0;
    for (let i = 0; i < workers; i++) {
      this.byWorker.push(new Map());
      this.busyOf.push(0);
    }
  }

  /** Transfers running on each worker. */
  get busy(): readonly number[] {
    return this.busyOf;
  }

  /** Connection slots granted now (including ones being revoked). */
  get granted(): number {
    return this.totalGranted;
  }

  /** Choose a worker for a transfer to hostKey, or say what it waits for (and what to revoke). */
  pick(hostKey: string): Pick {
    if (!this.limited) return { worker: this.take(this.leastBusy(), hostKey, false) };
    let best = -1;
    for (let w = 0; w < this.byWorker.length; w++) {
      const g = this.byWorker[w]!.get(hostKey);
      if (g !== undefined && g.granted > g.busy && (best < 0 || this.busyOf[w]! < this.busyOf[best]!))
        best = w;
    }
    if (best >= 0) return { worker: this.take(best, hostKey, false) };
    if (this.maxHost > 0 && (this.hostGranted.get(hostKey) ?? 0) >= this.maxHost) return { wait: 'host' };
    if (this.maxTotal > 0 && this.totalGranted >= this.maxTotal) {
      const revoke = this.revoking < 0 ? this.idleGrant() : undefined;
      if (revoke === undefined) return { wait: 'total' };
      this.revoking = revoke.worker;
      this.revokingHost = revoke.hostKey;
      this.byWorker[revoke.worker]!.get(revoke.hostKey)!.granted--;
      return { wait: 'total', revoke };
    }
    return { worker: this.take(this.leastBusy(), hostKey, true) };
  }

  /** A transfer to hostKey on worker ended (its connection stays granted, idle). */
  done(worker: number, hostKey: string): void {
    this.busyOf[worker]!--;
    const map = this.byWorker[worker]!;
    const g = map.get(hostKey);
    if (g === undefined) return;
    g.busy--;
    if (!this.limited && g.busy === 0) map.delete(hostKey);
  }

  /** The worker closed the idle connection of a revoked grant: the slot is free. */
  released(worker: number, hostKey: string): void {
    this.revoking = -1;
    this.free(hostKey, 1);
    const map = this.byWorker[worker]!;
    const g = map.get(hostKey);
    if (g !== undefined && g.granted === 0 && g.busy === 0) map.delete(hostKey);
  }

  /** A worker died: its connections died with it, every grant it held is free. */
  dropWorker(worker: number): void {
    for (const [hostKey, g] of this.byWorker[worker]!) this.free(hostKey, g.granted);
    this.byWorker[worker]!.clear();
    this.busyOf[worker] = 0;
    if (this.revoking === worker) {
      // The revoked grant's connection died with the worker too.
      this.free(this.revokingHost, 1);
      this.revoking = -1;
    }
  }

  private take(worker: number, hostKey: string, grant: boolean): number {
    this.busyOf[worker]!++;
    const map = this.byWorker[worker]!;
    let g = map.get(hostKey);
    if (g === undefined) map.set(hostKey, (g = { granted: 0, busy: 0 }));
    g.busy++;
    if (grant) {
      g.granted++;
      this.hostGranted.set(hostKey, (this.hostGranted.get(hostKey) ?? 0) + 1);
      this.totalGranted++;
    }
    return worker;
  }

  private free(hostKey: string, n: number): void {
    if (n <= 0) return;
    this.totalGranted -= n;
    const left = (this.hostGranted.get(hostKey) ?? 0) - n;
    if (left > 0) this.hostGranted.set(hostKey, left);
    else this.hostGranted.delete(hostKey);
  }

  private leastBusy(): number {
    let best = 0;
    for (let w = 1; w < this.busyOf.length; w++) if (this.busyOf[w]! < this.busyOf[best]!) best = w;
    return best;
  }

  /** A grant some worker holds without using it (an idle connection), or undefined. */
  private idleGrant(): { worker: number; hostKey: string } | undefined {
    for (let w = 0; w < this.byWorker.length; w++) {
      for (const [hostKey, g] of this.byWorker[w]!) if (g.granted > g.busy) return { worker: w, hostKey };
    }
    return undefined;
  }
}
