// Table tests of the HTTP/2 client connection: what the client sends, the events each server
// frame sequence gives, the stream and connection errors of RFC 9113, and the protections.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FrameType,
  H2ClientConnection,
  H2ErrorCode,
  HpackDecoder,
  NEED_DATA,
  requestHeaderList,
  SettingId,
} from '../../../src/proto/h2/index.js';
import {
  concatBytes,
  connected,
  drive,
  frameBytes,
  GET,
  latin1,
  parseOutput,
  ServerScript,
} from './h2-test-utils.js';

const OK: Array<[string, string]> = [[':status', '200']];

describe('connection start', () => {
  test('the client sends the preface, SETTINGS (push off, our window and header list size) and a connection WINDOW_UPDATE', () => {
    const conn = new H2ClientConnection();
    const out = concatBytes(conn.takeOutput());
    assert.equal(Buffer.from(out.subarray(0, 24)).toString(), 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const frames = parseOutput([out]);
    assert.equal(frames[0]!.type, FrameType.SETTINGS);
    const settings = new Map<number, number>();
    const p = frames[0]!.payload;
    for (let i = 0; i < p.length; i += 6)
      settings.set((p[i]! << 8) | p[i + 1]!, new DataView(p.buffer, p.byteOffset + i + 2).getUint32(0));
    assert.equal(settings.get(SettingId.ENABLE_PUSH), 0);
    assert.equal(settings.get(SettingId.INITIAL_WINDOW_SIZE), 1024 * 1024);
    assert.equal(settings.get(SettingId.MAX_HEADER_LIST_SIZE), 100 * 1024);
    assert.equal(frames[1]!.type, FrameType.WINDOW_UPDATE);
    assert.equal(frames[1]!.streamId, 0);
  });

  test('the server SETTINGS are applied, acknowledged and reported', () => {
    const conn = new H2ClientConnection();
    conn.takeOutput();
    const srv = new ServerScript();
    const ev = drive(conn, [
      srv.settings([
        [SettingId.MAX_CONCURRENT_STREAMS, 2],
        [SettingId.MAX_FRAME_SIZE, 20000],
      ]),
    ]);
    assert.equal(ev[0]!.type, 'settings');
    assert.equal(conn.peerSettings.maxConcurrentStreams, 2);
    assert.equal(conn.peerSettings.maxFrameSize, 20000);
    const out = parseOutput(conn.takeOutput());
    assert.deepEqual(
      out.map((f) => [f.type, f.flags]),
      [[FrameType.SETTINGS, 1]],
    );
  });

  for (const [name, first, message] of [
    ['a PING', new ServerScript().ping(), /did not start with a SETTINGS frame/],
    ['a SETTINGS ACK', new ServerScript().settingsAck(), /did not start with a SETTINGS frame/],
    ['HTTP/1.1 bytes', latin1('HTTP/1.1 400 Bad Request\r\n\r\n'), /answered in HTTP\/1/],
  ] as const) {
    test(`a server starting with ${name} is a connection error`, () => {
      const conn = new H2ClientConnection();
      const ev = drive(conn, [first]);
      assert.equal(ev.length, 1);
      assert.equal(ev[0]!.h2Code, H2ErrorCode.PROTOCOL_ERROR);
      assert.match(String(ev[0]!.message), message);
    });
  }

  for (const [name, settings, message] of [
    ['ENABLE_PUSH 1', [[SettingId.ENABLE_PUSH, 1]], /ENABLE_PUSH of 1/],
    ['MAX_FRAME_SIZE below 16384', [[SettingId.MAX_FRAME_SIZE, 100]], /MAX_FRAME_SIZE of 100 out of range/],
    ['INITIAL_WINDOW_SIZE above 2^31-1', [[SettingId.INITIAL_WINDOW_SIZE, 2 ** 31]], /INITIAL_WINDOW_SIZE/],
  ] as const) {
    test(`SETTINGS with ${name} is a connection error`, () => {
      const conn = new H2ClientConnection();
      const ev = drive(conn, [new ServerScript().settings(settings as unknown as Array<[number, number]>)]);
      assert.equal(ev.at(-1)!.type, 'error');
      assert.match(String(ev.at(-1)!.message), message);
    });
  }
});

describe('responses', () => {
  test('GET: head, data, end; the request went out as HEADERS with END_STREAM', () => {
    const { conn, srv } = connected();
    const id = conn.request(GET, true);
    assert.equal(id, 1);
    const out = parseOutput(conn.takeOutput());
    assert.equal(out[0]!.type, FrameType.HEADERS);
    assert.equal(out[0]!.flags, 0x5);
    assert.deepEqual(new HpackDecoder().decode(out[0]!.payload, 1e6).headers, GET);
    const ev = drive(conn, [srv.headers(1, [...OK, ['content-length', '5']]), srv.data(1, 'hello', true)]);
    assert.deepEqual(
      ev.map((e) => e.type),
      ['head', 'data', 'end'],
    );
    assert.equal(ev[0]!.status, 200);
    assert.deepEqual(ev[0]!.headers, [['content-length', '5']]);
    assert.equal(ev[1]!.data, 'hello');
    assert.equal(conn.openStreams, 0);
  });

  test('interim 103 then final, padded and prioritised HEADERS, padded DATA, trailers', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    const ev = drive(conn, [
      srv.headers(1, [
        [':status', '103'],
        ['link', '</a>'],
      ]),
      srv.headers(1, OK, { pad: 3, priority: true }),
      srv.data(1, 'abc', false, 10),
      srv.headers(1, [['x-checksum', '1']], { endStream: true }),
    ]);
    assert.deepEqual(
      ev.map((e) => `${e.type}${e.interim === true ? '(interim)' : ''}`),
      ['head(interim)', 'head', 'data', 'trailers', 'end'],
    );
    assert.deepEqual(ev[3]!.headers, [['x-checksum', '1']]);
  });

  test('a header block split over CONTINUATION frames', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    const fields: Array<[string, string]> = [...OK];
    for (let i = 0; i < 40; i++) fields.push([`x-h${i}`, 'v'.repeat(100)]);
    const ev = drive(conn, [srv.headers(1, fields, { endStream: true, fragments: 5 })]);
    assert.deepEqual(
      ev.map((e) => e.type),
      ['head', 'end'],
    );
    assert.equal((ev[0]!.headers as unknown[]).length, 40);
  });

  test('HEAD and 304 with a content-length and no DATA end cleanly', () => {
    const { conn, srv } = connected();
    conn.request([[':method', 'HEAD'], ...GET.slice(1)], true);
    conn.request(GET, true);
    const ev = drive(conn, [
      srv.headers(1, [...OK, ['content-length', '100']], { endStream: true }),
      srv.headers(
        3,
        [
          [':status', '304'],
          ['content-length', '100'],
        ],
        { endStream: true },
      ),
    ]);
    assert.deepEqual(
      ev.map((e) => e.type),
      ['head', 'end', 'head', 'end'],
    );
  });

  const malformed: Array<[string, Array<[string, string]>, RegExp]> = [
    ['upper-case name', [...OK, ['X-Up', 'a']], /upper-case field name/],
    [
      'connection-specific field',
      [...OK, ['connection', 'keep-alive']],
      /connection-specific field connection/,
    ],
    ['transfer-encoding', [...OK, ['transfer-encoding', 'chunked']], /connection-specific/],
    ['pseudo-header after a regular field', [['x-a', 'b'], ...OK], /no :status|after a regular field/],
    ['missing :status', [['x-a', 'b']], /no :status/],
    [
      'request pseudo-header in a response',
      [...OK.map((f) => f), [':path', '/']],
      /after a regular field|in a response/,
    ],
    ['two :status', [...OK, ...OK], /two :status/],
    ['bad :status', [[':status', '2000']], /malformed :status/],
    ['value with CR', [...OK, ['x-a', 'b\rc']], /invalid character in the value/],
    ['value with leading space', [...OK, ['x-a', ' b']], /white space/],
    ['conflicting content-length', [...OK, ['content-length', '1'], ['content-length', '2']], /conflicting/],
    ['status 101', [[':status', '101']], /101/],
  ];
  test('a field found valid once is remembered, but a malformed head after valid ones is still caught', () => {
    // Each malformed head comes after a valid response with the same names (x-a, content-length)
    // on the same connection, whose checks the connection remembers.
    const primed: Array<[string, string]> = [...OK, ['x-a', 'b'], ['content-length', '1'], ['x-up', 'a']];
    for (const [name, fields, message] of malformed) {
      const { conn, srv } = connected();
      conn.request(GET, true);
      conn.request(GET, true);
      conn.request(GET, true);
      const ev = drive(conn, [
        srv.headers(1, primed),
        srv.data(1, 'x', true),
        srv.headers(3, fields),
        srv.headers(5, primed),
        srv.data(5, 'xy', true),
      ]);
      assert.deepEqual(
        ev.map((e) => `${e.type} ${e.streamId}`),
        ['head 1', 'data 1', 'end 1', 'reset 3', 'head 5', 'reset 5'],
        name,
      );
      assert.match(String(ev[3]!.message), message, name);
      assert.match(String(ev[5]!.message), /more DATA than the content-length of 1/, name);
    }
  });
  for (const [name, fields, message] of malformed) {
    test(`malformed head (${name}): the stream is reset with PROTOCOL_ERROR, the connection lives`, () => {
      const { conn, srv } = connected();
      conn.request(GET, true);
      conn.request(GET, true);
      const ev = drive(conn, [srv.headers(1, fields), srv.headers(3, OK, { endStream: true })]);
      assert.equal(ev[0]!.type, 'reset');
      assert.equal(ev[0]!.streamId, 1);
      assert.equal(ev[0]!.errorCode, H2ErrorCode.PROTOCOL_ERROR);
      assert.equal(ev[0]!.remote, false);
      assert.match(String(ev[0]!.message), message);
      assert.deepEqual(
        ev.slice(1).map((e) => e.type),
        ['head', 'end'],
      );
      const rst = parseOutput(conn.takeOutput()).find((f) => f.type === FrameType.RST_STREAM);
      assert.equal(rst?.streamId, 1);
    });
  }

  test('a DATA frame spanning reads is handed out in pieces as they arrive, each a view of its read', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    const frame = srv.data(1, 'a'.repeat(100), true);
    const reads = [
      concatBytes([srv.headers(1, OK), frame.subarray(0, 40)]),
      frame.slice(40, 70),
      frame.slice(70),
    ];
    const got: Array<[string, number]> = [];
    for (const r of reads) {
      conn.receiveData(r);
      for (let ev = conn.nextEvent(); ev !== NEED_DATA; ev = conn.nextEvent()) {
        if (ev.type === 'data') {
          assert.equal(ev.data.buffer, r.buffer, 'a view of the read, not a copy');
          conn.consume(1, ev.data.length);
        }
        got.push([ev.type, ev.type === 'data' ? ev.data.length : 0]);
      }
    }
    assert.deepEqual(got, [
      ['head', 0],
      ['data', 31],
      ['data', 30],
      ['data', 39],
      ['end', 0],
    ]);
  });

  test('a stream reset between two pieces of a DATA frame: the rest is dropped and its window given back', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    const frame = srv.data(1, 'b'.repeat(9000), true);
    drive(conn, [concatBytes([srv.headers(1, OK), frame.subarray(0, 1009)])]);
    conn.takeOutput();
    conn.reset(1);
    // 1,000 bytes were handed out (given back by the reset), 8,000 more arrive for nobody.
    assert.deepEqual(drive(conn, [frame.slice(1009)]), []);
    conn.receiveData(srv.data(1, 'c'.repeat(1)));
    assert.equal(conn.nextEvent(), NEED_DATA);
    const out = parseOutput(conn.takeOutput());
    assert.deepEqual(
      out.map((f) => f.type),
      [FrameType.RST_STREAM],
    );
    // The whole frame was credited: a connection WINDOW_UPDATE follows once half the window is in.
    const big = srv.data(1, new Uint8Array(16384));
    const rest = 8 * 1024 * 1024 - 9001;
    const frames: Uint8Array[] = [];
    for (let n = 0; n < rest; n += 16384)
      frames.push(n + 16384 <= rest ? big : srv.data(1, new Uint8Array(rest - n)));
    drive(conn, frames);
    const updates = parseOutput(conn.takeOutput()).filter((f) => f.type === FrameType.WINDOW_UPDATE);
    assert.deepEqual(
      updates.map((f) => [f.streamId, new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(0)]),
      [[0, 8 * 1024 * 1024]],
    );
  });

  test('the connection closing inside a DATA frame handed out in pieces is a connection error', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    const frame = srv.data(1, 'a'.repeat(100), true);
    const ev = drive(conn, [srv.headers(1, OK), frame.subarray(0, 50)], { eof: true });
    assert.deepEqual(
      ev.map((e) => e.type),
      ['head', 'data', 'error'],
    );
    assert.match(String(ev.at(-1)!.message), /closed in the middle of a frame/);
  });

  test('content-length checked against DATA: too much, too little', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    conn.request(GET, true);
    const ev = drive(conn, [
      srv.headers(1, [...OK, ['content-length', '3']]),
      srv.data(1, 'abcd'),
      srv.headers(3, [...OK, ['content-length', '3']]),
      srv.data(3, 'ab', true),
    ]);
    const resets = ev.filter((e) => e.type === 'reset');
    assert.match(String(resets[0]!.message), /more DATA than the content-length of 3/);
    assert.match(String(resets[1]!.message), /ended after 2 bytes of a content-length of 3/);
  });

  test('trailers without END_STREAM and trailers with pseudo-headers are stream errors', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    conn.request(GET, true);
    const ev = drive(conn, [
      srv.headers(1, OK),
      srv.headers(1, [['x-t', '1']]),
      srv.headers(3, OK),
      srv.headers(3, [[':status', '200']], { endStream: true }),
    ]);
    const resets = ev.filter((e) => e.type === 'reset');
    assert.match(String(resets[0]!.message), /trailers without END_STREAM/);
    assert.match(String(resets[1]!.message), /pseudo-header ":status" in trailers/);
  });

  test('DATA before the head is a stream error', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    const ev = drive(conn, [srv.data(1, 'x', true)]);
    assert.match(String(ev[0]!.message), /DATA before the response head/);
  });
});

