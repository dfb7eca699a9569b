// Pausing and unpausing update the socket interest both ways: the exact socket callback sequence
// on pause and unpause, for receiving (writeFunction PAUSE, easy.pause(RECV) from outside) and
// sending (readFunction PAUSE).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, PAUSE, Pause } from '../../src/index.js';
import { AppLoop } from '../helpers/app-loop.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

let srv: TestServer;

before(async () => {
  srv = await startHttpServer((req, res) => {
    if (req.url === '/two-parts') {
      res.writeHead(200, { 'Content-Length': 8 });
      res.write('aaaa');
      setTimeout(() => res.end('bbbb'), 150);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => res.end(`got ${Buffer.concat(chunks).length}`));
  });
});

after(async () => {
  await srv.close();
});

const socketEvents = (loop: AppLoop) =>
  loop.events.filter((e) => e.startsWith('socket') || e.startsWith('done') || e.startsWith('mark'));

test('writeFunction PAUSE drops the IN interest (REMOVE); pause(CONT) announces IN again', async () => {
  const loop = new AppLoop();
  let body = '';
  const easy: Easy = new Easy({
    url: `${srv.url}/two-parts`,
    writeFunction: (c) => {
      if (body === '') {
        body = '-';
        setTimeout(() => {
          loop.events.push('mark unpause');
          easy.pause(Pause.CONT);
        }, 50);
        return PAUSE;
      }
      body += c.toString();
      return c.length;
    },
  });
  loop.multi.addHandle(easy);
  await loop.untilIdle();
  loop.close();
  assert.equal(loop.done[0]!.result, CurlCode.OK);
  assert.equal(body, '-aaaabbbb');
  assert.deepEqual(socketEvents(loop), [
    'socket s1 OUT',
    'socket s1 IN',
    'socket s1 REMOVE',
    'mark unpause',
    'socket s1 IN',
    'socket s1 REMOVE',
    'done 0',
  ]);
});

test('easy.pause(RECV) from outside removes the interest at once, CONT restores it', async () => {
  const loop = new AppLoop();
  let body = '';
  const easy = new Easy({
    url: `${srv.url}/two-parts`,
    writeFunction: (c) => {
      body += c.toString();
      if (body === 'aaaa') {
        setTimeout(() => {
          loop.events.push('mark pause');
          easy.pause(Pause.RECV);
          loop.events.push('mark paused');
          setTimeout(() => {
            loop.events.push('mark unpause');
            easy.pause(Pause.CONT);
          }, 250);
        }, 10);
      }
      return c.length;
    },
  });
  loop.multi.addHandle(easy);
  await loop.untilIdle();
  loop.close();
  assert.equal(loop.done[0]!.result, CurlCode.OK);
  assert.equal(body, 'aaaabbbb');
  assert.deepEqual(socketEvents(loop), [
    'socket s1 OUT',
    'socket s1 IN',
    'mark pause',
    'socket s1 REMOVE',
    'mark paused',
    'mark unpause',
    'socket s1 IN',
    'socket s1 REMOVE',
    'done 0',
  ]);
});

test('readFunction PAUSE drops OUT but keeps IN; pause(CONT) asks for INOUT again', async () => {
  const loop = new AppLoop();
  let reads = 0;
  const easy: Easy = new Easy({
    url: `${srv.url}/upload`,
    upload: true,
    inFileSize: 6,
    readFunction: (b) => {
      reads++;
      if (reads === 2) {
        setTimeout(() => {
          loop.events.push('mark unpause');
          easy.pause(Pause.CONT);
        }, 50);
        return PAUSE;
      }
      b.write('abc');
      return 3;
    },
  });
  loop.multi.addHandle(easy);
  await loop.untilIdle();
  loop.close();
  assert.equal(loop.done[0]!.result, CurlCode.OK, easy.errorBuffer);
  // The first read is sent in the same run that connected, the second pauses: OUT goes straight to IN.
  assert.equal(reads, 3);
  assert.deepEqual(socketEvents(loop), [
    'socket s1 OUT',
    'socket s1 IN',
    'mark unpause',
    'socket s1 INOUT',
    'socket s1 IN',
    'socket s1 REMOVE',
    'done 0',
  ]);
});
