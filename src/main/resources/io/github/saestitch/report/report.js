/* saestitch report: the latent explorer. Vanilla JS, no network: every datum comes from the
   JSON block with id "report-data" in this page. It never throws on bad input;
   it says so in the page instead. */
(function () {
  'use strict';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var root = document.getElementById('explorer');
  var dataEl = document.getElementById('report-data');
  if (!root || !dataEl) { return; }
  var data = null;
  try { data = JSON.parse(dataEl.textContent); } catch (e) { data = null; }
  var detailEl = root.querySelector('.detail');
  var plotEl = root.querySelector('.plot');
  var picksEl = root.querySelector('.picks');
  var pairSel = document.getElementById('ex-pair');
  var latentIn = document.getElementById('ex-latent');
  var prevBtn = document.getElementById('ex-prev');
  var nextBtn = document.getElementById('ex-next');
  var searchIn = document.getElementById('ex-search');
  var searchOut = document.getElementById('ex-search-results');
  if (!detailEl || !plotEl || !picksEl || !pairSel || !latentIn) { return; }
  if (!data || !data.pairs || data.pairs.length === 0) {
    detailEl.textContent = 'No pair data in this report.';
    return;
  }

  /* ---- small helpers ---- */
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') { e.textContent = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }
  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function sig(v, n) {
    if (!isNum(v)) { return '\u2014'; }
    if (v === 0) { return '0'; }
    var a = Math.abs(v);
    if (a >= 1e-3 && a < 1e7) { return String(Number(v.toPrecision(n))); }
    return v.toExponential(n - 1).replace('e+', 'e');
  }
  function pct(v) { return isNum(v) ? (100 * v).toFixed(v < 0.001 && v > 0 ? 3 : 1) + '%' : '\u2014'; }
  /* ---- views: the SAEs the explorer shows ----
     View (pi, false) is pair pi's larger SAE; view (pi, true) its smaller SAE, present only when the pair has
     small_latents (no pair has that SAE as its larger one: the smallest SAE of a chain). */
  function hrefOf(pi, s, j) { return '#explore-' + (s ? 's' : '') + (pi + 1) + '-' + j; }
  function hasView(pi, s) {
    return pi >= 0 && pi < data.pairs.length && (!s || !!data.pairs[pi].small_latents);
  }
  function viewOf(pi, s) {
    var p = data.pairs[pi];
    if (s) {
      var sl = p.small_latents || {};
      return { total: sl.total || p.small.num_latents, width: p.small.num_latents, contexts: sl.contexts || {},
        meta: sl.meta || [], nmf: sl.nmf || [], freq: sl.freq };
    }
    return { total: p.latents.total, width: p.large.num_latents, contexts: p.contexts || {}, meta: p.meta || [],
      nmf: p.nmf || [] };
  }
  // A latent's label: the token of its top context, as ExplorerTarget / LatentContexts.label write it.
  var WS = /[ \t\n\r\f\v\u00a0]+/g;
  var LABEL_CHARS = 16;
  function labelOf(ctx) {
    if (!ctx || ctx.length === 0 || typeof ctx[0].token !== 'string') { return ''; }
    var t = ctx[0].token.replace(WS, ' ').replace(/^ +| +$/g, '');
    if (t === '') { return '\u2423'; }
    var cps = Array.from(t);
    return cps.length <= LABEL_CHARS ? t : cps.slice(0, LABEL_CHARS - 1).join('') + '\u2026';
  }
  var labelCache = {};
  function latentLabel(pi, s, j) {
    var key = (s ? 's' : '') + pi;
    if (!labelCache[key]) { labelCache[key] = new Map(); }
    var m = labelCache[key];
    if (!m.has(j)) { m.set(j, labelOf(viewOf(pi, s).contexts[String(j)])); }
    return m.get(j);
  }
  function labelSpan(pi, s, j) {
    var l = hasView(pi, s) ? latentLabel(pi, s, j) : '';
    return l ? el('span', { 'class': 'lbl', text: '\u201c' + l + '\u201d' }) : null;
  }
  // A link to latent j of view (pi, s): its text, then its label.
  function latentLink(pi, s, j, text, noLabel) {
    var href = hrefOf(pi, s, j);
    var a = el('a', { href: href, 'class': 'lat' }, [text || ((s ? 'S:' : 'L:') + j)]);
    var lab = noLabel ? null : labelSpan(pi, s, j);
    if (lab) { a.appendChild(document.createTextNode(' ')); a.appendChild(lab); }
    // Following the link already in the address bar fires no hashchange: select it anyway.
    a.addEventListener('click', function (ev) {
      if (window.location.hash === href) { ev.preventDefault(); fromHash(); root.scrollIntoView(); }
    });
    return a;
  }
  // Where latents of pair pi's smaller SAE open: the previous pair's larger SAE, else the pair's own small view.
  function smallTarget(pi) {
    var p = data.pairs[pi];
    if (p.prev_pair !== undefined && p.prev_pair >= 0) { return { pi: p.prev_pair, s: false }; }
    if (p.small_latents) { return { pi: pi, s: true }; }
    return null;
  }
  function smallLink(pi, j, text) {
    var t = smallTarget(pi);
    return t ? latentLink(t.pi, t.s, j, text) : el('span', { text: text });
  }

  /* ---- per-pair indexes, built on first use ---- */
  var cache = {};
  function index(pi) {
    if (cache[pi]) { return cache[pi]; }
    var p = data.pairs[pi];
    var c = p.latents.columns;
    var row = new Map();
    var byNearest = new Map();
    for (var r = 0; r < c.latent.length; r++) {
      row.set(c.latent[r], r);
      var s = c.nearest[r];
      if (s !== null && s >= 0) {
        if (!byNearest.has(s)) { byNearest.set(s, []); }
        byNearest.get(s).push(r);
      }
    }
    var groupRow = new Map();
    var g = p.groups;
    for (var k = 0; k < g.group.length; k++) { groupRow.set(g.group[k], k); }
    cache[pi] = { row: row, byNearest: byNearest, groupRow: groupRow };
    return cache[pi];
  }

  /* ---- the scatter copy with a highlight ring ---- */
  var plot = null; // { svg, frame, ring, pi }
  function parseFrame(s) {
    var f = (s || '').split(' ').map(Number);
    if (f.length < 10 || f.some(function (v) { return !isFinite(v); })) { return null; }
    function map(v, lo, hi, p0, p1, log) {
      if (!isNum(v)) { return NaN; }
      if (log) {
        if (v <= 0) { return NaN; }
        v = Math.log10(v); lo = Math.log10(lo); hi = Math.log10(hi);
      }
      return p0 + (v - lo) / (hi - lo) * (p1 - p0);
    }
    return {
      x: function (v) { return map(v, f[4], f[5], f[0], f[1], f[8] === 1); },
      y: function (v) { return map(v, f[6], f[7], f[2], f[3], f[9] === 1); },
      xmin: Math.min(f[0], f[1]), xmax: Math.max(f[0], f[1]),
      ymin: Math.min(f[2], f[3]), ymax: Math.max(f[2], f[3])
    };
  }
  function clampTo(v, lo, hi) { return Math.max(lo + 3, Math.min(hi - 3, v)); }
  function showPlot(pi) {
    plotEl.textContent = '';
    plot = null;
    var p = data.pairs[pi];
    var orig = p.scatter_svg ? document.getElementById(p.scatter_svg) : null;
    if (!orig) { return; }
    var svg = orig.cloneNode(true);
    // The copy must not repeat the original's ids: rename them and the clip-path references.
    svg.querySelectorAll('[id]').forEach(function (n) { n.setAttribute('id', n.getAttribute('id') + '-x'); });
    svg.setAttribute('id', orig.getAttribute('id') + '-x');
    svg.querySelectorAll('[clip-path]').forEach(function (n) {
      n.setAttribute('clip-path', n.getAttribute('clip-path').replace(/\)$/, '-x)'));
    });
    var g = svg.querySelector('g.plot[data-role="scatter"]');
    var frame = g ? parseFrame(g.getAttribute('data-frame')) : null;
    if (!g || !frame) { return; }
    var ring = document.createElementNS(SVGNS, 'circle');
    ring.setAttribute('r', '7');
    ring.setAttribute('fill', 'none');
    ring.setAttribute('stroke', '#000000');
    ring.setAttribute('stroke-width', '2.5');
    ring.setAttribute('visibility', 'hidden');
    svg.appendChild(ring); // outside the clip group, so an edge point's ring is not cut
    plotEl.appendChild(svg);
    plotEl.appendChild(el('div', { 'class': 'small', text: 'Click a dot to open that latent.' }));
    plot = { svg: svg, frame: frame, ring: ring, pi: pi };
    svg.addEventListener('click', function (ev) { pick(ev); });
  }
  function pointOf(pi, r) {
    var c = data.pairs[pi].latents.columns;
    var fr = plot.frame;
    var x = fr.x(c.max_cos[r]);
    var y = fr.y(c.delta_mse[r]);
    if (!isNum(x) || !isNum(y)) { return null; }
    return { x: clampTo(x, fr.xmin, fr.xmax), y: clampTo(y, fr.ymin, fr.ymax) };
  }
  function pick(ev) {
    if (!plot) { return; }
    var ctm = plot.svg.getScreenCTM();
    if (!ctm) { return; }
    var inv = ctm.inverse();
    var px = inv.a * ev.clientX + inv.c * ev.clientY + inv.e;
    var py = inv.b * ev.clientX + inv.d * ev.clientY + inv.f;
    var c = data.pairs[plot.pi].latents.columns;
    var best = -1;
    var bestD = 12 * 12;
    for (var r = 0; r < c.latent.length; r++) {
      var q = pointOf(plot.pi, r);
      if (!q) { continue; }
      var d = (q.x - px) * (q.x - px) + (q.y - py) * (q.y - py);
      if (d < bestD) { bestD = d; best = r; }
    }
    if (best >= 0) { select(plot.pi, false, c.latent[best]); }
  }
  function highlight(pi, r) {
    if (!plot || plot.pi !== pi) { return; }
    var q = r === undefined ? null : pointOf(pi, r);
    if (!q) { plot.ring.setAttribute('visibility', 'hidden'); return; }
    plot.ring.setAttribute('cx', q.x.toFixed(1));
    plot.ring.setAttribute('cy', q.y.toFixed(1));
    plot.ring.setAttribute('visibility', 'visible');
  }

  /* ---- quick picks ---- */
  function showPicks(pi) {
    picksEl.textContent = '';
    var p = data.pairs[pi];
    var c = p.latents.columns;
    var rows = [];
    for (var r = 0; r < c.latent.length; r++) { if (isNum(c.delta_mse[r])) { rows.push(r); } }
    function list(title, filter, cmp) {
      var sel = rows.filter(filter).sort(cmp).slice(0, 8);
      if (sel.length === 0) { return; }
      var line = el('div', null, [el('span', { 'class': 'small', text: title + ': ' })]);
      sel.forEach(function (r2) {
        line.appendChild(latentLink(pi, false, c.latent[r2], 'L:' + c.latent[r2] + ' (' + sig(c.delta_mse[r2], 3) + ')'));
      });
      picksEl.appendChild(line);
    }
    var byAsc = function (a, b) { return c.delta_mse[a] - c.delta_mse[b]; };
    var byDesc = function (a, b) { return c.delta_mse[b] - c.delta_mse[a]; };
    list('Novel, lowering mse most', function (r2) { return c.kind[r2] === 'n' && c.delta_mse[r2] < 0; }, byAsc);
    list('Reconstruction, raising mse most', function (r2) { return c.kind[r2] === 'r' && c.delta_mse[r2] > 0; }, byDesc);
    list('Exceptions: novel that raise mse', function (r2) { return c.kind[r2] === 'n' && c.delta_mse[r2] > 0; }, byDesc);
    list('Exceptions: reconstruction that lower mse', function (r2) { return c.kind[r2] === 'r' && c.delta_mse[r2] < 0; }, byAsc);
    var withCtx = Object.keys(p.contexts || {}).map(Number).sort(function (a, b) { return a - b; }).slice(0, 12);
    if (withCtx.length > 0) {
      var line = el('div', null, [el('span', { 'class': 'small', text: 'With contexts: ' })]);
      withCtx.forEach(function (j) { line.appendChild(latentLink(pi, false, j)); });
      picksEl.appendChild(line);
    }
  }
  function showSmallPicks(pi) {
    picksEl.textContent = '';
    var v = viewOf(pi, true);
    var counts = new Map();
    var nc = data.pairs[pi].latents.columns;
    index(pi).byNearest.forEach(function (rows, j) {
      var n = rows.filter(function (x) { return nc.kind[x] === 'r'; }).length;
      if (n > 0) { counts.set(j, n); }
    });
    var most = Array.from(counts.keys()).sort(function (a, b) { return counts.get(b) - counts.get(a) || a - b; }).slice(0, 8);
    if (most.length > 0) {
      var line = el('div', null, [el('span', { 'class': 'small', text: 'Most children in the ' + data.pairs[pi].large.num_latents + '-latent SAE: ' })]);
      most.forEach(function (j) { line.appendChild(latentLink(pi, true, j, 'S:' + j + ' (' + counts.get(j) + ')')); });
      picksEl.appendChild(line);
    }
    var withCtx = Object.keys(v.contexts).map(Number).sort(function (a, b) { return a - b; }).slice(0, 12);
    if (withCtx.length > 0) {
      var line2 = el('div', null, [el('span', { 'class': 'small', text: 'With contexts: ' })]);
      withCtx.forEach(function (j) { line2.appendChild(latentLink(pi, true, j)); });
      picksEl.appendChild(line2);
    }
  }

  /* ---- the detail card ---- */
  function tr(label, value) {
    return el('tr', null, [el('th', { text: label }), el('td', null, Array.isArray(value) ? value : [value])]);
  }
  function showDetail(pi, j) {
    detailEl.textContent = '';
    var p = data.pairs[pi];
    var c = p.latents.columns;
    var ix = index(pi);
    var r = ix.row.get(j);
    if (r === undefined) {
      var msg = (j >= 0 && j < p.latents.total)
        ? 'Latent ' + j + ' is not in this report\u2019s sample of the larger SAE (see the note above); latents.csv has it.'
        : 'The larger SAE of this pair has latents 0 to ' + (p.latents.total - 1) + '.';
      detailEl.appendChild(el('p', { 'class': 'empty', text: msg }));
      highlight(pi);
      return;
    }
    var novel = c.kind[r] === 'n';
    var kind = novel ? 'novel' : 'reconstruction';
    detailEl.appendChild(el('h3', null, ['Latent L:' + j + ' of ' + p.large.num_latents + ' ',
      el('span', { 'class': 'badge ' + kind, text: kind })]));
    var d = c.delta_mse[r];
    var rel = isNum(d) && isNum(p.small.mse) && p.small.mse > 0 ? ' (' + (d >= 0 ? '+' : '') + pct(d / p.small.mse) + ' of the smaller SAE\u2019s mse)' : '';
    var effect = !isNum(d) ? '' : d < 0 ? ' \u2014 adding it alone lowers mse' : d > 0 ? ' \u2014 adding it alone raises mse' : ' \u2014 never active on the tokens';
    var t = el('table');
    t.appendChild(tr('max_cos', sig(c.max_cos[r], 4) + (novel ? ' \u2264 ' : ' > ') + 'τ = ' + p.threshold));
    t.appendChild(tr('nearest small latent', c.nearest[r] >= 0 ? smallLink(pi, c.nearest[r], 'S:' + c.nearest[r]) : '\u2014'));
    t.appendChild(tr('\u0394mse', sig(d, 4) + rel + effect));
    t.appendChild(tr('freq', isNum(c.freq[r]) ? pct(c.freq[r]) + ' of tokens' : '\u2014'));
    var act = [];
    if (isNum(c.max_act_corr[r])) {
      act.push(sig(c.max_act_corr[r], 3) + ' with ', smallLink(pi, c.act_nearest[r], 'S:' + c.act_nearest[r]), ' (best)');
    }
    if (isNum(c.nearest_act_corr[r])) {
      act.push((act.length ? '; ' : '') + sig(c.nearest_act_corr[r], 3) + ' with the decoder-nearest ',
        smallLink(pi, c.nearest[r], 'S:' + c.nearest[r]));
    }
    t.appendChild(tr('activation correlation', act.length ? act : 'not computed'));
    if (c.step[r] !== null && c.step[r] >= 0) {
      t.appendChild(tr('interpolation step', String(c.step[r])));
    }
    detailEl.appendChild(t);

    // Swap group: parents in S, children in L.
    var gi = c.group[r];
    if (gi !== null && gi >= 0 && ix.groupRow.has(gi)) {
      var g = p.groups;
      var k = ix.groupRow.get(gi);
      detailEl.appendChild(el('h3', { text: 'Swap group ' + gi }));
      detailEl.appendChild(el('p', { 'class': 'small', text: 'Swapping replaces the parents (latents of the smaller SAE) with their children (latents of the larger SAE whose decoder cosine with a parent is above τ): \u0394mse ' + sig(g.delta_mse[k], 4) + ', \u0394l0 ' + sig(g.delta_l0[k], 4) + ', cosine ' + sig(g.cosine[k], 3) + (g.step[k] >= 0 ? ', applied at step ' + g.step[k] : '') + '.' }));
      var parents = el('div', { 'class': 'col' }, [el('span', { 'class': 'cap', text: 'parents (S)' })]);
      g.parents[k].forEach(function (s) { parents.appendChild(smallLink(pi, s, 'S:' + s)); });
      var children = el('div', { 'class': 'col' }, [el('span', { 'class': 'cap', text: 'children (L)' })]);
      g.children[k].forEach(function (ch) {
        var a = latentLink(pi, false, ch);
        if (ch === j) { a.classList.add('self'); }
        children.appendChild(a);
      });
      detailEl.appendChild(el('div', { 'class': 'tree' }, [parents, el('span', { 'class': 'arrow', text: '\u2192' }), children]));
    } else if (novel) {
      detailEl.appendChild(el('p', { 'class': 'small', text: 'Novel latents are in no swap group: the interpolation adds them to the smaller SAE.' }));
    }

    // Other latents of L whose nearest small latent is the same.
    var sibs = c.nearest[r] >= 0 ? (ix.byNearest.get(c.nearest[r]) || []).filter(function (x) { return x !== r; }) : [];
    if (sibs.length > 0) {
      sibs.sort(function (a, b) { return c.max_cos[b] - c.max_cos[a]; });
      var line = el('p', { 'class': 'small' }, ['Other latents of L nearest to S:' + c.nearest[r] + ' (' + sibs.length + '): ']);
      sibs.slice(0, 24).forEach(function (x) { line.appendChild(latentLink(pi, false, c.latent[x], 'L:' + c.latent[x] + ' (' + sig(c.max_cos[x], 2) + ')')); });
      if (sibs.length > 24) { line.appendChild(document.createTextNode('\u2026')); }
      detailEl.appendChild(line);
    }

    acrossWidths(pi, j, r);
    decompositions(pi, false, j);
    contextsOf(pi, false, j);
    highlight(pi, r);
  }
  // Top-activating contexts, when the report has them.
  function contextsOf(pi, s, j) {
    detailEl.appendChild(el('h3', { text: 'Top-activating contexts' }));
    var ctx = viewOf(pi, s).contexts[String(j)];
    if (!ctx || ctx.length === 0) {
      detailEl.appendChild(el('p', { 'class': 'empty', text: 'No contexts for this latent in this report (they come from an activation store' + (s ? ': contexts_small.jsonl in the compare directory' : '') + ').' }));
    } else {
      detailEl.appendChild(contextList(ctx));
    }
  }
  /* ---- the card of a latent of a pair's smaller SAE (the smallest SAE of a chain) ---- */
  function showSmallDetail(pi, j) {
    detailEl.textContent = '';
    highlight(pi);
    var p = data.pairs[pi];
    var v = viewOf(pi, true);
    if (!(j >= 0 && j < v.total)) {
      detailEl.appendChild(el('p', { 'class': 'empty', text: 'This SAE has latents 0 to ' + (v.total - 1) + '.' }));
      return;
    }
    detailEl.appendChild(el('h3', null, ['Latent S:' + j + ' of ' + v.width + ' ', el('span', { 'class': 'badge smallest', text: 'smaller SAE of ' + p.label })]));
    var nc = p.latents.columns;
    var kids = [];
    var novelKids = [];
    (index(pi).byNearest.get(j) || []).forEach(function (x) { (nc.kind[x] === 'r' ? kids : novelKids).push(x); });
    kids.sort(function (a, b) { return nc.max_cos[b] - nc.max_cos[a]; });
    var f = v.freq ? v.freq[j] : undefined;
    var t = el('table');
    t.appendChild(tr('freq', isNum(f) ? pct(f) + ' of tokens' + (f === 0 ? ' (never fired on the scanned tokens)' : '') : 'not in this report'));
    t.appendChild(tr('children in the ' + p.large.num_latents + '-latent SAE', String(kids.length)));
    detailEl.appendChild(t);

    detailEl.appendChild(el('h3', { text: 'Across widths' }));
    var line = el('div', { 'class': 'widths' });
    line.appendChild(el('span', { 'class': 'w self' }, [el('span', { 'class': 'cap', text: v.width + ' latents' }), el('span', { text: 'S:' + j })]));
    var col = el('span', { 'class': 'w kids' }, [el('span', { 'class': 'cap', text: p.large.num_latents + ' latents: ' + kids.length + (kids.length === 1 ? ' child' : ' children') })]);
    kids.slice(0, 16).forEach(function (x) {
      var gk = childrenOf(p.next_pair, nc.latent[x]).length;
      col.appendChild(latentLink(pi, false, nc.latent[x], 'L:' + nc.latent[x] + ' (' + sig(nc.max_cos[x], 2) + (gk > 0 ? ', ' + gk + ' below' : '') + ')'));
    });
    if (kids.length > 16) { col.appendChild(el('span', { text: '\u2026' })); }
    line.appendChild(el('span', { 'class': 'arrow', text: '\u2192' }));
    line.appendChild(col);
    detailEl.appendChild(line);
    var note = [];
    if (novelKids.length > 0) {
      note.push(novelKids.length + (novelKids.length === 1 ? ' novel latent of the wider SAE also has' : ' novel latents of the wider SAE also have') + ' this latent as nearest (cos \u2264 \u03c4; not counted as children).');
    }
    note.push('Children: latents of the next wider SAE whose nearest latent (decoder cosine) is this one, with cosine above \u03c4 = ' + p.threshold + '. No smaller SAE is compared with this one in this report.');
    detailEl.appendChild(el('p', { 'class': 'small', text: note.join(' ') }));
    decompositions(pi, true, j);
    contextsOf(pi, true, j);
  }
  /* ---- the feature-splitting tree across widths ---- */
  // Rows of pair npi's larger SAE whose nearest latent is j and whose cosine is above tau (children).
  function childrenOf(npi, j) {
    if (npi === undefined || npi < 0) { return []; }
    var nc = data.pairs[npi].latents.columns;
    return (index(npi).byNearest.get(j) || []).filter(function (x) { return nc.kind[x] === 'r'; });
  }
  function acrossWidths(pi, j, r) {
    var p = data.pairs[pi];
    var c = p.latents.columns;
    detailEl.appendChild(el('h3', { text: 'Across widths' }));
    // Up: the nearest latent in each next smaller SAE, as long as the pairs chain.
    var up = [];
    var cp = pi;
    var cr = r;
    while (cp >= 0 && cr !== undefined && up.length < 32) {
      var cc = data.pairs[cp].latents.columns;
      var par = cc.nearest[cr];
      if (par === null || par < 0) { break; }
      var cpPrev = data.pairs[cp].prev_pair;
      up.push({ width: data.pairs[cp].small.num_latents, latent: par, cos: cc.max_cos[cr],
        parent: cc.kind[cr] === 'r', from: cp });
      cp = cpPrev === undefined ? -1 : cpPrev;
      cr = cp >= 0 ? index(cp).row.get(par) : undefined;
    }
    var line = el('div', { 'class': 'widths' });
    up.slice().reverse().forEach(function (u) {
      var tgt = smallTarget(u.from);
      var node = smallLink(u.from, u.latent, (tgt && tgt.s ? 'S:' : 'L:') + u.latent);
      line.appendChild(el('span', { 'class': 'w' }, [el('span', { 'class': 'cap', text: u.width + ' latents' }), node]));
      line.appendChild(el('span', { 'class': 'arrow', title: 'decoder cosine of the wider latent with this one', text: (u.parent ? '\u2192 ' : '\u21e2 ') + sig(u.cos, 2) }));
    });
    line.appendChild(el('span', { 'class': 'w self' }, [el('span', { 'class': 'cap', text: p.large.num_latents + ' latents' }), el('span', { text: 'L:' + j }), labelSpan(pi, false, j)]));
    var np = p.next_pair;
    var kids = [];
    var novelKids = [];
    if (np !== undefined && np >= 0) {
      var nc = data.pairs[np].latents.columns;
      (index(np).byNearest.get(j) || []).forEach(function (x) { (nc.kind[x] === 'r' ? kids : novelKids).push(x); });
      kids.sort(function (a, b) { return nc.max_cos[b] - nc.max_cos[a]; });
      var col = el('span', { 'class': 'w kids' }, [el('span', { 'class': 'cap', text: data.pairs[np].large.num_latents + ' latents: ' + kids.length + (kids.length === 1 ? ' child' : ' children') })]);
      kids.slice(0, 16).forEach(function (x) {
        var gk = childrenOf(data.pairs[np].next_pair, nc.latent[x]).length;
        col.appendChild(latentLink(np, false, nc.latent[x], 'L:' + nc.latent[x] + ' (' + sig(nc.max_cos[x], 2) + (gk > 0 ? ', ' + gk + ' below' : '') + ')'));
      });
      if (kids.length > 16) { col.appendChild(el('span', { text: '\u2026' })); }
      line.appendChild(el('span', { 'class': 'arrow', text: '\u2192' }));
      line.appendChild(col);
    }
    detailEl.appendChild(line);
    var note = [];
    if (up.length > 0 && !up[0].parent) {
      note.push('This latent is novel (max_cos \u2264 \u03c4): the smaller latent is only its nearest, not a parent.');
    }
    if (np === undefined || np < 0) {
      note.push('No wider SAE is compared with this one in this report.');
    } else if (novelKids.length > 0) {
      note.push(novelKids.length + (novelKids.length === 1 ? ' novel latent of the wider SAE also has' : ' novel latents of the wider SAE also have') + ' this latent as nearest (cos \u2264 \u03c4; not counted as children).');
    }
    note.push('Parent: the nearest latent (decoder cosine) of the next smaller SAE; children: latents of the next wider SAE whose nearest is this latent, with cosine above \u03c4.');
    detailEl.appendChild(el('p', { 'class': 'small', text: note.join(' ') }));
  }

  /* ---- meta-latents and NMF factors of this SAE ---- */
  function decompositions(pi, s, j) {
    var v = viewOf(pi, s);
    var tag = s ? 'S:' : 'L:';
    v.meta.forEach(function (m) {
      detailEl.appendChild(el('h3', null, ['Meta-latents ', el('span', { 'class': 'small', text: m.label })]));
      var w = m.of ? m.of[String(j)] : undefined;
      if (!w || w.length === 0) {
        detailEl.appendChild(el('p', { 'class': 'empty', text: 'No meta-latents for this latent.' }));
        return;
      }
      var eq = el('p', { 'class': 'metaeq' }, [tag + j + ' = ' + w.map(function (x) { return 'M:' + x[0] + ' (' + sig(x[1], 3) + ')'; }).join(' + ')]);
      detailEl.appendChild(eq);
      var ul = el('ul', { 'class': 'metalist' });
      w.forEach(function (x) {
        var li = el('li', null, ['M:' + x[0] + ' \u2248 ']);
        var near = (m.nearest && m.nearest[x[0]]) || [];
        near.forEach(function (n, i) {
          if (i > 0) { li.appendChild(document.createTextNode(', ')); }
          li.appendChild(hasView(m.nearest_pair, !!m.nearest_small) ? latentLink(m.nearest_pair, !!m.nearest_small, n[0], 'S:' + n[0]) : el('span', { text: 'S:' + n[0] }));
          li.appendChild(document.createTextNode(' (' + sig(n[1], 2) + ')'));
        });
        if (near.length === 0) { li.appendChild(document.createTextNode('\u2014')); }
        li.appendChild(el('span', { 'class': 'small', text: '  latents of the ' + m.nearest_num_latents + '-latent SAE' + (m.members && m.members[x[0]] >= 0 ? '; ' + m.members[x[0]] + ' latents use M:' + x[0] : '') }));
        ul.appendChild(li);
      });
      detailEl.appendChild(ul);
    });
    v.nmf.forEach(function (n) {
      detailEl.appendChild(el('h3', null, ['NMF factor ', el('span', { 'class': 'small', text: n.label })]));
      var f = n.of ? n.of[String(j)] : undefined;
      if (!f || f.length === 0) {
        detailEl.appendChild(el('p', { 'class': 'empty', text: 'In no factor.' }));
        return;
      }
      f.slice(0, 3).forEach(function (x) {
        var line = el('p', { 'class': 'small' }, [el('b', { text: 'F:' + x[0] }), ' (weight ' + sig(x[1], 3) + (isNum(x[2]) ? ', ' + pct(x[2]) + ' of this latent\u2019s weight' : '') + '); its top latents: ']);
        ((n.top && n.top[x[0]]) || []).forEach(function (t) {
          var a = latentLink(pi, s, t[0], tag + t[0] + ' (' + sig(t[1], 2) + ')');
          if (t[0] === j) { a.classList.add('self'); }
          line.appendChild(a);
        });
        detailEl.appendChild(line);
      });
    });
  }

  /* ---- token search across pairs ---- */
  var tokenIndex = null;
  function norm(s) { return String(s || '').toLowerCase().replace(/\s+/g, ' ').trim(); }
  function buildTokenIndex() {
    tokenIndex = [];
    data.pairs.forEach(function (p, pi) {
      [false, true].forEach(function (s) {
        if (!hasView(pi, s)) { return; }
        var ctx = viewOf(pi, s).contexts;
        Object.keys(ctx).forEach(function (key) {
          (ctx[key] || []).forEach(function (cx) {
            tokenIndex.push({ pi: pi, s: s, j: Number(key), tok: norm(cx.token), raw: cx.token,
              text: norm((cx.before || '') + cx.token + (cx.after || '')), act: cx.activation });
          });
        });
      });
    });
  }
  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }
  function search(q) {
    if (!searchOut) { return; }
    searchOut.textContent = '';
    q = norm(q);
    if (!q) { return; }
    if (!tokenIndex) { buildTokenIndex(); }
    var word = new RegExp('(^|[^\\p{L}\\p{N}])' + escapeRe(q) + '($|[^\\p{L}\\p{N}])', 'u');
    var best = new Map();
    tokenIndex.forEach(function (e) {
      var score = e.tok === q ? 3 : e.tok.indexOf(q) >= 0 ? 2 : word.test(e.text) ? 1 : 0;
      if (score === 0) { return; }
      var key = (e.s ? 's' : '') + e.pi + '-' + e.j;
      var b = best.get(key);
      if (!b || score > b.score || (score === b.score && e.act > b.act)) { best.set(key, { pi: e.pi, s: e.s, j: e.j, score: score, act: e.act, raw: e.raw }); }
    });
    var hits = Array.from(best.values()).sort(function (a, b) { return b.score - a.score || b.act - a.act || a.pi - b.pi || a.j - b.j; });
    var pairs = new Set(hits.map(function (h) { return (h.s ? 's' : '') + h.pi; }));
    var total = hits.length;
    searchOut.appendChild(el('div', { 'class': 'small', text: total === 0
      ? 'No latent has \u201c' + q + '\u201d in its top contexts (only latents with contexts are searched).'
      : total + ' latent' + (total === 1 ? '' : 's') + ' in ' + pairs.size + ' SAE' + (pairs.size === 1 ? '' : 's') + ' with \u201c' + q + '\u201d in their top contexts' + (total > 60 ? ' (first 60; the highlighted token first, then by activation)' : '') + ':' }));
    var line = el('div', { 'class': 'hits' });
    hits.slice(0, 60).forEach(function (h) {
      var a = latentLink(h.pi, h.s, h.j, viewOf(h.pi, h.s).width + '/' + (h.s ? 'S:' : 'L:') + h.j);
      a.setAttribute('title', (h.score >= 2 ? 'top token ' : 'in context; top token ') + JSON.stringify(h.raw) + ', activation ' + sig(h.act, 3));
      if (h.score >= 2) { a.classList.add('tokhit'); }
      line.appendChild(a);
    });
    searchOut.appendChild(line);
  }

  function shade(a, max) {
    if (!isNum(a) || !(max > 0) || a <= 0) { return null; }
    var alpha = Math.min(1, a / max) * 0.75 + 0.1;
    return 'background-color: rgba(230, 159, 0, ' + alpha.toFixed(2) + ')';
  }
  function contextList(ctx) {
    var max = 0;
    ctx.forEach(function (cx) {
      if (isNum(cx.activation)) { max = Math.max(max, cx.activation); }
      (cx.spans || []).forEach(function (s) { if (isNum(s[1])) { max = Math.max(max, s[1]); } });
    });
    var ul = el('ul', { 'class': 'contexts' });
    ctx.forEach(function (cx) {
      var li = el('li', null, [el('span', { 'class': 'act', text: sig(cx.activation, 3) })]);
      if (cx.spans && cx.spans.length > 0) {
        cx.spans.forEach(function (s) {
          var sp = el('span', { 'class': 'tok', text: s[0] });
          var st = shade(s[1], max);
          if (st) { sp.setAttribute('style', st); }
          if (isNum(s[1])) { sp.setAttribute('title', sig(s[1], 3)); }
          li.appendChild(sp);
        });
      } else {
        li.appendChild(document.createTextNode(cx.before || ''));
        var tok = el('span', { 'class': 'tok focus', text: cx.token, title: sig(cx.activation, 3) });
        var st2 = shade(cx.activation, max);
        if (st2) { tok.setAttribute('style', st2); }
        li.appendChild(tok);
        li.appendChild(document.createTextNode(cx.after || ''));
      }
      if (cx.source) { li.appendChild(el('span', { 'class': 'src', text: cx.source })); }
      ul.appendChild(li);
    });
    return ul;
  }

  /* ---- selection ---- */
  var current = { pi: -1, s: false, j: -1 };
  function select(pi, s, j, quiet) {
    if (!hasView(pi, s)) { return; }
    if (pi !== current.pi || s !== current.s) {
      pairSel.value = (s ? 's' : '') + pi;
      if (s) { showSmallPicks(pi); } else { showPicks(pi); }
      if (pi !== current.pi) { showPlot(pi); }
      latentIn.max = String(viewOf(pi, s).total - 1);
    }
    current = { pi: pi, s: s, j: j };
    latentIn.value = String(j);
    if (s) { showSmallDetail(pi, j); } else { showDetail(pi, j); }
    // The address follows the selection (so it can be copied, and so following a link to the latent the
    // address named before still works); replaceState fires no hashchange and adds no history entry.
    // The default selection on opening the page leaves the address alone.
    var h = hrefOf(pi, s, j);
    if (!quiet && window.location.hash !== h && window.history && window.history.replaceState) {
      try { window.history.replaceState(null, '', h); } catch (e) { /* some file: contexts refuse; harmless */ }
    }
  }
  function firstLatent(pi) {
    var c = data.pairs[pi].latents.columns;
    // Open on the novel latent that lowers mse most: the source's headline kind of latent.
    var best = -1;
    for (var r = 0; r < c.latent.length; r++) {
      if (c.kind[r] === 'n' && isNum(c.delta_mse[r]) && (best < 0 || c.delta_mse[r] < c.delta_mse[best])) { best = r; }
    }
    return best >= 0 ? c.latent[best] : (c.latent.length > 0 ? c.latent[0] : 0);
  }
  // The S latent with the most children: where a split is easiest to see.
  function firstSmallLatent(pi) {
    var nc = data.pairs[pi].latents.columns;
    var best = 0;
    var bestN = -1;
    index(pi).byNearest.forEach(function (rows, j) {
      var n = rows.filter(function (x) { return nc.kind[x] === 'r'; }).length;
      if (n > bestN || (n === bestN && j < best)) { best = j; bestN = n; }
    });
    return best;
  }
  function fromHash() {
    var m = /^#explore-(s?)(\d+)-(\d+)$/.exec(window.location.hash || '');
    if (!m) { return false; }
    select(Number(m[2]) - 1, m[1] === 's', Number(m[3]));
    return true;
  }

  data.pairs.forEach(function (p, i) {
    if (p.small_latents) {
      pairSel.appendChild(el('option', { value: 's' + i, text: p.small.num_latents + ' latents (smaller SAE of ' + p.label + ')' }));
    }
    pairSel.appendChild(el('option', { value: String(i), text: p.large.num_latents + ' latents (larger SAE of ' + p.label + ')' }));
  });
  pairSel.addEventListener('change', function () {
    var m = /^(s?)(\d+)$/.exec(pairSel.value);
    if (!m) { return; }
    var pi = Number(m[2]);
    if (m[1] === 's') { select(pi, true, firstSmallLatent(pi)); } else { select(pi, false, firstLatent(pi)); }
  });
  latentIn.addEventListener('change', function () {
    var j = Math.floor(Number(latentIn.value));
    if (isFinite(j)) { select(current.pi, current.s, j); }
  });
  if (prevBtn) { prevBtn.addEventListener('click', function () { if (current.j > 0) { select(current.pi, current.s, current.j - 1); } }); }
  if (nextBtn) {
    nextBtn.addEventListener('click', function () {
      if (current.j < viewOf(current.pi, current.s).total - 1) { select(current.pi, current.s, current.j + 1); }
    });
  }
  if (searchIn) {
    var timer = null;
    searchIn.addEventListener('input', function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () { search(searchIn.value); }, 120);
    });
    searchIn.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter') { if (timer) { clearTimeout(timer); } search(searchIn.value); }
    });
  }
  window.addEventListener('hashchange', function () {
    if (fromHash()) { root.scrollIntoView(); }
  });
  if (fromHash()) { root.scrollIntoView(); } else { select(0, false, firstLatent(0), true); }
})();
