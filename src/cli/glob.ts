// URL globbing as curl's tool_urlglob.c: {a,b,c} sets, [1-100] / [001-100] / [1-100:10] numeric
// ranges, [a-z] / [a-z:2] letter ranges, backslash escapes, IPv6 literals left alone. Expansion is
// a lazy odometer (the rightmost pattern turns fastest), so 100,000 URLs cost no memory up front.

type Pattern =
  | { kind: 'text'; text: string }
  | { kind: 'set'; items: string[] }
  | { kind: 'num'; from: number; to: number; step: number; width: number }
  | { kind: 'char'; from: number; to: number; step: number };

export class GlobError extends Error {
  constructor(
    message: string,
    readonly url: string,
    /** 1-based column as curl reports it. */
    readonly position: number,
  ) {
    super(message);
  }

  /** curl's three-line message: text with position, the URL, a caret under the column. */
  format(): string {
    return `${this.message} in URL position ${this.position}:\n${this.url}\n${' '.repeat(Math.max(0, this.position - 1))}^`;
  }
}

const MAX_GLOB_URLS = 2 ** 53;

function looksLikeIpv6(inner: string): boolean {
  return inner.includes(':') && /^[0-9a-fA-F:.]+(%25[\w.~-]+)?$/.test(inner);
}

export function parseGlob(url: string): Pattern[] {
  const out: Pattern[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') out.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < url.length) {
    const ch = url[i]!;
    if (ch === '\\' && i + 1 < url.length && '{}[],'.includes(url[i + 1]!)) {
      text += url[i + 1];
      i += 2;
      continue;
    }
    if (ch === '{') {
      const items: string[] = [];
      let cur = '';
      let j = i + 1;
      for (; j < url.length; j++) {
        const c = url[j]!;
        if (c === '\\' && j + 1 < url.length) {
          cur += url[++j];
          continue;
        }
        if (c === '{' || c === '[') throw new GlobError('nested brace', url, j + 1);
        if (c === ',') {
          items.push(cur);
          cur = '';
        } else if (c === '}') break;
        else cur += c;
      }
      if (j >= url.length) throw new GlobError('unmatched brace', url, i + 1);
      items.push(cur);
      flush();
      out.push({ kind: 'set', items });
      i = j + 1;
      continue;
    }
    if (ch === '[') {
      const end = url.indexOf(']', i);
      const inner = end < 0 ? '' : url.slice(i + 1, end);
      if (end >= 0 && looksLikeIpv6(inner)) {
        text += url.slice(i, end + 1);
        i = end + 1;
        continue;
      }
      if (end < 0) throw new GlobError('bad range', url, i + 1);
      flush();
      out.push(parseRange(inner, url, end + 1));
      i = end + 1;
      continue;
    }
    if (ch === '}' || ch === ']')
      throw new GlobError(`unmatched close ${ch === '}' ? 'brace' : 'bracket'}`, url, i + 1);
    text += ch;
    i++;
  }
  flush();
  return out;
}

function parseRange(inner: string, url: string, position: number): Pattern {
  const letters = /^([a-zA-Z])-([a-zA-Z])(?::(\d+))?$/.exec(inner);
  if (letters !== null) {
    const from = letters[1]!.charCodeAt(0);
    const to = letters[2]!.charCodeAt(0);
    const step = letters[3] === undefined ? 1 : Number(letters[3]);
    if (from > to || step < 1 || from <= 90 !== to <= 90) throw new GlobError('bad range', url, position + 1);
    return { kind: 'char', from, to, step };
  }
  const nums = /^(\d+)-(\d+)(?::(\d+))?$/.exec(inner);
  if (nums !== null) {
    const from = Number(nums[1]);
    const to = Number(nums[2]);
    const step = nums[3] === undefined ? 1 : Number(nums[3]);
    if (from > to || step < 1 || !Number.isSafeInteger(to))
      throw new GlobError('bad range', url, position + 1);
    const width = nums[1]!.startsWith('0') && nums[1]!.length > 1 ? nums[1]!.length : 0;
    return { kind: 'num', from, to, step, width };
  }
  throw new GlobError('bad range', url, position + 1);
}

function count(p: Pattern): number {
  switch (p.kind) {
    case 'text':
      return 1;
    case 'set':
      return p.items.length;
    case 'num':
    case 'char':
      return Math.floor((p.to - p.from) / p.step) + 1;
  }
}

function item(p: Pattern, i: number): string {
  switch (p.kind) {
    case 'text':
      return p.text;
    case 'set':
      return p.items[i]!;
    case 'num':
      return String(p.from + i * p.step).padStart(p.width, '0');
    case 'char':
      return String.fromCharCode(p.from + i * p.step);
  }
}

export interface GlobbedUrl {
  url: string;
  /** The text each pattern produced, for #1, #2... in -o names. */
  matches: string[];
}

export function globCount(patterns: Pattern[]): number {
  return Math.min(
    MAX_GLOB_URLS,
    patterns.reduce((n, p) => n * count(p), 1),
  );
}

/** Expands lazily: rightmost pattern fastest, like curl. */
export function* expandGlob(patterns: Pattern[]): Generator<GlobbedUrl> {
  const variable = patterns.filter((p) => p.kind !== 'text');
  const sizes = variable.map(count);
  if (sizes.some((s) => s === 0)) return;
  const index = new Array<number>(variable.length).fill(0);
  for (;;) {
    let v = 0;
    let url = '';
    const matches: string[] = [];
    for (const p of patterns) {
      if (p.kind === 'text') url += p.text;
      else {
        const s = item(p, index[v++]!);
        url += s;
        matches.push(s);
      }
    }
    yield { url, matches };
    let k = variable.length - 1;
    while (k >= 0) {
      index[k]!++;
      if (index[k]! < sizes[k]!) break;
      index[k] = 0;
      k--;
    }
    if (k < 0) return;
  }
}

/** Replaces #1..#9 in an output name with the glob matches (curl's glob_match_url). */
export function fillOutputName(template: string, matches: readonly string[]): string {
  return template.replace(/#(\d)/g, (all, d: string) => {
    const m = matches[Number(d) - 1];
    return m ?? all;
  });
}
