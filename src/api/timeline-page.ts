// The timeline page's style and script (plain ES2020, run by the browser; renderTimeline() inlines
// them). The script indexes the column data once, sorts and filters an index array, and keeps only
// the rows in view in the DOM (a pool of row elements repositioned on scroll), so a page of tens of
// thousands of transfers scrolls, sorts and filters without freezing. State is mirrored in the URL
// hash (#sort=total&desc=1&q=code:28&result=failed) and in data- attributes for tests.

export const PAGE_STYLE = `
:root { --label: 520px; --row: 20px; font: 12px/1.4 system-ui, sans-serif; color: #1d2430; }
* { box-sizing: border-box; }
body { margin: 0; display: flex; flex-direction: column; height: 100vh; background: #fff; }
header { padding: 8px 12px 0; border-bottom: 1px solid #d6dbe3; background: #f7f9fb; }
h1 { font-size: 15px; margin: 0 0 6px; }
#summary { display: flex; flex-wrap: wrap; gap: 6px 18px; margin-bottom: 6px; }
#summary .card b { font-size: 14px; margin-right: 3px; }
#summary .fail { color: #c62828; cursor: pointer; text-decoration: underline dotted; }
#controls { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin-bottom: 6px; }
#controls input, #controls select { font: inherit; }
#legend span { display: inline-flex; align-items: center; margin-right: 9px; }
#legend i, #tip i { display: inline-block; width: 11px; height: 9px; margin-right: 3px; border-radius: 2px; }
#axis { position: relative; height: 18px; margin-left: var(--label); border-top: 1px solid #e3e7ee; }
#axis span { position: absolute; top: 2px; transform: translateX(-50%); color: #5b6678; font-size: 11px; white-space: nowrap; }
#viewport { flex: 1; overflow: auto; position: relative; }
#spacer { position: relative; width: 100%; }
.row { position: absolute; left: 0; right: 0; height: var(--row); display: flex; align-items: center; border-bottom: 1px solid #f0f2f5; white-space: nowrap; }
.row.same-conn { background: #fff7d6; }
.row:hover { background: #eaf2ff; }
.label { width: var(--label); flex: none; display: flex; gap: 6px; padding: 0 6px; overflow: hidden; font-family: ui-monospace, monospace; font-size: 11px; }
.label .n { width: 48px; text-align: right; color: #8a94a6; }
.label .res { width: 150px; font-weight: 600; overflow: hidden; text-overflow: ellipsis; }
.label .conn { width: 44px; color: #5b6678; }
.label .url { overflow: hidden; text-overflow: ellipsis; }
.ok { color: #2e7d32; } .http { color: #d81b60; } .failed { color: #c62828; }
.bars { position: relative; flex: 1; height: 100%; }
.seg { position: absolute; top: 5px; height: 10px; min-width: 1px; }
.seg.cut { border-right: 2px solid #b71c1c; }
.grid { position: absolute; top: 0; bottom: 0; width: 1px; background: #eef1f5; }
#tip { position: fixed; z-index: 10; background: #1d2430; color: #fff; padding: 8px 10px; border-radius: 4px; font-size: 12px; max-width: 560px; pointer-events: none; box-shadow: 0 2px 8px #0004; }
#tip table { border-collapse: collapse; } #tip td { padding: 0 8px 0 0; vertical-align: top; } #tip td:first-child { color: #aab4c5; }
#tip .u { word-break: break-all; font-family: ui-monospace, monospace; margin-bottom: 4px; }
`;

