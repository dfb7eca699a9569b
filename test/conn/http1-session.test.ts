// The HTTP/1 session behind the Stream interface: what goes on the wire for any write sizes the
// socket allows, and when the connection may carry another request.
import assert from 'node:assert/strict';
import test from 'node:test';
import { Connection } from '../../src/conn/connection.js';
import { Http1Session } from '../../src/conn/http1/session.js';
import type { RequestHead, Stream } from '../../src/conn/types.js';
import type { Filter, FilterQueries } from '../../src/filters/types.js';
import { NEED_DATA } from '../../src/proto/h1/types.js';
import { EOF, type ReadResult } from '../../src/transport/types.js';

/** A connected filter whose socket takes at most `room` bytes per send. */
class FakeFilter implements Filter {
  readonly name = 'fake';
  readonly next = undefined;
  wire: number[] = [];
  inbox: ReadResult[] = [];
  constructor(public room: number) {}
  connect(): boolean {
    return true;
  }
  pollset(wantRecv: boolean, wantSend: boolean): number {
    return (wantRecv ? 1 : 0) | (wantSend ? 2 : 0);
  }
  send(data: Uint8Array): number {
    const n = Math.min(this.room, data.length);
    for (let i = 0; i < n; i++) this.wire.push(data[i]!);
    return n;
  }
  recv(): ReadResult {
    return this.inbox.length === 0 ? null : this.inbox.shift()!;
  }
  hasPendingData(): boolean {
    return this.inbox.length > 0;
  }
  query<K extends keyof FilterQueries>(_what: K): FilterQueries[K] | undefined {
    return undefined;
  }
  destroy(): void {}
}

function setup(room: number) {
  const f = new FakeFilter(room);
  const conn = new Connection('h:80', 'http://h:80|', 'h', 80, f, 0);
  conn.state = 'connected';
  const session = new Http1Session(conn);
  conn.session = session;
  return { f, conn, session };
}

function head(headers: [string, string][], body: boolean): RequestHead {
  return {
    method: body ? 'POST' : 'GET',
    path: '/',
    scheme: 'http',
    headers: [['Host', 'h'], ...headers],
    body,
    version: 11,
    responseMethod: body ? 'POST' : 'GET',
    ignoreContentLength: false,
    rawChunked: false,
  };
}

/** Send every piece through sendBody as a transfer does: offering the rest until it is taken. */
function sendAll(s: Stream, pieces: string[]): void {
  for (const p of pieces) {
    let b: Uint8Array = Buffer.from(p);
    for (let guard = 0; b.length > 0; guard++) {
      assert.ok(guard < 10_000);
      b = b.subarray(s.sendBody(b));
    }
  }
  s.endBody();
  for (let guard = 0; !s.flush(); guard++) assert.ok(guard < 10_000);
}

function readResponse(s: Stream, f: FakeFilter, bytes: string) {
  f.inbox.push(Buffer.from(bytes));
  const events: string[] = [];
  for (;;) {
    const ev = s.nextEvent();
    if (ev === NEED_DATA) {
      const r = s.fill(Number.POSITIVE_INFINITY);
      if (r === null) return events;
      continue;
    }
    events.push(ev.type);
    if (ev.type === 'end') return events;
  }
}

for (const room of [1, 2, 3, 7, 64, 1 << 20]) {
  test(`chunked body framing is exact whatever the socket takes per send (${room} bytes)`, () => {
    const { f, session } = setup(room);
    const s = session.openStream({ id: 1 })!;
    const sent = s.sendHead(head([['Transfer-Encoding', 'chunked']], true));
    assert.equal(sent.framedBody, true);
    for (let guard = 0; !s.flush(); guard++) assert.ok(guard < 10_000);
    sendAll(s, ['hello', 'x'.repeat(20)]);
    const wire = Buffer.from(f.wire).toString('latin1');
    const body = wire.slice(wire.indexOf('\r\n\r\n') + 4);
    assert.equal(body, `5\r\nhello\r\n14\r\n${'x'.repeat(20)}\r\n0\r\n\r\n`);
  });
}

test('a keep-alive response with the whole body sent leaves the connection reusable', () => {
  const { f, conn, session } = setup(1 << 20);
  const s = session.openStream({ id: 1 })!;
  s.sendHead(head([['Content-Length', '2']], true));
  sendAll(s, ['ok']);
  assert.deepEqual(readResponse(s, f, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), ['head', 'end']);
  s.done();
  assert.equal(conn.reusable, true);
  assert.equal(session.canOpenStream(), true);
});

test('a response that ends before the body was sent closes the connection after use', () => {
  const { f, conn, session } = setup(1 << 20);
  const s = session.openStream({ id: 1 })!;
  s.sendHead(head([['Content-Length', '10']], true));
  s.flush();
  assert.deepEqual(readResponse(s, f, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), ['head', 'end']);
  s.done();
  assert.equal(conn.reusable, false);
});

