// Runs a TypeScript file in a child Node process, with `tscurl` / `tscurl/sim` mapped to src/.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const hooks = fileURLToPath(new URL('./fixtures/tscurl-from-src.mjs', import.meta.url));

export function runTs(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', hooks, file], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
