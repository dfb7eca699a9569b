// Properties of the HTTP/2 client connection over generated server input:
// - valid interleaved responses (interim heads, CONTINUATION, padding, trailers, PING, PRIORITY,
//   SETTINGS and WINDOW_UPDATE between them) give the events of the model they were encoded from,
//   whatever the split of the bytes into chunks;
// - fuzzed input (mutations of valid input, random frames) never throws anything but
//   H2ConnectionError, never hands out more data than was sent, and gives the same outcome for
//   any split.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { H2ClientConnection } from '../../../src/proto/h2/index.js';
import {
  concatBytes,
  drive,
  type Fields,
  type FlatEvent,
  frameBytes,
  GET,
  ServerScript,
} from './h2-test-utils.js';

interface ModelStream {
  interim: boolean;
  status: number;
  fields: Fields;
  chunks: string[];
  pads: Array<number | undefined>;
  withLength: boolean;
  trailers: Fields | null;
  fragments: number;
}

const token = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split('')),
  minLength: 1,
  maxLength: 8,
});
const value = fc
  .string({ unit: fc.constantFrom(...'abc xyz/;=,é'.split('')), maxLength: 30 })
  .map((v) => v.trim());
const fields = fc.array(
  fc.tuple(
    token.filter(
      (n) =>
        ![
          'connection',
          'keep-alive',
          'upgrade',
          'transfer-encoding',
          'proxy-connection',
          'content-length',
        ].includes(n),
    ),
    value,
  ),
  { maxLength: 5 },
);
const modelStream: fc.Arbitrary<ModelStream> = fc.record({
  interim: fc.boolean(),
  status: fc.constantFrom(200, 201, 204, 404, 500),
  fields,
  chunks: fc.array(fc.string({ maxLength: 40 }), { maxLength: 4 }),
  pads: fc.array(fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), {
    minLength: 4,
    maxLength: 4,
  }),
  withLength: fc.boolean(),
  trailers: fc.option(fields, { nil: null }),
  fragments: fc.integer({ min: 1, max: 4 }),
});

/**
 * Server frames per stream (in order) and the events expected for it. Frames are thunks: HPACK
 * state follows the wire order, so each is encoded when it is put on the wire.
 */
function encodeStream(
  srv: ServerScript,
  id: number,
  m: ModelStream,
): { frames: Array<() => Uint8Array>; events: FlatEvent[] } {
  const frames: Array<() => Uint8Array> = [];
  const events: FlatEvent[] = [];
  const body = m.chunks.join('');
  const chunks = m.chunks.filter((c) => c.length > 0);
  if (m.interim) {
    frames.push(() => srv.headers(id, [[':status', '100']]));
    events.push({ type: 'head', streamId: id, status: 100, interim: true, headers: [], contentLength: -1 });
  }
  const head: Fields = m.withLength ? [...m.fields, ['content-length', String(body.length)]] : m.fields;
  const noData = chunks.length === 0 && m.trailers === null;
  frames.push(() =>
    srv.headers(id, [[':status', String(m.status)], ...head], { endStream: noData, fragments: m.fragments }),
  );
  events.push({
    type: 'head',
    streamId: id,
    status: m.status,
    interim: false,
    headers: head,
    contentLength: m.withLength ? body.length : -1,
  });
  chunks.forEach((c, i) => {
    const last = i === chunks.length - 1 && m.trailers === null;
    frames.push(() => srv.data(id, c, last, m.pads[i]));
    events.push({ type: 'data', streamId: id, data: c });
  });
  const trailers = m.trailers;
  if (trailers !== null) {
    frames.push(() => srv.headers(id, trailers, { endStream: true }));
    events.push({ type: 'trailers', streamId: id, headers: m.trailers });
  }
  events.push({ type: 'end', streamId: id });
  return { frames, events };
}

