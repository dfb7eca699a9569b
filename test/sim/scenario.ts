// Random scenarios for the determinism and property tests: N GETs, each either hitting its own
// host with one injected fault, or a shared healthy host (so connections get reused).
import { CurlCode, Easy, type Multi } from '../../src/index.js';
import {
  ALL_FAULT_KINDS,
  drawFault,
  expectedCurlCode,
  type Fault,
  type FaultKind,
  Rng,
  SimNetwork,
} from '../../src/sim.js';

/** Faults whose expected code is pinned down by the table (all of them, as drawFault draws them). */
export const SCENARIO_FAULT_KINDS: readonly FaultKind[] = ALL_FAULT_KINDS;

export interface TransferPlan {
  /** undefined: a healthy transfer to the shared host. */
  fault: Fault | undefined;
  bodyBytes: number;
}

export interface Scenario {
  seed: number;
  transfers: TransferPlan[];
  latencyMs: number;
  maxHostConnections: number;
}

/** Long enough for the slowest benign fault (a 2 KB body dripped at 20 ms a byte = 40 s). */
export const SCENARIO_TIMEOUT_MS = 120_000;

export function planFromSeed(seed: number, maxTransfers = 10): Scenario {
  const rng = new Rng(seed);
  const n = rng.int(1, maxTransfers);
  const transfers: TransferPlan[] = [];
  for (let i = 0; i < n; i++) {
    const bodyBytes = rng.int(1, 2000);
    const fault = rng.chance(0.7) ? drawFault(rng, { kinds: SCENARIO_FAULT_KINDS, bodyBytes }) : undefined;
    transfers.push({ fault, bodyBytes });
  }
  return { seed, transfers, latencyMs: rng.int(0, 50), maxHostConnections: rng.int(0, 3) };
}

export function expectedResult(plan: TransferPlan): CurlCode {
  if (!plan.fault) return CurlCode.OK;
  const code = expectedCurlCode(plan.fault);
  if (code === undefined)
    throw new Error(`scenario drew a fault with no pinned code: ${JSON.stringify(plan.fault)}`);
  return code;
}

export interface ScenarioRun {
  net: SimNetwork;
  multi: Multi;
  easies: Easy[];
  /** Per transfer: the results of its done messages, in order (exactly one expected). */
  results: number[][];
  received: number[];
}

export async function runScenario(sc: Scenario): Promise<ScenarioRun> {
  const net = new SimNetwork({ seed: sc.seed, latencyMs: sc.latencyMs });
  net.listen('shared.test', 80, (req, res) => {
    const n = Number(new URL(req.url, 'http://x').searchParams.get('n'));
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(new Uint8Array(n).fill(0x62));
  });
  sc.transfers.forEach((t, i) => {
    if (!t.fault) return;
    net.listen(
      `h${i}.test`,
      80,
      async (_req, res) => {
        res.writeHead(200);
        // Half the body, a pause, the rest: exercises chunked responses too when not truncating.
        if (
          t.bodyBytes > 1 &&
          t.fault?.kind !== 'truncate' &&
          t.fault?.kind !== 'halfClose' &&
          t.fault?.kind !== 'reset'
        ) {
          res.setHeader('content-length', t.bodyBytes);
          const half = Math.floor(t.bodyBytes / 2);
          res.write(new Uint8Array(half).fill(0x61));
          await net.sleep(5);
          res.end(new Uint8Array(t.bodyBytes - half).fill(0x61));
        } else res.end(new Uint8Array(t.bodyBytes).fill(0x61));
      },
      { faults: [t.fault] },
    );
  });
  const multi = net.createMulti({ maxHostConnections: sc.maxHostConnections });
  const received = sc.transfers.map(() => 0);
  const easies = sc.transfers.map(
    (t, i) =>
      new Easy({
        url: t.fault ? `http://h${i}.test/` : `http://shared.test/?n=${t.bodyBytes}`,
        timeoutMs: SCENARIO_TIMEOUT_MS,
        writeFunction: (c) => {
          received[i]! += c.length;
          return c.length;
        },
      }),
  );
  for (const e of easies) multi.addHandle(e);
  await net.run();
  const results: number[][] = sc.transfers.map(() => []);
  for (let m = multi.infoRead(); m; m = multi.infoRead()) results[easies.indexOf(m.easy)]!.push(m.result);
  return { net, multi, easies, results, received };
}
