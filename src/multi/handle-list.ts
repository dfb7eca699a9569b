// The easy handles added to a Multi, in the order they were added: a list threaded through the
// handles' links, so adding and removing one (once per transfer) allocates nothing. A Set of the
// same handles rehashes its table every few dozen adds and deletes as handles come and go.
import type { Easy } from './easy.js';

/** A handle's place in its Multi's list (fields of the Easy). */
export interface HandleListNode {
  /** The handle added before this one / after this one (undefined: none, or not listed). */
  _prevHandle: Easy | undefined;
  _nextHandle: Easy | undefined;
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
    easy._prevHandle = this.last;
    easy._nextHandle = undefined;
    if (this.last === undefined) this.first = easy;
    else this.last._nextHandle = easy;
    this.last = easy;
    this.count++;
  }

  /** Unlink `easy`, which must be in this list. */
  delete(easy: Easy): void {
    const prev = easy._prevHandle;
    const next = easy._nextHandle;
    if (prev === undefined) this.first = next;
    else prev._nextHandle = next;
    if (next === undefined) this.last = prev;
    else next._prevHandle = prev;
    easy._prevHandle = easy._nextHandle = undefined;
    this.count--;
  }

  /** The handles in the order they were added (a copy: the caller may remove while it walks). */
  toArray(): Easy[] {
    const out: Easy[] = [];
    for (let e = this.first; e !== undefined; e = e._nextHandle) out.push(e);
    return out;
  }
}
