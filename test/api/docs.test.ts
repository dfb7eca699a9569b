// Runs every ```ts block of the promise-API guides (docs/fetch.md, request.md, client.md) as its
// own process against the test routes: 'tscurl' is this checkout's src/index.ts and
// http://127.0.0.1:3000 the local server. A block passes when its asserts hold and the process
// exits by itself (the default client must not keep it alive).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { testPki } from '../helpers/tls-certs.js';
import { routes, startServers } from './routes.js';

const pages = ['docs/fetch.md', 'docs/request.md', 'docs/client.md', 'docs/tls.md'];
const entry = pathToFileURL(resolve('src/index.ts')).href;
let servers: Awaited<ReturnType<typeof startServers>>;
const dir = mkdtempSync(join(tmpdir(), 'tscurl-docs-'));
// docs/tls.md's server: the same routes over https, with a certificate from the test CA.
const pki = testPki();
let secure: https.Server;
let secureUrl = '';

before(async () => {
  servers = await startServers();
  secure = https.createServer(
    { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) },
    routes(() => secureUrl),
  );
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  secureUrl = `https://localhost:${(secure.address() as AddressInfo).port}`;
});
after(async () => {
  await servers.close();
  secure.closeAllConnections();
  secure.close();
  rmSync(dir, { recursive: true, force: true });
});

function blocks(page: string): string[] {
  const md = readFileSync(page, 'utf8');
  return [...md.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

function runExample(file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr });
    });
  });
}

for (const page of pages) {
  // Each example is its own process: they run three at a time.
  describe(page, { concurrency: 3 }, () => {
    const list = blocks(page);
    test('has examples', () => assert.ok(list.length >= 3, `${page} has ${list.length} examples`));
    list.forEach((code, i) => {
      test(`example ${i + 1}: ${
        code
          .split('\n')
          .find((l) => /await|new Client/.test(l))
          ?.trim() ?? ''
      }`, async () => {
        const source = code
          .replaceAll("from 'tscurl'", `from '${entry}'`)
          .replaceAll('http://127.0.0.1:3000', servers.a.url)
          .replaceAll('https://localhost:3443', secureUrl)
          .replaceAll("'./ca.pem'", JSON.stringify(pki.caCert))
          .replaceAll("'./server-pub.pem'", JSON.stringify(pki.serverPubPem));
        const file = join(dir, `${page.replace(/\W/g, '_')}_${i}.mts`);
        writeFileSync(file, source);
        const r = await runExample(file);
        assert.equal(r.code, 0, r.stderr);
      });
    });
  });
}
