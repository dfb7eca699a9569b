// curl's progress output on stderr, drawn from the transfers' getInfo() by a timer in the CLI's
// loop: libcurl's meter for one transfer (lib/progress.c), the -# bar (tool_cb_prg.c) and the
// parallel meter of -Z (tool_progress.c). Formats and rounding follow curl's; every number is
// an integer as curl's curl_off_t arithmetic makes it.
import type { EasyInfo } from '../multi/info.js';

export type Write = (s: string) => void;

/** curl's max5data: at most five columns, 1024-based suffixes. */
export function max5(bytes: number): string {
  const b = Math.max(0, Math.floor(bytes));
  const K = 1024;
  const M = K * K;
  const G = M * K;
  const T = G * K;
  const pad = (n: number, w: number) => String(n).padStart(w);
  if (b < 100000) return pad(b, 5);
  if (b < 10000 * K) return `${pad(Math.floor(b / K), 4)}k`;
  if (b < 100 * M) return `${pad(Math.floor(b / M), 2)}.${Math.floor((b % M) / (M / 10))}M`;
  if (b < 10000 * M) return `${pad(Math.floor(b / M), 4)}M`;
  if (b < 100 * G) return `${pad(Math.floor(b / G), 2)}.${Math.floor((b % G) / (G / 10))}G`;
  if (b < 10000 * G) return `${pad(Math.floor(b / G), 4)}G`;
  if (b < 10000 * T) return `${pad(Math.floor(b / T), 4)}T`;
  return `${pad(Math.floor(b / (T * K)), 4)}P`;
}

