// The frames HTTP/2 sessions queue during one engine call go out together at its end: every
// request's HEADERS started in one call in one write, and nothing left unwritten when the call
// returns, whichever way the frames were queued (timers, socket events, removeHandle, unpause).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Easy, HttpVersion, Multi, PAUSE, Pause, SOCKET_TIMEOUT } from '../../../src/index.js';
import { FrameType } from '../../../src/proto/h2/index.js';
import { nextSyntheticFd } from '../../../src/transport/fd.js';
import type { ReadResult, Resolution, Transport, TransportSocket } from '../../../src/transport/types.js';
import { type ParsedFrame, parseOutput, ServerScript } from '../../proto/h2/h2-test-utils.js';

/** A connected in-memory socket: writes are kept (one entry per write), reads come from `inbox`. */
class MemSocket implements TransportSocket {
  readonly fd = nextSyntheticFd();
  readonly connecting = false;
  readonly error = undefined;
  readonly remoteAddress = '10.0.0.1';
  readonly remotePort = 80;
  readonly localAddress = '10.0.0.2';
  readonly localPort = 40000;
  writes: Uint8Array[] = [];
  inbox: Uint8Array[] = [];
  /** Bytes the next writes may take in all (a full socket buffer). */
  room = Number.POSITIVE_INFINITY;
  get hasPendingInput(): boolean {
    return this.inbox.length > 0;
  }
  watch(): void {}
  unwatch(): void {}
  write(data: Uint8Array): number {
    const n = Math.min(data.length, this.room);
    this.room -= n;
    if (n > 0) this.writes.push(data.slice(0, n));
    return n;
  }
  read(): ReadResult {
    return this.inbox.shift() ?? null;
  }
  end(): void {}
  destroy(): void {}
  /** The frames written since the last call (the preface skipped), and how many writes carried them. */
  take(): { frames: ParsedFrame[]; writes: number } {
    const writes = this.writes;
    this.writes = [];
    return { frames: parseOutput(writes), writes: writes.length };
  }
}

class MemTransport implements Transport {
  readonly name = 'mem';
  readonly sockets: MemSocket[] = [];
  now(): number {
    return 1000;
  }
  wallClockMs(): number {
    return Date.now();
  }
  resolve(): Resolution {
    return {
      fd: nextSyntheticFd(),
      result: { addresses: [{ address: '10.0.0.1', family: 4 }] },
      watch() {},
      unwatch() {},
      cancel() {},
    };
  }
  connect(): TransportSocket {
    const s = new MemSocket();
    this.sockets.push(s);
    return s;
  }
  startTls(): never {
    throw new Error('no TLS here');
  }
}

const OK_HEAD: Array<[string, string]> = [[':status', '200']];

function setup(n: number, opts: { paused?: boolean } = {}) {
  const transport = new MemTransport();
  const multi = new Multi({ transport, socketFunction: () => 0, timerFunction: () => 0 });
  const got: number[] = Array(n).fill(0);
  const easies = Array.from(
    { length: n },
    (_, i) =>
      new Easy({
        url: `http://h2.test/${i}`,
        httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE,
        writeFunction: (c) => {
          if (opts.paused && got[i] === 0) {
            got[i] = -1;
            return PAUSE;
          }
          got[i]! += c.length;
          return c.length;
        },
      }),
  );
  for (const e of easies) multi.addHandle(e);
  // One call (the timer): connect, the preface, every request's HEADERS.
  multi.socketAction(SOCKET_TIMEOUT, 0);
  const sock = transport.sockets[0]!;
  assert.equal(transport.sockets.length, 1);
  return { multi, easies, sock, got, srv: new ServerScript() };
}

const ofType = (frames: ParsedFrame[], type: number) => frames.filter((f) => f.type === type);

