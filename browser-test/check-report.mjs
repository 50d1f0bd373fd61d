// Loads a saestitch report in Debian's headless Chromium and checks it like a reader would.
//
//   node browser-test/check-report.mjs INDEX_HTML SCREENSHOT_PNG
//
// Never downloads a browser: playwright-core drives the Chromium at $SAESTITCH_CHROMIUM (default
// /usr/bin/chromium, from `apt-get install chromium`), with a fresh profile and the flags this closed
// network needs (no background requests, no QUIC, no GPU, no sandbox as root).
//
// Prints one JSON object on stdout:
//   { ok, problems [string], console [{type, text}], figures [{id, svg, img, width, height, drawn}],
//     checks [{name, ok, detail}], timing {launch_ms, dom_content_loaded_ms, load_ms, explorer_ready_ms},
//     screenshot {path, width, height}, html_bytes }
// and exits 0 when every check passed, 1 when one failed, 2 when it could not run at all.
// A problem is: any console error or warning, any uncaught page error, any network request (the page
// must make none), a figure without a drawn <svg>/<img> of nonzero size, a section link to nowhere, or
// an explorer interaction (pair, latent, next, deep link, scatter click, children, token search, a latent
// of the smallest SAE opened from a meta-SAE example and from a parent link) whose result is not what the
// data says it should be, or a latent label (its top context's token) that differs from the data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [htmlArg, shotArg] = process.argv.slice(2);
if (!htmlArg || !shotArg) {
  console.error('usage: node check-report.mjs INDEX_HTML SCREENSHOT_PNG');
  process.exit(2);
}
const chromiumPath = process.env.SAESTITCH_CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(chromiumPath)) {
  console.error(`check-report: no Chromium at ${chromiumPath}; install Debian's (apt-get install chromium) or set SAESTITCH_CHROMIUM`);
  process.exit(2);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error('check-report: playwright-core is not installed; run `npm ci` in browser-test/ (./run-tests does): ' + e.message);
  process.exit(2);
}

// Why these flags: headless without a display or GPU, as root (no sandbox), and on a network that refuses
// Google's hosts — without the background-networking flags Chromium keeps trying (and logging) connections.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--mute-audio'];
const VIEWPORT = { width: 1280, height: 900 };
const TIMEOUT_MS = 15000;

const htmlPath = path.resolve(htmlArg);
const shotPath = path.resolve(shotArg);
const pageUrl = pathToFileURL(htmlPath).href;
const result = {
  ok: false, problems: [], console: [], figures: [], checks: [], timing: {}, screenshot: null,
  html_bytes: fs.statSync(htmlPath).size,
};
const problem = (s) => result.problems.push(s);
function check(name, ok, detail) {
  result.checks.push({ name, ok: !!ok, detail: detail === undefined ? '' : String(detail) });
  if (!ok) { problem(`check '${name}' failed: ${detail}`); }
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'saestitch-chromium-'));
let context;
try {
  const t0 = Date.now();
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath, headless: true, args: FLAGS, viewport: VIEWPORT, timeout: 60000,
  });
  result.timing.launch_ms = Date.now() - t0;
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = context.pages()[0] || await context.newPage();
  watch(page);

  // ---- load ----
  await page.goto(pageUrl, { waitUntil: 'load' });
  // A page Chromium refused to open shows about:blank: a blank screenshot with no error at all. (Seen when
  // the 7 MB demo report was opened as a data: URL, which Chromium caps at 2 MB; file:// has no cap.)
  const title = await page.title();
  check('page loaded', page.url() === pageUrl && title.length > 0, `${page.url().slice(0, 80)} titled "${title}"`);
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd };
  });
  result.timing.dom_content_loaded_ms = Math.round(nav.dcl);
  result.timing.load_ms = Math.round(nav.load);
  const data = await page.evaluate(() => {
    const d = document.getElementById('report-data');
    return d ? JSON.parse(d.textContent) : null;
  });
  check('embedded data', data && data.kind === 'saestitch-report', data ? data.kind : 'no #report-data');
  const pairs = (data && data.pairs) || [];

  // ---- figures: every one drawn, with a size ----
  result.figures = await page.evaluate(() => Array.from(document.querySelectorAll('figure.fig')).map((f) => {
    const g = f.querySelector('svg, img');
    const r = g ? g.getBoundingClientRect() : { width: 0, height: 0 };
    const drawn = !g ? 0 : g.tagName.toLowerCase() === 'img'
      ? (g.complete && g.naturalWidth > 0 ? 1 : 0)
      : g.querySelectorAll('circle, path, rect, line, polyline, polygon, text').length;
    return { id: f.id.replace(/^fig-/, ''), svg: f.querySelectorAll('svg').length, img: f.querySelectorAll('img').length,
      width: Math.round(r.width), height: Math.round(r.height), drawn };
  }));
  for (const f of result.figures) {
    if (!(f.width > 0 && f.height > 0 && f.drawn > 0)) {
      problem(`figure ${f.id} is not rendered (${f.width}x${f.height}, ${f.drawn} drawn elements)`);
    }
  }
  const brokenNav = await page.evaluate(() => Array.from(document.querySelectorAll('nav a'))
    .map((a) => a.getAttribute('href')).filter((h) => !h.startsWith('#') || !document.getElementById(h.slice(1))));
  check('section links', brokenNav.length === 0, brokenNav.join(' ') || 'all resolve');

  // ---- the explorer ----
  if (pairs.length > 0) {
    await explorer(page, pairs);
  }

  // ---- screenshot of the whole page, from the top ----
  await page.evaluate(() => { window.location.hash = ''; window.scrollTo(0, 0); });
  await page.screenshot({ path: shotPath, fullPage: true });
  const dims = await page.evaluate(() => ({ width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight }));
  result.screenshot = { path: shotPath, width: dims.width, height: dims.height };
  check('no horizontal overflow', dims.width <= VIEWPORT.width, `page width ${dims.width} px in a ${VIEWPORT.width} px window`);
} catch (e) {
  problem('the check itself failed: ' + (e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e));
} finally {
  if (context) { await context.close().catch(() => {}); }
  fs.rmSync(profile, { recursive: true, force: true });
}
result.ok = result.problems.length === 0;
process.stdout.write(JSON.stringify(result, null, 1) + '\n');
process.exit(result.ok ? 0 : 1);

