// The HTTP/2 session over a scripted peer: one read serves many streams, only streams with
// events are visited, flow control follows what transfers take, and every failure ends the right
// streams with libcurl's codes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Http2Session, StreamRefusedError } from '../../../src/conn/http2/session.js';
import type { RequestHead, Stream } from '../../../src/conn/types.js';
import { CurlCode } from '../../../src/core/codes.js';
import { TransferError } from '../../../src/core/errors.js';
import type { Filter } from '../../../src/filters/types.js';
import { NEED_DATA } from '../../../src/proto/h1/types.js';
import { FrameType, H2ErrorCode, HpackDecoder, SettingId } from '../../../src/proto/h2/index.js';
import { EOF, type ReadResult } from '../../../src/transport/types.js';
import { parseOutput, ServerScript } from '../../proto/h2/h2-test-utils.js';

/** A filter chain whose far end is a script: what the session sends is kept, reads come from a queue. */
class ScriptFilter implements Filter {
  readonly name = 'script';
  readonly next = undefined;
  sent: Uint8Array[] = [];
  inbox: Array<Uint8Array | typeof EOF> = [];
  sendLimit = Number.POSITIVE_INFINITY;
  connect(): boolean {
    return true;
  }
  pollset(recv: boolean, send: boolean): number {
    return (recv ? 1 : 0) | (send ? 2 : 0);
  }
  send(data: Uint8Array): number {
    const n = Math.min(data.length, this.sendLimit);
    this.sendLimit -= n;
    this.sent.push(data.slice(0, n));
    return n;
  }
  recv(): ReadResult {
    return this.inbox.shift() ?? null;
  }
  hasPendingData(): boolean {
    return this.inbox.length > 0;
  }
  query(): undefined {
    return undefined;
  }
  destroy(): void {}
  frames() {
    const f = parseOutput(this.sent);
    this.sent = [];
    return f;
  }
}

const head = (path: string, body = false): RequestHead => ({
  method: body ? 'POST' : 'GET',
  path,
  scheme: 'http',
  headers: [
    ['Host', 'example.com'],
    ['Accept', '*/*'],
  ],
  body,
  version: 11,
  responseMethod: body ? 'POST' : 'GET',
  ignoreContentLength: false,
  rawChunked: false,
});

function setup(maxConcurrentStreams = 100, settings: Array<[number, number]> = []) {
  const top = new ScriptFilter();
  const session = new Http2Session({ top, host: 'example.com', port: 80 }, { maxConcurrentStreams });
  const srv = new ServerScript();
  top.inbox.push(srv.settings(settings));
  session.onSocketReady(0);
  top.frames();
  return { top, session, srv };
}

/** What a transfer does in its performing state: take events until NEED_DATA and fill says wait. */
function run(stream: Stream): Array<string> {
  const out: string[] = [];
  for (;;) {
    const ev = stream.nextEvent();
    if (ev === NEED_DATA) {
      const got = stream.fill(Number.POSITIVE_INFINITY);
      if (got === null || got === EOF) return out;
      continue;
    }
    if (ev.type === 'head')
      out.push(`head ${ev.status} ${ev.rawLines.join('').trim().replace(/\r\n/g, '|')}`);
    else if (ev.type === 'data') out.push(`data ${Buffer.from(ev.data).toString()}`);
    else out.push(`end ${ev.rawTrailerLines.join('').trim()}`);
  }
}

/** Two streams with their GET heads sent (/a on stream 1, /b on stream 3). */
function twoGets(session: Http2Session): [Stream, Stream] {
  const a = session.openStream({ id: 1 })!;
  const b = session.openStream({ id: 2 })!;
  a.sendHead(head('/a'));
  b.sendHead(head('/b'));
  return [a, b];
}

function ready(session: Http2Session): Stream[] {
  const out: Stream[] = [];
  session.forEachReady((s) => out.push(s));
  return out;
}

