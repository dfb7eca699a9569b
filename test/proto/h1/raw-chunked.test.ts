// rawChunked (curl --raw): for any chunked body and any split of the input, the data events
// concatenate to exactly the bytes after the head, while the framing is still parsed (the body
// ends where it ends, trailers arrive in the end event, bytes after it stay for the next response).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NEED_DATA, ResponseReader } from '../../../src/proto/h1/index.js';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function run(wire: Uint8Array, cuts: number[]) {
  const r = new ResponseReader();
  r.startResponse({ method: 'GET', rawChunked: true });
  const data: number[] = [];
  let trailers: Array<[string, string]> | undefined;
  let ended = false;
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  let prev = 0;
  const pieces = [...points, wire.length].map((p) => {
    const piece = wire.subarray(prev, p);
    prev = p;
    return piece;
  });
  for (const piece of pieces) {
    r.receiveData(piece);
    for (let ev = r.nextEvent(); ev !== NEED_DATA; ev = ended ? NEED_DATA : r.nextEvent()) {
      if (ev.type === 'data') data.push(...ev.data);
      if (ev.type === 'end') {
        trailers = ev.trailers;
        ended = true;
      }
    }
  }
  return { data: Uint8Array.from(data), trailers, ended, left: r.bufferedBytes };
}

test('raw chunked: data events are the wire bytes after the head, under any split', () => {
  const chunkArb = fc.uint8Array({ minLength: 1, maxLength: 40 });
  fc.assert(
    fc.property(
      fc.array(chunkArb, { maxLength: 6 }),
      fc.boolean(),
      fc.array(fc.tuple(fc.constantFrom('X-T', 'Etag'), fc.stringMatching(/^[a-z0-9]{0,8}$/)), {
        maxLength: 2,
      }),
      fc.constantFrom('', ';ext=1', ';a="b c"'),
      fc.array(fc.nat(), { maxLength: 8 }),
      (chunks, lfOnly, trailerList, ext, cuts) => {
        const nl = lfOnly ? '\n' : '\r\n';
        const head = enc(`HTTP/1.1 200 OK${nl}Transfer-Encoding: chunked${nl}${nl}`);
        const parts: Uint8Array[] = [];
        for (const c of chunks) parts.push(enc(`${c.length.toString(16)}${ext}${nl}`), c, enc(nl));
        parts.push(enc(`0${nl}`));
        for (const [n, v] of trailerList) parts.push(enc(`${n}: ${v}${nl}`));
        parts.push(enc(nl));
        const body = Uint8Array.from(parts.flatMap((p) => [...p]));
        const next = enc('HTTP/1.1 204 No Content\r\n\r\n');
        const wire = Uint8Array.from([...head, ...body, ...next]);
        const r = run(wire, cuts);
        assert.ok(r.ended);
        assert.deepEqual([...r.data], [...body]);
        assert.deepEqual(
          r.trailers?.map(([n, v]) => [n, v]),
          trailerList.map(([n, v]) => [n, v]),
        );
        assert.equal(r.left, next.length, 'the next response stays buffered');
      },
    ),
    { numRuns: 300 },
  );
});

test('raw has no effect on Content-Length bodies; errors are the same as without it', () => {
  const r = run(enc('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'), []);
  assert.equal(Buffer.from(r.data).toString(), 'abc');
  const bad = new ResponseReader();
  bad.startResponse({ method: 'GET', rawChunked: true });
  bad.receiveData(enc('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'));
  assert.throws(
    () => {
      for (let ev = bad.nextEvent(); ev !== NEED_DATA; ev = bad.nextEvent()) {}
    },
    (e: unknown) => (e as { code?: number }).code === 56,
  );
});
