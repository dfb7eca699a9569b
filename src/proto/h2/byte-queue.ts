// The received bytes not yet parsed into frames: chunks queued as given, taken out as views when a
// frame lies inside one chunk (DATA payloads are never copied then) and copied only when it spans.
// The queue keeps references to the chunks: a caller must not reuse a chunk's memory while it may
// still be queued or a view of it is in use.

export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #ci = 0;
  #pos = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.#chunks.push(data);
    this.#length += data.length;
  }

  clear(): void {
    this.#chunks = [];
    this.#ci = 0;
    this.#pos = 0;
    this.#length = 0;
  }

  /** Bytes that the next take() can hand out as a view (what is left of the current chunk). */
  get contiguous(): number {
    return this.#ci < this.#chunks.length ? this.#chunks[this.#ci]!.length - this.#pos : 0;
  }

  /** Removes and returns at most n bytes (length > 0), as a view inside one chunk: never a copy. */
  takeUpTo(n: number): Uint8Array {
    return this.take(Math.min(n, this.contiguous));
  }

  /** Removes the next n bytes (n <= length) into dst: no array made (frame headers). */
  takeInto(dst: Uint8Array, n: number): void {
    for (let i = 0; i < n; i++) {
      const c = this.#chunks[this.#ci]!;
      dst[i] = c[this.#pos++]!;
      if (this.#pos === c.length) {
        this.#ci++;
        this.#pos = 0;
      }
    }
    this.#length -= n;
    if (this.#ci === this.#chunks.length) {
      this.#chunks = [];
      this.#ci = 0;
    }
  }

  /** Removes and returns the next n bytes (n <= length): a view when they lie in one chunk. */
  take(n: number): Uint8Array {
    const chunk = this.#chunks[this.#ci]!;
    let out: Uint8Array;
    if (chunk.length - this.#pos >= n) {
      out = chunk.subarray(this.#pos, this.#pos + n);
      this.#pos += n;
    } else {
      out = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const c = this.#chunks[this.#ci]!;
        const k = Math.min(n - got, c.length - this.#pos);
        out.set(c.subarray(this.#pos, this.#pos + k), got);
        got += k;
        this.#pos += k;
        if (this.#pos === c.length && got < n) {
          this.#ci++;
          this.#pos = 0;
        }
      }
    }
    if (this.#pos === this.#chunks[this.#ci]!.length) {
      this.#ci++;
      this.#pos = 0;
    }
    if (this.#ci === this.#chunks.length) {
      this.#chunks = [];
      this.#ci = 0;
    } else if (this.#ci > 64) {
      // Drop consumed chunks now and then so a long-lived queue does not grow.
      this.#chunks = this.#chunks.slice(this.#ci);
      this.#ci = 0;
    }
    this.#length -= n;
    return out;
  }
}
