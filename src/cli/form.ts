// curl's -F / --form-string syntax (tool_formparse.c formparse, get_param_part, get_param_word)
// turned into the engine's Mime parts:
//   name=value[;type=T][;filename=F][;headers=H]   a text part ("value" may be double-quoted)
//   name=@file[;type=T][;filename=F][;headers=H]   a file upload (file name sent, type guessed)
//   name=<file[;type=T][;headers=H]                a part whose content is read from a file
//   --form-string name=value                        the value taken literally
// Nested multiparts (`name=(` ... `=)`), several files in one field (`@a,b`) and `;encoder=` need
// engine features (sub-multiparts, encoders) that do not exist: they are refused with exit 4.
import type { MimePartInit } from '../multi/features/mime.js';
import { ParamError } from './errors.js';

export interface FormContext {
  /** The option as written (-F / --form / --form-string). */
  name: string;
  warn(message: string): void;
  /** Bytes of a file, '-' is stdin (for @- / <- and headers=@file). */
  readFile(path: string): Buffer;
}

const isSpace = (c: string | undefined) => c !== undefined && /[ \t\n\r\f\v]/.test(c);

/** A cursor over the field text. */
interface Cur {
  s: string;
  i: number;
}

/** get_param_word: a double-quoted word (\\ and \" escapes) or the text up to ';' or endchar. */
function paramWord(ctx: FormContext, c: Cur, endchar: string): { word: string; quoted: boolean } {
  const { s } = c;
  if (s[c.i] === '"') {
    let j = c.i + 1;
    let word = '';
    while (j < s.length) {
      if (s[j] === '\\' && (s[j + 1] === '\\' || s[j + 1] === '"')) {
        word += s[j + 1];
        j += 2;
        continue;
      }
      if (s[j] === '"') {
        j++;
        let trailing = false;
        while (j < s.length && s[j] !== ';' && s[j] !== endchar) {
          if (!isSpace(s[j])) trailing = true;
          j++;
        }
        if (trailing) ctx.warn('Trailing data after quoted form parameter');
        c.i = j;
        return { word, quoted: true };
      }
      word += s[j];
      j++;
    }
    // No closing quote: taken as not quoted.
  }
  const start = c.i;
  while (c.i < s.length && s[c.i] !== ';' && s[c.i] !== endchar) c.i++;
  return { word: s.slice(start, c.i), quoted: false };
}

const trimEnd = (w: { word: string; quoted: boolean }) =>
  w.quoted ? w.word : w.word.replace(/[ \t\n\r\f\v]+$/, '');

interface Param {
  data: string;
  type?: string;
  filename?: string;
  headers: string[];
  /** The character the scan stopped at ('' at the end). */
  sep: string;
}