describe('stream and connection ends', () => {
  test('RST_STREAM from the server: a reset event naming the error code; REFUSED_STREAM is retryable', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    conn.request(GET, true);
    const ev = drive(conn, [srv.rst(1, H2ErrorCode.INTERNAL_ERROR), srv.rst(3, H2ErrorCode.REFUSED_STREAM)]);
    assert.equal(ev[0]!.message, 'HTTP/2 stream 1 was not closed cleanly: INTERNAL_ERROR (err 2)');
    assert.equal(ev[0]!.retryable, false);
    assert.equal(ev[1]!.retryable, true);
    assert.equal(conn.openStreams, 0);
  });

  test('GOAWAY: streams above the last id are refused (retryable), those below finish, no new stream opens', () => {
    const { conn, srv } = connected();
    for (let i = 0; i < 3; i++) conn.request(GET, true);
    const ev = drive(conn, [
      srv.goaway(1, H2ErrorCode.NO_ERROR, 'bye'),
      srv.headers(1, OK, { endStream: true }),
    ]);
    assert.deepEqual(
      ev.map((e) => `${e.type}:${e.streamId ?? e.lastStreamId}`),
      ['goaway:1', 'reset:3', 'reset:5', 'head:1', 'end:1'],
    );
    assert.equal(ev[0]!.debugData, 'bye');
    assert.equal(ev[1]!.retryable, true);
    assert.equal(conn.canOpenStream, false);
    assert.throws(() => conn.request(GET, true), /no stream can be opened/);
  });

  test('the client resets a stream: RST_STREAM CANCEL, its later frames dropped, their window returned', () => {
    const { conn, srv } = connected([], { connectionWindow: 65535 * 2 });
    conn.request(GET, true);
    drive(conn, [srv.headers(1, OK), srv.data(1, new Uint8Array(16000))], { consume: false });
    conn.takeOutput();
    conn.reset(1);
    const late = Array.from({ length: 4 }, () => srv.data(1, new Uint8Array(16000)));
    const ev = drive(conn, [...late, srv.headers(1, [['x', 'y']], { endStream: true })]);
    assert.deepEqual(ev, []);
    const out = parseOutput(conn.takeOutput());
    assert.equal(out[0]!.type, FrameType.RST_STREAM);
    assert.equal(new DataView(out[0]!.payload.buffer).getUint32(0), H2ErrorCode.CANCEL);
    // 80,000 bytes went back to the connection window (a WINDOW_UPDATE at half of 131,070).
    const wu = out.filter((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 0);
    assert.equal(wu.length, 1);
  });

  test('PING is answered; a PING ACK is an event', () => {
    const { conn, srv } = connected();
    const payload = latin1('12345678');
    const ev = drive(conn, [srv.ping(payload), srv.ping(payload, true)]);
    assert.deepEqual(ev, [{ type: 'ping-ack', payload: Buffer.from(payload).toString('hex') }]);
    const out = parseOutput(conn.takeOutput());
    assert.equal(out[0]!.type, FrameType.PING);
    assert.equal(out[0]!.flags, 1);
    assert.deepEqual(out[0]!.payload, payload);
  });

  test('PRIORITY frames and unknown frame types are accepted and ignored', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    const ev = drive(conn, [
      srv.priority(1),
      frameBytes(0xfa, 0, 0, latin1('x')),
      srv.headers(1, OK, { endStream: true }),
    ]);
    assert.deepEqual(
      ev.map((e) => e.type),
      ['head', 'end'],
    );
  });

  const connectionErrors: Array<[string, (s: ServerScript) => Uint8Array[], number, RegExp]> = [
    [
      'PUSH_PROMISE',
      () => [frameBytes(FrameType.PUSH_PROMISE, 4, 1, new Uint8Array(4))],
      H2ErrorCode.PROTOCOL_ERROR,
      /PUSH_PROMISE/,
    ],
    ['HEADERS on an idle stream', (s) => [s.headers(5, OK)], H2ErrorCode.PROTOCOL_ERROR, /idle stream 5/],
    ['DATA on stream 0', (s) => [s.data(0, 'x')], H2ErrorCode.PROTOCOL_ERROR, /stream 0/],
    [
      'a frame over our MAX_FRAME_SIZE',
      (s) => [s.data(1, new Uint8Array(16385))],
      H2ErrorCode.FRAME_SIZE_ERROR,
      /exceeds our SETTINGS_MAX_FRAME_SIZE/,
    ],
    [
      'a PING of 7 bytes',
      () => [frameBytes(FrameType.PING, 0, 0, new Uint8Array(7))],
      H2ErrorCode.FRAME_SIZE_ERROR,
      /PING frame not 8 bytes/,
    ],
    [
      'CONTINUATION without HEADERS',
      () => [frameBytes(FrameType.CONTINUATION, 4, 1)],
      H2ErrorCode.PROTOCOL_ERROR,
      /CONTINUATION frame without/,
    ],
    [
      'another frame inside a header block',
      (s) => [frameBytes(FrameType.HEADERS, 0, 1, new Uint8Array([0x88])), s.ping()],
      H2ErrorCode.PROTOCOL_ERROR,
      /inside the header block of stream 1/,
    ],
    [
      'an HPACK error',
      () => [frameBytes(FrameType.HEADERS, 4, 1, new Uint8Array([0x80]))],
      H2ErrorCode.COMPRESSION_ERROR,
      /HPACK error on stream 1: index 0/,
    ],
    [
      'a connection WINDOW_UPDATE of 0',
      (s) => [s.windowUpdate(0, 0)],
      H2ErrorCode.PROTOCOL_ERROR,
      /WINDOW_UPDATE of 0/,
    ],
    [
      'a send window above 2^31-1',
      (s) => [s.windowUpdate(0, 0x7fffffff)],
      H2ErrorCode.FLOW_CONTROL_ERROR,
      /above 2\^31-1/,
    ],
    [
      'DATA beyond the connection window',
      (s) => [s.headers(1, OK), ...Array.from({ length: 5 }, () => s.data(1, new Uint8Array(16384)))],
      H2ErrorCode.FLOW_CONTROL_ERROR,
      /connection window/,
    ],
  ];
  for (const [name, frames, code, message] of connectionErrors) {
    test(`${name} is a connection error: GOAWAY with ${code} queued, nextEvent keeps throwing`, () => {
      const { conn, srv } = connected([], { connectionWindow: 65535 });
      conn.request(GET, true);
      const ev = drive(conn, frames(srv), { consume: false });
      const err = ev.at(-1)!;
      assert.equal(err.type, 'error');
      assert.equal(err.h2Code, code);
      assert.match(String(err.message), message);
      const goaway = parseOutput(conn.takeOutput()).find((f) => f.type === FrameType.GOAWAY)!;
      assert.equal(new DataView(goaway.payload.buffer).getUint32(4), code);
      assert.throws(() => conn.nextEvent(), message);
      assert.equal(conn.goingAway, true);
    });
  }

  test('EOF after whole frames is a closed event; EOF in the middle of a frame is an error', () => {
    const a = connected();
    assert.deepEqual(drive(a.conn, [], { eof: true }), [{ type: 'closed' }]);
    const b = connected();
    const ev = drive(b.conn, [b.srv.ping().subarray(0, 5)], { eof: true });
    assert.match(String(ev[0]!.message), /middle of a frame/);
  });
});

