// curl's command-line syntax (tool_getparam.c): short options combine (-sS, -XPOST, -o file),
// long options take their parameter as the next argument (never `--name=value`), booleans have
// `--no-` forms, unambiguous prefixes of long names are accepted (curl 7.x does), `--` ends
// options, -K reads a config file (tool_parsecfg.c) and --next / -: starts a new operation.
import { readFileSync } from 'node:fs';
import { currentOp, type Global, newGlobal } from './config.js';
import { ParamError, warningText } from './errors.js';
import { type ApplyContext, byLong, byShort, type OptionRow, optionTable } from './options-table.js';

function readInput(path: string, option: string): Buffer {
  try {
    return readFileSync(path === '-' ? 0 : path);
  } catch {
    throw new ParamError('read-error', option);
  }
}

function findLong(name: string, display: string): { row: OptionRow; on: boolean } {
  const exact = byLong.get(name);
  if (exact !== undefined) return { row: exact, on: true };
  let negated = false;
  let lookup = name;
  if (name.startsWith('no-')) {
    negated = true;
    lookup = name.slice(3);
  }
  let row = byLong.get(lookup);
  if (row === undefined) {
    const matches = optionTable.filter((r) => r.long.startsWith(lookup));
    if (matches.length > 1) throw new ParamError('ambiguous', display);
    row = matches[0];
  }
  if (row === undefined) throw new ParamError('unknown', display);
  if (negated && row.bool !== true) throw new ParamError('not-boolean', display);
  return { row, on: !negated };
}

export interface Parser {
  global: Global;
  /** Feeds one option (with its parameter when it takes one); returns whether the parameter was used. */
  option(flag: string, next: string | undefined): boolean;
  url(u: string): void;
}

export function createParser(global: Global = newGlobal(), depth = 0): Parser {
  const ctx = (name: string): ApplyContext => ({
    global,
    op: currentOp(global),
    name,
    readFile: (p) => readInput(p, name),
    warn: (m) => {
      if (!global.silent) process.stderr.write(warningText(m));
    },
    readConfig: (p) => {
      if (depth > 10) throw new ParamError('message', name, `config files nested too deep: ${p}`);
      let text: string;
      try {
        text = readFileSync(p === '-' ? 0 : p, 'utf8');
      } catch {
        throw new ParamError('read-error', name, undefined, `cannot read config from '${p}'`);
      }
      parseConfig(text, createParser(global, depth + 1));
    },
  });
  const applyRow = (row: OptionRow, on: boolean, display: string, value: string | undefined): boolean => {
    if (row.arg !== undefined) {
      if (value === undefined && row.optionalArg === true) {
        row.apply(ctx(display), '', true);
        return false;
      }
      if (value === undefined) throw new ParamError('requires-parameter', display);
      row.apply(ctx(display), value, true);
      return true;
    }
    row.apply(ctx(display), '', on);
    return false;
  };
  return {
    global,
    url: (u) => byLong.get('url')!.apply(ctx('--url'), u, true),
    option(flag, next) {
      if (flag.startsWith('--')) {
        const { row, on } = findLong(flag.slice(2), flag);
        return applyRow(row, on, flag, next);
      }
      // A run of short letters; one that takes a parameter eats the rest of the word or the next one.
      for (let i = 1; i < flag.length; i++) {
        const letter = flag[i]!;
        const row = byShort.get(letter);
        if (row === undefined) throw new ParamError('unknown', `-${letter}`);
        if (row.arg !== undefined) {
          const rest = flag.slice(i + 1);
          if (rest !== '') {
            applyRow(row, true, `-${letter}`, rest);
            return false;
          }
          return applyRow(row, true, `-${letter}`, next);
        }
        applyRow(row, true, `-${letter}`, undefined);
      }
      return false;
    },
  };
}

export function parseArgs(args: readonly string[], global: Global = newGlobal()): Global {
  const p = createParser(global);
  let options = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (options && a === '--') {
      options = false;
      continue;
    }
    if (options && a.startsWith('-') && a.length > 1) {
      if (p.option(a, args[i + 1])) i++;
      // As curl: help is shown as soon as it is asked for; nothing after it is read.
      if (global.help) break;
    } else p.url(a);
  }
  return global;
}

const escapes: Record<string, string> = { t: '\t', n: '\n', r: '\r', v: '\v' };

/**
 * A -K file: one option per line, leading dashes optional, the parameter after whitespace, '=' or
 * ':', double-quoted with backslash escapes or bare up to the first whitespace; '#' starts a comment.
 */
export function parseConfig(text: string, p: Parser): void {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([^\s=:]+)/.exec(line)!;
    let name = m[1]!;
    const rest = line.slice(name.length).replace(/^\s*[=:]?\s*/, '');
    let value: string | undefined;
    if (rest.startsWith('"')) {
      value = '';
      for (let i = 1; i < rest.length; i++) {
        const ch = rest[i]!;
        if (ch === '"') break;
        if (ch === '\\' && i + 1 < rest.length) {
          const e = rest[++i]!;
          value += escapes[e] ?? e;
        } else value += ch;
      }
    } else if (rest !== '') {
      value = /^\S*/.exec(rest)![0];
    }
    if (!name.startsWith('-')) name = `--${name}`;
    p.option(name, value);
  }
}