// ---------------------------------------------------------------------------------------------------

function watch(page) {
  page.on('console', (m) => {
    result.console.push({ type: m.type(), text: m.text() });
    if (m.type() === 'error' || m.type() === 'warning') { problem(`console ${m.type()}: ${m.text()}`); }
  });
  page.on('pageerror', (e) => problem('page error: ' + e.message));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(pageUrl.split('#')[0]) && !u.startsWith('data:')) { problem('network request: ' + u); }
  });
  page.on('requestfailed', (r) => {
    if (!r.url().startsWith('data:')) { problem(`request failed: ${r.url()} (${r.failure() && r.failure().errorText})`); }
  });
}

async function heading(page) {
  return (await page.locator('#explorer .detail h3').first().textContent({ timeout: TIMEOUT_MS })) || '';
}

/** Waits until the explorer's heading shows latent j of a `width`-latent SAE; records the check. */
async function expectLatent(page, name, j, width) {
  const want = `Latent L:${j} of ${width}`;
  try {
    await page.waitForFunction((w) => {
      const h = document.querySelector('#explorer .detail h3');
      return h && h.textContent.startsWith(w);
    }, want, { timeout: TIMEOUT_MS });
    check(name, true, want);
    return true;
  } catch (e) {
    check(name, false, `expected "${want}", the explorer shows "${await heading(page).catch(() => '?')}"`);
    return false;
  }
}

function rowsWithContexts(p) {
  return Object.keys(p.contexts || {}).map(Number).filter((j) => (p.contexts[String(j)] || []).length > 0);
}

