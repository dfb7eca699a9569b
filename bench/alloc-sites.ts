// Bytes allocated per request by allocating function, for the in-memory benches' --alloc mode
// (engine-cost.ts, h2-engine-cost.ts, api-cost.ts): V8's sampling heap profiler over one
// workload, objects collected since included, printed as a markdown table.
import { Session } from 'node:inspector/promises';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/**
 * Runs `workload` (`count` requests) under the sampling heap profiler and prints
 * "`label`: N bytes allocated per request" and the `top` allocating sites (ALLOC_TOP, default 25).
 */
export async function printAllocationSites(
  label: string,
  count: number,
  workload: () => unknown,
  top = Number(process.env.ALLOC_TOP ?? 25),
): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
  await workload();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
    profile: { head: SamplingNode };
  };
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (n: SamplingNode): void => {
    const f = n.callFrame;
    const file = f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
    total += n.selfSize;
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  console.log(`${label}: ${(total / count).toFixed(0)} bytes allocated per request`);
  console.log('');
  console.log('| bytes per request | % | allocated in |');
  console.log('|---:|---:|---|');
  for (const [key, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`| ${(bytes / count).toFixed(0)} | ${((100 * bytes) / total).toFixed(1)} | \`${key}\` |`);
  }
}
