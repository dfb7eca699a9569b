// Spawning the CLI from source (no build needed) and local node:http servers for CLI tests.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
export const CURL = '/usr/bin/curl';
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
export const haveCurl = existsSync(CURL);

export interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** A new session without a controlling terminal: /dev/tty can not be opened (password prompts read stdin). */
  noTty?: boolean;
}

export function runCommand(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? process.cwd(),
      env: opts.env ?? process.env,
      detached: opts.noTty === true,
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err }));
    // A command that exits before reading its input (an option error) closes the pipe: the EPIPE
    // of writing to it is not the test's outcome, the exit code and output are.
    child.stdin.on('error', () => {});
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Runs tscurl from source with `args`. */
export function tscurl(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return runCommand(process.execPath, [...cliNodeArgs(opts.cwd), ...args], opts);
}

/** node's arguments before tscurl's own: the bundle when there is one, else through tsx. */
export function cliNodeArgs(cwd?: string): string[] {
  const bundle = cliBundle();
  return bundle === undefined ? tscurlArgs(cwd) : [bundle];
}

let bundled: string | undefined | null = null;

/**
 * The CLI's source bundled by esbuild (the transformer tsx itself runs, reached through tsx), built
 * once per test file: a node process then starts in ~0.07 s of CPU instead of ~0.35 s through the
 * tsx loader, which keeps the few hundred spawns of the CLI suite within its time budget.
 * TSCURL_TEST_TSX=1, or no esbuild beside tsx, spawns through tsx as before.
 */
function cliBundle(): string | undefined {
  if (bundled !== null) return bundled;
  bundled = undefined;
  if (process.env.TSCURL_TEST_TSX === '1') return bundled;
  try {
    const esbuild = createRequire(import.meta.resolve('tsx'))('esbuild') as {
      buildSync(o: Record<string, unknown>): unknown;
    };
    const dir = mkdtempSync(join(tmpdir(), 'tscurl-cli-bundle-'));
    const out = join(dir, 'main.mjs');
    esbuild.buildSync({
      entryPoints: [MAIN],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: out,
      logLevel: 'error',
      // CommonJS dependencies bundled into ESM (the Redis client) require() Node's built-ins.
      banner: {
        js: "import { createRequire as __tscurlRequire } from 'node:module'; const require = __tscurlRequire(import.meta.url);",
      },
      // help.ts finds package.json next to the source, as under tsx.
      define: { 'import.meta.url': JSON.stringify(new URL('../../src/cli/help.ts', import.meta.url).href) },
    });
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    bundled = out;
  } catch {
    bundled = undefined;
  }
  return bundled;
}

/** node's arguments to run the CLI from source; from another directory by absolute location. */
export function tscurlArgs(cwd?: string): string[] {
  return cwd === undefined ? CLI : ['--import', import.meta.resolve('tsx'), MAIN];
}

export function curl(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return runCommand(CURL, args, opts);
}

/**
 * curl 7.88's `* Connected to H (A) port P (#N)` lines (the curl installed here) in curl 8's
 * words, which tscurl follows: curl 8 ends the line at the port.
 */
export function connectedAsCurl8(stderr: string): string {
  return stderr.replace(/^(\* Connected to .*) \(#\d+\)$/gm, '$1');
}

export interface CliServer {
  url: string;
  port: number;
  server: Server;
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }>;
  close(): Promise<void>;
}

export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void,
): Promise<CliServer> {
  const s: CliServer = {
    url: '',
    port: 0,
    server: undefined as unknown as Server,
    requests: [],
    close: () =>
      new Promise((resolve) => {
        s.server.closeAllConnections();
        s.server.close(() => resolve());
      }),
  };
  s.server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      s.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
  const addr = s.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  s.port = addr.port;
  s.url = `http://127.0.0.1:${addr.port}`;
  return s;
}

/** Every file below `dir` (path relative to it) with its bytes as latin1, for comparing runs. */
export function listFiles(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) Object.assign(out, listFiles(p, `${prefix}${name}/`));
    else out[prefix + name] = readFileSync(p, 'latin1');
  }
  return out;
}
