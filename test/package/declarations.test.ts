// The published declarations as a strict consumer compiles them: tsc's .d.ts of the package (with
// stripInternal, as `npm run build` emits them), installed under the package's exports, and a
// program importing 'tscurl' and 'tscurl/sim' type-checked with `skipLibCheck: false`. A class
// whose `implements` clause or signature names a member left out as @internal compiles in the
// sources and fails here (scripts/check-package.mjs checks the same on the packed tarball in CI).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'tscurl-declarations-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const tsc = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });

test("the .d.ts files type-check in a strict consumer of 'tscurl' and 'tscurl/sim'", () => {
  const pkg = join(dir, 'app/node_modules/tscurl');
  const emit = tsc('-p', 'tsconfig.json', '--outDir', join(pkg, 'dist'));
  assert.equal(emit.status, 0, emit.stdout + emit.stderr);
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  const app = join(dir, 'app');
  symlinkSync(join(root, 'node_modules/@types'), join(app, 'node_modules/@types'), 'dir');
  writeFileSync(join(app, 'package.json'), '{ "private": true, "type": "module" }\n');
  const tsconfig = { extends: join(root, 'scripts/consumer-tsconfig.json'), files: ['main.ts'] };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
  writeFileSync(
    join(app, 'main.ts'),
    `import { Client, Easy, fetch, Multi, request, type RequestResult } from 'tscurl';
import { SimNetwork } from 'tscurl/sim';
const net = new SimNetwork();
const client: Client = net.createClient();
const multi: Multi = net.createMulti();
multi.addHandle(new Easy({ url: 'http://api.test/' }));
const r: Promise<RequestResult> = client.request('http://api.test/');
void [fetch, request, r];
`,
  );
  const check = tsc('-p', app);
  assert.equal(check.status, 0, check.stdout + check.stderr);
});