describe('flow control', () => {
  test('uploads stop at the stream window and continue on WINDOW_UPDATE; END_STREAM goes with the last byte', () => {
    const { conn, srv } = connected([[SettingId.INITIAL_WINDOW_SIZE, 1000]]);
    const id = conn.request([[':method', 'POST'], ...GET.slice(1)], false);
    const body = new Uint8Array(2500);
    assert.equal(conn.sendData(id, body, true), 1000);
    assert.equal(conn.sendWindow(id), 0);
    const ev = drive(conn, [srv.windowUpdate(id, 5000)]);
    assert.deepEqual(ev, [{ type: 'window', streamId: 1 }]);
    assert.equal(conn.sendData(id, body.subarray(1000), true), 1500);
    const data = parseOutput(conn.takeOutput()).filter((f) => f.type === FrameType.DATA);
    assert.deepEqual(
      data.map((f) => [f.payload.length, f.flags]),
      [
        [1000, 0],
        [1500, 1],
      ],
    );
  });

  test('uploads are cut into frames of the peer MAX_FRAME_SIZE and limited by the connection window', () => {
    const { conn, srv } = connected([[SettingId.INITIAL_WINDOW_SIZE, 1 << 20]]);
    const id = conn.request(GET, false);
    assert.equal(conn.sendData(id, new Uint8Array(100000), false), 65535);
    const sizes = parseOutput(conn.takeOutput())
      .filter((f) => f.type === FrameType.DATA)
      .map((f) => f.payload.length);
    assert.deepEqual(sizes, [16384, 16384, 16384, 16383]);
    drive(conn, [srv.windowUpdate(0, 10)]);
    assert.equal(conn.sendWindow(id), 10);
  });

  test('a SETTINGS change of INITIAL_WINDOW_SIZE mid-flight moves every open stream window, even below zero', () => {
    const { conn, srv } = connected([[SettingId.INITIAL_WINDOW_SIZE, 1000]]);
    const id = conn.request(GET, false);
    conn.sendData(id, new Uint8Array(800), false);
    assert.equal(conn.sendWindow(id), 200);
    drive(conn, [srv.settings([[SettingId.INITIAL_WINDOW_SIZE, 500]])]);
    assert.equal(conn.sendWindow(id), 0);
    drive(conn, [srv.windowUpdate(id, 100)]);
    assert.equal(conn.sendWindow(id), 0); // -300 + 100
    drive(conn, [srv.settings([[SettingId.INITIAL_WINDOW_SIZE, 2000]])]);
    assert.equal(conn.sendWindow(id), 1300);
  });

  test('SETTINGS_MAX_CONCURRENT_STREAMS limits canOpenStream, also when lowered mid-flight', () => {
    const { conn, srv } = connected([[SettingId.MAX_CONCURRENT_STREAMS, 2]]);
    conn.request(GET, true);
    conn.request(GET, true);
    assert.equal(conn.canOpenStream, false);
    drive(conn, [srv.headers(1, OK, { endStream: true })]);
    assert.equal(conn.canOpenStream, true);
    drive(conn, [srv.settings([[SettingId.MAX_CONCURRENT_STREAMS, 1]])]);
    assert.equal(conn.canOpenStream, false);
  });

  test('a stream nobody reads is bounded by its window: no WINDOW_UPDATE until consumed, then one', () => {
    const window = 64 * 1024;
    const { conn, srv } = connected([], { streamWindow: window, connectionWindow: 1 << 20 });
    conn.request(GET, true);
    const frames = [srv.headers(1, OK)];
    for (let i = 0; i < 4; i++) frames.push(srv.data(1, new Uint8Array(16384)));
    const ev = drive(conn, frames, { consume: false });
    assert.equal(ev.length, 5);
    assert.equal(parseOutput(conn.takeOutput()).filter((f) => f.type === FrameType.WINDOW_UPDATE).length, 0);
    // One byte beyond the window the server was given: a stream error, not a bigger buffer.
    const over = drive(conn, [srv.data(1, new Uint8Array(1))], { consume: false });
    assert.equal(over[0]!.type, 'reset');
    assert.equal(over[0]!.errorCode, H2ErrorCode.FLOW_CONTROL_ERROR);
  });

  test('consuming half the stream window sends a stream WINDOW_UPDATE', () => {
    const { conn, srv } = connected([], { streamWindow: 32768 });
    conn.request(GET, true);
    drive(conn, [srv.headers(1, OK), srv.data(1, new Uint8Array(16384))], { consume: false });
    conn.takeOutput();
    conn.consume(1, 16384);
    const wu = parseOutput(conn.takeOutput()).filter((f) => f.type === FrameType.WINDOW_UPDATE);
    assert.deepEqual(
      wu.map((f) => [f.streamId, new DataView(f.payload.buffer).getUint32(0)]),
      [[1, 16384]],
    );
  });
});

