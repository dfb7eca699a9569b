// Runs a TypeScript file in a child Node process, with `tscurl` / `tscurl/sim` mapped to src/.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const hooks = fileURLToPath(new URL('./fixtures/tscurl-from-src.mjs', import.meta.url));

/** Runs `file` through tsx without blocking the event loop, so several files can run at once. */
export function runTsAsync(file: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return runNodeAsync(['--import', 'tsx', '--import', hooks, file]);
}

/** node with `args` (a module built by bundlePrograms, or runTsAsync's), its output collected. */
export function runNodeAsync(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