async function explorer(page, pairs) {
  const t0 = Date.now();
  await page.waitForSelector('#explorer .detail h3');
  result.timing.explorer_ready_ms = Date.now() - t0;
  check('explorer opens on a latent', /^Latent L:\d+ of \d+/.test(await heading(page)), await heading(page));

  // Pick a pair (the last one), then a latent in it by typing its index.
  const pi = pairs.length - 1;
  const p = pairs[pi];
  await page.selectOption('#ex-pair', String(pi));
  check('pick a pair', (await heading(page)).includes(`of ${p.large.num_latents}`), await heading(page));
  const cols = p.latents.columns;
  const withCtx = rowsWithContexts(p);
  const j = withCtx.length > 0 ? withCtx[Math.floor(withCtx.length / 2)] : cols.latent[Math.floor(cols.latent.length / 2)];
  await page.fill('#ex-latent', String(j));
  await page.press('#ex-latent', 'Enter');
  await page.locator('#ex-latent').blur();
  await expectLatent(page, 'pick a latent', j, p.large.num_latents);
  if (withCtx.includes(j)) {
    const n = await page.locator('#explorer .detail ul.contexts li').count();
    check('contexts shown', n === p.contexts[String(j)].length, `${n} contexts listed, ${p.contexts[String(j)].length} in the data`);
  }
  check('across widths shown', await page.locator('#explorer .detail .widths').count() === 1, 'the .widths block');
  if (j + 1 < p.latents.total) {
    await page.click('#ex-next');
    await expectLatent(page, 'next button', j + 1, p.large.num_latents);
  }

  // Follow a deep link (hash change in the open page), then open one in a fresh page.
  const p0 = pairs[0];
  const j0 = p0.latents.columns.latent[p0.latents.columns.latent.length - 1];
  await page.evaluate((h) => { window.location.hash = h; }, `#explore-1-${j0}`);
  await expectLatent(page, 'deep link (hash change)', j0, p0.large.num_latents);
  check('deep link selects the pair', await page.inputValue('#ex-pair') === '0', await page.inputValue('#ex-pair'));
  const fresh = await page.context().newPage();
  watch(fresh);
  await fresh.goto(`${pageUrl}#explore-${pairs.length}-${j}`, { waitUntil: 'load' });
  await expectLatent(fresh, 'deep link (fresh load)', j, p.large.num_latents);
  await fresh.close();

  // Meta-latents and NMF factors, in each pair whose larger SAE has them.
  for (let k = 0; k < pairs.length; k++) {
    for (const m of pairs[k].meta || []) {
      const jm = Object.keys(m.of || {})[0];
      if (jm === undefined) { continue; }
      await page.evaluate((h) => { window.location.hash = h; }, `#explore-${k + 1}-${jm}`);
      await expectLatent(page, 'latent with meta-latents', jm, pairs[k].large.num_latents);
      // "L:5 = M:1 (0.79) + M:2 (0.3)" without the weights must read as the data's meta-latents in rank order.
      const want = `L:${jm} = ` + m.of[jm].map((x) => `M:${x[0]}`).join(' + ');
      const eqs = await page.locator('#explorer .detail .metaeq').allTextContents();
      check('meta-latents shown', eqs.map((e) => e.replace(/ \([^)]*\)/g, '')).includes(want),
        `want "${want}", shown: ${eqs.join(' | ') || 'nothing'}`);
    }
    for (const n of pairs[k].nmf || []) {
      const jn = Object.keys(n.of || {})[0];
      if (jn === undefined) { continue; }
      await page.evaluate((h) => { window.location.hash = h; }, `#explore-${k + 1}-${jn}`);
      await expectLatent(page, 'latent with an NMF factor', jn, pairs[k].large.num_latents);
      const txt = await page.locator('#explorer .detail').textContent();
      check('NMF factor shown', txt.includes(`F:${n.of[jn][0][0]} (weight`), `F:${n.of[jn][0][0]}`);
    }
  }

  // Click a dot of the explorer's scatter: the ring and the card follow it.
  const dot = page.locator('#explorer .plot svg g.plot circle').first();
  if (await dot.count() > 0) {
    await dot.scrollIntoViewIfNeeded();
    const box = await dot.boundingBox();
    if (box) {
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      const ring = await page.evaluate(() => {
        const c = document.querySelectorAll('#explorer .plot svg > circle');
        return c.length ? c[c.length - 1].getAttribute('visibility') : 'none';
      });
      check('scatter click selects a latent', ring === 'visible' && /^Latent L:\d+ of /.test(await heading(page)),
        `ring ${ring}, ${await heading(page)}`);
    }
  }

  // Down the feature-splitting tree: a latent of pair 1 with children in the next pair.
  const np = p0.next_pair;
  if (np !== undefined && np >= 0) {
    const nc = pairs[np].latents.columns;
    const parents = new Set();
    for (let r = 0; r < nc.latent.length; r++) { if (nc.kind[r] === 'r' && nc.nearest[r] >= 0) { parents.add(nc.nearest[r]); } }
    const jp = p0.latents.columns.latent.find((x) => parents.has(x));
    if (jp !== undefined) {
      await page.evaluate((h) => { window.location.hash = h; }, `#explore-1-${jp}`);
      await expectLatent(page, 'latent with children', jp, p0.large.num_latents);
      const child = page.locator('#explorer .detail .widths .kids a').first();
      const href = await child.getAttribute('href');
      const m = /^#explore-(\d+)-(\d+)$/.exec(href || '');
      await child.click();
      if (m) { await expectLatent(page, 'click a child', Number(m[2]), pairs[Number(m[1]) - 1].large.num_latents); }
      const ups = await page.locator('#explorer .detail .widths > .w:not(.kids) a').evaluateAll(
        (as) => as.map((a) => a.getAttribute('href')));
      check('child shows its parent', ups.includes(`#explore-1-${jp}`), ups.join(' '));
    }
  }

  await smallest(page, pairs);
  await labels(page, pairs);

  // Search a token: a context token of some latent must list that latent; clicking a hit opens it.
  const sp = pairs.findIndex((q) => rowsWithContexts(q).length > 0);
  if (sp >= 0) {
    const q = pairs[sp];
    const js = rowsWithContexts(q)[0];
    const token = q.contexts[String(js)][0].token.trim() || q.contexts[String(js)][0].token;
    await page.fill('#ex-search', token);
    await page.press('#ex-search', 'Enter');
    const link = page.locator(`#ex-search-results a[href="#explore-${sp + 1}-${js}"]`);
    try {
      await link.waitFor({ timeout: TIMEOUT_MS });
      check('token search lists the latent', true, `"${token}" → ${q.large.num_latents}/L:${js}`);
      await link.click();
      await expectLatent(page, 'token search hit opens the latent', js, q.large.num_latents);
    } catch (e) {
      check('token search lists the latent', false, `"${token}": ${await page.locator('#ex-search-results').textContent()}`);
    }
    await page.fill('#ex-search', 'zzqqxx-no-such-token');
    await page.press('#ex-search', 'Enter');
    const none = await page.locator('#ex-search-results').textContent();
    check('token search says when nothing matches', none.startsWith('No latent has'), none);
  }
}

