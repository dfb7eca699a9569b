// Starting a worker thread from a module file: the compiled .js as it is, or a .ts source (tests,
// benches under tsx), whose loader hook does not reach worker threads by itself.
import type { Worker, WorkerOptions } from 'node:worker_threads';

export function startThread(entry: URL, options: WorkerOptions): Worker {
  // Loaded here, not at start-up: most programs (the CLI's plain runs) never start a thread.
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const code = `import(${tsx}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}

/** `name` (no extension) beside the module whose import.meta.url is `from`, in the same form (.ts or .js). */
export function besides(from: string, name: string): URL {
  return new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}
