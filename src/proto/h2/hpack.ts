// HPACK (RFC 7541): the decoder for response header blocks and the encoder for request ones, each
// with its dynamic table. Strings are latin1 (one byte per code unit), like HTTP/1 field bytes.
//
// The decoder is where header compression bombs land, so it never materialises more than its
// caller's budget: a header list over `maxListSize` (RFC 7541 4.1 sizes, name + value + 32) is
// still decoded to keep the dynamic table in step with the peer's encoder, but its fields are
// dropped and only counted; a literal longer than both the table and the budget is skipped unread.

import { type ByteAllocator, EMPTY_BYTES, newBytes } from '../bytes.js';
import { HuffmanError, huffmanDecode, huffmanEncodeInto, huffmanLength } from './huffman.js';
import { STATIC_TABLE } from './static-table.js';

/** RFC 7541 4.1: each entry costs its name and value lengths plus 32. */
export const ENTRY_OVERHEAD = 32;
/** RFC 7540 6.5.2 default SETTINGS_HEADER_TABLE_SIZE. */
export const DEFAULT_TABLE_SIZE = 4096;
/** Integers beyond this (a string or table size of 512 MiB) are an attack, not a header. */
const MAX_INTEGER = 0x1fffffff;
/** Dynamic table size updates at the start of one block: RFC 7541 4.2 allows two in practice (a drop then the new size). */
const MAX_SIZE_UPDATES = 2;

export type HeaderList = Array<[name: string, value: string]>;

/** A malformed header block: a connection error of type COMPRESSION_ERROR (RFC 9113 4.3). */
export class HpackError extends Error {
  override readonly name = 'HpackError';
}

/** The dynamic table: newest entry at the end of the arrays, oldest at #start. */
class DynamicTable {
  names: string[] = [];
  values: string[] = [];
  sizes: number[] = [];
  start = 0;
  size = 0;
  maxSize: number;
  /** Entries ever inserted; entry k (0-based, insertion order) is at names[k - #dropped]. */
  inserted = 0;
  #dropped = 0;
  constructor(maxSize: number) {
    this.maxSize = maxSize;
  }
  get length(): number {
    return this.names.length - this.start;
  }
  /** HPACK index (62 = newest) to array position, or -1 when out of range. */
  position(index: number): number {
    const k = index - STATIC_TABLE.length - 1;
    if (k < 0 || k >= this.length) return -1;
    return this.names.length - 1 - k;
  }
  /** The HPACK index of the entry inserted as number `seq`, or 0 when evicted. */
  indexOfSeq(seq: number): number {
    const pos = seq - this.#dropped;
    if (pos < this.start) return 0;
    return STATIC_TABLE.length + this.names.length - pos;
  }
  add(name: string, value: string, onEvict?: (name: string, value: string, seq: number) => void): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    this.evictTo(this.maxSize - size, onEvict);
    this.inserted++;
    if (size > this.maxSize) {
      // RFC 7541 4.4: an entry larger than the table empties it and is not added.
      this.#dropped++;
      return;
    }
    this.names.push(name);
    this.values.push(value);
    this.sizes.push(size);
    this.size += size;
  }
  evictTo(target: number, onEvict?: (name: string, value: string, seq: number) => void): void {
    while (this.size > Math.max(0, target) && this.start < this.names.length) {
      if (onEvict !== undefined)
        onEvict(this.names[this.start]!, this.values[this.start]!, this.start + this.#dropped);
      this.size -= this.sizes[this.start]!;
      this.start++;
    }
    // Compact once the evicted prefix dominates, so eviction stays O(1) amortised.
    if (this.start > 32 && this.start * 2 > this.names.length) {
      this.names = this.names.slice(this.start);
      this.values = this.values.slice(this.start);
      this.sizes = this.sizes.slice(this.start);
      this.#dropped += this.start;
      this.start = 0;
    }
  }
  setMaxSize(max: number, onEvict?: (name: string, value: string, seq: number) => void): void {
    this.maxSize = max;
    this.evictTo(max, onEvict);
  }
}

