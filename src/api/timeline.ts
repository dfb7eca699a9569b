// renderTimeline(): the getInfo() records of finished transfers as one self-contained HTML page (no
// external resources): a waterfall of each transfer's phases (queued, DNS, connect, TLS, waiting for
// the first byte, receiving) coloured by result, connection ids to show reuse, hover details, a
// summary (count, failures by code, percentiles) and sorting and filtering. Only the rows in view
// exist in the DOM, so tens of thousands of transfers stay responsive. The page's script and style
// are in timeline-page.ts; this file turns records into the compact columns the page reads.
import { curlCodeName } from '../core/codes.js';
import type { EasyInfo } from '../multi/info.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './timeline-page.js';

/** The getInfo() fields the timeline reads (a full EasyInfo, or a JSON copy of one, will do). */
export type TimelineRecord = Pick<
  EasyInfo,
  | 'startTime'
  | 'queueTimeT'
  | 'namelookupTimeT'
  | 'connectTimeT'
  | 'appconnectTimeT'
  | 'pretransferTimeT'
  | 'starttransferTimeT'
  | 'totalTimeT'
  | 'result'
  | 'responseCode'
  | 'effectiveUrl'
  | 'effectiveMethod'
  | 'sizeDownload'
  | 'sizeUpload'
  | 'connId'
  | 'numConnects'
  | 'xferId'
  | 'primaryIp'
  | 'primaryPort'
  | 'httpVersion'
  | 'redirectCount'
>;

export interface TimelineOptions {
  /** The page's title (default "tscurl timeline"). */
  title?: string;
  /** What the time axis measures: 'wall' (default) or 'virtual' (the simulator's clock). */
  clock?: 'wall' | 'virtual';
}

/** Column-wise data embedded in the page: one array per field, times in microseconds. */
interface Columns {
  start: number[];
  /** Milestones from the transfer's start: queue end, DNS, connect, TLS, first byte, end (-1: not reached). */
  marks: number[];
  result: number[];
  status: number[];
  method: string[];
  url: string[];
  down: number[];
  up: number[];
  conn: number[];
  fresh: number[];
  xfer: number[];
  peer: string[];
  version: number[];
  redirects: number[];
}

const HTTP_VERSIONS: Record<number, string> = { 1: '1.0', 2: '1.1', 3: '2', 4: '3' };

/** The self-contained HTML page for these records. */
export function renderTimeline(records: Iterable<TimelineRecord>, options: TimelineOptions = {}): string {
  const list = [...records];
  let t0 = Number.POSITIVE_INFINITY;
  for (const r of list) if (r.startTime < t0) t0 = r.startTime;
  if (!Number.isFinite(t0)) t0 = 0;
  const cols: Columns = {
    start: [],
    marks: [],
    result: [],
    status: [],
    method: [],
    url: [],
    down: [],
    up: [],
    conn: [],
    fresh: [],
    xfer: [],
    peer: [],
    version: [],
    redirects: [],
  };
  const codeNames: Record<number, string> = {};
  for (const r of list) {
    cols.start.push(Math.round((r.startTime - t0) * 1000));
    cols.marks.push(...milestones(r));
    cols.result.push(r.result);
    if (r.result !== 0) codeNames[r.result] = curlCodeName(r.result);
    cols.status.push(r.responseCode);
    cols.method.push(r.effectiveMethod);
    cols.url.push(r.effectiveUrl);
    cols.down.push(r.sizeDownload);
    cols.up.push(r.sizeUpload);
    cols.conn.push(r.connId);
    cols.fresh.push(r.numConnects > 0 ? 1 : 0);
    cols.xfer.push(r.xferId);
    cols.peer.push(r.primaryIp === '' ? '' : `${r.primaryIp}:${r.primaryPort}`);
    cols.version.push(r.httpVersion);
    cols.redirects.push(r.redirectCount);
  }
  const data = { columns: cols, codeNames, versions: HTTP_VERSIONS, clock: options.clock ?? 'wall' };
  const title = escapeHtml(options.title ?? 'tscurl timeline');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tscurl">
<title>${title}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<div id="summary"></div>
<div id="controls">
<label>filter <input id="filter" type="search" placeholder="URL text, code:28, status:404, conn:3" size="36"></label>
<label>result <select id="result"><option value="all">all</option><option value="ok">ok</option><option value="http">HTTP 4xx/5xx</option><option value="failed">failed</option></select></label>
<label>sort <select id="sort"><option value="start">start</option><option value="total">duration</option><option value="ttfb">first byte</option><option value="size">size</option><option value="result">result</option><option value="conn">connection</option></select></label>
<label><input id="desc" type="checkbox"> descending</label>
<span id="shown"></span>
<span id="legend"></span>
</div>
<div id="axis"></div>
</header>
<main id="viewport"><div id="spacer"></div></main>
<div id="tip" hidden></div>
<script id="timeline-data" type="application/json">${jsonForScript(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * The six milestones of a transfer in microseconds from its start, each at least the previous one:
 * queue end, DNS done, connected, TLS done, first byte, end. A milestone the transfer never reached
 * (it failed before) is -1: a zero after which nothing was reached.
 */
function milestones(r: TimelineRecord): number[] {
  const raw = [
    r.queueTimeT,
    r.namelookupTimeT,
    r.connectTimeT,
    r.appconnectTimeT,
    r.starttransferTimeT,
    r.totalTimeT,
  ];
  const out: number[] = [];
  // The last milestone with a non-zero time was reached, and so was everything before it.
  let lastReached = 0;
  for (let i = 0; i < raw.length - 1; i++) if (raw[i]! > 0) lastReached = i;
  const ok = r.result === 0;
  let prev = 0;
  for (let i = 0; i < raw.length - 1; i++) {
    // TLS is skipped, not unreached, on a plain connection that went on to send the request.
    const reached = ok || i <= lastReached || (i === 3 && r.pretransferTimeT > 0);
    if (!reached) {
      out.push(-1);
      continue;
    }
    prev = Math.max(prev, raw[i]!);
    out.push(prev);
  }
  out.push(Math.max(prev, r.totalTimeT));
  return out;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end the script element it sits in. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