describe('HTTP/2 writes batched per engine call', () => {
  test('the HEADERS of 20 transfers started in one call go out in one write before the call returns', () => {
    const { sock } = setup(20);
    const { frames, writes } = sock.take();
    assert.equal(ofType(frames, FrameType.HEADERS).length, 20);
    // The preface and our SETTINGS ride in the same write.
    assert.equal(ofType(frames, FrameType.SETTINGS).length, 1);
    assert.equal(writes, 1);
  });

  test('a read that queues acknowledgements and WINDOW_UPDATEs writes them before socketAction returns', () => {
    const { multi, sock, srv, got } = setup(2);
    sock.take();
    // 600 KiB for stream 1 in one read (over half its 1 MiB window: a WINDOW_UPDATE is due), and a PING.
    const body = new Uint8Array(16384);
    const parts = [srv.settings(), srv.ping(), srv.headers(1, OK_HEAD)];
    for (let i = 0; i < 38; i++) parts.push(srv.data(1, body));
    sock.inbox.push(Buffer.concat(parts));
    multi.socketAction(sock, 1);
    assert.equal(got[0], 38 * 16384);
    const { frames, writes } = sock.take();
    assert.equal(writes, 1);
    assert.equal(ofType(frames, FrameType.PING).length, 1, 'PING ack');
    assert.equal(ofType(frames, FrameType.SETTINGS).length, 1, 'SETTINGS ack');
    const updates = ofType(frames, FrameType.WINDOW_UPDATE);
    assert.deepEqual(updates.map((f) => f.streamId).sort(), [1]);
  });

  test('removeHandle of a transfer in flight writes its RST_STREAM before it returns', () => {
    const { multi, easies, sock, srv } = setup(3);
    sock.inbox.push(Buffer.concat([srv.settings(), srv.headers(3, OK_HEAD)]));
    multi.socketAction(sock, 1);
    sock.take();
    multi.removeHandle(easies[1]!);
    const { frames } = sock.take();
    const rst = ofType(frames, FrameType.RST_STREAM);
    assert.deepEqual(
      rst.map((f) => f.streamId),
      [3],
    );
    // Stream 3 is gone; the others carry on.
    assert.equal(multi.runningHandles, 2);
  });

  test('unpausing from outside: the WINDOW_UPDATE for the data taken goes out before the timer call returns', () => {
    const { multi, easies, sock, srv, got } = setup(1, { paused: true });
    const body = new Uint8Array(16384);
    const parts = [srv.settings(), srv.headers(1, OK_HEAD)];
    for (let i = 0; i < 40; i++) parts.push(srv.data(1, body));
    sock.inbox.push(Buffer.concat(parts));
    multi.socketAction(sock, 1);
    assert.equal(got[0], -1, 'paused on the first chunk');
    sock.take();
    easies[0]!.pause(Pause.CONT);
    multi.socketAction(SOCKET_TIMEOUT, 0);
    assert.ok(got[0]! > 512 * 1024, `took ${got[0]}`);
    const { frames } = sock.take();
    // The stream's window (1 MiB) goes back at half; the connection's (16 MiB) not yet.
    assert.deepEqual(
      ofType(frames, FrameType.WINDOW_UPDATE).map((f) => f.streamId),
      [1],
    );
  });

  test('a short write leaves the rest for OUT readiness, which writes it', () => {
    const transport = new MemTransport();
    const announced: number[] = [];
    const multi = new Multi({
      transport,
      socketFunction: (_e, _s, what) => {
        announced.push(what);
        return 0;
      },
      timerFunction: () => 0,
    });
    for (let i = 0; i < 10; i++)
      multi.addHandle(new Easy({ url: `http://h2.test/${i}`, httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE }));
    // The socket takes 100 bytes: the preface and a few frames, the rest waits.
    const orig = transport.connect.bind(transport);
    transport.connect = () => {
      const s = orig() as MemSocket;
      s.room = 100;
      return s;
    };
    multi.socketAction(SOCKET_TIMEOUT, 0);
    const sock = transport.sockets[0]!;
    assert.equal(
      sock.writes.reduce((n, w) => n + w.length, 0),
      100,
    );
    // The socket callback was last told IN|OUT: the rest is waiting for the socket.
    assert.equal(announced.at(-1), 3);
    sock.room = Number.POSITIVE_INFINITY;
    multi.socketAction(sock, 2);
    assert.equal(ofType(sock.take().frames, FrameType.HEADERS).length, 10);
    assert.equal(announced.at(-1), 1, 'only IN once everything is out');
  });
});
