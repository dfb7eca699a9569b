// Time-bounded fuzzing of the HTTP/1 response codec (src/proto/h1): valid responses (length,
// chunked with extensions and trailers, close-delimited, 1xx, HEAD, several on one connection)
// are mutated (byte flips, inserted CR/LF/NUL/digits, cut, duplicated spans, huge numbers) and fed
// in random splits. The reader may only end with a ProtocolError; it must never throw anything
// else, loop without progress, or hand out more body bytes than it was given.
// Run through scripts/fuzz.mjs (coverage report); FUZZ_SECONDS sets the time (default 20).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseReader } from '../../src/proto/h1/response-reader.js';
import { NEED_DATA, ProtocolError } from '../../src/proto/h1/types.js';

const seconds = Number(process.env.FUZZ_SECONDS ?? 20);
let seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const startSeed = seed;
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};
const pick = <T>(a: readonly T[]): T => a[rnd(a.length)]!;

const bodies = ['', 'hello', 'x'.repeat(300), '\r\n0\r\n\r\n'];
function validResponse(): { bytes: string; method: string } {
  const method = pick(['GET', 'GET', 'HEAD', 'POST']);
  const body = pick(bodies);
  const interim =
    rnd(4) === 0
      ? pick(['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n'])
      : '';
  const status = pick(['200 OK', '204 No Content', '304 Not Modified', '404 Not Found', '301 Moved', '200']);
  const version = pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/1.1', 'HTTP/2']);
  const extra = pick([
    '',
    'Connection: close\r\n',
    'X-A: b\r\n c\r\n',
    'Set-Cookie: a=b\r\nSet-Cookie: c=d\r\n',
  ]);
  switch (rnd(4)) {
    case 0:
      return {
        method,
        bytes: `${interim}${version} ${status}\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`,
      };
    case 1: {
      const chunks =
        body === '' ? '' : `${body.length.toString(16)}${pick(['', ';ext=1', ';a="b"'])}\r\n${body}\r\n`;
      const trailers = pick(['', 'X-T: 1\r\n']);
      return {
        method,
        bytes: `${interim}${version} ${status}\r\n${extra}Transfer-Encoding: chunked\r\n\r\n${chunks}0\r\n${trailers}\r\n`,
      };
    }
    case 2:
      return { method, bytes: `${interim}${version} ${status}\r\n${extra}\r\n${body}` };
    default:
      return {
        method,
        bytes: `${version} ${status}\r\nContent-Length: ${pick(['5', '0', '-1', '1, 1', '99999999999999999999', ' 5 '])}\r\n\r\nhello`,
      };
  }
}

const inserts = [
  '\r',
  '\n',
  '\0',
  '\r\n',
  ':',
  ' ',
  '0',
  'f',
  'ffffffffffffffff',
  ';',
  'HTTP/1.1 ',
  '\t',
  '\x7f',
  '\xff',
];
function mutate(s: string): string {
  let out = s;
  for (let k = rnd(4); k >= 0; k--) {
    const at = rnd(out.length + 1);
    switch (rnd(5)) {
      case 0:
        out = out.slice(0, at) + String.fromCharCode(rnd(256)) + out.slice(at + 1);
        break;
      case 1:
        out = out.slice(0, at) + pick(inserts) + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at);
        break;
      case 3: {
        const len = rnd(20);
        out = out.slice(0, at) + out.slice(at, at + len).repeat(1 + rnd(50)) + out.slice(at);
        break;
      }
      default:
        out = out.slice(0, at) + out.slice(at + 1 + rnd(10));
    }
  }
  return out;
}

/** Feed `input` in random pieces; returns body bytes handed out. Throws only what the codec throws. */
function run(input: Uint8Array, method: string): number {
  const r = new ResponseReader();
  let body = 0;
  let off = 0;
  let eofSent = false;
  for (let responses = 0; responses < 4; responses++) {
    r.startResponse({ method });
    for (let steps = 0; ; steps++) {
      assert.ok(steps < 100_000, 'no progress');
      const ev = r.nextEvent();
      if (ev === NEED_DATA) {
        if (off < input.length) {
          const n = 1 + rnd(Math.min(64, input.length - off));
          r.receiveData(input.subarray(off, off + n));
          off += n;
        } else if (!eofSent) {
          eofSent = true;
          r.receiveData(null);
        } else assert.fail('NEED_DATA after EOF');
        continue;
      }
      if (ev.type === 'data') body += ev.data.length;
      if (ev.type === 'end') {
        if (!ev.keepAlive || (off >= input.length && eofSent)) return body;
        break;
      }
    }
  }
  return body;
}

test(`fuzz the HTTP/1 response reader for ${seconds} s`, () => {
  const end = Date.now() + seconds * 1000;
  let cases = 0;
  let protocolErrors = 0;
  while (Date.now() < end) {
    const many = rnd(3) === 0 ? 3 : 1;
    let text = '';
    let method = 'GET';
    for (let i = 0; i < many; i++) {
      const v = validResponse();
      text += v.bytes;
      method = v.method;
    }
    if (rnd(5) !== 0) text = mutate(text);
    const input = Buffer.from(text, 'latin1');
    cases++;
    try {
      const body = run(input, method);
      assert.ok(body <= input.length, `more body (${body}) than input (${input.length})`);
    } catch (e) {
      if (e instanceof ProtocolError) {
        protocolErrors++;
        continue;
      }
      throw new Error(`seed ${startSeed}, case ${cases}: ${JSON.stringify(text)}: ${String(e)}`, {
        cause: e,
      });
    }
  }
  console.log(`h1 fuzz: ${cases} cases, ${protocolErrors} protocol errors, seed ${startSeed}`);
});