export interface DecodedBlock {
  /** The fields, or as many as fitted the budget when `tooLarge`. */
  headers: HeaderList;
  /** RFC 7541 4.1 size of the whole list, counted even past the budget. */
  listSize: number;
  tooLarge: boolean;
}

/** Literal strings this long or shorter (encoded) are remembered (the memo of HpackDecoder). */
const MEMO_MAX = 128;
/** Slots of the memo, a power of two: a string's slot is a hash of its encoded bytes. */
const MEMO_SLOTS = 64;
/** Slots a string may take from its hash's: collisions of the few strings a server repeats stay rare. */
const MEMO_WAYS = 4;

export class HpackDecoder {
  readonly #table: DynamicTable;
  /** The largest size the peer may set with a size update: the SETTINGS_HEADER_TABLE_SIZE we sent. */
  #settingsMax: number;
  // The block being decoded and the read position in it (no state survives a block but the table
  // and the memo).
  #block: Uint8Array = EMPTY_BYTES;
  #pos = 0;
  /**
   * Literal strings seen lately, by a hash of their encoded bytes: the bytes (first the Huffman
   * flag) and the string. A server that does not refer to its dynamic table (nginx) sends the same
   * names and values (server, content-type, etag, accept-ranges...) as literals in every response:
   * equal bytes give the string already made, without Huffman decoding or a new string.
   */
  readonly #memoBytes: Array<Uint8Array | undefined> = new Array(MEMO_SLOTS).fill(undefined);
  readonly #memoValues: string[] = new Array(MEMO_SLOTS).fill('');
  #memoTurn = 0;

  constructor(maxTableSize = DEFAULT_TABLE_SIZE) {
    this.#table = new DynamicTable(maxTableSize);
    this.#settingsMax = maxTableSize;
  }

  get tableSize(): number {
    return this.#table.size;
  }

  get tableEntries(): number {
    return this.#table.length;
  }

