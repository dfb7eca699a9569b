// Transfers waiting for a connection slot (libcurl's PENDING state): one FIFO per host for maxHostConnections and
// one for maxTotalConnections. Adding, leaving and taking the next one are O(1): a Set keeps
// insertion order, so the first value is the one waiting longest.

export interface PendingItem {
  hostKey: string;
  /** Which queue holds the item: its host key, '' for the total limit, undefined for none. */
  pendingOn: string | undefined;
}

export class PendingQueues<T extends PendingItem> {
  private readonly byHost = new Map<string, Set<T>>();
  private readonly total = new Set<T>();

  /** Queue `t` behind the limit that stopped it. */
  add(t: T, limit: 'host' | 'total'): void {
    if (limit === 'host') {
      let q = this.byHost.get(t.hostKey);
      if (q === undefined) this.byHost.set(t.hostKey, (q = new Set()));
      q.add(t);
      t.pendingOn = t.hostKey;
    } else {
      this.total.add(t);
      t.pendingOn = '';
    }
  }

  /** Take `t` out of whichever queue holds it (a no-op when none does). */
  leave(t: T): void {
    const on = t.pendingOn;
    if (on === undefined) return;
    if (on === '') this.total.delete(t);
    else {
      const q = this.byHost.get(on);
      if (q !== undefined) {
        q.delete(t);
        if (q.size === 0) this.byHost.delete(on);
      }
    }
    t.pendingOn = undefined;
  }

  /** Whether transfers of hostKey wait in its own queue. */
  hasFor(hostKey: string): boolean {
    return this.byHost.has(hostKey);
  }

  /** The longest waiter in hostKey's own queue, left in place. */
  firstFor(hostKey: string): T | undefined {
    return this.byHost.get(hostKey)?.values().next().value;
  }

  /** A slot for hostKey may have opened: that host's longest waiter, else the total limit's. Removed. */
  takeFor(hostKey: string): T | undefined {
    const t = this.byHost.get(hostKey)?.values().next().value ?? this.total.values().next().value;
    if (t !== undefined) this.leave(t);
    return t;
  }

  /** Any slot opened: the total limit's longest waiter, else some host's. Removed. */
  takeAny(): T | undefined {
    const t = this.total.values().next().value ?? this.byHost.values().next().value?.values().next().value;
    if (t !== undefined) this.leave(t);
    return t;
  }
}