// A latent's label, exactly as the report computes it (LatentContexts.label, labelOf in report.js).
function labelOf(ctx) {
  if (!ctx || ctx.length === 0 || typeof ctx[0].token !== 'string') { return ''; }
  const t = ctx[0].token.replace(/[ \t\n\r\f\v\u00a0]+/g, ' ').replace(/^ +| +$/g, '');
  if (t === '') { return '\u2423'; }
  const cps = Array.from(t);
  return cps.length <= 16 ? t : cps.slice(0, 15).join('') + '\u2026';
}

/** The contexts of latent j of the view an explorer address names ("#explore-s1-5": pair 1's smaller SAE). */
function contextsOfHref(pairs, href) {
  const m = /^#explore-(s?)(\d+)-(\d+)$/.exec(href || '');
  if (!m) { return undefined; }
  const p = pairs[Number(m[2]) - 1];
  if (!p) { return undefined; }
  const ctx = m[1] === 's' ? (p.small_latents || {}).contexts || {} : p.contexts || {};
  return ctx[m[3]] || [];
}

async function expectSmall(page, name, j, width) {
  const want = `Latent S:${j} of ${width}`;
  try {
    await page.waitForFunction((w) => {
      const h = document.querySelector('#explorer .detail h3');
      return h && h.textContent.startsWith(w);
    }, want, { timeout: TIMEOUT_MS });
    check(name, true, want);
    return true;
  } catch (e) {
    check(name, false, `expected "${want}", the explorer shows "${await heading(page).catch(() => '?')}"`);
    return false;
  }
}

async function expectContexts(page, name, ctx) {
  const n = await page.locator('#explorer .detail ul.contexts li').count();
  check(name, n === (ctx || []).length && n > 0, `${n} contexts listed, ${(ctx || []).length} in the data`);
}