  /** Decodes one complete header block (HEADERS + CONTINUATION fragments joined). */
  decode(block: Uint8Array, maxListSize: number): DecodedBlock {
    const headers: HeaderList = [];
    let listSize = 0;
    let tooLarge = false;
    let sizeUpdates = 0;
    let fieldsSeen = false;
    const table = this.#table;
    this.#block = block;
    this.#pos = 0;
    try {
      while (this.#pos < block.length) {
        const b = block[this.#pos]!;
        let name: string;
        let value: string;
        if (b & 0x80) {
          // 6.1 indexed field: only its size is computed before the strings are shared (no copy),
          // so a block repeating a huge entry costs one budget check per reference.
          const ref = this.#lookup(this.#readInt(7));
          name = ref < 0 ? STATIC_TABLE[-ref - 1]![0] : table.names[ref]!;
          value = ref < 0 ? STATIC_TABLE[-ref - 1]![1] : table.values[ref]!;
        } else if ((b & 0xe0) === 0x20) {
          // 6.3 dynamic table size update: only before the first field, never above our setting.
          if (fieldsSeen) throw new HpackError('dynamic table size update after a field');
          if (++sizeUpdates > MAX_SIZE_UPDATES) throw new HpackError('too many dynamic table size updates');
          const size = this.#readInt(5);
          if (size > this.#settingsMax) {
            throw new HpackError(
              `dynamic table size update to ${size} above the ${this.#settingsMax} allowed`,
            );
          }
          table.setMaxSize(size);
          continue;
        } else {
          // 6.2 literal: with incremental indexing (01), without (0000) or never indexed (0001).
          const indexing = (b & 0xc0) === 0x40;
          const nameIndex = this.#readInt(indexing ? 6 : 4);
          const remaining = Math.max(0, maxListSize - listSize - ENTRY_OVERHEAD);
          // Keep a string when it may be shown or may enter the table; skip it unread otherwise.
          const keepMax = Math.max(remaining, indexing ? table.maxSize : 0);
          let lname: string | null;
          if (nameIndex === 0) lname = this.#readString(keepMax);
          else {
            const ref = this.#lookup(nameIndex);
            lname = ref < 0 ? STATIC_TABLE[-ref - 1]![0] : table.names[ref]!;
          }
          const nameLen = lname === null ? keepMax + 1 : lname.length;
          const lvalue = this.#readString(Math.max(0, keepMax - nameLen));
          fieldsSeen = true;
          if (lname === null || lvalue === null) {
            // Skipped: larger than the budget and than the whole table, so it would have emptied
            // the table had it been indexed.
            listSize += maxListSize + 1;
            tooLarge = true;
            if (indexing) table.evictTo(0);
            continue;
          }
          if (indexing) table.add(lname, lvalue);
          name = lname;
          value = lvalue;
        }
        fieldsSeen = true;
        listSize += name.length + value.length + ENTRY_OVERHEAD;
        if (listSize > maxListSize) tooLarge = true;
        else headers.push([name, value]);
      }
    } finally {
      this.#block = EMPTY_BYTES;
    }
    return { headers, listSize, tooLarge };
  }

  #readInt(prefixBits: number): number {
    const block = this.#block;
    const max = (1 << prefixBits) - 1;
    let value = block[this.#pos++]! & max;
    if (value < max) return value;
    let shift = 0;
    for (;;) {
      if (this.#pos >= block.length) throw new HpackError('truncated integer');
      const b = block[this.#pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (value > MAX_INTEGER) throw new HpackError('integer too large');
      if ((b & 0x80) === 0) return value;
    }
  }

  /** Reads a string; null when it was skipped (longer than `keepMax`). */
  #readString(keepMax: number): string | null {
    const block = this.#block;
    if (this.#pos >= block.length) throw new HpackError('truncated string');
    const flag = block[this.#pos]! & 0x80;
    const len = this.#readInt(7);
    if (len > block.length - this.#pos) throw new HpackError('string longer than the header block');
    const start = this.#pos;
    const end = start + len;
    this.#pos = end;
    let memo = -1;
    if (len <= MEMO_MAX) {
      // FNV-1a over the bytes and the flag, folded to a slot; a string sits in one of the
      // MEMO_WAYS slots from there.
      let h = 0x811c9dc5 ^ flag;
      for (let i = start; i < end; i++) h = Math.imul(h ^ block[i]!, 0x01000193);
      memo = (h ^ (h >>> 15)) & (MEMO_SLOTS - 1);
      for (let k = 0; k < MEMO_WAYS; k++) {
        const slot = (memo + k) & (MEMO_SLOTS - 1);
        const seen = this.#memoBytes[slot];
        if (seen === undefined) break;
        if (seen.length === len + 1 && seen[0] === flag && sameBytes(seen, block, start)) {
          const v = this.#memoValues[slot]!;
          return v.length > keepMax ? null : v;
        }
      }
    }
    let s: string | null;
    if (flag === 0) {
      if (len > keepMax) return null;
      s = latin1String(block, start, end);
    } else {
      try {
        // A Huffman string decodes to at most 8/5 of its length (5-bit shortest codes).
        s = huffmanDecode(block, start, end, keepMax);
      } catch (e) {
        if (e instanceof HuffmanError) throw new HpackError(e.message);
        throw e;
      }
    }
    if (memo >= 0 && s !== null) {
      // The first free slot of the string's ways, else one of them in turn.
      let slot = -1;
      for (let k = 0; k < MEMO_WAYS && slot < 0; k++) {
        const at = (memo + k) & (MEMO_SLOTS - 1);
        if (this.#memoBytes[at] === undefined) slot = at;
      }
      if (slot < 0) slot = (memo + (this.#memoTurn++ & (MEMO_WAYS - 1))) & (MEMO_SLOTS - 1);
      const bytes = new Uint8Array(len + 1);
      bytes[0] = flag;
      bytes.set(block.subarray(start, end), 1);
      this.#memoBytes[slot] = bytes;
      this.#memoValues[slot] = s;
    }
    return s;
  }

  /** A field index: -index for the static table, else the dynamic table's array position. */
  #lookup(index: number): number {
    if (index === 0) throw new HpackError('index 0');
    if (index <= STATIC_TABLE.length) return -index;
    const p = this.#table.position(index);
    if (p < 0)
      throw new HpackError(`index ${index} beyond the dynamic table (${this.#table.length} entries)`);
    return p;
  }
}

/** seen[1..] equals block[start, start + seen.length - 1). */
function sameBytes(seen: Uint8Array, block: Uint8Array, start: number): boolean {
  for (let i = 1; i < seen.length; i++) if (seen[i] !== block[start + i - 1]) return false;
  return true;
}

/** block[start, end) as a latin1 string. */
function latin1String(block: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(block[i]!);
  return s;
}

// --- encoder ------------------------------------------------------------------------------

/**
 * Fields whose values change with every request or are secrets: not worth a table slot, or must
 * not be recoverable by a compression oracle (RFC 7541 7.1; nghttp2's deflater makes the same choice).
 */
const NOT_INDEXED = [
  ':path',
  'content-length',
  'if-modified-since',
  'if-none-match',
  'etag',
  'age',
  'location',
];
const NEVER_INDEXED = ['authorization', 'proxy-authorization'];

/** What the encoder knows of a name before looking at its value: one Map lookup per field. */
interface NameInfo {
  /** The first static-table entry with this name (0: none). */
  staticIndex: number;
  /** Static entries with a value, by value (:method GET, :path /, accept-encoding...). */
  staticValues: Map<string, number> | undefined;
  /** 0: may be indexed; 1: never worth a slot (NOT_INDEXED); 2: never indexed (NEVER_INDEXED). */
  indexing: 0 | 1 | 2;
}

const NAMES = new Map<string, NameInfo>();
const nameInfo = (n: string): NameInfo => {
  let info = NAMES.get(n);
  if (info === undefined) {
    info = { staticIndex: 0, staticValues: undefined, indexing: 0 };
    NAMES.set(n, info);
  }
  return info;
};
for (let i = STATIC_TABLE.length - 1; i >= 0; i--) {
  const [n, v] = STATIC_TABLE[i]!;
  const info = nameInfo(n);
  info.staticIndex = i + 1;
  if (v !== '') (info.staticValues ??= new Map()).set(v, i + 1);
}
for (const n of NOT_INDEXED) nameInfo(n).indexing = 1;
for (const n of NEVER_INDEXED) nameInfo(n).indexing = 2;
const UNKNOWN_NAME: NameInfo = { staticIndex: 0, staticValues: undefined, indexing: 0 };

export class HpackEncoder {
  readonly #table: DynamicTable;
  /** Our own cap on the table, whatever larger size the peer allows. */
  readonly #cap: number;
  #pendingUpdate = -1;
  #minPendingUpdate = -1;
  /** Dynamic entries by name, then value: the insertion number of the newest. */
  readonly #exact = new Map<string, Map<string, number>>();
  readonly #byName = new Map<string, number>();
  /**
   * The last literal written per name when it does not depend on the dynamic table (a static or
   * literal name, not indexed): the same value again (a request's :path) is a copy of its bytes.
   */
  readonly #literals = new Map<string, { value: string; bytes: Uint8Array }>();

  constructor(cap = DEFAULT_TABLE_SIZE) {
    this.#cap = cap;
    this.#table = new DynamicTable(Math.min(cap, DEFAULT_TABLE_SIZE));
  }

  /** The peer's SETTINGS_HEADER_TABLE_SIZE: the next block starts with a size update. */
  setPeerMaxTableSize(size: number): void {
    const next = Math.min(size, this.#cap);
    if (next === this.#table.maxSize && this.#pendingUpdate === -1) return;
    this.#minPendingUpdate = this.#minPendingUpdate === -1 ? next : Math.min(this.#minPendingUpdate, next);
    this.#pendingUpdate = next;
    this.#table.setMaxSize(next, this.#evicted);
  }

  readonly #evicted = (name: string, value: string, seq: number): void => {
    const values = this.#exact.get(name);
    if (values !== undefined && values.get(value) === seq) {
      values.delete(value);
      if (values.size === 0) this.#exact.delete(name);
    }
    if (this.#byName.get(name) === seq) this.#byName.delete(name);
  };

  /**
   * Encodes a header block. `reserve` bytes are left free before it in the returned array's
   * buffer (`byteOffset` is `reserve`), where a frame header can go without a copy. `alloc` makes
   * the array it is written into (the caller's may come from a pool).
   */
  encode(headers: HeaderList, reserve = 0, alloc: ByteAllocator = newBytes): Uint8Array {
    let bound = reserve + 12;
    for (const [n, v] of headers) bound += n.length + v.length + 12;
    const out = alloc(bound);
    let pos = reserve;
    if (this.#pendingUpdate !== -1) {
      // RFC 7541 4.2: signal the smallest size reached since the last block, then the final one.
      if (this.#minPendingUpdate < this.#pendingUpdate)
        pos = writeInt(out, pos, 0x20, 5, this.#minPendingUpdate);
      pos = writeInt(out, pos, 0x20, 5, this.#pendingUpdate);
      this.#pendingUpdate = -1;
      this.#minPendingUpdate = -1;
    }
    const table = this.#table;
    for (const [name, value] of headers) {
      const info = NAMES.get(name) ?? UNKNOWN_NAME;
      const staticExact = info.staticValues?.get(value);
      if (staticExact !== undefined) {
        pos = writeInt(out, pos, 0x80, 7, staticExact);
        continue;
      }
      const seq = this.#exact.get(name)?.get(value);
      const dynIndex = seq === undefined ? 0 : table.indexOfSeq(seq);
      if (dynIndex > 0) {
        pos = writeInt(out, pos, 0x80, 7, dynIndex);
        continue;
      }
      let nameIndex = info.staticIndex;
      if (nameIndex === 0) {
        const nseq = this.#byName.get(name);
        if (nseq !== undefined) nameIndex = table.indexOfSeq(nseq);
      }
      const size = name.length + value.length + ENTRY_OVERHEAD;
      const never = info.indexing === 2 || (name === 'cookie' && value.length < 20);
      const index = !never && info.indexing === 0 && size <= (table.maxSize * 3) / 4;
      if (index) pos = writeInt(out, pos, 0x40, 6, nameIndex);
      else {
        // Not indexed, its name static or literal: the same field as last time is the same bytes.
        const stable = nameIndex <= STATIC_TABLE.length;
        const last = stable ? this.#literals.get(name) : undefined;
        if (last !== undefined && last.value === value) {
          out.set(last.bytes, pos);
          pos += last.bytes.length;
          continue;
        }
        const from = pos;
        pos = writeInt(out, pos, never ? 0x10 : 0x00, 4, nameIndex);
        if (nameIndex === 0) pos = writeString(out, pos, name);
        pos = writeString(out, pos, value);
        // A copy of its own (a pooled `out` would be kept whole by a view, and its slice() is one).
        if (stable) this.#literals.set(name, { value, bytes: new Uint8Array(out.subarray(from, pos)) });
        continue;
      }
      if (nameIndex === 0) pos = writeString(out, pos, name);
      pos = writeString(out, pos, value);
      const newSeq = table.inserted;
      table.add(name, value, this.#evicted);
      if (table.indexOfSeq(newSeq) > 0) {
        let values = this.#exact.get(name);
        if (values === undefined) {
          values = new Map();
          this.#exact.set(name, values);
        }
        values.set(value, newSeq);
        this.#byName.set(name, newSeq);
      }
    }
    return out.subarray(reserve, pos);
  }
}

function writeInt(out: Uint8Array, pos: number, flags: number, prefixBits: number, value: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[pos++] = flags | value;
    return pos;
  }
  out[pos++] = flags | max;
  let rest = value - max;
  while (rest >= 0x80) {
    out[pos++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[pos++] = rest;
  return pos;
}

function writeString(out: Uint8Array, pos: number, s: string): number {
  const hlen = huffmanLength(s);
  if (hlen < s.length) {
    pos = writeInt(out, pos, 0x80, 7, hlen);
    return huffmanEncodeInto(s, out, pos);
  }
  pos = writeInt(out, pos, 0, 7, s.length);
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i) & 0xff;
  return pos;
}
