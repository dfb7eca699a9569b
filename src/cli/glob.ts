// URL globbing as curl's tool_urlglob.c: {a,b,c} sets, [1-100] / [001-100] / [1-100:10] numeric
// ranges, [a-z] / [a-z:2] letter ranges, named globs ({<name>a,b}, [<name>1-3]) that an -o name
// reaches with #<name>, backslash escapes, IPv6 literals and [] left alone. Errors carry the
// column curl reports, counted the way its parser counts (escapes, names and IPv6 literals
// included). Expansion is a lazy odometer (the rightmost pattern turns fastest), so 100,000 URLs
// cost no memory up front.
import { isIPv6 } from 'node:net';

/** A literal piece is a one-element set with no glob index, as in curl (it counts as a pattern). */
type Pattern =
  | { kind: 'set'; items: string[]; index: number; name?: string }
  | { kind: 'num'; from: bigint; to: bigint; step: bigint; pad: number; index: number; name?: string }
  | { kind: 'char'; from: number; to: number; step: number; index: number; name?: string };

export interface Glob {
  readonly patterns: readonly Pattern[];
  /** Named globs: name to glob index (#<name> in -o). */
  readonly names: ReadonlyMap<string, number>;
}

export class GlobError extends Error {
  constructor(
    message: string,
    /** The text the position points into: the URL, or an -o name for #<name>. */
    readonly url: string,
    /** 1-based column as curl reports it; 0 when curl gives none. */
    readonly position: number,
    /** 3 (CURLE_URL_MALFORMAT) for patterns, 43 for an -o name naming no glob. */
    readonly code = 3,
  ) {
    super(message);
  }

  /** curl's glob_show_error: text with position, the text, a caret under the column. */
  format(): string {
    if (this.position === 0) return this.message;
    // printf's "%*s" of " " with width position-1: never fewer than one space.
    const pad = ' '.repeat(Math.max(1, this.position - 1));
    return `${this.message} in position ${this.position}:\n${this.url}\n${pad}^`;
  }
}

/** CURL_OFF_T_MAX: the URL count and every range value must fit in it. */
const OFF_T_MAX = 2n ** 63n - 1n;
/** curl refuses a 256th pattern (literal pieces count). */
const MAX_PATTERNS = 255;
const MAX_SET_ITEMS = 100_000;
const MAX_GLOBNAME_LEN = 64;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z]$/.test(c);

/** curl's peek_ipv6: the text up to the first ']' is skipped when it parses as an IPv6 host. */
function ipv6Length(url: string, at: number): number {
  const end = url.indexOf(']', at);
  if (end < 0 || end - at + 1 >= 128) return 0;
  const m = /^\[([0-9A-Fa-f:.]+)(?:%(?:25)?[A-Za-z0-9._~-]+)?\]$/.exec(url.slice(at, end + 1));
  return m !== null && isIPv6(m[1]!) ? end - at + 1 : 0;
}

/** curlx_str_number: digits up to `max`; undefined (and nothing read) when absent or too big. */
function readNumber(url: string, at: number, max: bigint): { value: bigint; end: number } | undefined {
  let i = at;
  while (isDigit(url[i])) i++;
  if (i === at) return undefined;
  const value = BigInt(url.slice(at, i));
  return value > max ? undefined : { value, end: i };
}

class Parser {
  readonly patterns: Pattern[] = [];
  readonly names = new Map<string, number>();
  private amount = 1n;
  private globIndex = 0;
  private i = 0;
  /** curl's pos: 1-based, advanced as its parser advances (not for IPv6 skips or a set's '}'). */
  private pos = 1;

  constructor(private readonly url: string) {}

  private fail(message: string, position: number): never {
    throw new GlobError(message, this.url, position);
  }

  private multiply(n: bigint, position: number): void {
    this.amount *= n;
    if (this.amount > OFF_T_MAX) this.fail('range overflow', position);
  }

  private add(p: Pattern): void {
    if (this.patterns.length >= MAX_PATTERNS) this.fail('too many {} sets', this.pos);
    this.patterns.push(p);
  }

