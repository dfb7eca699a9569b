// Runs one command line through /usr/bin/curl and tscurl against one local server: stdout, the
// files written and the exit code must be identical. (stderr is not compared: curl's progress
// meter and its error texts mention its own name and connect timings.) The cases are split over
// two test files so that each stays well inside the runner's file timeout on a loaded machine.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFixtureServer } from './fixture-server.js';
import { type CliServer, curl, haveCurl, listFiles, tscurl } from './helpers.js';

export interface Case {
  name: string;
  args: string[];
  /** Files to create in the working directory first. */
  files?: Record<string, string>;
  /** stdin for both. */
  input?: string;
  /**
   * Where curl 7.88's stdout differs from curl 8's: [7.88's text, curl 8's text], replaced in
   * curl's stdout before comparing.
   */
  curl8?: [string, string];
}

/**
 * One test per case, to be called inside the test file's own `describe` (so the runner's timings
 * name that file), with the fixture server and working directories set up around them.
 */
export function compareWithCurl(cases: Case[]): void {
  let server: CliServer;
  let root: string;

  before(async () => {
    server = await startFixtureServer();
    root = mkdtempSync(join(tmpdir(), 'tscurl-cmp-'));
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const subst = (s: string) => s.replaceAll('{U}', server.url).replaceAll('{P}', String(server.port));

  for (const [i, c] of cases.entries()) {
    test(c.name, async () => {
      assert.ok(haveCurl, 'these tests compare against /usr/bin/curl, which is installed here and in CI');
      const dirs = ['curl', 'tscurl'].map((tool) => {
        const d = join(root, `${i}-${tool}`);
        rmSync(d, { recursive: true, force: true });
        mkdirSync(d, { recursive: true });
        for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(d, name), subst(text));
        return d;
      });
      const args = c.args.map(subst);
      const io = (cwd: string) => (c.input === undefined ? { cwd } : { cwd, input: c.input });
      const [a, b] = await Promise.all([curl(args, io(dirs[0]!)), tscurl(args, io(dirs[1]!))]);
      const ctx = `\ncurl stderr: ${a.stderr}\ntscurl stderr: ${b.stderr}`;
      assert.equal(b.code, a.code, `exit code${ctx}`);
      let theirs = a.stdout.toString('latin1');
      if (c.curl8 !== undefined) {
        assert.ok(theirs.includes(c.curl8[0]), `curl 7.88's text${ctx}`);
        theirs = theirs.replace(c.curl8[0], c.curl8[1]);
      }
      assert.equal(b.stdout.toString('latin1'), theirs, `stdout${ctx}`);
      assert.deepEqual(listFiles(dirs[1]!), listFiles(dirs[0]!), `files${ctx}`);
    });
  }
}