/** Splits bytes at the given (sorted, deduplicated) cut points. */
function split(b: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

/**
 * Data events in a row of one stream joined into one: a DATA frame whose payload spans reads is
 * handed out in pieces as they arrive, so how the bytes are cut decides the pieces, never the
 * bytes or their order.
 */
function joinData(evs: FlatEvent[]): FlatEvent[] {
  const out: FlatEvent[] = [];
  for (const e of evs) {
    const last = out.at(-1);
    if (e.type === 'data' && last?.type === 'data' && last.streamId === e.streamId)
      out[out.length - 1] = { ...last, data: String(last.data) + String(e.data) };
    else out.push(e);
  }
  return out;
}

/** Drops fields that are not part of the model (headerBytes) for comparison. */
const strip = (evs: FlatEvent[]): FlatEvent[] =>
  evs.map((e) => {
    const { headerBytes: _, ...rest } = e;
    return rest;
  });

describe('valid responses, any split', () => {
  test('interleaved streams give the model events, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(modelStream, { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (streams, schedule, cuts) => {
          const srv = new ServerScript();
          const conn = new H2ClientConnection();
          conn.takeOutput();
          for (const _ of streams) conn.request(GET, true);
          const wire: Uint8Array[] = [srv.settings()];
          const perStream = new Map<number, FlatEvent[]>();
          const queue: Array<{ id: number; frames: Array<() => Uint8Array> }> = [];
          streams.forEach((m, i) => {
            const enc = encodeStream(srv, 2 * i + 1, m);
            perStream.set(2 * i + 1, enc.events);
            queue.push({ id: 2 * i + 1, frames: enc.frames });
          });
          let k = 0;
          let extras = 0;
          while (queue.some((q) => q.frames.length > 0)) {
            const live = queue.filter((q) => q.frames.length > 0);
            const pick = live[(schedule[k++ % Math.max(1, schedule.length)] ?? 0) % live.length]!;
            wire.push(pick.frames.shift()!());
            if (k % 3 === 0 && extras++ < 6) {
              wire.push([srv.ping(), srv.priority(pick.id), srv.windowUpdate(0, 1), srv.settings()][k % 4]!);
            }
          }
          const bytes = concatBytes(wire);
          const events = strip(drive(conn, split(bytes, cuts)));
          // Per stream, the events are the model's in order; frames of a stream stay in order.
          for (const [id, expected] of perStream) {
            const got = events.filter((e) => e.streamId === id && e.type !== 'window');
            assert.deepEqual(joinData(got), joinData(expected));
          }
          assert.ok(!events.some((e) => e.type === 'error' || e.type === 'reset'));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Outcome of feeding bytes in the given chunks: events (data joined per stream) and the error. */
function outcome(bytes: Uint8Array, cuts: number[]): { events: FlatEvent[]; data: Map<number, number> } {
  const conn = new H2ClientConnection();
  conn.takeOutput();
  for (let i = 0; i < 5; i++) conn.request(GET, i % 2 === 0);
  let events: FlatEvent[];
  try {
    events = drive(conn, split(bytes, cuts), { eof: true });
  } catch (e) {
    assert.fail(`nextEvent threw something other than H2ConnectionError: ${(e as Error).stack}`);
  }
  const data = new Map<number, number>();
  for (const e of events)
    if (e.type === 'data')
      data.set(e.streamId as number, (data.get(e.streamId as number) ?? 0) + String(e.data).length);
  return { events: joinData(events), data };
}

describe('fuzz', () => {
  const validInput = fc.array(modelStream, { minLength: 1, maxLength: 3 }).map((streams) => {
    const srv = new ServerScript();
    const parts = [srv.settings()];
    streams.forEach((m, i) => {
      parts.push(...encodeStream(srv, 2 * i + 1, m).frames.map((f) => f()));
    });
    return concatBytes(parts);
  });

  test('mutated valid input: only connection errors, same outcome for any split, no data beyond the input', () => {
    fc.assert(
      fc.property(
        validInput,
        fc.array(
          fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(fc.nat(), { maxLength: 12 }),
        (input, mutations, cuts) => {
          const bytes = Array.from(input);
          for (const [at, v, op] of mutations) {
            const i = at % (bytes.length + 1);
            if (op === 'set' && i < bytes.length) bytes[i] = v;
            else if (op === 'insert') bytes.splice(i, 0, v);
            else if (op === 'delete') bytes.splice(i, 1);
          }
          const b = Uint8Array.from(bytes);
          const whole = outcome(b, []);
          const pieces = outcome(b, cuts);
          assert.deepEqual(pieces.events, whole.events);
          let total = 0;
          for (const n of whole.data.values()) total += n;
          assert.ok(total <= b.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('random frames after a valid SETTINGS: only connection errors, same outcome for any split', () => {
    const randomFrame = fc
      .tuple(
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 8 }),
        fc.uint8Array({ maxLength: 40 }),
      )
      .map(([type, flags, stream, payload]) => frameBytes(type, flags, stream, payload));
    fc.assert(
      fc.property(
        fc.array(randomFrame, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (frames, cuts) => {
          const b = concatBytes([new ServerScript().settings(), ...frames]);
          assert.deepEqual(outcome(b, cuts).events, outcome(b, []).events);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
