// renderTimeline(): the page's content and its behaviour in a real browser. Headless Chromium
// (Debian's /usr/bin/chromium, installed by CI) loads generated pages: --dump-dom shows the rows
// the page rendered (only those in view exist) after sorting and filtering from the URL hash, and
// --screenshot takes the picture docs/timeline.md shows (written to docs/img/timeline.png when
// UPDATE_SCREENSHOTS=1, to a temp dir otherwise).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CurlCode, type EasyInfo, renderTimeline } from '../../src/index.js';
import { cliNodeArgs } from '../cli/helpers.js';
import { startHttpServer } from '../helpers/http-server.js';
import { timelineScenario } from './fixtures/timeline-scenario.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'tscurl-timeline-'));
let records: EasyInfo[];
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  records = await timelineScenario();
});

interface PageData {
  columns: { marks: number[]; result: number[]; url: string[]; conn: number[]; fresh: number[] };
}

function dataOf(html: string): PageData {
  const m = /<script id="timeline-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the page embeds its data');
  return JSON.parse(m[1]!) as PageData;
}

function chromium(args: string[]): string {
  const r = spawnSync(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', ...args],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  assert.equal(r.status, 0, `chromium failed: ${r.error ?? ''} ${r.stderr}`);
  return r.stdout;
}

/** Load `file` with `hash` and return the body's data- attributes and the rows in the DOM, in order. */
function loadPage(file: string, hash = ''): { body: Record<string, string>; rows: number[]; dom: string } {
  const dom = chromium(['--window-size=1400,900', '--dump-dom', `${pathToFileURL(file).href}${hash}`]);
  const bodyTag = /<body([^>]*)>/.exec(dom)?.[1] ?? '';
  const body: Record<string, string> = {};
  for (const m of bodyTag.matchAll(/data-([a-z-]+)="([^"]*)"/g)) body[m[1]!] = m[2]!;
  const rows: number[] = [];
  for (const m of dom.matchAll(/<div class="row[^"]*"([^>]*)>/g)) {
    if (/\bhidden\b/.test(m[1]!)) continue;
    rows.push(Number(/data-i="(\d+)"/.exec(m[1]!)![1]));
  }
  return { body, rows, dom };
}

describe('renderTimeline', () => {
  test('the scenario has what the page must show: failures, HTTP errors, reused connections, queueing', () => {
    assert.equal(records.length, 300);
    const codes = new Set(records.map((r) => r.result));
    assert.ok(
      codes.has(CurlCode.OPERATION_TIMEDOUT) && codes.has(CurlCode.RECV_ERROR) && codes.has(CurlCode.OK),
      [...codes].join(),
    );
    assert.ok(records.some((r) => r.responseCode === 503));
    assert.ok(
      records.some((r) => r.numConnects === 0 && r.connId >= 0),
      'reused connections',
    );
    assert.ok(
      records.some((r) => r.queueTimeT > 0),
      'queued transfers',
    );
  });

  test('the page is self-contained: no external script, style, image or font', () => {
    const html = renderTimeline(records);
    const withoutData = html.replace(/<script id="timeline-data"[\s\S]*?<\/script>/, '');
    // Nothing that loads: no src= or href= attribute, no CSS url() or @import, no fetch or import().
    const loads = /\b(src|href)\s*=|@import|\burl\(|\bfetch\(|\bimport\(|XMLHttpRequest/i.exec(withoutData);
    assert.equal(loads?.[0], undefined, 'the page loads something');
    assert.equal((html.match(/<script/g) ?? []).length, 2, 'the data and the inline script only');
  });

  test('URLs cannot break out of the page: markup in a URL stays data', () => {
    const evil = { ...records[0]!, effectiveUrl: 'http://x.test/</script><script>alert(1)</script>' };
    const html = renderTimeline([evil], { title: '<b>t</b>' });
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /<title>&#60;b&#62;t&#60;\/b&#62;<\/title>/);
    assert.equal(dataOf(html).columns.url[0], evil.effectiveUrl);
  });

  test('milestones: each at least the previous one; a failed transfer marks what it never reached', () => {
    const { columns } = dataOf(renderTimeline(records));
    for (let i = 0; i < records.length; i++) {
      const marks = columns.marks.slice(i * 6, i * 6 + 6);
      const reached = marks.filter((m) => m >= 0);
      assert.deepEqual(
        reached,
        [...reached].sort((a, b) => a - b),
        `record ${i}: ${marks}`,
      );
      assert.equal(marks[5], records[i]!.totalTimeT);
      if (records[i]!.result === CurlCode.OPERATION_TIMEDOUT) assert.equal(marks[4], -1, 'no first byte');
      if (records[i]!.result === CurlCode.OK) assert.ok(marks.every((m) => m >= 0));
    }
  });
});

test('tscurl -Z --timeline FILE writes the page for every transfer of the run', async () => {
  const server = await startHttpServer((req, res) => res.end(req.url === '/b' ? 'bb' : 'a'));
  try {
    const file = join(dir, 'cli.html');
    // Asynchronously: the server runs in this process.
    const code = await new Promise<number | null>((resolve) => {
      // The CLI built by esbuild (test/cli/helpers.ts), else from source through tsx.
      const args = [...cliNodeArgs(), '-Z', '-s', '--timeline', file];
      for (const u of [`${server.url}/a`, `${server.url}/b`, 'http://127.0.0.1:1/'])
        args.push('-o', '/dev/null', u);
      spawn(process.execPath, args, { stdio: 'ignore' }).on('exit', resolve);
    });
    assert.equal(code, CurlCode.COULDNT_CONNECT);
    const { columns } = dataOf(readFileSync(file, 'utf8'));
    assert.deepEqual([...columns.url].sort(), ['http://127.0.0.1:1/', `${server.url}/a`, `${server.url}/b`]);
    assert.deepEqual(
      [...columns.result].sort((a, b) => a - b),
      [0, 0, CurlCode.COULDNT_CONNECT],
    );
  } finally {
    await server.close();
  }
});

describe('the timeline page in Chromium', () => {
  test('sorted by duration, longest first: the rows in the DOM are the longest, in order; hover details', () => {
    const file = join(dir, 'sorted.html');
    writeFileSync(file, renderTimeline(records, { clock: 'virtual' }));
    const { body, rows, dom } = loadPage(file, '#sort=total&desc=1&tip=3');
    assert.equal(body.state, 'ready');
    assert.equal(body.rows, '300');
    assert.ok(rows.length >= 30 && rows.length < 100, `${rows.length} rows in the DOM`);
    const totals = rows.map((i) => records[i]!.totalTimeT);
    assert.deepEqual(
      totals,
      [...totals].sort((a, b) => b - a),
    );
    assert.equal(totals[0], Math.max(...records.map((r) => r.totalTimeT)));
    assert.match(dom, /300<\/b>transfers/);
    assert.match(dom, /x 28 OPERATION_TIMEDOUT/, 'failures by code in the summary');
    // #tip=3: the details the pointer would show over the fourth row's bar.
    const tip = /<div id="tip"[^>]*>([\s\S]*?)<\/table><\/div>/.exec(dom)?.[1] ?? '';
    const r = records[rows[3]!]!;
    assert.ok(tip.includes(r.effectiveUrl), tip);
    for (const label of ['result', 'connection', 'received', 'queued', 'DNS', 'connect', 'waiting']) {
      assert.ok(tip.includes(label), `${label} in ${tip}`);
    }
    assert.match(tip, new RegExp(`#${r.connId} \\((new|reused)\\)`));
  });

  test('filtered by code: only those transfers, their labels naming the code', () => {
    const file = join(dir, 'filtered.html');
    writeFileSync(file, renderTimeline(records));
    const want = records.filter((r) => r.result === CurlCode.OPERATION_TIMEDOUT).length;
    const { body, rows, dom } = loadPage(file, '#q=code:28');
    assert.equal(body.rows, String(want));
    assert.equal(rows.length, want);
    for (const i of rows) assert.equal(records[i]!.result, CurlCode.OPERATION_TIMEDOUT);
    assert.match(dom, new RegExp(`${want} of 300 rows`));
    assert.match(dom, /\(28\) OPERATION_TIMEDOUT/);
  });

  test('30,000 transfers: loads and sorts well under a second, only the visible rows in the DOM', () => {
    const many: EasyInfo[] = [];
    for (let k = 0; many.length < 30_000; k++) {
      for (const r of records.slice(0, 30_000 - many.length)) {
        many.push({ ...r, startTime: r.startTime + k * 500, xferId: many.length });
      }
    }
    const file = join(dir, 'many.html');
    writeFileSync(file, renderTimeline(many));
    const { body, rows } = loadPage(file, '#sort=ttfb&desc=1&result=ok');
    assert.equal(body.rows, String(many.filter((r) => r.result === 0 && r.responseCode < 400).length));
    assert.ok(rows.length < 100, `${rows.length} rows in the DOM`);
    const firsts = rows.map((i) => many[i]!.starttransferTimeT);
    assert.deepEqual(
      firsts,
      [...firsts].sort((a, b) => b - a),
    );
    // Generous bounds for a loaded CI machine; a page that rendered every row would take seconds.
    assert.ok(Number(body['load-ms']) < 3000, `load ${body['load-ms']} ms`);
    assert.ok(Number(body['update-ms']) < 1500, `sort and filter ${body['update-ms']} ms`);
  });

  test('screenshot', () => {
    const out =
      process.env.UPDATE_SCREENSHOTS === '1'
        ? join('docs', 'img', 'timeline.png')
        : join(dir, 'timeline.png');
    const file = join(dir, 'shot.html');
    writeFileSync(
      file,
      renderTimeline(records, { title: 'tscurl/sim: 300 fetches, 6 hosts, faults', clock: 'virtual' }),
    );
    chromium(['--window-size=1400,860', `--screenshot=${out}`, `${pathToFileURL(file).href}#tip=24`]);
    const png = readFileSync(out);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.equal(png.readUInt32BE(16), 1400);
    assert.equal(png.readUInt32BE(20), 860);
    assert.ok(statSync(out).size > 30_000, 'a page with content, not a blank one');
  });
});