describe('HTTP/2 session', () => {
  test('three streams, one read: only the streams with events are visited, each gets its own response', () => {
    const { top, session, srv } = setup();
    const owners = [1, 2, 3].map((id) => ({ id }));
    const streams = owners.map((o) => session.openStream(o)!);
    streams.forEach((s, i) => {
      const sent = s.sendHead(head(`/${i}`));
      assert.match(
        Buffer.from(sent.bytes).toString(),
        new RegExp(`^GET /${i} HTTP/2\r\nHost: example.com\r\n`),
      );
      assert.equal(s.flush(), true);
    });
    const req = top.frames().filter((f) => f.type === FrameType.HEADERS);
    assert.deepEqual(
      req.map((f) => f.streamId),
      [1, 3, 5],
    );
    assert.deepEqual(new HpackDecoder().decode(req[0]!.payload, 1e6).headers.slice(0, 5), [
      [':method', 'GET'],
      [':path', '/0'],
      [':scheme', 'http'],
      [':authority', 'example.com'],
      ['accept', '*/*'],
    ]);
    top.inbox.push(
      srv.headers(3, [
        [':status', '200'],
        ['x-a', '1'],
      ]),
      srv.data(3, 'two', true),
      srv.headers(5, [[':status', '404']], { endStream: true }),
    );
    session.onSocketReady(0);
    const visited = ready(session);
    assert.deepEqual(
      visited.map((s) => s.owner.id),
      [2, 3],
    );
    assert.deepEqual(run(streams[1]!), ['head 200 HTTP/2 200 |x-a: 1', 'data two', 'end ']);
    assert.deepEqual(run(streams[2]!), ['head 404 HTTP/2 404', 'end ']);
    assert.deepEqual(run(streams[0]!), []);
    streams[1]!.done();
    streams[2]!.done();
    assert.equal(session.activeStreams, 1);
  });

  test('stream limit: the lower of ours and the server SETTINGS_MAX_CONCURRENT_STREAMS, applied mid-flight', () => {
    const { top, session, srv } = setup(3, [[SettingId.MAX_CONCURRENT_STREAMS, 2]]);
    assert.equal(session.maxStreams, 2);
    session.openStream({ id: 1 });
    session.openStream({ id: 2 });
    assert.equal(session.canOpenStream(), false);
    assert.equal(session.openStream({ id: 3 }), undefined);
    top.inbox.push(srv.settings([[SettingId.MAX_CONCURRENT_STREAMS, 10]]));
    session.onSocketReady(0);
    assert.equal(session.maxStreams, 3);
    assert.equal(session.capacityChanged, true);
    assert.ok(session.openStream({ id: 3 }));
  });

  test('data a transfer has not taken is not re-granted: a paused stream gets no WINDOW_UPDATE', () => {
    const { top, session, srv } = setup();
    const s = session.openStream({ id: 1 })!;
    s.sendHead(head('/'));
    s.flush();
    top.frames();
    const big = new Uint8Array(16384);
    top.inbox.push(srv.headers(1, [[':status', '200']]));
    for (let i = 0; i < 40; i++) top.inbox.push(srv.data(1, big));
    session.onSocketReady(0);
    assert.equal(top.frames().filter((f) => f.type === FrameType.WINDOW_UPDATE).length, 0);
    // The transfer takes its data: half a window later the stream and then the connection get credit.
    const events = run(s);
    assert.equal(events.length, 41);
    const wu = top.frames().filter((f) => f.type === FrameType.WINDOW_UPDATE);
    assert.ok(wu.some((f) => f.streamId === 1));
  });

  test('the WINDOW_UPDATEs of every stream run in one read go out in one write', () => {
    const { top, session, srv } = setup();
    const streams = [1, 2, 3, 4].map((id) => session.openStream({ id })!);
    for (const [i, s] of streams.entries()) {
      s.sendHead(head(`/${i}`));
      s.flush();
    }
    top.frames();
    // Each stream gets 640 KiB, over half its 1 MiB window: each owes the server a WINDOW_UPDATE.
    const piece = new Uint8Array(16384);
    for (const s of streams) {
      const id = (s as unknown as { id: number }).id;
      top.inbox.push(srv.headers(id, [[':status', '200']]));
      for (let i = 0; i < 40; i++) top.inbox.push(srv.data(id, piece));
    }
    session.onSocketReady(0);
    top.sent = [];
    let visited = 0;
    session.forEachReady((s) => {
      visited++;
      run(s);
    });
    assert.equal(visited, 4);
    assert.equal(top.sent.length, 1, 'one write');
    const wu = top.frames().filter((f) => f.type === FrameType.WINDOW_UPDATE);
    assert.deepEqual(
      wu.map((f) => f.streamId).sort((a, b) => a - b),
      [1, 3, 5, 7],
    );
  });

  test('RST_STREAM ends only that transfer with 92 naming the code; the others carry on', () => {
    const { top, session, srv } = setup();
    const [a, b] = twoGets(session);
    top.inbox.push(
      srv.rst(1, H2ErrorCode.INTERNAL_ERROR),
      srv.headers(3, [[':status', '200']], { endStream: true }),
    );
    session.onSocketReady(0);
    assert.throws(
      () => run(a),
      (e: unknown) =>
        e instanceof TransferError &&
        e.code === CurlCode.HTTP2_STREAM &&
        /INTERNAL_ERROR \(err 2\)/.test(e.message),
    );
    assert.deepEqual(run(b), ['head 200 HTTP/2 200', 'end ']);
  });

  test('GOAWAY: streams above its last id fail as retryable, those below finish, no new stream opens', () => {
    const { top, session, srv } = setup();
    const [a, b] = twoGets(session);
    top.inbox.push(
      srv.goaway(1, H2ErrorCode.NO_ERROR),
      srv.headers(1, [[':status', '200']], { endStream: true }),
    );
    session.onSocketReady(0);
    assert.equal(session.reusable, false);
    assert.equal(session.canOpenStream(), false);
    assert.deepEqual(run(a), ['head 200 HTTP/2 200', 'end ']);
    assert.throws(() => run(b), StreamRefusedError);
  });

  test('a connection protocol error ends every stream with 16 and sends GOAWAY', () => {
    const { top, session } = setup();
    const [a, b] = twoGets(session);
    top.frames();
    top.inbox.push(new Uint8Array([0, 0, 4, FrameType.PUSH_PROMISE, 4, 0, 0, 0, 1, 0, 0, 0, 2]));
    session.onSocketReady(0);
    for (const s of [a, b]) {
      assert.throws(
        () => run(s),
        (e: unknown) =>
          e instanceof TransferError && e.code === CurlCode.HTTP2 && /PUSH_PROMISE/.test(e.message),
      );
    }
    assert.equal(top.frames().at(-1)!.type, FrameType.GOAWAY);
  });

  test('the server closing: a stream with nothing yet gets 52 (retried like a dead reused connection), one mid-body 92', () => {
    const { top, session, srv } = setup();
    const [a, b] = twoGets(session);
    top.inbox.push(srv.headers(3, [[':status', '200']]), srv.data(3, 'x'), EOF);
    session.onSocketReady(0);
    assert.throws(
      () => run(a),
      (e: unknown) => e instanceof TransferError && e.code === CurlCode.GOT_NOTHING,
    );
    assert.throws(
      () => run(b),
      (e: unknown) =>
        e instanceof TransferError &&
        e.code === CurlCode.HTTP2_STREAM &&
        /not closed cleanly/.test(e.message),
    );
  });

  test('abandoning a stream resets only it (CANCEL) and frees its slot', () => {
    const { top, session } = setup(1);
    const a = session.openStream({ id: 1 })!;
    a.sendHead(head('/a'));
    top.frames();
    assert.equal(session.canOpenStream(), false);
    a.abandon();
    const rst = top.frames().find((f) => f.type === FrameType.RST_STREAM)!;
    assert.equal(rst.streamId, 1);
    assert.equal(new DataView(rst.payload.buffer).getUint32(0), H2ErrorCode.CANCEL);
    assert.equal(session.canOpenStream(), true);
  });

  test('uploads go out as DATA within the window; the rest waits for a WINDOW_UPDATE that makes the stream ready', () => {
    const { top, session, srv } = setup(100, [[SettingId.INITIAL_WINDOW_SIZE, 100]]);
    const s = session.openStream({ id: 1 })!;
    s.sendHead(head('/up', true));
    s.setInterest(true, true);
    assert.equal(s.sendBody(new Uint8Array(300)), 100);
    assert.equal(s.sendBody(new Uint8Array(200)), 0);
    assert.equal(session.pollset() & 2, 0);
    top.inbox.push(srv.windowUpdate(1, 500));
    session.onSocketReady(0);
    assert.deepEqual(
      ready(session).map((x) => x.owner.id),
      [1],
    );
    assert.equal(s.sendBody(new Uint8Array(200)), 200);
    s.endBody();
    s.flush();
    const data = top.frames().filter((f) => f.type === FrameType.DATA);
    assert.deepEqual(
      data.map((f) => [f.payload.length, f.flags]),
      [
        [100, 0],
        [200, 0],
        [0, 1],
      ],
    );
  });
});