  parse(): Glob {
    const { url } = this;
    while (this.i < url.length) {
      let text = '';
      while (this.i < url.length && url[this.i] !== '{') {
        const c = url[this.i]!;
        if (c === '[') {
          const skip = ipv6Length(url, this.i) || (url[this.i + 1] === ']' ? 2 : 0);
          if (skip === 0) break;
          text += url.slice(this.i, this.i + skip);
          this.i += skip;
          continue;
        }
        if (c === '}' || c === ']') this.fail('unmatched close brace/bracket', this.pos);
        if (c === '\\' && '{[}]'.includes(url[this.i + 1] ?? 'x')) {
          this.i++;
          this.pos++;
        }
        text += url[this.i++];
        this.pos++;
      }
      if (text !== '') {
        this.add({ kind: 'set', items: [text], index: -1 });
        continue;
      }
      if (this.i >= url.length) break;
      const set = url[this.i] === '{';
      this.i++;
      this.pos++;
      const name = this.readName();
      const index = this.globIndex++;
      const p = set ? this.set(index) : this.range(index);
      if (name !== undefined) {
        p.name = name;
        this.names.set(name, index);
      }
      this.add(p);
    }
    return { patterns: this.patterns, names: this.names };
  }

  /** `<name>` right after the bracket; anything else (even a broken name) is pattern text. */
  private readName(): string | undefined {
    const { url } = this;
    if (url[this.i] !== '<') return undefined;
    const end = url.indexOf('>', this.i + 1);
    const len = end - this.i - 1;
    if (end < 0 || len === 0 || len > MAX_GLOBNAME_LEN) return undefined;
    const name = url.slice(this.i + 1, end);
    // The position here is curl's byte offset just past the '>', not its running column.
    if (this.names.has(name)) this.fail('Duplicate glob name', end + 1);
    this.pos += end + 1 - this.i;
    this.i = end + 1;
    return name;
  }

  private set(index: number): Pattern {
    const { url } = this;
    const items: string[] = [];
    const first = this.i;
    let cur = '';
    for (;;) {
      const c = url[this.i];
      if (c === undefined) this.fail('unmatched brace', this.pos);
      if (c === '{' || c === '[') this.fail('nested brace', this.pos);
      if (c === ']') this.fail('unexpected close bracket', this.pos);
      if (c === '}' || c === ',') {
        const done = c === '}';
        if (done) {
          if (this.i === first) this.fail('empty string within braces', this.pos);
          this.multiply(BigInt(items.length + 1), 0);
        }
        if (items.length >= MAX_SET_ITEMS) this.fail('range overflow', 0);
        items.push(cur);
        cur = '';
        this.i++;
        if (done) return { kind: 'set', items, index };
        this.pos++;
        continue;
      }
      if (c === '\\' && this.i + 1 < url.length) {
        this.i++;
        this.pos++;
      }
      cur += url[this.i++];
      this.pos++;
    }
  }

  private range(index: number): Pattern {
    const { url } = this;
    const start = this.i;
    const c = url[start];
    if (isAlpha(c)) {
      let step = 1;
      let ok = false;
      const from = c!.charCodeAt(0);
      const to = (url[start + 2] ?? '\0').charCodeAt(0);
      if (url[start + 1] === '-' && start + 3 < url.length) {
        ok = true;
        const end = url[start + 3];
        if (end === ':') {
          const n = readNumber(url, start + 4, 256n);
          if (n === undefined || url[n.end] !== ']') {
            step = 0;
            this.i = n?.end ?? start + 4;
          } else {
            step = Number(n.value) & 0xff;
            this.i = n.end + 1;
          }
        } else if (end !== ']') ok = false;
        else this.i = start + 4;
      }
      this.pos += this.i - start;
      if (
        !ok ||
        step === 0 ||
        (from === to && step !== 1) ||
        (from !== to && (from > to || step > to - from || to - from > 25))
      ) {
        this.fail('bad range', this.pos);
      }
      this.multiply(BigInt(Math.floor((to - from) / step) + 1), this.pos);
      return { kind: 'char', from, to, step, index };
    }
    if (isDigit(c)) {
      let pad = 0;
      if (c === '0') while (isDigit(url[start + pad])) pad++;
      let from = 0n;
      let to = 0n;
      let step = 0n;
      const min = readNumber(url, start, OFF_T_MAX);
      if (min !== undefined) {
        from = min.value;
        this.i = min.end;
        if (url[this.i] === '-') {
          this.i++;
          while (url[this.i] === ' ' || url[this.i] === '\t') this.i++;
          const max = readNumber(url, this.i, OFF_T_MAX);
          if (max !== undefined) {
            to = max.value;
            this.i = max.end;
            if (url[this.i] === ']') {
              this.i++;
              step = 1n;
            } else if (url[this.i] === ':') {
              this.i++;
              const s = readNumber(url, this.i, OFF_T_MAX);
              if (s !== undefined) {
                this.i = s.end;
                if (url[this.i] === ']') {
                  this.i++;
                  step = s.value;
                }
              }
            }
          }
        }
      }
      this.pos += this.i - start;
      if (step === 0n || (from === to && step !== 1n) || (from !== to && (from > to || step > to - from))) {
        this.fail('bad range', this.pos);
      }
      if (OFF_T_MAX - step < to) this.fail('range end/step overflow', this.pos);
      this.multiply((to - from) / step + 1n, this.pos);
      return { kind: 'num', from, to, step, pad, index };
    }
    this.fail('bad range specification', this.pos);
  }
}

