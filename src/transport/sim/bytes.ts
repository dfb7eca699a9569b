// A queue of byte chunks that avoids copying until someone asks for a contiguous view.

const encoder = new TextEncoder();

export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/** Latin-1 view of bytes, for tests and traces (one char per byte, never throws). */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}

export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total ?? chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export class ChunkQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Up to `n` bytes from the front (one chunk or a slice of it: no concatenation). */
  takeUpTo(n: number): Uint8Array {
    const first = this.chunks[this.head];
    if (first === undefined || n <= 0) return new Uint8Array(0);
    if (first.length <= n) {
      this.chunks[this.head++] = undefined as unknown as Uint8Array;
      this.length -= first.length;
      this.compact();
      return first;
    }
    this.chunks[this.head] = first.subarray(n);
    this.length -= n;
    return first.subarray(0, n);
  }

  /** Everything queued, as one array. */
  takeAll(): Uint8Array {
    const parts = this.head === 0 ? this.chunks : this.chunks.slice(this.head);
    const out = concatBytes(parts, this.length);
    this.clear();
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.length = 0;
  }

  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
