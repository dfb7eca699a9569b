// A server that answers early (413) and resets the connection while a large upload is still
// going: the transfer ends OK with the server's answer, as libcurl's, not with a send or receive
// error, and the connection is not reused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, NodeDriver } from '../../src/index.js';
import { onRequestHead, type RawServer, startRawServer } from '../helpers/http-server.js';

let server: RawServer;
before(async () => {
  server = await startRawServer((s) => {
    onRequestHead(
      s,
      (path) => {
        s.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big!');
        const delay = path === '/later' ? 5 : 0;
        if (delay === 0) s.resetAndDestroy();
        else setTimeout(() => s.resetAndDestroy(), delay);
      },
      { once: true }, // the upload body that follows is not buffered
    );
  });
});
after(async () => server.close());

for (const path of ['/now', '/later']) {
  test(`50 MB upload, 413 then reset (${path}): result 0, response 413, body delivered`, async () => {
    const driver = new NodeDriver();
    for (let i = 0; i < 5; i++) {
      let sent = 0;
      let body = '';
      const easy = new Easy({
        url: `${server.url}${path}`,
        upload: true,
        inFileSize: 50_000_000,
        httpHeader: ['Expect:'],
        readFunction: (buf) => {
          const n = Math.min(buf.length, 50_000_000 - sent);
          buf.fill(1, 0, n);
          sent += n;
          return n;
        },
        writeFunction: (c) => {
          body += c;
          return c.length;
        },
      });
      const m = await driver.add(easy);
      assert.equal(m.result, CurlCode.OK, easy.errorBuffer);
      assert.equal(easy.getInfo().responseCode, 413);
      assert.equal(body, 'too big!');
      assert.ok(sent < 50_000_000, 'the upload stopped early');
    }
    driver.close();
  });
}
