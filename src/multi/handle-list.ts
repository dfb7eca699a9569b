// The easy handles added to a Multi, in the order they were added: a list threaded through the
// handles' links, so adding and removing one (once per transfer) allocates nothing. A Set of the
// same handles rehashes its table every few dozen adds and deletes as handles come and go.
import type { Easy } from './easy.js';

/** A handle's place in its Multi's list (on its EasyLink). */
export interface HandleListNode {
  /** The handle added before this one / after this one (undefined: none, or not listed). */
  prevHandle: Easy | undefined;
  nextHandle: Easy | undefined;
}

export class HandleList {
  private first: Easy | undefined;
  private last: Easy | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Append `easy` (not listed). */
  add(easy: Easy): void {
    const link = easy._link;
    link.prevHandle = this.last;
    link.nextHandle = undefined;
    if (this.last === undefined) this.first = easy;
    else this.last._link.nextHandle = easy;
    this.last = easy;
    this.count++;
  }

  /** Unlink `easy`, which must be in this list. */
  delete(easy: Easy): void {
    const link = easy._link;
    const { prevHandle: prev, nextHandle: next } = link;
    if (prev === undefined) this.first = next;
    else prev._link.nextHandle = next;
    if (next === undefined) this.last = prev;
    else next._link.prevHandle = prev;
    link.prevHandle = link.nextHandle = undefined;
    this.count--;
  }

  /** The handles in the order they were added (a copy: the caller may remove while it walks). */
  toArray(): Easy[] {
    const out: Easy[] = [];
    for (let e = this.first; e !== undefined; e = e._link.nextHandle) out.push(e);
    return out;
  }
}
