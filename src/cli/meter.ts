// When and where the progress output is drawn: one timer in the CLI's loop reads the running
// transfers' getInfo() (never from inside engine callbacks). curl's rules: nothing with -s or
// --no-progress-meter, nothing for a transfer whose body goes to stdout when stdout is a
// terminal; tscurl also requires stderr to be a terminal (TSCURL_FORCE_PROGRESS=1 overrides that,
// for tests).
import type { Easy } from '../multi/easy.js';
import type { Global } from './config.js';
import type { Job } from './job.js';
import { barWidth, ParallelMeter, ProgressBar, TransferMeter, type Write } from './progress.js';

/** The timer's period: -# redraws at most ten times a second, the meters once a second / half second. */
const TICK_MS = 100;

export function stderrWantsProgress(): boolean {
  return process.stderr.isTTY === true || process.env.TSCURL_FORCE_PROGRESS === '1';
}

export class ProgressDisplay {
  private readonly live = new Map<Easy, TransferMeter | ProgressBar | undefined>();
  private timer: NodeJS.Timeout | undefined;
  private parallel: ParallelMeter | undefined;
  private parallelOn = false;
  private xfers = 0;
  private dlDone = 0;
  private ulDone = 0;

  constructor(
    private readonly g: Global,
    private readonly write: Write,
    private readonly stdoutTty: boolean,
    private readonly stderrOk: boolean,
  ) {}

  /** curl's per-transfer rule (tool_operate.c: output to a terminal switches the meter off). */
  private wanted(job: Job): boolean {
    if (this.g.silent || this.g.noProgressMeter || !this.stderrOk) return false;
    return !(job.body.isStdout && this.stdoutTty);
  }

  start(job: Job, easy: Easy): void {
    const on = this.wanted(job);
    this.xfers++;
    if (this.g.parallel) {
      // The last transfer set up decides, as curl's global noprogress.
      this.parallelOn = on;
      this.live.set(easy, undefined);
      if (on) this.parallel ??= new ParallelMeter(this.write, Date.now());
    } else {
      const meter = on
        ? this.g.progressBar
          ? new ProgressBar(this.write, barWidth())
          : new TransferMeter(this.write, job.resumeFrom)
        : undefined;
      this.live.set(easy, meter);
      meter?.update(easy.getInfo(), Date.now());
    }
    if (this.timer === undefined && (on || this.parallelOn)) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
    }
  }

  /** The transfer ended: its last line (before any error message, as curl). */
  done(easy: Easy): void {
    const info = easy.getInfo();
    const meter = this.live.get(easy);
    this.live.delete(easy);
    this.dlDone += info.sizeDownload;
    this.ulDone += info.sizeUpload;
    if (meter !== undefined) {
      meter.update(info, Date.now(), true);
      if (meter instanceof ProgressBar) meter.end();
    }
    if (this.live.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Everything ended: the parallel meter's final line. */
  finish(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.parallel !== undefined && this.parallelOn) this.drawParallel(true);
  }

  private tick(): void {
    const now = Date.now();
    if (this.g.parallel) {
      if (this.parallelOn) this.drawParallel(false);
      return;
    }
    for (const [easy, meter] of this.live) meter?.update(easy.getInfo(), now);
  }

  private drawParallel(final: boolean): void {
    const now = Date.now();
    if (!final && !this.parallel!.due(now)) return;
    const keys = [...this.live.keys()];
    this.parallel!.update(
      { xfers: this.xfers, live: keys.map((e) => e.getInfo()), dlDone: this.dlDone, ulDone: this.ulDone },
      keys,
      now,
      final,
    );
  }
}