export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var t0 = performance.now();
  var data = JSON.parse(document.getElementById('timeline-data').textContent);
  var C = data.columns, n = C.start.length, M = 6;
  var PHASES = [
    ['queued', '#b0bac8'], ['DNS', '#26a69a'], ['connect', '#fb8c00'], ['TLS', '#ab47bc'],
    ['waiting', '#fdd835'], ['receiving', '#1e88e5']
  ];
  var RESULT_COLOR = { ok: '#1e88e5', http: '#d81b60', failed: '#e53935' };
  var ROW = 20, OVERSCAN = 8;
  var viewport = document.getElementById('viewport'), spacer = document.getElementById('spacer');
  var tip = document.getElementById('tip'), axis = document.getElementById('axis');
  var unit = data.clock === 'virtual' ? ' (virtual)' : '';

  function kind(i) { return C.result[i] !== 0 ? 'failed' : C.status[i] >= 400 ? 'http' : 'ok'; }
  function mark(i, k) { return C.marks[i * M + k]; }
  function total(i) { return mark(i, 5); }
  function ttfb(i) { var f = mark(i, 4); return f < 0 ? Infinity : f; }
  function end(i) { return C.start[i] + total(i); }
  function codeName(c) { return data.codeNames[c] || String(c); }
  function ms(us) {
    if (us < 0 || us === Infinity) return '-';
    var v = us / 1000;
    return v >= 10000 ? (v / 1000).toFixed(1) + ' s' : v >= 100 ? v.toFixed(0) + ' ms' : v.toFixed(v >= 10 ? 1 : 2) + ' ms';
  }
  function bytes(b) {
    return b >= 1048576 ? (b / 1048576).toFixed(1) + ' MiB' : b >= 1024 ? (b / 1024).toFixed(1) + ' KiB' : b + ' B';
  }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function pct(sorted, p) { return sorted.length === 0 ? -1 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]; }
  function shortUrl(u) { var m = /^[a-z]+:\/\/([^\/]*)(.*)$/i.exec(u); return m ? m[1] + m[2] : u; }

  // ---- summary (over every record)
  (function summary() {
    var ok = 0, http = 0, failed = 0, fresh = 0, down = 0, span = 0, byCode = {}, totals = [], firsts = [];
    for (var i = 0; i < n; i++) {
      var k = kind(i);
      if (k === 'ok') ok++; else if (k === 'http') http++; else { failed++; byCode[C.result[i]] = (byCode[C.result[i]] || 0) + 1; }
      fresh += C.fresh[i]; down += C.down[i];
      if (end(i) > span) span = end(i);
      if (C.result[i] === 0) { totals.push(total(i)); if (mark(i, 4) >= 0) firsts.push(mark(i, 4)); }
    }
    totals.sort(function (a, b) { return a - b; });
    firsts.sort(function (a, b) { return a - b; });
    var html = [
      '<span class="card"><b>' + n + '</b>transfers</span>',
      '<span class="card ok"><b>' + ok + '</b>ok</span>',
      '<span class="card http"><b>' + http + '</b>HTTP 4xx/5xx</span>',
      '<span class="card failed"><b>' + failed + '</b>failed</span>'
    ];
    Object.keys(byCode).sort(function (a, b) { return byCode[b] - byCode[a]; }).forEach(function (c) {
      html.push('<span class="card fail" data-code="' + c + '" title="show only these">' + byCode[c] + ' x ' + c + ' ' + esc(codeName(+c)) + '</span>');
    });
    html.push('<span class="card">duration p50 <b>' + ms(pct(totals, 0.5)) + '</b> p90 <b>' + ms(pct(totals, 0.9)) +
      '</b> p99 <b>' + ms(pct(totals, 0.99)) + '</b> max <b>' + ms(totals.length ? totals[totals.length - 1] : -1) + '</b></span>');
    html.push('<span class="card">first byte p50 <b>' + ms(pct(firsts, 0.5)) + '</b> p90 <b>' + ms(pct(firsts, 0.9)) + '</b></span>');
    html.push('<span class="card"><b>' + fresh + '</b>connections opened, <b>' + (n - fresh) + '</b>transfers reused one</span>');
    html.push('<span class="card"><b>' + bytes(down) + '</b>received in <b>' + ms(span) + '</b>' + unit + '</span>');
    var el = document.getElementById('summary');
    el.innerHTML = html.join('');
    el.addEventListener('click', function (e) {
      var code = e.target.closest && e.target.closest('[data-code]');
      if (code) { filterInput.value = 'code:' + code.getAttribute('data-code'); resultSelect.value = 'all'; update(); }
    });
    document.getElementById('legend').innerHTML = PHASES.map(function (p) { return '<span><i style="background:' + p[1] + '"></i>' + p[0] + '</span>'; }).join('') +
      '<span><i style="background:' + RESULT_COLOR.http + '"></i>HTTP error</span><span><i style="background:' + RESULT_COLOR.failed + '"></i>failed</span>';
  })();

  // ---- sort and filter: an index array over the records
  var filterInput = document.getElementById('filter'), resultSelect = document.getElementById('result');
  var sortSelect = document.getElementById('sort'), descBox = document.getElementById('desc');
  var order = new Uint32Array(0), scaleEnd = 1, hoverConn = -2;
  var keys = {
    start: function (i) { return C.start[i]; }, total: total, ttfb: ttfb,
    size: function (i) { return C.down[i] + C.up[i]; }, result: function (i) { return C.result[i] * 1000 + C.status[i]; },
    conn: function (i) { return C.conn[i]; }
  };

  function matcher(q) {
    q = q.trim().toLowerCase();
    if (q === '') return null;
    var m = /^(code|status|conn):(-?\d+)$/.exec(q);
    if (m) { var col = m[1] === 'code' ? C.result : m[1] === 'status' ? C.status : C.conn, v = +m[2]; return function (i) { return col[i] === v; }; }
    return function (i) { return C.url[i].toLowerCase().indexOf(q) >= 0; };
  }

  function update() {
    var s0 = performance.now();
    var match = matcher(filterInput.value), want = resultSelect.value, list = [];
    for (var i = 0; i < n; i++) {
      if (want !== 'all' && kind(i) !== want) continue;
      if (match && !match(i)) continue;
      list.push(i);
    }
    var key = keys[sortSelect.value] || keys.start, dir = descBox.checked ? -1 : 1;
    var k = new Float64Array(n);
    for (var j = 0; j < list.length; j++) k[list[j]] = key(list[j]);
    order = Uint32Array.from(list);
    order.sort(function (a, b) { return (k[a] - k[b]) * dir || C.xfer[a] - C.xfer[b] || a - b; });
    scaleEnd = 1;
    for (var x = 0; x < order.length; x++) { var e = end(order[x]); if (e > scaleEnd) scaleEnd = e; }
    spacer.style.height = order.length * ROW + 'px';
    document.getElementById('shown').textContent = order.length === n ? n + ' rows' : order.length + ' of ' + n + ' rows';
    drawAxis();
    render(true);
    var hash = [];
    if (sortSelect.value !== 'start') hash.push('sort=' + sortSelect.value);
    if (descBox.checked) hash.push('desc=1');
    if (filterInput.value) hash.push('q=' + encodeURIComponent(filterInput.value));
    if (want !== 'all') hash.push('result=' + want);
    history.replaceState(null, '', hash.length ? '#' + hash.join('&') : location.pathname);
    document.body.dataset.rows = String(order.length);
    document.body.dataset.updateMs = (performance.now() - s0).toFixed(1);
  }

  function drawAxis() {
    // Ticks on round values (1, 2 or 5 times a power of ten), about one per 110 px.
    var w = axis.clientWidth || 800, rough = scaleEnd / Math.max(2, Math.floor(w / 110));
    var pow = Math.pow(10, Math.floor(Math.log10(rough))), step = pow * (rough / pow > 5 ? 10 : rough / pow > 2 ? 5 : rough / pow > 1 ? 2 : 1);
    var html = '';
    for (var t = 0; t <= scaleEnd; t += step) html += '<span style="left:' + (t / scaleEnd * 100) + '%">' + ms(t) + '</span>';
    axis.innerHTML = html;
  }

  // ---- windowed rendering: a pool of row elements, repositioned on scroll
  var pool = [];
  function rowEl(slot) {
    var el = pool[slot];
    if (el) return el;
    el = document.createElement('div');
    el.className = 'row';
    el.innerHTML = '<div class="label"><span class="n"></span><span class="res"></span><span class="conn"></span><span class="url"></span></div><div class="bars"></div>';
    spacer.appendChild(el);
    pool[slot] = el;
    return el;
  }

  function fill(el, i) {
    var label = el.firstChild.children, k = kind(i);
    label[0].textContent = String(C.xfer[i] >= 0 ? C.xfer[i] : i);
    label[1].textContent = C.result[i] !== 0 ? '(' + C.result[i] + ') ' + codeName(C.result[i]) : String(C.status[i]);
    label[1].className = 'res ' + k;
    label[2].textContent = (C.fresh[i] ? '\u25cf' : '\u21bb') + (C.conn[i] >= 0 ? C.conn[i] : '-');
    label[2].title = C.fresh[i] ? 'new connection' : 'reused connection';
    label[3].textContent = C.method[i] + ' ' + shortUrl(C.url[i]);
    var html = '', s = C.start[i], prev = 0, last = 0;
    for (var p = 0; p < M; p++) {
      var at = mark(i, p);
      if (at < 0) continue;
      last = p;
      if (at > prev || p === M - 1) {
        var color = p === M - 1 ? (k === 'ok' ? PHASES[5][1] : RESULT_COLOR[k]) : PHASES[p][1];
        html += seg(s + prev, s + at, color, '');
      }
      prev = Math.max(prev, at);
    }
    if (k === 'failed') html += seg(s + total(i), s + total(i), RESULT_COLOR.failed, ' cut');
    var b = el.lastChild;
    b.innerHTML = html;
    el.dataset.i = String(i);
    el.dataset.conn = String(C.conn[i]);
    el.classList.toggle('same-conn', C.conn[i] === hoverConn && C.conn[i] >= 0);
    void last;
  }

  function seg(from, to, color, extra) {
    var left = from / scaleEnd * 100, width = Math.max(0, (to - from) / scaleEnd * 100);
    return '<div class="seg' + extra + '" style="left:' + left.toFixed(3) + '%;width:' + width.toFixed(3) + '%;background:' + color + '"></div>';
  }

  var firstShown = -1, lastShown = -1;
  function render(force) {
    var top = viewport.scrollTop, h = viewport.clientHeight || 600;
    var first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    var last = Math.min(order.length, Math.ceil((top + h) / ROW) + OVERSCAN);
    if (!force && first === firstShown && last === lastShown) return;
    firstShown = first; lastShown = last;
    var slot = 0;
    for (var r = first; r < last; r++, slot++) {
      var el = rowEl(slot);
      el.style.top = r * ROW + 'px';
      el.hidden = false;
      fill(el, order[r]);
    }
    for (; slot < pool.length; slot++) pool[slot].hidden = true;
    document.body.dataset.firstRow = String(first);
    document.body.dataset.domRows = String(last - first);
  }

  var pendingFrame = 0;
  viewport.addEventListener('scroll', function () {
    if (!pendingFrame) pendingFrame = requestAnimationFrame(function () { pendingFrame = 0; render(false); });
  });
  window.addEventListener('resize', function () { drawAxis(); render(true); });

  // ---- hover details; the hovered transfer's connection is highlighted in every row that used it
  viewport.addEventListener('mousemove', function (e) {
    var el = e.target.closest && e.target.closest('.row');
    if (!el) { tip.hidden = true; return; }
    var i = +el.dataset.i, k = kind(i);
    if (C.conn[i] !== hoverConn) { hoverConn = C.conn[i]; render(true); }
    var rows = [
      ['result', C.result[i] === 0 ? 'OK' : C.result[i] + ' ' + esc(codeName(C.result[i]))],
      ['status', C.status[i] ? C.status[i] + ' (HTTP/' + (data.versions[C.version[i]] || '?') + ')' : '-'],
      ['connection', '#' + C.conn[i] + (C.fresh[i] ? ' (new)' : ' (reused)') + (C.peer[i] ? ' to ' + esc(C.peer[i]) : '')],
      ['received', bytes(C.down[i])], ['sent', bytes(C.up[i])],
      ['started', ms(C.start[i]) + unit], ['total', ms(total(i))]
    ];
    if (C.redirects[i]) rows.push(['redirects', String(C.redirects[i])]);
    var prev = 0;
    for (var p = 0; p < M; p++) {
      var at = mark(i, p);
      if (at < 0) { rows.push(['<i style="background:' + PHASES[p][1] + '"></i>' + PHASES[p][0], ms(total(i) - prev) + ', ended by the failure']); break; }
      rows.push(['<i style="background:' + PHASES[p][1] + '"></i>' + PHASES[p][0], ms(at - prev)]);
      prev = at;
    }
    tip.innerHTML = '<div class="u">' + esc(C.method[i] + ' ' + C.url[i]) + '</div><table>' +
      rows.map(function (r) { return '<tr><td>' + r[0] + '</td><td class="' + (r[0] === 'result' ? k : '') + '">' + r[1] + '</td></tr>'; }).join('') + '</table>';
    tip.hidden = false;
    var x = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    var y = e.clientY + 14 + tip.offsetHeight > window.innerHeight ? e.clientY - tip.offsetHeight - 8 : e.clientY + 14;
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  });
  viewport.addEventListener('mouseleave', function () { tip.hidden = true; hoverConn = -2; render(true); });

  [filterInput, resultSelect, sortSelect, descBox].forEach(function (el) {
    el.addEventListener(el === filterInput ? 'input' : 'change', update);
  });

  // ---- state from the URL hash, first render
  var tipRow = -1;
  location.hash.slice(1).split('&').forEach(function (kv) {
    var p = kv.split('='), v = decodeURIComponent(p[1] || '');
    if (p[0] === 'sort') sortSelect.value = v;
    else if (p[0] === 'desc') descBox.checked = v === '1';
    else if (p[0] === 'q') filterInput.value = v;
    else if (p[0] === 'result') resultSelect.value = v;
    else if (p[0] === 'tip') tipRow = +v;
  });
  update();
  // #tip=N: the hover details of the Nth row shown, as if the pointer were on its bar (screenshots).
  if (tipRow >= 0 && tipRow < order.length) {
    var tipEl = pool[tipRow - firstShown], box = tipEl.lastChild.getBoundingClientRect();
    var at = box.left + (end(order[tipRow]) / scaleEnd) * box.width;
    tipEl.lastChild.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: at, clientY: box.top + ROW / 2 }));
  }
  document.body.dataset.loadMs = (performance.now() - t0).toFixed(1);
  document.body.dataset.state = 'ready';
})();
`;