test('a long download gives window back at half a window (nghttp2 and libcurl): few WINDOW_UPDATEs', () => {
  // Defaults: 1 MiB stream window, 16 MiB connection window.
  const { conn, srv } = connected();
  conn.request(GET, true);
  drive(conn, [srv.headers(1, OK)]);
  conn.takeOutput();
  const updates: Array<[number, number]> = [];
  for (let round = 0; round < 40; round++) {
    // 256 KiB per round, taken by the application as it arrives: 10 MiB in all.
    const frames = Array.from({ length: 16 }, () => srv.data(1, new Uint8Array(16384)));
    drive(conn, frames);
    for (const f of parseOutput(conn.takeOutput())) {
      if (f.type === FrameType.WINDOW_UPDATE)
        updates.push([f.streamId, new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(0)]);
    }
  }
  const half = 512 * 1024;
  assert.deepEqual(
    updates.filter(([id]) => id === 1),
    Array.from({ length: 20 }, () => [1, half]),
  );
  assert.deepEqual(
    updates.filter(([id]) => id === 0),
    [[0, 8 * 1024 * 1024]],
  );
});

describe('protections', () => {
  test('a header list over our MAX_HEADER_LIST_SIZE resets only that stream', () => {
    const { conn, srv } = connected([], { maxHeaderListSize: 4096 });
    conn.request(GET, true);
    conn.request(GET, true);
    const fields: Array<[string, string]> = [...OK];
    for (let i = 0; i < 20; i++) fields.push([`x-${i}`, 'v'.repeat(300)]);
    const ev = drive(conn, [
      srv.headers(1, fields, { fragments: 1 }),
      srv.headers(3, OK, { endStream: true }),
    ]);
    assert.equal(ev[0]!.type, 'reset');
    assert.match(
      String(ev[0]!.message),
      /header list of \d+ bytes exceeds our SETTINGS_MAX_HEADER_LIST_SIZE of 4096/,
    );
    assert.deepEqual(
      ev.slice(1).map((e) => e.type),
      ['head', 'end'],
    );
  });

  test('CONTINUATION flood: empty CONTINUATION frames without END_HEADERS end the connection', () => {
    const { conn } = connected();
    conn.request(GET, true);
    const frames = [frameBytes(FrameType.HEADERS, 0, 1, new Uint8Array([0x88]))];
    for (let i = 0; i < 100; i++) frames.push(frameBytes(FrameType.CONTINUATION, 0, 1));
    const ev = drive(conn, frames);
    assert.equal(ev.length, 1);
    assert.equal(ev[0]!.h2Code, H2ErrorCode.ENHANCE_YOUR_CALM);
    assert.match(String(ev[0]!.message), /CONTINUATION flood/);
  });

  test('a header block larger than the block limit ends the connection before it is buffered', () => {
    const { conn } = connected([], { maxHeaderBlockBytes: 20000, maxFrameSize: 16384 });
    conn.request(GET, true);
    const ev = drive(conn, [
      frameBytes(FrameType.HEADERS, 0, 1, new Uint8Array(16000)),
      frameBytes(FrameType.CONTINUATION, 0, 1, new Uint8Array(16000)),
    ]);
    assert.match(String(ev[0]!.message), /header block of stream 1 exceeds 20000 bytes/);
  });

  test('HPACK bomb: a table size update above our setting is a COMPRESSION_ERROR', () => {
    const { conn } = connected();
    conn.request(GET, true);
    const ev = drive(conn, [frameBytes(FrameType.HEADERS, 5, 1, new Uint8Array([0x3f, 0xe2, 0x1f, 0x88]))]);
    assert.equal(ev[0]!.h2Code, H2ErrorCode.COMPRESSION_ERROR);
  });

  test('HPACK bomb: one big entry indexed thousands of times is refused at the list limit', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    conn.request(GET, true);
    const first = srv.headers(1, [...OK, ['x-big', 'b'.repeat(3000)]], { endStream: true });
    // 5,000 references to dynamic entry 62 (x-big) in one 5 KB block: 15 MB if decoded naively.
    const refs = new Uint8Array(5001).fill(0xbe);
    refs[0] = 0x88;
    const ev = drive(conn, [first, frameBytes(FrameType.HEADERS, 5, 3, refs)]);
    assert.equal(ev.at(-1)!.type, 'reset');
    assert.match(String(ev.at(-1)!.message), /exceeds our SETTINGS_MAX_HEADER_LIST_SIZE/);
  });

  test('PING flood: acknowledgements the peer never lets us send are bounded', () => {
    const { conn, srv } = connected();
    const flood = concatBytes(Array.from({ length: 1500 }, () => srv.ping()));
    const ev = drive(conn, [flood]);
    assert.equal(ev.at(-1)!.h2Code, H2ErrorCode.ENHANCE_YOUR_CALM);
    assert.match(String(ev.at(-1)!.message), /PING flood/);
    // The same pings with the output drained in between are fine.
    const b = connected();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(drive(b.conn, [concatBytes(Array.from({ length: 900 }, () => b.srv.ping()))]), []);
      b.conn.takeOutput();
    }
  });

  test('SETTINGS flood is bounded the same way', () => {
    const { conn, srv } = connected();
    const flood = concatBytes(Array.from({ length: 1500 }, () => srv.settings()));
    const ev = drive(conn, [flood]);
    assert.match(String(ev.at(-1)!.message), /SETTINGS flood/);
  });

  test('rapid resets and other useless frames from the peer are bounded', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    drive(conn, [srv.rst(1, H2ErrorCode.CANCEL)]);
    const frames = Array.from({ length: 1100 }, () => srv.rst(1, H2ErrorCode.CANCEL));
    const ev = drive(conn, [concatBytes(frames)]);
    assert.equal(ev.at(-1)!.h2Code, H2ErrorCode.ENHANCE_YOUR_CALM);
    assert.match(String(ev.at(-1)!.message), /useless frames.*RST_STREAM on a closed stream/);
  });

  test('empty DATA frames are bounded', () => {
    const { conn, srv } = connected();
    conn.request(GET, true);
    const frames = [srv.headers(1, OK), ...Array.from({ length: 1100 }, () => srv.data(1, ''))];
    const ev = drive(conn, [concatBytes(frames)]);
    assert.match(String(ev.at(-1)!.message), /empty DATA/);
  });
});

describe('request header list', () => {
  test('pseudo-headers first, lower-case names, Host becomes :authority, connection-specific fields dropped, TE only trailers', () => {
    const list = requestHeaderList({ method: 'GET', scheme: 'https', authority: 'a.example', path: '/x?y' }, [
      ['Host', 'b.example'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['Keep-Alive', '5'],
      ['Transfer-Encoding', 'chunked'],
      ['TE', 'gzip, trailers'],
      ['X-Custom', ' v '],
    ]);
    assert.deepEqual(list, [
      [':method', 'GET'],
      [':path', '/x?y'],
      [':scheme', 'https'],
      [':authority', 'b.example'],
      ['accept', '*/*'],
      ['te', 'trailers'],
      ['x-custom', 'v'],
    ]);
  });
  test('a field value with CR or LF is refused', () => {
    const r = requestHeaderList({ method: 'GET', scheme: 'http', authority: 'a', path: '/' }, [
      ['x', 'a\r\nb'],
    ]);
    assert.equal(typeof r, 'string');
  });
});