export function parseGlob(url: string): Glob {
  return new Parser(url).parse();
}

function count(p: Pattern): bigint {
  switch (p.kind) {
    case 'set':
      return BigInt(p.items.length);
    case 'num':
      return (p.to - p.from) / p.step + 1n;
    case 'char':
      return BigInt(Math.floor((p.to - p.from) / p.step) + 1);
  }
}

function item(p: Pattern, i: bigint): string {
  switch (p.kind) {
    case 'set':
      return p.items[Number(i)]!;
    case 'num':
      return (p.from + i * p.step).toString().padStart(p.pad, '0');
    case 'char':
      return String.fromCharCode(p.from + Number(i) * p.step);
  }
}

export interface GlobbedUrl {
  url: string;
  /** The text of each glob of this URL by glob index, for #1, #2... in -o names. */
  matches: string[];
  /** The glob it came from (its names, for #<name>); absent when globbing is off. */
  glob?: Glob;
}

/** How many URLs the pattern gives (at most 2^63-1: more is refused by the parser). */
export function globCount(glob: Glob): number {
  return Number(glob.patterns.reduce((n, p) => n * count(p), 1n));
}

/** Expands lazily: rightmost pattern fastest, like curl. */
export function* expandGlob(glob: Glob): Generator<GlobbedUrl> {
  const { patterns } = glob;
  const sizes = patterns.map(count);
  const index = patterns.map(() => 0n);
  const globs = patterns.filter((p) => p.index >= 0).length;
  for (;;) {
    let url = '';
    const matches = new Array<string>(globs);
    for (const [k, p] of patterns.entries()) {
      const s = item(p, index[k]!);
      url += s;
      if (p.index >= 0) matches[p.index] = s;
    }
    yield { url, matches, glob };
    let k = patterns.length - 1;
    while (k >= 0) {
      index[k]!++;
      if (index[k]! < sizes[k]!) break;
      index[k] = 0n;
      k--;
    }
    if (k < 0) return;
  }
}

/**
 * An -o name with its glob references filled in (curl's glob_match_url): #N takes glob N of the
 * URL (N counted with leading zeros, 1 to the number of patterns; #0 and other numbers stay as
 * written); #<name> takes the named glob of the URL, then of the -T file name, and a well-formed
 * #<name> that names none is an error (43).
 */
export function fillOutputName(
  template: string,
  url: GlobbedUrl | undefined,
  upload?: GlobbedUrl,
): string | GlobError {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === '#' && url?.glob !== undefined && isDigit(template[i + 1])) {
      const n = readNumber(template, i + 1, BigInt(url.glob.patterns.length));
      const m = n !== undefined && n.value > 0n ? url.matches[Number(n.value) - 1] : undefined;
      if (m !== undefined) {
        out += m;
        i = n!.end;
        continue;
      }
    } else if (c === '#' && template[i + 1] === '<') {
      const end = template.indexOf('>', i + 2);
      const len = end - i - 2;
      if (end >= 0 && len > 0 && len <= MAX_GLOBNAME_LEN) {
        const name = template.slice(i + 2, end);
        const m = lookup(url, name) ?? lookup(upload, name);
        if (m === undefined) return new GlobError('no glob exists with this name', template, end + 1, 43);
        out += m;
        i = end + 1;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

function lookup(g: GlobbedUrl | undefined, name: string): string | undefined {
  const index = g?.glob?.names.get(name);
  return index === undefined ? undefined : g!.matches[index];
}
