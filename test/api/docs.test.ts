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
import { bundlePrograms } from '../helpers/bundle.js';
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
  prepare();
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

/** The examples of every page, as written; the files to run are made in before(). */
const examples = pages.flatMap((page) => blocks(page).map((code, index) => ({ page, index, code })));
/** Per example: the program to run (bundled, or the source for tsx). */
const programs = new Map<string, { file: string; tsx: boolean }>();
const key = (page: string, i: number) => `${page}#${i}`;

/** Writes every example with the local servers' addresses and builds them (run by before()). */
function prepare(): void {
  const sources = examples.map(({ page, index, code }) => {
    const file = join(dir, `${page.replace(/\W/g, '_')}_${index}.mts`);
    writeFileSync(
      file,
      code
        .replaceAll('http://127.0.0.1:3000', servers.a.url)
        .replaceAll('https://localhost:3443', secureUrl)
        .replaceAll("'./ca.pem'", JSON.stringify(pki.caCert))
        .replaceAll("'./server-pub.pem'", JSON.stringify(pki.serverPubPem)),
    );
    return file;
  });
  // Built together, the examples start in ~0.1 s each; without esbuild they run through tsx.
  const built = bundlePrograms(sources, join(dir, 'built'));
  examples.forEach(({ page, index }, i) => {
    const source = sources[i]!;
    if (built !== undefined) programs.set(key(page, index), { file: built.get(source)!, tsx: false });
    else {
      writeFileSync(source, readFileSync(source, 'utf8').replaceAll("from 'tscurl'", `from '${entry}'`));
      programs.set(key(page, index), { file: source, tsx: true });
    }
  });
}

function runExample(program: {
  file: string;
  tsx: boolean;
}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const args = program.tsx ? ['--import', 'tsx', program.file] : [program.file];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
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
    const list = examples.filter((e) => e.page === page);
    test('has examples', () => assert.ok(list.length >= 3, `${page} has ${list.length} examples`));
    for (const { code, index } of list) {
      test(`example ${index + 1}: ${
        code
          .split('\n')
          .find((l) => /await|new Client/.test(l))
          ?.trim() ?? ''
      }`, async () => {
        const r = await runExample(programs.get(key(page, index))!);
        assert.equal(r.code, 0, r.stderr);
      });
    }
  });
}
