// Process lifetime as Node users expect it: nothing left behind by the library keeps the process
// alive once the script's own work is done. Each case is a child process (fixtures/lifetime-child.ts)
// that prints "done" after its work and must then exit by itself within EXIT_BOUND_MS. The server
// keeps idle connections for a minute, so a pooled socket that held the process would show (the
// bound is generous for a loaded machine; a process held open lives until it is killed).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { builtPrograms } from '../helpers/bundle.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

const LARGE = 8 * 1024 * 1024;
const EXIT_BOUND_MS = 5000;
let server: TestServer;
const largeBody = Buffer.alloc(LARGE, 'x');

const FIXTURE = 'test/api/fixtures/lifetime-child.ts';
/** node's arguments for the child: the fixture built once by esbuild (~0.1 s a start), else through tsx. */
const childArgs = builtPrograms([FIXTURE]);

before(async () => {
  server = await startHttpServer((req, res) => {
    const body = req.url === '/large' ? largeBody : Buffer.from('hello');
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
});
after(async () => {
  await server.close();
});

interface ChildRun {
  code: number | null;
  out: string;
  /** From "done" on stdout to the process's exit. */
  afterDoneMs: number;
}

function runChild(mode: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...childArgs(FIXTURE), server.url, mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let doneAt = 0;
    let killer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      out += d;
      if (doneAt === 0 && out.includes('done\n')) {
        doneAt = Date.now();
        killer = setTimeout(() => child.kill(), EXIT_BOUND_MS * 3);
      }
    });
    const overall = setTimeout(() => {
      child.kill();
      reject(new Error(`${mode}: no "done" after 30 s; output: ${out}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(overall);
      clearTimeout(killer);
      resolve({ code, out, afterDoneMs: doneAt === 0 ? Number.NaN : Date.now() - doneAt });
    });
  });
}

async function exitsPromptly(mode: string, expectOut?: string): Promise<void> {
  const r = await runChild(mode);
  assert.equal(r.code, 0, `${mode} exited with ${r.code}: ${r.out}`);
  assert.ok(
    r.afterDoneMs < EXIT_BOUND_MS,
    `${mode}: process lived ${r.afterDoneMs} ms after its work was done`,
  );
  if (expectOut !== undefined) assert.equal(r.out, expectOut);
}

describe('nothing keeps the process alive after the work is done', { concurrency: 3 }, () => {
  test('fetch(), small body never read', () => exitsPromptly('fetch-unread-small', '200\ndone\n'));
  test('fetch(), 8 MiB body never read', () => exitsPromptly('fetch-unread-large', '200\ndone\n'));
  test('fetch(), 8 MiB body: one chunk read, the reader dropped', () =>
    exitsPromptly('fetch-abandoned-large'));
  test('request(), small body never read', () => exitsPromptly('request-unread-small', '200\ndone\n'));
  test('request(), 8 MiB body never read', () => exitsPromptly('request-unread-large', '200\ndone\n'));
  test('request(), 8 MiB body: one chunk, then paused for good', () =>
    exitsPromptly('request-abandoned-large'));
  test('request(), 8 MiB body: for await ... break', () => exitsPromptly('request-iterated-large'));
  test('an idle Client never closed (pooled connection open)', () => exitsPromptly('client-idle'));
  test('a Client with unread 8 MiB bodies', () => exitsPromptly('client-unread-large'));
  test('the default client after fetch() and request()', () => exitsPromptly('default-client'));
  test('a Client with worker threads, idle', () => exitsPromptly('workers-idle'));
  test('a Client with worker threads, an 8 MiB body never read', () =>
    exitsPromptly('workers-unread-large', '200\ndone\n'));
  test('a Client with worker threads: a body being read keeps the process alive to its end', () =>
    exitsPromptly('workers-read-large', `done\n${LARGE}\n`));
  test('a finished NodeDriver, never closed', () => exitsPromptly('driver-finished', '0\ndone\n'));
  test('a finished Multi on its own event loop, never closed', () => exitsPromptly('multi-finished'));
  test('a body being read keeps the process alive until its last byte', () =>
    exitsPromptly('fetch-read-large', `done\n${LARGE}\n`));
});
