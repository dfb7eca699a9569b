/**
 * An indexed binary min-heap: O(log n) insert, remove, update and pop; O(1) peek. Items carry
 * their own key and position, so removing an arbitrary item needs no search (quinn's TimerTable,
 * libcurl's splay tree of expiry times).
 */
export interface HeapItem {
  heapKey: number;
  /** Position in the heap; -1 when not in it. Only the heap writes this. */
  heapIndex: number;
  /** Tie-breaker so equal keys come out in insertion order (deterministic runs). */
  heapSeq: number;
}

export class MinHeap<T extends HeapItem> {
  private readonly items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  /** Insert, or move an item already in the heap to its new key. */
  set(item: T, key: number): void {
    if (this.has(item)) {
      if (key === item.heapKey) return;
      const up = key < item.heapKey;
      item.heapKey = key;
      if (up) this.siftUp(item.heapIndex);
      else this.siftDown(item.heapIndex);
      return;
    }
    item.heapKey = key;
    item.heapSeq = this.seq++;
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.siftUp(item.heapIndex);
  }

  delete(item: T): void {
    if (!this.has(item)) return;
    const i = item.heapIndex;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last !== item) {
      this.items[i] = last;
      last.heapIndex = i;
      this.siftDown(i);
      this.siftUp(last.heapIndex);
    }
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.delete(top);
    return top;
  }

  private less(a: T, b: T): boolean {
    return a.heapKey < b.heapKey || (a.heapKey === b.heapKey && a.heapSeq < b.heapSeq);
  }

  private siftUp(i: number): void {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!this.less(item, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  private siftDown(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!this.less(child, item)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
