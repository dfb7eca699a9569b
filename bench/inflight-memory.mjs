// Heap and RSS per transfer in flight in W4's shape (N GETs started at once, a connection each),
// for tscurl's Multi, undici.request and node:http side by side (run with --expose-gc):
//   node --expose-gc bench/inflight-memory.mjs [tscurl|tscurl-driver|tscurl-request|undici|node-http] [N]
//     [--dist DIR/index.js]
// (tscurl is the Multi driven by the application's loop, tscurl-driver the NodeDriver with onDone,
// tscurl-request the promise API's request(), each call reading its body with `for await`.)
// A server in a child process (so its memory is not counted) takes every request and answers none
// until all N have arrived; then the client's heap is measured after full GCs, with every
// connection open and every transfer waiting for its response (W4's peak), and the server answers
// them all (1 KiB each). Prints one JSON line: heapUsed, external and RSS per transfer above the
// heap before the run, the heap's committed size, and the process's peak RSS.
// INFLIGHT_SNAPSHOT=FILE also writes heap snapshots before the run (FILE.before) and at the peak
// (FILE): their difference by constructor, divided by N, is what a transfer in flight holds.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { appLoopMulti, countingEasy } from './client-run.mjs';

if (process.argv[2] === '--server') {
  // The server: accept, read each request head, answer when told ('go').
  const net = await import('node:net');
  const body = Buffer.alloc(1024, 97);
  const response = Buffer.concat([
    Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1024\r\nConnection: keep-alive\r\n\r\n'),
    body,
  ]);
  const waiting = [];
  let go = false;
  const want = Number(process.argv[3]);
  const server = net.createServer((s) => {
    s.on('error', () => {});
    let head = '';
    s.on('data', (d) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      head = '';
      if (go) s.write(response);
      else {
        waiting.push(s);
        if (waiting.length === want) process.send('all');
      }
    });
  });
  process.on('message', (m) => {
    if (m !== 'go') return;
    go = true;
    for (const s of waiting) s.write(response);
  });
  server.listen(0, '127.0.0.1', 65535, () => process.send(server.address().port));
} else {
  const args = process.argv.slice(2);
  const distAt = args.indexOf('--dist');
  const dist =
    distAt >= 0 ? args.splice(distAt, 2)[1] : new URL('../dist/src/index.js', import.meta.url).href;
  const client = args[0] ?? 'tscurl';
  const n = Number(args[1] ?? 10_000);
  const { getHeapSpaceStatistics } = await import('node:v8');
  /** Bytes used in the old generation (old and large-object spaces). */
  const oldSpaceUsed = () =>
    getHeapSpaceStatistics()
      .filter((s) => s.space_name === 'old_space' || s.space_name === 'large_object_space')
      .reduce((sum, s) => sum + s.space_used_size, 0);
  const gc = () => {
    for (let i = 0; i < 4; i++) globalThis.gc();
  };
  const tscurl = client.startsWith('tscurl') ? await import(dist) : undefined;
  const undici = client === 'undici' ? await import('undici') : undefined;
  const server = fork(fileURLToPath(import.meta.url), ['--server', String(n)]);
  const port = await new Promise((r) => server.once('message', r));
  const allArrived = new Promise((r) => server.on('message', (m) => m === 'all' && r()));
  const url = `http://127.0.0.1:${port}/1k.bin`;
  let done = 0;
  let failed = 0;
  let finish;
  const finished = new Promise((r) => (finish = r));
  const completed = (ok) => {
    done++;
    if (!ok) failed++;
    if (done === n) finish();
  };
  /** N calls of a promise API (request() of tscurl or undici), each body read with `for await`. */
  const promiseCalls = (request) => {
    for (let i = 0; i < n; i++) {
      request(url).then(
        async (r) => {
          let got = 0;
          for await (const c of r.body) got += c.length;
          completed(r.statusCode === 200 && got === 1024);
        },
        () => completed(false),
      );
    }
  };
  gc();
  const before = process.memoryUsage();
  const oldBefore = oldSpaceUsed();
  if (process.env.INFLIGHT_SNAPSHOT)
    (await import('node:v8')).writeHeapSnapshot(`${process.env.INFLIGHT_SNAPSHOT}.before`);
  if (client === 'tscurl-driver') {
    const d = new tscurl.NodeDriver({
      onDone(m) {
        d.multi.removeHandle(m.easy);
        completed(m.result === 0 && m.easy.private.bytes === 1024);
      },
    });
    for (let i = 0; i < n; i++) d.addHandle(countingEasy(tscurl, url));
  } else if (client === 'tscurl-request') {
    promiseCalls(tscurl.request);
  } else if (tscurl !== undefined) {
    const multi = appLoopMulti(tscurl, (socket, events) => act(socket, events));
    const act = (socket, events) => {
      multi.socketAction(socket, events);
      for (let m = multi.infoRead(); m !== undefined; m = multi.infoRead()) {
        multi.removeHandle(m.easy);
        completed(m.result === 0 && m.easy.private.bytes === 1024);
      }
    };
    for (let i = 0; i < n; i++) multi.addHandle(countingEasy(tscurl, url));
  } else if (undici !== undefined) {
    promiseCalls(undici.request);
  } else {
    const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
    for (let i = 0; i < n; i++) {
      http
        .get(url, { agent }, (res) => {
          let got = 0;
          res.on('data', (c) => {
            got += c.length;
          });
          res.on('end', () => completed(res.statusCode === 200 && got === 1024));
        })
        .on('error', () => completed(false));
    }
  }
  await allArrived;
  const oldBeforeGc = oldSpaceUsed();
  gc();
  const at = process.memoryUsage();
  if (process.env.INFLIGHT_SNAPSHOT)
    (await import('node:v8')).writeHeapSnapshot(process.env.INFLIGHT_SNAPSHOT);
  server.send('go');
  await finished;
  server.kill();
  const per = (k) => Math.round((at[k] - before[k]) / n);
  process.stdout.write(
    `${JSON.stringify({
      client,
      n,
      failed,
      heapUsedPerTransfer: per('heapUsed'),
      oldSpacePerTransfer: Math.round((oldBeforeGc - oldBefore) / n),
      externalPerTransfer: per('external'),
      rssPerTransfer: per('rss'),
      heapTotalMiB: Math.round(at.heapTotal / 1048576),
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
  process.exit(failed === 0 ? 0 : 1);
}