/** The smallest SAE of a chain (a pair's small_latents): its latents open from a meta-SAE example and from a parent link. */
async function smallest(page, pairs) {
  const si = pairs.findIndex((q) => q.small_latents);
  if (si < 0) { return; }
  const q = pairs[si];
  const sctx = q.small_latents.contexts || {};
  const hasCtx = (j) => (sctx[String(j)] || []).length > 0;

  // From a meta-SAE example ("M:a ≈ S:i …"), preferring a latent with contexts.
  const hrefs = await page.locator(`ul.meta-examples a[href^="#explore-s${si + 1}-"]`).evaluateAll(
    (as) => as.map((a) => a.getAttribute('href')));
  if (hrefs.length > 0) {
    const href = hrefs.find((h) => hasCtx(h.split('-').pop())) || hrefs[0];
    const j = Number(href.split('-').pop());
    const link = page.locator(`ul.meta-examples a[href="${href}"]`).first();
    await link.scrollIntoViewIfNeeded();
    await link.click();
    if (await expectSmall(page, 'smallest SAE latent from a meta-SAE example', j, q.small.num_latents) && hasCtx(j)) {
      await expectContexts(page, 'smallest SAE latent shows its contexts', sctx[String(j)]);
    }
  }

  // Token search covers the smallest SAE's contexts too.
  const jt = Object.keys(sctx).find((k) => hasCtx(k) && sctx[k][0].token.trim() !== '');
  if (jt !== undefined) {
    const token = sctx[jt][0].token.trim();
    await page.fill('#ex-search', token);
    await page.press('#ex-search', 'Enter');
    try {
      await page.locator(`#ex-search-results a[href="#explore-s${si + 1}-${jt}"]`).waitFor({ timeout: TIMEOUT_MS });
      check('token search lists smallest SAE latents', true, `"${token}" → S:${jt}`);
    } catch (e) {
      check('token search lists smallest SAE latents', false, `"${token}": ${await page.locator('#ex-search-results').textContent()}`);
    }
  }

  // From a parent link: a reconstruction latent of the pair's larger SAE whose parent has contexts.
  const c = q.latents.columns;
  let r = -1;
  for (let x = 0; x < c.latent.length; x++) {
    if (c.kind[x] === 'r' && c.nearest[x] >= 0 && (r < 0 || (hasCtx(c.nearest[x]) && !hasCtx(c.nearest[r])))) { r = x; }
  }
  if (r < 0) { return; }
  const jl = c.latent[r];
  const js = c.nearest[r];
  await page.evaluate((h) => { window.location.hash = h; }, `#explore-${si + 1}-${jl}`);
  await expectLatent(page, 'latent whose parent is in the smallest SAE', jl, q.large.num_latents);
  const parent = page.locator(`#explorer .detail .widths > .w:not(.kids) a[href="#explore-s${si + 1}-${js}"]`);
  const n = await parent.count();
  check('parent link into the smallest SAE', n === 1, `${n} links to #explore-s${si + 1}-${js}`);
  if (n !== 1) { return; }
  const lbl = (await parent.locator('.lbl').allTextContents()).join('');
  const want = hasCtx(js) ? `\u201c${labelOf(sctx[String(js)])}\u201d` : '';
  check('parent link labelled', lbl === want, `label "${lbl}", want "${want}"`);
  await parent.click();
  if (!await expectSmall(page, 'smallest SAE latent from a parent link', js, q.small.num_latents)) { return; }
  if (hasCtx(js)) { await expectContexts(page, 'parent shows its contexts', sctx[String(js)]); }
  const kids = await page.locator('#explorer .detail .widths .kids a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  check('parent lists the child', kids.includes(`#explore-${si + 1}-${jl}`), kids.join(' ') || 'no children');
  if (q.small_latents.freq) {
    const f = q.small_latents.freq[js];
    const txt = await page.locator('#explorer .detail table').first().textContent();
    check('smallest SAE latent shows its frequency', typeof f !== 'number' || txt.includes('of tokens'), txt.slice(0, 120));
  }
}

/** Every latent link outside the explorer card carries its label, the token of its top context. */
async function labels(page, pairs) {
  const links = await page.evaluate(() => Array.from(document.querySelectorAll(
    'main section:not(#explorer) a.lat')).map((a) => {
    const l = a.querySelector('.lbl');
    return { href: a.getAttribute('href'), lbl: l ? l.textContent : '' };
  }));
  if (links.length === 0) { return; }
  const wrong = [];
  let labelled = 0;
  for (const x of links) {
    const ctx = contextsOfHref(pairs, x.href);
    const want = ctx && ctx.length > 0 ? `\u201c${labelOf(ctx)}\u201d` : '';
    if (x.lbl !== want) { wrong.push(`${x.href}: "${x.lbl}" not "${want}"`); }
    if (x.lbl) { labelled++; }
  }
  check('latent labels match the data', wrong.length === 0 && labelled > 0,
    wrong.length ? wrong.slice(0, 5).join('; ') : `${labelled} of ${links.length} links labelled`);
}
