// tscurl/sim: a simulated network with a virtual clock and seeded faults, to test transfer logic
// (retries, timeouts, fan-out, slow or broken servers) deterministically and fast.
//
//   const net = new SimNetwork({ seed: 42 });
//   net.listen('api.test', 80, (req, res) => { res.writeHead(200); res.end('hi'); }, { latencyMs: 20 });
//   const multi = net.createMulti({ maxHostConnections: 4 });
//   multi.addHandle(new Easy({ url: 'http://api.test/x', writeFunction: (c) => c.length }));
//   await net.run();
import dc from 'node:diagnostics_channel';
import { Client, type ClientOptions } from './api/client.js';
import type { Easy } from './multi/easy.js';
import type { EasyInfo } from './multi/info.js';
import { Multi, type MultiOptions } from './multi/multi.js';
import { type LoopSocketFunction, SimLoop } from './transport/sim/driver.js';
import { macrotask, SimNet, type SimNetworkOptions } from './transport/sim/network.js';
import type { Socket } from './transport/types.js';

export {
  ALL_FAULT_KINDS,
  type ByteOrigin,
  type DrawOptions,
  describeFault,
  drawFault,
  expectedCurlCode,
  FAULT_CODES,
  type Fault,
  type FaultContext,
  type FaultKind,
  type FaultPlan,
  randomFaults,
} from './transport/sim/faults.js';
export type { H2Response, Http2ServerConnection, Http2ServerOptions } from './transport/sim/h2-server.js';
export type {
  HeaderValue,
  HttpServerOptions,
  SimHandler,
  SimRequest,
  SimResponse,
} from './transport/sim/http-server.js';
export type { LinkOptions } from './transport/sim/link.js';
export type {
  ListenOptions,
  RawHandler,
  SimActivity,
  SimListener,
  SimNetworkOptions,
} from './transport/sim/network.js';
export type { PeerConn } from './transport/sim/peer.js';
export { Rng } from './transport/sim/prng.js';
export type { SimCertificateOptions, SimTlsServerOptions } from './transport/sim/tls.js';
export { SimTransport } from './transport/sim/transport.js';
export type { SimStats } from './transport/sim/world.js';

/** Options of createMulti(): a Multi's options; socket/timer callbacks, if given, are called too. */
export type SimMultiOptions = Omit<MultiOptions, 'transport'>;

export interface RunOptions {
  /** Stop at this virtual time (ms since the network was created) even if transfers still run. */
  untilMs?: number;
}

/** Which loop drives which Multi, for the done channel (one subscription for the process). */
const loopOf = new WeakMap<object, SimLoop>();
/** The network whose transfer records a Multi's completed transfers go to. */
const recordsOf = new WeakMap<object, EasyInfo[]>();
let doneSubscribed = false;

function subscribeDone(): void {
  if (doneSubscribed) return;
  doneSubscribed = true;
  dc.channel('tscurl:transfer:done').subscribe((message) => {
    const m = message as { easy: Easy; result: number };
    const multi = m.easy._multi;
    if (multi === undefined) return;
    loopOf.get(multi)?.done(multi, m.easy, m.result);
    recordsOf.get(multi)?.push(m.easy.getInfo());
  });
}

/**
 * The simulated network plus the application's event loop in virtual time: createMulti() binds a
 * Multi to it, run() drives every bound Multi until no transfer is running.
 */
export class SimNetwork extends SimNet {
  private readonly loop: SimLoop;
  /** The driving call in progress ('run()', 'advance()', ...), if any. */
  private driving: string | undefined;
  private selfDriving = false;
  private readonly records: EasyInfo[] = [];
  private readonly tracing: boolean;

  constructor(options: SimNetworkOptions = {}) {
    super(options);
    this.tracing = options.trace ?? true;
    this.loop = new SimLoop(this.world.sched, (s: Socket) => localFdOf(s), this.tracing);
  }

  /**
   * A Multi on this network: its transport and clock are the simulator's, and the simulator is its
   * event loop (socket and timer callbacks). Your own socketFunction / timerFunction, if given, are
   * called first; returning -1 from them still kills the Multi as it would anywhere.
   */
  createMulti(options: SimMultiOptions = {}): Multi {
    const { socketFunction, timerFunction, ...rest } = options;
    const cb = this.loop.callbacks({
      socketFunction: socketFunction as LoopSocketFunction | undefined,
      timerFunction,
    });
    const multi = new Multi({
      ...rest,
      transport: this.transport,
      socketFunction: cb.socketFunction as MultiOptions['socketFunction'] & object,
      timerFunction: cb.timerFunction,
    });
    cb.attach(multi);
    loopOf.set(multi, this.loop);
    this.record(multi);
    return multi;
  }