test('a 417 before any body byte keeps the connection; after some it does not', () => {
  for (const [sentFirst, reusable] of [
    [false, true],
    [true, false],
  ] as const) {
    const { f, conn, session } = setup(1 << 20);
    const s = session.openStream({ id: 1 })!;
    s.sendHead(head([['Content-Length', '10']], true));
    s.flush();
    if (sentFirst) s.sendBody(Buffer.from('abc'));
    s.stopBody(sentFirst ? 'final-response' : 'expectation-failed');
    readResponse(s, f, 'HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n');
    s.done();
    assert.equal(conn.reusable, reusable, `body sent first: ${sentFirst}`);
  }
});

test('abandon() and Connection: close make it not reusable; only one stream at a time', () => {
  const a = setup(1 << 20);
  const s = a.session.openStream({ id: 1 })!;
  assert.equal(a.session.openStream({ id: 2 }), undefined);
  s.sendHead(head([], false));
  s.abandon();
  assert.equal(a.conn.reusable, false);
  const b = setup(1 << 20);
  const t = b.session.openStream({ id: 1 })!;
  t.sendHead(head([], false));
  t.flush();
  readResponse(t, b.f, 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  t.done();
  assert.equal(b.conn.reusable, false);
});

test('fill(maxBytes) holds the rest of a read; bytes held past the end forbid reuse', () => {
  const { f, conn, session } = setup(1 << 20);
  const s = session.openStream({ id: 1 })!;
  s.sendHead(head([], false));
  s.flush();
  f.inbox.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'));
  assert.equal(s.fill(10), 10);
  assert.equal(f.inbox.length, 0);
  const types: string[] = [];
  for (let ev = s.nextEvent(); ev !== NEED_DATA; ev = s.nextEvent()) {
    types.push(ev.type);
    if (ev.type === 'end') break;
    if (types.length > 10) break;
  }
  while (!types.includes('end')) {
    assert.notEqual(s.fill(8), null);
    for (let ev = s.nextEvent(); ev !== NEED_DATA; ev = s.nextEvent()) {
      types.push(ev.type);
      if (ev.type === 'end') break;
    }
  }
  assert.deepEqual(types, ['head', 'data', 'end']);
  s.done();
  assert.equal(conn.reusable, false);
});

test('the first response is read as its request asked, though the reader is made at its first byte', () => {
  // HEAD: a Content-Length with no body after it; the next response on the connection is read too.
  const { f, conn, session } = setup(1 << 20);
  const s = session.openStream({ id: 1 })!;
  s.sendHead({ ...head([], false), method: 'HEAD', responseMethod: 'HEAD' });
  s.flush();
  assert.equal(s.nextEvent(), NEED_DATA);
  assert.equal(session.isAlive(), true);
  assert.deepEqual(readResponse(s, f, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'), ['head', 'end']);
  s.done();
  assert.equal(conn.reusable, true);
  const t = session.openStream({ id: 2 })!;
  t.sendHead(head([], false));
  t.flush();
  assert.deepEqual(readResponse(t, f, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), [
    'head',
    'data',
    'end',
  ]);
  t.done();
  // EOF before any byte of a first response: the reader made for it tells an empty reply.
  const b = setup(1 << 20);
  const u = b.session.openStream({ id: 1 })!;
  u.sendHead(head([], false));
  u.flush();
  b.f.inbox.push(EOF);
  assert.equal(u.fill(Number.POSITIVE_INFINITY), EOF);
  assert.throws(() => u.nextEvent(), { code: 52, message: 'Empty reply from server' });
});

test('a first GET that reads its response its own way is not read as a plain GET', () => {
  // Most first responses share one record of how to read them (a GET, decoded, raw lines kept);
  // a GET asking for anything else keeps its own until the reader is made.
  const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n';
  const read = (how: Partial<RequestHead>, response: string) => {
    const { f, session } = setup(1 << 20);
    const s = session.openStream({ id: 1 })!;
    s.sendHead({ ...head([], false), ...how });
    s.flush();
    assert.equal(s.nextEvent(), NEED_DATA);
    f.inbox.push(Buffer.from(response));
    const data: string[] = [];
    for (let guard = 0; guard < 100; guard++) {
      const ev = s.nextEvent();
      if (ev === NEED_DATA) {
        if (s.fill(Number.POSITIVE_INFINITY) === null) break;
        continue;
      }
      if (ev.type === 'head') data.push(`[${ev.rawLines.length} lines]`);
      if (ev.type === 'data') data.push(Buffer.from(ev.data).toString('latin1'));
      if (ev.type === 'end') break;
    }
    return data.join('');
  };
  assert.equal(read({}, chunked), '[3 lines]ok');
  assert.equal(read({ rawLines: false }, chunked), '[0 lines]ok');
  assert.equal(read({ rawChunked: true }, chunked), '[3 lines]2\r\nok\r\n0\r\n\r\n');
  assert.equal(read({}, chunked), '[3 lines]ok', 'the shared record was not changed');
  assert.equal(
    read({ method: 'HEAD', responseMethod: 'HEAD' }, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'),
    '[3 lines]',
  );
});
