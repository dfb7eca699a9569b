// seekFunction (CURLOPT_SEEKFUNCTION): a read-callback body sent again after a 307/308, a late
// 417 or a dead reused connection is rewound through it; without it (or when it fails) the retry
// ends with 65 SEND_FAIL_REWIND, as libcurl.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, type Easy, NodeDriver, PAUSE, Pause } from '../../src/index.js';
import { SeekFunc } from '../../src/multi/options.js';
import { type RawHttpServer, reply, startRawHttp } from './raw-http.js';
import { run } from './run.js';

let srv: RawHttpServer;

before(async () => {
  srv = await startRawHttp((r) => {
    if (r.path === '/307') return reply(r.socket, '307 Temporary Redirect', { Location: '/echo' });
    if (r.path === '/308') return reply(r.socket, '308 Permanent Redirect', { Location: '/echo' });
    if (r.path === '/stale' && r.index > 0) {
      // A kept-alive connection the server drops when the next request comes (no answer).
      r.socket.destroy();
      return;
    }
    reply(r.socket, '200 OK', {}, `${r.method} ${r.body.toString()}`);
  });
});

after(async () => {
  await srv.close();
});

/** A read callback over `text` with a seek callback that records its calls. */
function source(text: string, seekResult = SeekFunc.OK as number) {
  const data = Buffer.from(text);
  let off = 0;
  const seeks: Array<[number, number]> = [];
  return {
    seeks,
    readFunction: (b: Buffer) => {
      const n = data.copy(b, 0, off, Math.min(data.length, off + 3));
      off += n;
      return n;
    },
    seekFunction: (offset: number, origin: number) => {
      seeks.push([offset, origin]);
      if (seekResult === SeekFunc.OK) off = offset;
      return seekResult;
    },
  };
}

for (const code of [307, 308]) {
  test(`${code}: the body is rewound through seekFunction(0, SEEK_SET) and sent again`, async () => {
    const s = source('hello world');
    const r = await run({
      url: `${srv.url}/${code}`,
      followLocation: true,
      upload: true,
      inFileSize: 11,
      readFunction: s.readFunction,
      seekFunction: s.seekFunction,
    });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.deepEqual(s.seeks, [[0, 0]]);
    assert.equal(r.body.toString(), 'PUT hello world');
    assert.equal(r.info.redirectCount, 1);
  });
}

test('a seek callback that fails or cannot seek: 65 with its return value', async () => {
  for (const ret of [SeekFunc.FAIL, SeekFunc.CANTSEEK]) {
    const s = source('hello world', ret);
    const r = await run({
      url: `${srv.url}/307`,
      followLocation: true,
      upload: true,
      inFileSize: 11,
      readFunction: s.readFunction,
      seekFunction: s.seekFunction,
    });
    assert.equal(r.code, CurlCode.SEND_FAIL_REWIND);
    assert.equal(r.error, `seek callback returned error ${ret}`);
  }
});

test('a seek callback that throws: 65 with the cause', async () => {
  const boom = new Error('no seek');
  const r = await run({
    url: `${srv.url}/307`,
    followLocation: true,
    post: true,
    postFieldSize: 2,
    readFunction: source('ab').readFunction,
    seekFunction: () => {
      throw boom;
    },
  });
  assert.equal(r.code, CurlCode.SEND_FAIL_REWIND);
  assert.equal((r.easy.error as Error & { cause?: unknown }).cause, boom);
});

/** Two transfers on one driver: the second reuses the connection the server then drops. */
async function staleRetry(withSeek: boolean) {
  const d = new NodeDriver();
  try {
    const first = await run({ url: `${srv.url}/stale` }, d);
    assert.equal(first.code, CurlCode.OK);
    const s = source('again');
    const second = await run(
      {
        url: `${srv.url}/stale`,
        upload: true,
        inFileSize: 5,
        readFunction: s.readFunction,
        ...(withSeek ? { seekFunction: s.seekFunction } : {}),
      },
      d,
    );
    return { second, seeks: s.seeks };
  } finally {
    d.close();
  }
}

test('a dead reused connection: the body is rewound and the request retried on a new one', async () => {
  const before = srv.requests.length;
  const { second, seeks } = await staleRetry(true);
  assert.equal(second.code, CurlCode.OK, second.error);
  assert.equal(second.body.toString(), 'PUT again');
  assert.deepEqual(seeks, [[0, 0]]);
  assert.equal(second.info.numConnects, 1);
  // The first request, the one the server dropped, and the retry.
  assert.equal(srv.requests.length - before, 3);
});

test('a dead reused connection without seekFunction: 65, as libcurl', async () => {
  const { second } = await staleRetry(false);
  assert.equal(second.code, CurlCode.SEND_FAIL_REWIND);
  assert.equal(second.error, "necessary data rewind wasn't possible");
});

test('a 417 after part of the body went out (Expect timeout passed): rewound, sent without Expect', async () => {
  const heads: string[] = [];
  const late = await startRawHttp(
    (r) => {
      if (r.header('expect') === undefined) reply(r.socket, '200 OK', {}, `got ${r.body.length}`);
    },
    (head, socket) => {
      heads.push(head);
      // Answer the Expect late, while the body (sent after the client's 20 ms wait) is going out.
      if (/\r\nexpect: 100-continue/i.test(head)) {
        setTimeout(() => reply(socket, '417 Expectation Failed', { Connection: 'close' }), 300);
      }
    },
  );
  try {
    // Over 1 MiB: the engine asks with Expect: 100-continue itself.
    const size = 2 * 1024 * 1024;
    const data = Buffer.alloc(size, 'z');
    let off = 0;
    const seeks: number[] = [];
    let paused = false;
    const r = await run({
      url: `${late.url}/`,
      upload: true,
      inFileSize: size,
      expect100TimeoutMs: 20,
      readFunction(this: Easy, b: Buffer) {
        if (off === 4096 && !paused) {
          // Hold the rest of the body back until the 417 is in (the socket is still read).
          paused = true;
          setTimeout(() => this.pause(Pause.CONT), 600);
          return PAUSE;
        }
        const n = data.copy(b, 0, off, Math.min(size, off + 4096));
        off += n;
        return n;
      },
      seekFunction: (offset) => {
        seeks.push(offset);
        off = offset;
        return SeekFunc.OK;
      },
    });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.deepEqual(seeks, [0]);
    assert.equal(heads.length, 2);
    assert.doesNotMatch(heads[1]!, /expect/i);
    assert.equal(r.body.toString(), `got ${size}`);
  } finally {
    await late.close();
  }
});