/** get_param_part: the word, then ;type= ;filename= ;headers= ;encoder= in any order. */
function paramPart(ctx: FormContext, c: Cur, endchar: string, allowFilename: boolean): Param {
  const { s } = c;
  while (isSpace(s[c.i])) c.i++;
  const data = trimEnd(paramWord(ctx, c, endchar));
  let sep = s[c.i] ?? '';
  let type: string | undefined;
  let typeEnd = -1;
  let typeStart = -1;
  let filename: string | undefined;
  const headers: string[] = [];
  while (sep === ';') {
    c.i++;
    while (isSpace(s[c.i])) c.i++;
    const rest = s.slice(c.i);
    if (typeEnd < 0 && /^type=/i.test(rest)) {
      c.i += 5;
      while (isSpace(s[c.i])) c.i++;
      typeStart = c.i;
      while (c.i < s.length && !'()<>@,;:\\"[]?=\r\n '.includes(s[c.i]!)) c.i++;
      typeEnd = c.i;
      sep = s[c.i] ?? '';
    } else if (/^filename=/i.test(rest)) {
      if (typeEnd >= 0) type = s.slice(typeStart, typeEnd);
      typeStart = typeEnd = -2;
      c.i += 9;
      while (isSpace(s[c.i])) c.i++;
      filename = trimEnd(paramWord(ctx, c, endchar));
      sep = s[c.i] ?? '';
    } else if (/^headers=/i.test(rest)) {
      if (typeEnd >= 0) type = s.slice(typeStart, typeEnd);
      typeStart = typeEnd = -2;
      c.i += 8;
      if (s[c.i] === '@' || s[c.i] === '<') {
        c.i++;
        while (isSpace(s[c.i])) c.i++;
        const file = trimEnd(paramWord(ctx, c, endchar));
        for (const line of ctx.readFile(file).toString('latin1').split(/\r?\n/)) {
          if (line.trim() !== '' && !line.startsWith('#')) headers.push(line);
        }
      } else {
        while (isSpace(s[c.i])) c.i++;
        const h = trimEnd(paramWord(ctx, c, endchar));
        if (h !== '') headers.push(h);
      }
      sep = s[c.i] ?? '';
    } else if (/^encoder=/i.test(rest)) {
      throw new ParamError('not-built-in', ctx.name);
    } else if (typeEnd >= 0) {
      // More of the content type (type=text/plain; charset=utf-8).
      let end = c.i;
      while (c.i < s.length && s[c.i] !== ';' && s[c.i] !== endchar) {
        if (!isSpace(s[c.i])) end = c.i + 1;
        c.i++;
      }
      typeEnd = end;
      sep = s[c.i] ?? '';
    } else {
      const unknown = paramWord(ctx, c, endchar).word;
      sep = s[c.i] ?? '';
      if (unknown !== '') ctx.warn(`skip unknown form field: ${unknown}`);
    }
  }
  if (typeEnd >= 0) type = s.slice(typeStart, typeEnd);
  if (filename !== undefined && !allowFilename) {
    ctx.warn(`Field file name not allowed here: ${filename}`);
    filename = undefined;
  }
  return {
    data,
    ...(type !== undefined ? { type } : {}),
    ...(filename !== undefined ? { filename } : {}),
    headers,
    sep,
  };
}

function bad(ctx: FormContext, warning: string): ParamError {
  ctx.warn(warning);
  return new ParamError('bad-use', ctx.name);
}

/** One -F / --form-string argument as a Mime part. */
export function parseFormField(ctx: FormContext, input: string, literal: boolean): MimePartInit {
  const eq = input.indexOf('=');
  if (eq < 0) throw bad(ctx, 'Illegally formatted input field!');
  const name = eq > 0 ? input.slice(0, eq) : undefined;
  const c: Cur = { s: input, i: eq + 1 };
  const contents = input.slice(eq + 1);
  const part: MimePartInit = {};
  if (name !== undefined) part.name = name;
  if (literal) return { ...part, data: contents };
  if (contents.startsWith('(') || (name === undefined && contents === ')')) {
    throw new ParamError('not-built-in', ctx.name);
  }
  let p: Param;
  if (contents.startsWith('@')) {
    c.i++;
    p = paramPart(ctx, c, ',', true);
    if (p.sep === ',') throw new ParamError('not-built-in', ctx.name);
    if (p.data === '-') {
      // curl reads stdin into memory and sends it with the file name "-".
      Object.assign(part, { data: ctx.readFile('-'), filename: p.filename ?? '-' });
    } else {
      part.filePath = p.data;
      if (p.filename !== undefined) part.filename = p.filename;
    }
  } else if (contents.startsWith('<')) {
    c.i++;
    p = paramPart(ctx, c, '\0', false);
    if (p.data === '-') part.data = ctx.readFile('-');
    else Object.assign(part, { filePath: p.data, filename: null });
  } else {
    p = paramPart(ctx, c, '\0', true);
    part.data = p.data;
    if (p.filename !== undefined) part.filename = p.filename;
  }
  if (p.type !== undefined) part.type = p.type;
  if (p.headers.length > 0) part.headers = p.headers;
  if (p.sep !== '') ctx.warn(`garbage at end of field specification: ${input.slice(c.i)}`);
  return part;
}