  /**
   * A Client (its fetch() and request()) on this network, in virtual time and without run(): the
   * network drives itself whenever an event is due, and moves the clock only once the process has
   * nothing left to do at the current virtual instant (your code after each await runs first).
   * A stalled transfer with no timeout never settles, as on a real network: give calls a timeout.
   */
  createClient(options: ClientOptions = {}): Client {
    const sched = this.world.sched;
    sched.onSchedule ??= () => this.kick();
    const client = new Client(options, {
      transport: this.transport,
      timer: (ms, fire) => {
        const event = sched.at(ms, fire);
        return () => sched.cancel(event);
      },
      holdsProcess: false,
    });
    this.record(client.driver.multi);
    return client;
  }

  /**
   * getInfo() of every transfer completed on this network's Multis and Clients, in completion
   * order, times on the virtual clock: `renderTimeline(net.transferRecords(), { clock: 'virtual' })`
   * draws them. Recorded while tracing is on (the default; `trace: false` turns both off).
   */
  transferRecords(): EasyInfo[] {
    return this.records.slice();
  }

  private record(multi: Multi): void {
    subscribeDone();
    if (this.tracing) recordsOf.set(multi, this.records);
  }

  /** Start the self-driving loop (createClient networks), unless a loop already runs. */
  private kick(): void {
    if (this.selfDriving || this.driving !== undefined) return;
    this.selfDriving = true;
    void this.selfDrive();
  }

  private async selfDrive(): Promise<void> {
    const sched = this.world.sched;
    try {
      for (;;) {
        await macrotask();
        if (this.driving !== undefined) return; // run() or advance() took over
        const next = sched.peekTime();
        if (next === undefined) return;
        // Everything due at this instant; the application reacts before the clock moves on.
        while (sched.peekTime() === next) sched.step();
      }
    } finally {
      this.selfDriving = false;
    }
  }

  /**
   * One driving call at a time: a run(), advance() or runUntilIdle() started while another has
   * not finished means a call was not awaited, and it rejects saying which.
   */
  protected override async drive(stop: () => boolean, until: number, caller = 'run()'): Promise<void> {
    if (this.driving !== undefined) {
      throw new Error(
        `sim: net.${caller} called while net.${this.driving} has not finished: ` +
          'these calls return promises; await each one before the next',
      );
    }
    this.driving = caller;
    try {
      await super.drive(stop, until);
    } finally {
      this.driving = undefined;
      if (this.world.sched.onSchedule !== undefined && this.world.sched.peekTime() !== undefined) this.kick();
    }
  }

  /**
   * Drive every Multi of this network in virtual time until none has a transfer running. Done
   * messages stay queued for multi.infoRead(). Rejects if transfers still run but nothing is left
   * to happen (for example a stalled server and no timeout), or if socketAction threw.
   */
  async run(options: RunOptions = {}): Promise<void> {
    const until = options.untilMs ?? Number.POSITIVE_INFINITY;
    const errorsBefore = this.loop.errors.length;
    await this.drive(() => this.loop.idle() || this.loop.errors.length > errorsBefore, until);
    if (this.loop.errors.length > errorsBefore) throw this.loop.errors[errorsBefore];
    if (options.untilMs !== undefined) {
      this.world.sched.advanceTo(until);
      return;
    }
    if (!this.loop.idle()) {
      throw new Error(
        `sim: ${this.loop.running()} transfer(s) still running at t=${this.now().toFixed(3)} ` +
          'and nothing left to happen (a stalled peer and no timeout?)',
      );
    }
  }

  /** The socket/timer callbacks, readiness events and results, one line each, with virtual time. */
  trace(): string[] {
    return this.loop.trace();
  }

  /** Sockets announced by the Multis and not removed yet. */
  announcedSockets(): number {
    return this.loop.announcedSockets();
  }

  /** True while a Multi of this network has its timer armed. */
  timerArmed(): boolean {
    return this.loop.timerArmed();
  }
}

function localFdOf(socket: Socket): number {
  const s = socket as { localFd?: number };
  return s.localFd ?? socket.fd;
}
