// HPACK Huffman coding (RFC 7541 5.2, appendix B). Decoding walks a binary tree built once from
// the code table, one bit at a time: header strings are short and the tree fits in two typed arrays.

import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from './huffman-table.js';

const EOS = 256;

/**
 * Tree nodes: child[2n] / child[2n+1] for bit 0 / 1; a negative child is ~symbol (a leaf). Built at
 * the first decode: a program that never speaks HTTP/2 does not pay for it at start-up.
 */
let child: Int32Array | undefined;

function buildTree(): Int32Array {
  // A complete prefix code over 257 symbols has 256 internal nodes.
  const tree = new Int32Array(2 * 256);
  let nodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const code = HUFFMAN_CODES[sym]!;
    const len = HUFFMAN_LENGTHS[sym]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) & 1;
      const slot = 2 * node + bit;
      if (i === 0) {
        tree[slot] = ~sym;
      } else {
        if (tree[slot] === 0) tree[slot] = nodes++;
        node = tree[slot]!;
      }
    }
  }
  return tree;
}

/** Thrown for an invalid Huffman string (EOS inside, padding longer than 7 bits or not all ones). */
export class HuffmanError extends Error {
  override readonly name = 'HuffmanError';
}

/**
 * Decodes src[start, end) into a latin1 string. `maxLength` bounds the output (a Huffman string
 * expands at most 8/5 times, but the caller's budget may be smaller); past it, null is returned.
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number, maxLength: number): string | null {
  child ??= buildTree();
  const tree = child;
  let out = '';
  let node = 0;
  // Bits read since the last completed symbol, and whether they were all ones (valid padding).
  let pendingBits = 0;
  let allOnes = true;
  let n = 0;
  for (let i = start; i < end; i++) {
    const byte = src[i]!;
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >> b) & 1;
      const next = tree[2 * node + bit]!;
      pendingBits++;
      if (bit === 0) allOnes = false;
      if (next < 0) {
        const sym = ~next;
        if (sym === EOS) throw new HuffmanError('EOS symbol inside a Huffman-coded string');
        if (++n > maxLength) return null;
        out += String.fromCharCode(sym);
        node = 0;
        pendingBits = 0;
        allOnes = true;
      } else {
        node = next;
      }
    }
  }
  if (pendingBits > 7) throw new HuffmanError('Huffman padding longer than 7 bits');
  if (!allOnes) throw new HuffmanError('Huffman padding is not the EOS prefix');
  return out;
}

/** Length in bytes of the Huffman coding of a latin1 string (code units above 0xff are masked). */
export function huffmanLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += HUFFMAN_LENGTHS[s.charCodeAt(i) & 0xff]!;
  return Math.ceil(bits / 8);
}

/** Writes the Huffman coding of s into dst at pos; returns the new position. */
export function huffmanEncodeInto(s: string, dst: Uint8Array, pos: number): number {
  // acc holds fewer than 8 pending bits before a code is added; with codes of at most 30 bits it
  // stays below 2^38, exact in a double (bit shifts would truncate to 32 bits).
  let acc = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const sym = s.charCodeAt(i) & 0xff;
    const len = HUFFMAN_LENGTHS[sym]!;
    acc = acc * 2 ** len + HUFFMAN_CODES[sym]!;
    n += len;
    while (n >= 8) {
      n -= 8;
      const div = 2 ** n;
      const byte = Math.floor(acc / div);
      dst[pos++] = byte;
      acc -= byte * div;
    }
  }
  if (n > 0) dst[pos++] = (acc << (8 - n)) | (0xff >> n);
  return pos;
}