/** curl's time2str: "HH:MM:SS" up to 99 hours, then days; "--:--:--" for nothing. */
export function time2str(seconds: number): string {
  const s = Math.floor(seconds);
  if (s <= 0) return '--:--:--';
  const h = Math.floor(s / 3600);
  if (h <= 99) {
    const m = Math.floor((s - h * 3600) / 60);
    const sec = s - h * 3600 - m * 60;
    return `${String(h).padStart(2)}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
  }
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s - d * 86400) / 3600);
  return d <= 999 ? `${String(d).padStart(3)}d ${String(hh).padStart(2, '0')}h` : `${String(d).padStart(7)}d`;
}

/** Percent of `now` in `total` as curl computes it (integer, no overflow for big totals). */
function percent(now: number, total: number): number {
  if (total > 10000) return Math.floor(now / Math.floor(total / 100));
  if (total > 0) return Math.floor((now * 100) / total);
  return 0;
}

/** Bytes/s over the last five seconds of samples (libcurl's "Current" column). */
class SpeedWindow {
  private samples: Array<{ at: number; bytes: number }> = [];

  add(at: number, bytes: number): number {
    this.samples.push({ at, bytes });
    while (this.samples.length > 6) this.samples.shift();
    const first = this.samples[0]!;
    const span = at - first.at;
    if (span <= 0) return -1;
    return Math.floor(((bytes - first.bytes) * 1000) / span);
  }
}

export const METER_HEADER =
  '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n' +
  '                                 Dload  Upload   Total   Spent    Left  Speed\n';

/** libcurl's default meter for one transfer. */
export class TransferMeter {
  private headerShown = false;
  private lastShown = -1;
  private speed = new SpeedWindow();

  constructor(
    private readonly write: Write,
    private readonly resumeFrom = 0,
  ) {}

  /** One refresh; `final` ends the line. */
  update(info: EasyInfo, nowMs: number, final = false): void {
    // libcurl redraws when the count of whole seconds spent changes, and at the end.
    const second = Math.floor(info.totalTime);
    if (!final && second === this.lastShown) return;
    this.lastShown = second;
    let out = '';
    if (!this.headerShown) {
      this.headerShown = true;
      if (this.resumeFrom > 0) out += `** Resuming transfer from byte position ${this.resumeFrom}\n`;
      out += METER_HEADER;
    }
    const dl = info.sizeDownload;
    const ul = info.sizeUpload;
    const dlSize = info.contentLengthDownload;
    const ulSize = info.contentLengthUpload;
    const dlKnown = dlSize >= 0;
    const ulKnown = ulSize >= 0;
    const dlSpeed = Math.floor(info.speedDownload);
    const ulSpeed = Math.floor(info.speedUpload);
    const spent = Math.floor(info.totalTime);
    let ulEstimate = 0;
    let dlEstimate = 0;
    let ulPercent = 0;
    let dlPercent = 0;
    if (ulKnown && ulSpeed > 0) {
      ulEstimate = Math.floor(ulSize / ulSpeed);
      ulPercent = percent(ul, ulSize);
    }
    if (dlKnown && dlSpeed > 0) {
      dlEstimate = Math.floor(dlSize / dlSpeed);
      dlPercent = percent(dl, dlSize);
    }
    const estimate = Math.max(ulEstimate, dlEstimate);
    const expected = (ulKnown ? ulSize : ul) + (dlKnown ? dlSize : dl);
    const done = dl + ul;
    const current = this.speed.add(nowMs, done);
    const currentSpeed = current < 0 ? Math.max(dlSpeed, ulSpeed) : current;
    const p3 = (n: number) => String(n).padStart(3);
    out +=
      `\r${p3(percent(done, expected))} ${max5(expected)}  ${p3(dlPercent)} ${max5(dl)}  ` +
      `${p3(ulPercent)} ${max5(ul)}  ${max5(dlSpeed)}  ${max5(ulSpeed)} ${time2str(estimate)} ` +
      `${time2str(spent)} ${time2str(estimate > 0 ? estimate - spent : 0)} ${max5(currentSpeed)}`;
    if (final) out += '\n';
    this.write(out);
  }
}

/** -#: a bar of '#' with a percentage, or a flying "-=O=-" while the size is unknown. */
export class ProgressBar {
  private calls = 0;
  private prev = -1;
  private prevAt = 0;
  private tick = 0;
  private pos = 0;
  private move = 1;

  constructor(
    private readonly write: Write,
    private readonly width: number,
  ) {}

  update(info: EasyInfo, nowMs: number, final = false): void {
    const dlTotal = Math.max(0, info.contentLengthDownload);
    const ulTotal = Math.max(0, info.contentLengthUpload);
    const total = dlTotal + ulTotal;
    const point = info.sizeDownload + info.sizeUpload;
    if (this.calls > 0 && !final) {
      if (total > 0) {
        if (point === this.prev) return;
        if (nowMs - this.prevAt < 100 && point < total) return;
      } else {
        if (nowMs - this.prevAt < 100) return;
        this.fly(point !== this.prev);
      }
    }
    this.calls++;
    if (total > 0 && (point !== this.prev || final)) {
      const frac = point / Math.max(total, point);
      const barWidth = this.width - 7;
      const num = Math.min(256, Math.floor(barWidth * frac));
      this.write(`\r${'#'.repeat(num).padEnd(barWidth)} ${(frac * 100).toFixed(1).padStart(5)}%`);
    }
    this.prev = point;
    this.prevAt = nowMs;
  }

  /** The transfer ended: curl ends the bar's line. */
  end(): void {
    if (this.calls > 0) this.write('\n');
  }

  private fly(moved: boolean): void {
    const w = this.width;
    const buf = Array.from({ length: w }, () => ' ');
    for (let i = 0; i < 5; i++) buf[this.pos + i] = '-=O=-'[i]!;
    const check = w - 2;
    for (const off of [0, 5, 10, 15]) {
      // curl's sine table: positions swinging across the line.
      const s = (Math.sin((((this.tick + off) % 200) / 200) * 2 * Math.PI) + 1) / 2;
      buf[Math.min(check, Math.floor(s * check))] = '#';
    }
    this.write(`${buf.join('')}\r`);
    this.tick = (this.tick + 2) % 200;
    if (moved) this.pos += this.move;
    if (this.pos >= w - 6) {
      this.move = -1;
      this.pos = w - 6;
    } else if (this.pos < 0) {
      this.move = 1;
      this.pos = 0;
    }
  }
}

export interface ParallelState {
  /** Transfers added so far. */
  xfers: number;
  /** Transfers running now, with their info. */
  live: EasyInfo[];
  /** Bytes of transfers already finished. */
  dlDone: number;
  ulDone: number;
}

export const PARALLEL_HEADER = 'DL% UL%  Dled  Uled  Xfers  Live Total     Current  Left    Speed\n';

/** curl's -Z meter: one line for all transfers, refreshed every half second. */
export class ParallelMeter {
  private headerShown = false;
  private lastAt = Number.NEGATIVE_INFINITY;
  private dlTotal = 0;
  private ulTotal = 0;
  private readonly counted = new WeakSet<EasyInfo | object>();
  private speeds: Array<{ at: number; dl: number; ul: number }> = [];

  constructor(
    private readonly write: Write,
    private readonly startMs: number,
  ) {}

  /** Whether a refresh is due (more than half a second since the last one). */
  due(nowMs: number): boolean {
    return nowMs - this.lastAt > 500;
  }

  /**
   * `key` identifies each live transfer so its expected size is added once (curl's
   * dltotal_added), even though its info object is new at every refresh.
   */
  update(s: ParallelState, keys: object[], nowMs: number, final = false): void {
    let out = '';
    if (!this.headerShown) {
      this.headerShown = true;
      out += PARALLEL_HEADER;
    }
    if (!final && nowMs - this.lastAt <= 500) {
      if (out !== '') this.write(out);
      return;
    }
    this.lastAt = nowMs;
    // Known means every live transfer knows its size (curl's dlknown is per refresh).
    let dlKnown = true;
    let ulKnown = true;
    let dlNow = s.dlDone;
    let ulNow = s.ulDone;
    s.live.forEach((info, i) => {
      dlNow += info.sizeDownload;
      ulNow += info.sizeUpload;
      const key = keys[i]!;
      if (info.contentLengthDownload <= 0) dlKnown = false;
      else if (!this.counted.has(key)) this.dlTotal += info.contentLengthDownload;
      if (info.contentLengthUpload <= 0) ulKnown = false;
      else if (!this.counted.has(key)) this.ulTotal += info.contentLengthUpload;
      if (info.contentLengthDownload > 0 || info.contentLengthUpload > 0) this.counted.add(key);
    });
    const dlPct =
      dlKnown && this.dlTotal > 0 ? String(Math.floor((dlNow * 100) / this.dlTotal)).padStart(3) : '--';
    const ulPct =
      ulKnown && this.ulTotal > 0 ? String(Math.floor((ulNow * 100) / this.ulTotal)).padStart(3) : '--';
    this.speeds.push({ at: nowMs, dl: dlNow, ul: ulNow });
    // curl keeps ten samples; the oldest one is the base once the ring has wrapped.
    const wrapped = this.speeds.length > 10;
    if (wrapped) this.speeds.shift();
    const base = wrapped ? this.speeds[0]! : { at: this.startMs, dl: 0, ul: 0 };
    const deltaMs = Math.max(1, nowMs - base.at);
    const speed = Math.max(
      Math.floor((dlNow - base.dl) / (deltaMs / 1000)),
      Math.floor((ulNow - base.ul) / (deltaMs / 1000)),
    );
    let left = '--:--:--';
    let total = '--:--:--';
    if (dlKnown && speed > 0) {
      left = time2str(Math.floor((this.dlTotal - dlNow) / speed));
      total = time2str(Math.floor(this.dlTotal / speed));
    }
    const spent = time2str(Math.floor((nowMs - this.startMs) / 1000));
    out +=
      `\r${dlPct.padEnd(3)} ${ulPct.padEnd(3)} ${max5(dlNow)} ${max5(ulNow)} ` +
      `${String(s.xfers).padStart(5)} ${String(s.live.length).padStart(5)}  ${total} ${spent} ${left} ` +
      `${max5(speed)} ${(final ? '\n' : '').padStart(5)}`;
    this.write(out);
  }
}

/** Terminal width for -#: $COLUMNS, then the terminal's, then 79 (curl's default). */
export function barWidth(): number {
  const env = Number(process.env.COLUMNS);
  const cols =
    Number.isInteger(env) && env > 20
      ? env
      : (process.stderr.columns ?? 0) > 20
        ? process.stderr.columns
        : 79;
  return Math.min(256, cols);
}
