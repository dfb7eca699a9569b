// Every ```ts block of README.md and docs/*.md is a complete program a reader may copy: here all of
// them are type-checked together under `strict` (as modules, with 'tscurl' and 'tscurl/sim'
// mapped to the sources), and checked for promises left floating: an expression statement whose
// value is a promise (net.run(), net.advance(), client.close(), ...) must be awaited, returned or
// explicitly `void`ed. The pages' own runners execute the blocks (docs.test.ts, guide.test.ts,
// sim/docs-examples.test.ts); this file also runs those of README.md, timeline.md and limits.md.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { startServers } from '../api/routes.js';
import { bundlePrograms } from '../helpers/bundle.js';

const root = resolve(import.meta.dirname, '../..');
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const dir = mkdtempSync(join(tmpdir(), 'tscurl-doc-examples-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Example {
  page: string;
  index: number;
  line: number;
  code: string;
}

function examplesOf(page: string): Example[] {
  const text = readFileSync(join(root, page), 'utf8');
  const out: Example[] = [];
  for (const m of text.matchAll(/^```ts(?: example)?\n([\s\S]*?)^```$/gm)) {
    out.push({ page, index: out.length, line: text.slice(0, m.index).split('\n').length + 1, code: m[1]! });
  }
  return out;
}

const examples = pages.flatMap(examplesOf);

/** Where a floating promise is, as "page:line", for each expression statement of promise type. */
function floatingPromises(program: ts.Program, file: ts.SourceFile, ex: Example): string[] {
  const checker = program.getTypeChecker();
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isExpressionStatement(node) &&
      !ts.isVoidExpression(node.expression) &&
      !ts.isAwaitExpression(node.expression)
    ) {
      const type = checker.getTypeAtLocation(node.expression);
      if (type.getProperty('then') !== undefined) {
        const { line } = file.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${ex.page}:${ex.line + line}: ${node.getText().split('\n')[0]}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('docs examples', () => {
  test('README and docs have ts examples', () =>
    assert.ok(examples.length >= 30, `${examples.length} examples`));

  test('every example type-checks under strict, with no floating promise', () => {
    const files = examples.map((ex) => {
      const file = join(dir, 'check', `${ex.page.replace(/\W/g, '_')}_${ex.index}.mts`);
      mkdirSync(join(dir, 'check'), { recursive: true });
      // `export {}` keeps each block a module of its own (top-level await, no shared names).
      writeFileSync(file, `${ex.code}\nexport {};\n`);
      return { file, ex };
    });
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
      skipLibCheck: true,
      baseUrl: root,
      paths: { tscurl: ['src/index.ts'], 'tscurl/sim': ['src/sim.ts'] },
    };
    const program = ts.createProgram(
      files.map((f) => f.file),
      options,
    );
    const problems: string[] = [];
    const byFile = new Map(files.map((f) => [resolve(f.file), f.ex]));
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const ex = d.file === undefined ? undefined : byFile.get(resolve(d.file.fileName));
      const where =
        ex !== undefined && d.start !== undefined
          ? `${ex.page}:${ex.line + d.file!.getLineAndCharacterOfPosition(d.start).line}`
          : (d.file?.fileName ?? '');
      problems.push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
    for (const { file, ex } of files) {
      const source = program.getSourceFile(file);
      if (source !== undefined)
        problems.push(...floatingPromises(program, source, ex).map((p) => `${p} (not awaited)`));
    }
    assert.deepEqual(problems, []);
  });
});

// The pages no other runner executes: each block as its own process, in a temp working directory,
// with http://127.0.0.1:3000 (and the README's :8080) pointing at the test routes. A block passes
// when it exits 0 by itself within the bound (nothing left holding the process).
describe('examples run', { concurrency: 3 }, () => {
  const runHere = ['README.md', 'docs/timeline.md', 'docs/limits.md', 'docs/troubleshooting.md'];
  const here = examples.filter((e) => runHere.includes(e.page));
  let servers: Awaited<ReturnType<typeof startServers>>;
  /** Per example: its working directory and what node runs (built, or the source under tsx). */
  const runs = new Map<Example, { work: string; args: string[] }>();
  before(async () => {
    servers = await startServers();
    const sources = here.map((ex, i) => {
      const work = mkdtempSync(join(dir, 'run-'));
      const file = join(work, `example-${i}.mts`);
      writeFileSync(
        file,
        ex.code
          .replaceAll('http://127.0.0.1:3000', servers.a.url)
          .replaceAll('http://127.0.0.1:8080', servers.a.url),
      );
      return { ex, work, file };
    });
    // Built together, the examples start in ~0.1 s each; without esbuild they run through tsx.
    const built = bundlePrograms(
      sources.map((s) => s.file),
      join(dir, 'built'),
    );
    const hooks = pathToFileURL(join(root, 'test/sim/fixtures/tscurl-from-src.mjs')).href;
    const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/esm/index.mjs')).href;
    for (const { ex, work, file } of sources) {
      const args = built === undefined ? ['--import', tsx, '--import', hooks, file] : [built.get(file)!];
      runs.set(ex, { work, args });
    }
  });
  after(() => servers.close());

  for (const ex of here) {
    test(`${ex.page} example ${ex.index + 1} (line ${ex.line})`, async () => {
      const { work, args } = runs.get(ex)!;
      const started = Date.now();
      const r = await new Promise<{ code: number | null; out: string }>((done) => {
        const child = spawn(process.execPath, args, { cwd: work });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        const timer = setTimeout(() => child.kill(), 20_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          done({ code, out });
        });
      });
      assert.equal(r.code, 0, r.out);
      assert.ok(Date.now() - started < 15_000, `exited after ${Date.now() - started} ms`);
    });
  }
});
