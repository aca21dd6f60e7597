// End-to-end checks of the release build (dist/) in Debian's Chromium,
// driven by Playwright (playwright-core: it drives an installed browser,
// records every request and console message, handles downloads, iframes
// and media emulation, and injects axe-core). The app is served as static
// files under a sub-path, /course/tcp/, and embedded from another origin.
//
// Usage: node tests/e2e/e2e.mjs [dist] [screenshot-folder]

import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const tools = path.join(root, 'tools/node_modules');
const { chromium } = require(path.join(tools, 'playwright-core'));
const axeSource = fs.readFileSync(path.join(tools, 'axe-core/axe.min.js'), 'utf8');

const dist = path.resolve(process.argv[2] || path.join(root, 'dist'));
const shots = path.resolve(process.argv[3] || fs.mkdtempSync(path.join(os.tmpdir(), 'watch-tcp-shots-')));
fs.mkdirSync(shots, { recursive: true });
const SUBPATH = '/course/tcp/';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml' };

/** A static server: `dist/` under SUBPATH; `extra` maps other paths to HTML. */
function serve(extra = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (extra[url.pathname]) {
      const body = extra[url.pathname];
      res.writeHead(200, { 'content-type': Buffer.isBuffer(body) ? 'application/octet-stream' : 'text/html' });
      return res.end(body);
    }
    if (!url.pathname.startsWith(SUBPATH)) { res.writeHead(404); return res.end(); }
    const rel = url.pathname.slice(SUBPATH.length).replace(/(^|\/)$/, '$1index.html');
    const file = path.join(dist, path.normalize(rel));
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const failures = [];
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

// Captures of the Linux kernel's own TCP (engine/tests/captures/kernel/):
// two connections in one file, served next to the page for `?capture=`.
const kernel = (name) => fs.readFileSync(path.join(root, 'engine/tests/captures/kernel', name));
/** A little-endian microsecond pcap's records (header and data each). */
function pcapRecords(buf) {
  const out = [];
  for (let at = 24; at + 16 <= buf.length; at += 16 + buf.readUInt32LE(at + 8)) out.push(buf.subarray(at, at + 16 + buf.readUInt32LE(at + 8)));
  return out;
}
const lossy = kernel('v4-loss-client-ethernet.pcap');
const twoConnections = Buffer.concat([lossy.subarray(0, 24), ...pcapRecords(lossy), ...pcapRecords(kernel('v4-reset-client-ethernet.pcap'))]);
// The first page as it was before its view was prerendered: the app
// renders it from nothing (and fetches its lesson's script).
const prerendered = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const plain = prerendered.replace(/<div class=prerendered>.*?<\/noscript>/s, '</div><noscript>(plain)</noscript>').replace('<p hidden class=loading>', '<p class=loading>');
const app = await serve({ [`${SUBPATH}plain.html`]: plain, [`${SUBPATH}captures/two.pcap`]: twoConnections, [`${SUBPATH}captures/syn-lost.pcap`]: kernel('v4-syn-lost-client-ethernet.pcap') });
const origin = `http://127.0.0.1:${app.address().port}`;
const base = origin + SUBPATH;
const host = await serve({ '/': `<!doctype html><html lang="en"><head><title>A course page</title><link rel="icon" href="data:,"></head><body><main><h1>Lesson 3: TCP</h1>
  <iframe id="tcp" src="${base}?step=3&embed=1" width="100%" height="640" style="border:0" title="Watch TCP work"></iframe>
  <h2>Exercise: predict the next segment</h2>
  <iframe id="predict" src="${base}?step=3&embed=1&mode=predict" width="390" height="844" style="border:0" title="Predict TCP's next segment"></iframe></main></body></html>` });
const hostOrigin = `http://127.0.0.1:${host.address().port}`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

const requests = [];
const messages = [];
async function open(url, { viewport = { width: 1280, height: 800 }, reducedMotion = 'no-preference', colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, reducedMotion, colorScheme, acceptDownloads: true });
  const page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') messages.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => messages.push(`uncaught: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) messages.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(url);
  await page.waitForSelector('html[data-first-frame-ms]');
  return page;
}
const text = (page, id) => page.textContent(`[data-testid='${id}']`);
const stepIs = (page, n) => page.waitForFunction((n) => document.querySelector("[data-testid='step-count']")?.textContent.startsWith(`${n} /`), n, { timeout: 30000 });

/** Presses Tab until focus leaves the page's last control: the stops (test
 * id, or tag and text) and those without a visible focus ring. */
async function tabWalk(page) {
  // From the top of the page, wherever focus was.
  await page.evaluate(() => {
    const top = document.createElement('span');
    top.tabIndex = -1;
    document.body.prepend(top);
    top.focus();
    top.remove();
  });
  const seen = new Set();
  const unstyled = [];
  for (let i = 0; i < 300; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      // A ladder arrow (SVG) shows focus by outlining its row instead.
      const hit = el.querySelector && el.querySelector('.hit');
      const ring = hit ? getComputedStyle(hit) : null;
      const outline = style.outlineStyle !== 'none' && style.outlineWidth !== '0px';
      const outlinedRow = !!ring && ring.stroke !== 'none' && parseFloat(ring.strokeWidth) >= 2;
      return { id: el.dataset.testid || el.tagName + (el.textContent || '').slice(0, 20), outline: outline || outlinedRow };
    });
    // Past the last control, focus goes back to the page itself.
    if (info.id.startsWith('BODY')) break;
    seen.add(info.id);
    if (!info.outline) unstyled.push(info.id);
  }
  return { seen, unstyled };
}

async function axe(page, what) {
  // Evaluated through the driver, so the page's CSP (rightly) does not apply.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run(document));
  for (const v of result.violations) console.log(`     ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  check(result.violations.length === 0, `axe-core: 0 violations ${what} (found ${result.violations.length})`);
}

// 1. Autoplay the default story to the end. Screen readers hear the live
// region once per step, never per animation frame.
{
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => messages.push(`uncaught: ${e.message}`));
  await page.addInitScript(() => {
    window.__said = []; window.__changes = 0; window.__frames = 0;
    const frame = () => { window.__frames++; requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
    new MutationObserver((records) => {
      const live = document.querySelector("[data-testid='live']");
      if (!live) return;
      if (records.some((r) => live.contains(r.target))) window.__changes++;
      if (live.textContent !== window.__said.at(-1)) window.__said.push(live.textContent);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(`${base}?autoplay=1&speed=4`);
  await stepIs(page, 12);
  await page.waitForTimeout(300);
  const heard = await page.evaluate(() => ({ said: window.__said, changes: window.__changes, frames: window.__frames }));
  const steps = heard.said.map((t) => (t.match(/^Step (\d+) of 12/) || [])[1]).join(',');
  check(steps === '0,1,2,3,4,5,6,7,8,9,10,11,12' && heard.changes <= 2 * heard.said.length && heard.frames > 4 * heard.said.length,
    `announcements: one per step over ${heard.frames} animation frames (steps ${steps}; ${heard.changes} changes to the live region)`);
  const arrows = await page.$$("[data-testid='ladder-arrow']");
  check(arrows.length === 12, `autoplay: twelve ladder arrows (${arrows.length})`);
  check(await text(page, 'state-client') === 'TIME_WAIT', 'autoplay: client ends in TIME_WAIT');
  check(await text(page, 'state-server') === 'CLOSED', 'autoplay: server ends CLOSED');
  check((await text(page, 'narration')).length > 40, 'autoplay: the narration is there');
  await page.screenshot({ path: path.join(shots, 'desktop-1280x800.png') });
  await axe(page, 'in the light theme, default view and lab');
  await page.context().close();
}
// 1b. The first view is in the page's HTML. With JavaScript off it shows,
// with the story as text and its ladder; the app takes it over without a
// layout shift and fetches nothing more to draw it; and the page it takes
// over then behaves exactly as one the app drew from nothing (plain.html).
{
  const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
  const page = await noJs.newPage();
  await page.goto(base);
  const body = await page.textContent('body');
  check(body.includes('Before anything moves') && body.includes('interactive parts need JavaScript'),
    'no JavaScript: the prerendered view shows, and says the interactive parts need JavaScript');
  const items = await page.$$('.story-text li');
  const arrows = await page.$$(".story-text [data-testid='ladder-arrow']");
  check(items.length === 12 && arrows.length === 12, `no JavaScript: the twelve segments as text and the ladder as an image (${items.length} items, ${arrows.length} arrows)`);
  await page.screenshot({ path: path.join(shots, 'no-javascript-1280x800.png'), fullPage: true });
  await noJs.close();

  // Taken over: no layout shift, no lesson fetched.
  const ctx = await browser.newContext({ viewport: { width: 412, height: 823 }, reducedMotion: 'reduce' });
  const shifts = await ctx.newPage();
  await shifts.addInitScript(() => {
    window.__shift = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; }).observe({ type: 'layout-shift', buffered: true });
  });
  const fetched = [];
  shifts.on('request', (r) => fetched.push(r.url()));
  await shifts.goto(base);
  await shifts.waitForSelector('html[data-first-frame-ms]');
  await shifts.waitForTimeout(500);
  const cls = await shifts.evaluate(() => window.__shift);
  check(cls === 0, `prerendered: the app takes the view over without moving anything (layout shift ${cls})`);
  check(!fetched.some((u) => u.includes('/lessons/')), `prerendered: the first view needs no lesson fetched (${fetched.filter((u) => u.includes('/lessons/')).length})`);
  await ctx.close();

  // The same actions on both pages leave the same page.
  const pages = [];
  for (const url of [base, `${base}plain.html`]) {
    const p = await open(url, { reducedMotion: 'reduce' });
    await p.waitForSelector("[data-testid='key-moment']");
    pages.push(p);
  }
  const same = async (what) => {
    const [a, b] = await Promise.all(pages.map((p) => p.$eval('.app', (e) => e.outerHTML)));
    check(a === b, `prerendered: taken over, the page is the same as one drawn from nothing ${what}${a === b ? '' : ` (${a.length} vs ${b.length} characters)`}`);
  };
  await same('at the start');
  for (const p of pages) { for (let i = 0; i < 3; i++) await p.keyboard.press('ArrowRight'); await stepIs(p, 3); }
  await same('after three steps by keyboard');
  for (const p of pages) {
    await p.locator("[data-testid='ladder-arrow']").nth(2).click();
    await p.click("[data-testid='fault-drop']");
    await p.waitForFunction(() => document.querySelector("[data-testid='step-count']")?.textContent.includes('/'));
  }
  await same('after dropping segment 3 in the lab');
  for (const [p, url] of [[pages[0], `${base}?step=5`], [pages[1], `${base}plain.html?step=5`]]) {
    await p.goto(url);
    await stepIs(p, 5);
  }
  await same('at a deep link to step 5');
  for (const p of pages) await p.context().close();
}
// 2. Dark theme, phone size.
{
  const page = await open(`${base}?step=6`, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  await page.screenshot({ path: path.join(shots, 'phone-390x844.png') });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `phone: no sideways scrolling (${overflow} px too wide)`);
  await axe(page, 'in the dark theme (system preference)');
  await page.context().close();
}
// 2b. A phone (390×844): the wire with its segment, the step controls and
// the narration share the first screen, at steps 1, 6 and 12, embedded,
// and in a lesson with the lab open; the long panels are one tap away and
// keep their state; controls are at least 44 px high; a swipe steps.
{
  const phone = { width: 390, height: 844 };
  const together = (page) => page.evaluate(() => {
    const box = (s) => document.querySelector(s)?.getBoundingClientRect();
    const [wire, buttons, words] = [box('.wire'), box('.controls .buttons'), box("[data-testid='narration-title']")];
    const moving = [...document.querySelectorAll("[data-testid='envelope']")].map((e) => e.getBoundingClientRect());
    const on = (r) => r && r.top >= 0 && r.bottom <= innerHeight;
    // The step's title and its first lines of text.
    return { ok: on(wire) && on(buttons) && words && words.top >= 0 && words.bottom + 60 <= innerHeight && moving.every(on),
             at: [wire?.top, buttons?.bottom, words?.bottom, moving.length].map((v) => Math.round(v ?? -1)).join('/') };
  });
  const page = await open(`${base}?step=1`, { viewport: phone, reducedMotion: 'reduce' });
  for (const n of [1, 6, 12]) {
    if (n > 1) { await page.goto(`${base}?step=${n}`); await page.waitForSelector('html[data-first-frame-ms]'); }
    await stepIs(page, n);
    const seen = await together(page);
    check(seen.ok, `phone: at step ${n} the wire, the step buttons and the narration share the first screen (${seen.at})`);
    await page.screenshot({ path: path.join(shots, `phone-step-${n}-390x844.png`) });
  }
  // One tap opens a panel; it stays open as the steps go by, and the lab
  // keeps what was set in it when it is closed and opened again.
  check(!(await page.isVisible('.ladder')), 'phone: the ladder starts folded');
  await page.click("[data-testid='fold-ladder']");
  check(await page.isVisible('.ladder') && await page.getAttribute("[data-testid='fold-ladder']", 'aria-expanded') === 'true', 'phone: one tap opens the ladder');
  await page.click("[data-testid='back']");
  await stepIs(page, 11);
  check(await page.isVisible('.ladder'), 'phone: the ladder stays open as the step changes');
  await page.click("[data-testid='fold-lab']");
  await page.$eval("[data-testid='loss']", (el) => { el.value = '10'; el.dispatchEvent(new Event('change', { bubbles: true })); });
  await page.click("[data-testid='fold-lab']");
  check(!(await page.isVisible('.lab')), 'phone: a second tap folds the lab');
  await page.click("[data-testid='fold-lab']");
  check(await page.$eval("[data-testid='loss']", (el) => el.value) === '10', 'phone: the lab keeps its settings when folded and opened again');
  // Targets: every control on the page, panels open, at least 44 px high
  // and wide (the ladder's rows are also reached by the step buttons and a
  // swipe; links inside sentences are part of the text).
  for (const id of ['inspector', 'states', 'options']) await page.click(`[data-testid='fold-${id}']`);
  const small = await page.evaluate(() => [...document.querySelectorAll('button, select, summary, input, label.switch, a')]
    .filter((el) => !(el.matches('a') && el.closest('p, li')) && !el.matches('input[type=checkbox]'))
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0 && (r.width < 44 || r.height < 44))
    .map(([el, r]) => `${el.dataset.testid || el.textContent.trim().slice(0, 16)} ${Math.round(r.width)}×${Math.round(r.height)}`));
  check(small.length === 0, `phone: every control is at least 44×44 px (${small.join(', ') || 'all are'})`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  check(wide <= 0, `phone: with every panel open, nothing scrolls sideways (${wide} px)`);
  // A swipe on the wire: leftwards forward, rightwards back.
  const swipe = (dx) => page.$eval('.wire', (wire, dx) => {
    const r = wire.getBoundingClientRect();
    const at = (x) => ({ pointerType: 'touch', isPrimary: true, clientX: x, clientY: r.top + r.height / 2, bubbles: true });
    wire.dispatchEvent(new PointerEvent('pointerdown', at(r.left + r.width / 2)));
    wire.dispatchEvent(new PointerEvent('pointerup', at(r.left + r.width / 2 + dx)));
  }, dx);
  await swipe(120);
  await stepIs(page, 10);
  await swipe(-120);
  await stepIs(page, 11);
  check(true, 'phone: swiping the wire right steps back, left steps forward');
  await page.context().close();
  for (const [what, query] of [['embedded', '?step=6&embed=1'], ['a lesson with the lab open', '?scenario=lost-data&step=5']]) {
    const p = await open(`${base}${query}`, { viewport: phone, reducedMotion: 'reduce' });
    if (what.includes('lab')) await p.click("[data-testid='fold-lab']");
    await p.evaluate(() => window.scrollTo(0, 0));
    const seen = await together(p);
    check(seen.ok, `phone: ${what}, the wire, the step buttons and the narration share the first screen (${seen.at})`);
    await p.screenshot({ path: path.join(shots, `phone-${what.includes('lab') ? 'lesson-lab' : 'embedded'}-390x844.png`) });
    await p.context().close();
  }
}
// 3. Keyboard only, with reduced motion: steps are instant, nothing travels.
{
  const page = await open(`${base}?step=0`, { reducedMotion: 'reduce' });
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await stepIs(page, 3);
  // Segment 4 left with 3 and is drawn on its way, but it must not move.
  const positions = () => page.$$eval("[data-testid='envelope']", (els) => els.map((e) => e.getAttribute('style')).join('|'));
  const before = await positions();
  await page.waitForTimeout(600);
  check(await page.$eval('.app', (e) => e.classList.contains('still')) && before === await positions(),
    'reduced motion: steps are instant and nothing travels');
  await page.keyboard.press('ArrowLeft');
  await stepIs(page, 2);
  await page.keyboard.press('Home');
  await stepIs(page, 0);
  // At step 1 every control is enabled (at 0, "back" is not).
  await page.keyboard.press('ArrowRight');
  await stepIs(page, 1);
  // Tab reaches every control, each with a visible focus outline, until
  // focus leaves the page's last control.
  const { seen, unstyled } = await tabWalk(page);
  const controls = ['scenario', 'restart', 'back', 'play', 'forward', 'scrubber', 'speed', 'random-isn', 'predict-mode', 'code-mode', 'embed-button',
                    'ladder-arrow', 'fault-drop', 'loss', 'payload-send', 'pcap-client', 'pcap-server'];
  for (const id of controls) check(seen.has(id), `keyboard: Tab reaches ${id}`);
  check(unstyled.length === 0, `keyboard: focus is visible on every stop (without an outline: ${unstyled.join(', ') || 'none'})`);
  await page.context().close();
}
// 4. A deep link lands on its step: the lost request's retransmission.
{
  const page = await open(`${base}?scenario=lost-data&step=5`);
  check((await text(page, 'step-count')).startsWith('5 /'), 'deep link: ?scenario=lost-data&step=5 opens step 5');
  const title = await text(page, 'narration-title');
  check(title.startsWith('5.') && title.includes('seq=1001'), `deep link: step 5 is the resent request (${title})`);
  check((await text(page, 'narration')).includes('retransmission timer ran out'), 'deep link: the narration explains the timeout');
  await page.context().close();
}
// 4b. A lesson that needs modern TCP: the first page hands its link over to
// the full build (full/), which opens the same step; the first page itself
// never loads the full build.
{
  const page = await open(`${base}?scenario=sack&step=32`);
  const at = new URL(page.url());
  check(at.pathname === `${SUBPATH}full/` && at.searchParams.get('step') === '32', `hand-over: ?scenario=sack&step=32 opens in full/ (${at.pathname}${at.search})`);
  check((await text(page, 'step-count')).startsWith('32 /'), 'hand-over: the full build opens step 32');
  // (Told once the lesson's phrasebook has arrived.)
  const told = await page.waitForFunction(() => document.querySelector("[data-testid='narration']")?.textContent.includes('SACK blocks'), null, { timeout: 10000 }).then(() => true, () => false);
  check(told, 'hand-over: the duplicate ACK is told with its SACK blocks');
  await page.context().close();
  const before = requests.length;
  const first = await open(`${base}?step=3`);
  const full = requests.slice(before).filter((u) => u.includes('/full/'));
  check(full.length === 0, `hand-over: the first page loads nothing of the full build (${full.join(', ') || 'nothing'})`);
  // The plots are drawn by the full build: the first page's button opens
  // them there, at the same step; a lesson whose plots matter opens there.
  await first.click("[data-testid='show-plots']");
  await first.waitForSelector("[data-testid='window-plot']", { timeout: 30000 });
  const plotted = new URL(first.url());
  check(plotted.pathname === `${SUBPATH}full/` && plotted.searchParams.get('plots') === '1' && plotted.searchParams.get('step') === '3'
    && await first.$eval('details.plots', (d) => d.open), `plots: the button opens them unfolded in full/ at the same step (${plotted.pathname}${plotted.search})`);
  await first.context().close();
  const congestion = await open(`${base}?scenario=congestion`);
  check(new URL(congestion.url()).pathname === `${SUBPATH}full/` && await congestion.$eval('details.plots', (d) => d.open),
    'plots: the congestion lesson opens in full/ with its plots unfolded');
  await congestion.context().close();
}
// 4c. Compare mode from a link on the first page: `sack` beside the same
// wire without SACK. The figures come from the two runs' traces: SACK is
// done one round trip (50 ms on this 25 ms wire) sooner; the other run can
// be chosen from the menu, and both plots share a time axis.
{
  const page = await open(`${base}?scenario=sack&compare=no-sack&step=30`);
  const at = new URL(page.url());
  check(at.pathname === `${SUBPATH}full/` && at.searchParams.get('compare') === 'no-sack', `compare: the link opens in full/ (${at.pathname}${at.search})`);
  const summary = await text(page, 'compare-summary');
  check(summary.includes('NewReno with SACK finishes 50 ms sooner, about 1 round trip'), `compare: SACK finishes a round trip sooner (${summary})`);
  const runs = await page.$$eval("[data-testid='compare'] [data-testid='window-plot']", (els) => els.length);
  check(runs === 2, `compare: two congestion plots side by side (${runs})`);
  const ticks = await page.$$eval("[data-testid='compare'] [data-testid='sequence-plot']", (els) => els.map((e) => [...e.querySelectorAll('.tick')].map((t) => t.textContent).join('|')));
  check(ticks.length === 2 && ticks[0] === ticks[1], 'compare: the two time–sequence plots share their axes');
  await page.selectOption("[data-testid='compare-with']", '');
  check(await page.$("[data-testid='compare-summary']") === null && !new URL(page.url()).searchParams.has('compare'), 'compare: choosing nothing ends compare mode and leaves the URL');
  await page.selectOption("[data-testid='compare-with']", 'no-sack');
  check((await text(page, 'compare-summary')).includes('50 ms sooner'), 'compare: the menu starts it again');
  await axe(page, 'in compare mode');
  const walk = await tabWalk(page);
  check(walk.seen.has('compare-with') && walk.seen.has('play') && walk.unstyled.length === 0,
    `compare: Tab reaches the menu and every control, focus visible on each (${walk.seen.size} stops; without a ring: ${walk.unstyled.join(', ') || 'none'})`);
  await page.screenshot({ path: path.join(shots, 'compare-sack.png'), fullPage: true });
  await page.context().close();
}
// 4d. Predict mode from a link on the first page, the whole default story
// by keyboard alone: Tab to "Check", Enter, twelve times. Blank answers are
// wrong; the result of each is announced, the score adds up, and the end
// lists the ideas missed with links back to their segments.
{
  const page = await open(`${base}?mode=predict`, { reducedMotion: 'reduce' });
  const at = new URL(page.url());
  check(at.pathname === `${SUBPATH}full/` && at.searchParams.get('mode') === 'predict', `predict: the link opens in full/ (${at.pathname}${at.search})`);
  await axe(page, 'in predict mode');
  let tabs = 0;
  for (let n = 1; n <= 12; n++) {
    for (let i = 0; i < 80; i++) {
      const id = await page.evaluate(() => document.activeElement?.dataset?.testid);
      if (id === 'predict-check') break;
      await page.keyboard.press('Tab');
      tabs++;
    }
    await page.keyboard.press('Enter');
    await stepIs(page, n);
  }
  const live = await page.getAttribute("[data-testid='predict-result']", 'aria-live');
  check(live === 'polite', 'predict: results are announced (aria-live)');
  const score = await text(page, 'predict-score');
  const [, right, asked] = score.match(/Score: (\d+) of (\d+)/) || [];
  check(right === '0' && +asked >= 12, `predict: twelve segments checked by keyboard, blank answers all wrong (${score}, ${tabs} tabs)`);
  const missed = await page.$$eval("[data-testid='predict-summary'] li", (els) => els.length);
  check(missed > 0, `predict: the end lists the ideas missed (${missed})`);
  await axe(page, 'in predict mode, at the end');
  await page.screenshot({ path: path.join(shots, 'predict-end.png'), fullPage: true });
  await page.context().close();
}
// 5. The lab: drop the request, watch the engine resend it; download the capture.
{
  const page = await open(`${base}?step=4`, { reducedMotion: 'reduce' });
  await page.click("[data-testid='fault-drop']");
  for (let i = 0; i < 20; i++) await page.click("[data-testid='forward']", { force: true }).catch(() => {});
  const labels = await page.$$eval("[data-testid='ladder-arrow'] .arrow-label", (els) => els.map((e) => e.textContent));
  const copies = labels.filter((l) => l.includes('PSH, ACK seq=1001 ack=4501 len=72')).length;
  check(labels.some((l) => l.includes('(lost)')) && copies === 2, `lab: the dropped request is sent again (${copies} copies)`);
  await axe(page, 'with a fault applied');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click("[data-testid='pcap-client']")]);
  const bytes = fs.readFileSync(await download.path());
  check(bytes.subarray(0, 4).equals(Buffer.from([0xd4, 0xc3, 0xb2, 0xa1])), `pcap: the download starts with the pcap magic (${bytes.length} bytes)`);
  await page.context().close();
}
// 7. Every lesson: its chips are its key moments, each chip lands on its
// step with narration told in the lesson's words, and a screenshot of a
// key moment at desktop and phone size (plots open on the desktop one).
{
  const ids = fs.readdirSync(path.join(dist, 'lessons')).filter((f) => f.endsWith('.md') && f !== 'glossary.md').map((f) => f.slice(0, -3));
  for (const id of ids) {
    const moments = fs.readFileSync(path.join(dist, 'lessons', `${id}.md`), 'utf8').split('\n').filter((l) => l.startsWith('moment:')).length;
    const problems = [];
    for (const [size, viewport] of [['1280x800', { width: 1280, height: 800 }], ['390x844', { width: 390, height: 844 }]]) {
      const page = await open(`${base}?scenario=${id}`, { viewport, reducedMotion: 'reduce' });
      await page.waitForSelector("[data-testid='key-moment']");
      const chips = page.locator("[data-testid='key-moment']");
      const count = await chips.count();
      if (count !== moments) problems.push(`${size}: ${count} chips for ${moments} moments`);
      for (let k = 0; k < count; k++) {
        const label = await chips.nth(k).textContent();
        await chips.nth(k).click();
        const n = label.split('·').pop().trim();
        await stepIs(page, n).catch(() => problems.push(`chip ${k + 1} did not land on step ${n}`));
        const said = await text(page, 'narration');
        if (said.length < 40 || said.includes('⟨') || said.includes('could not be loaded') || said.includes('Loading')) problems.push(`step ${n}: “${said.slice(0, 60)}”`);
      }
      await chips.nth(Math.floor(count / 2)).click();
      if (size === '1280x800') {
        await page.evaluate(() => document.querySelectorAll('details.plots').forEach((d) => { d.open = true; }));
        await page.screenshot({ path: path.join(shots, `lesson-${id}-${size}.png`), fullPage: id === 'congestion' || id === 'fast-retransmit' });
      } else {
        await page.screenshot({ path: path.join(shots, `lesson-${id}-${size}.png`) });
      }
      if (id === 'fast-retransmit' && size === '1280x800') await axe(page, 'on a lesson at a key moment, plots open');
      await page.context().close();
    }
    check(problems.length === 0, `lesson ${id}: ${moments} key moment${moments === 1 ? '' : 's'}, each lands on its step, told in the lesson's words, at 1280×800 and 390×844${problems.length ? ': ' + problems.join('; ') : ''}`);
  }
}
// 6. Embedded in another site's page.
{
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') messages.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => messages.push(`uncaught in the iframe's page: ${e.message}`));
  await page.goto(hostOrigin + '/');
  const frame = page.frameLocator('#tcp');
  await frame.locator("[data-testid='step-count']").waitFor();
  check(await frame.locator("[data-testid='step-count']").textContent() === '3 / 12', 'iframe: the embedded app opens at step 3');
  check(await frame.locator('.page-header').count() === 0, 'iframe: embed=1 shows the compact layout');
  check(await frame.locator("[data-testid='state-server']").textContent() === 'ESTABLISHED', 'iframe: state badges render');
  await page.screenshot({ path: path.join(shots, 'embedded-1280x800.png') });
  // The exercise, in a phone-sized frame: it hands over to the full build
  // and keeps its step; the answer is checked with Enter, and while the
  // revealed segment travels, it, the verdict and the next question are all
  // in the frame's one screen.
  const exercise = page.frameLocator('#predict');
  await exercise.locator("[data-testid='predict-seq']").waitFor();
  check(await exercise.locator("[data-testid='step-count']").textContent() === '3 / 12', 'iframe: predict mode opens at step 3');
  const inner = page.frames().find((f) => f.url().includes('mode=predict'));
  check(new URL(inner.url()).pathname === `${SUBPATH}full/`, `iframe: predict mode hands over to full/ (${inner.url()})`);
  await exercise.locator("[data-testid='predict-seq']").fill('1001');
  await exercise.locator("[data-testid='predict-seq']").press('Enter');
  await exercise.locator("[data-testid='predict-result']").getByText('Segment 4: 1 of 1 right.').waitFor();
  const inView = await inner.evaluate(() => ['envelope', 'predict-result', 'predict-ack'].map((id) => {
    const r = document.querySelector(`[data-testid='${id}']`)?.getBoundingClientRect();
    return r && r.top >= 0 && r.bottom <= innerHeight && r.width > 0 ? '' : id;
  }).filter(Boolean));
  check(inView.length === 0, `iframe on a phone: the travelling segment, the verdict and the next question on one screen${inView.length ? ' (out of view: ' + inView.join(', ') + ')' : ''}`);
  await page.locator('#predict').screenshot({ path: path.join(shots, 'embedded-predict-390x844.png') });
  await context.close();
}

// 8b. The code lane: each host's program, the running line following the
// steps, the calls' returns in the narration, errors with the segment that
// caused them. Reached from the first page by keyboard alone: the Code
// switch hands the page to full/.
{
  const page = await open(`${base}?scenario=curl&step=2`, { reducedMotion: 'reduce' });
  const focused = () => page.evaluate(() => document.activeElement?.dataset?.testid || document.activeElement?.getAttribute('aria-label') || document.activeElement?.tagName);
  const tabTo = async (want, key = 'Tab') => {
    for (let i = 0; i < 120 && await focused() !== want; i++) await page.keyboard.press(key);
    return await focused() === want;
  };
  check(await tabTo('code-mode'), 'code: Tab reaches the Code switch on the first page');
  await page.keyboard.press('Space');
  await page.waitForSelector("[data-testid='code-current-server']", { timeout: 30000 });
  const at = new URL(page.url());
  check(at.pathname === `${SUBPATH}full/` && at.searchParams.get('code') === '1' && at.searchParams.get('step') === '2',
    `code: the switch opens the same step in full/ with the code shown (${at.pathname}${at.search})`);
  const status = async () => [await text(page, 'code-status-client'), await text(page, 'code-status-server')];
  let [c, sv] = await status();
  check(c.includes('connect() returns Ok') && sv.includes('accept() waits'),
    `code: at step 2 connect() has returned and accept() still waits (${c} | ${sv})`);
  // Keyboard: Tab reaches the server's program, focus shows, and the
  // arrow keys step from there with focus kept on it.
  check(await tabTo("The server's program"), "code: Tab reaches the server's program");
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  check(ring !== 'none', `code: focus on the program is visible (outline ${ring})`);
  await page.keyboard.press('ArrowRight');
  await stepIs(page, 3);
  [c, sv] = await status();
  const said = await page.evaluate(() => document.querySelector("[data-testid='narration-calls']")?.textContent || '');
  check(sv.includes('accept() returns Ok') && said.includes("server's program, accept() returns Ok now"),
    `code: accept() returns as step 3 arrives, and the narration says so (${sv} | ${said})`);
  const line = await page.textContent("[data-testid='code-current-server']");
  check(line.includes('listener.accept()'), `code: the server's accept() line is lit (${line.trim()})`);
  check(await focused() === "The server's program", 'code: focus stays on the program as the step changes');
  await page.keyboard.press('ArrowLeft');
  await stepIs(page, 2);
  check((await text(page, 'code-status-server')).includes('accept() waits'), 'code: stepping back, the server waits in accept() again');
  check(await page.$$eval('.call-bracket', (b) => b.length) >= 2, 'code: the waiting calls are bracketed on the ladder');
  const live = await text(page, 'live');
  check(live.includes("The server's code, line 8: accept() waits") && (live.match(/line \d+:/g) || []).length === 2,
    `code: the step's one announcement names each program's line (${live})`);
  // The lane's heading folds it, by keyboard too.
  check(await tabTo('code-lane-summary', 'Shift+Tab'), "code: Shift+Tab reaches the lane's heading");
  await page.keyboard.press('Enter');
  check(!(await page.$eval("[data-testid='code-lane']", (d) => d.open)), 'code: Enter on the heading folds the lane');
  await page.keyboard.press('Enter');
  await axe(page, 'the code lane');
  await page.screenshot({ path: path.join(shots, 'code-lane-1280x800.png') });
  // Errors as a program sees them, with the segment behind each.
  const errors = [
    ['refused', 2, 'client', 'connect() returns Err(ConnectionRefused): caused by step 2, the server\'s RST'],
    ['syn-timeout', 6, 'client', 'in the end, connect() returns Err(TimedOut): step 6, the SYN (try 6), got no answer'],
    ['reset', 10, 'server', 'read() returns Err(ConnectionReset): caused by step 10, the client\'s RST'],
  ];
  for (const [id, step, side, words] of errors) {
    await page.goto(`${base}full/?scenario=${id}&step=${step}&code=1`);
    await page.waitForSelector(`[data-testid='code-error-${side}']`, { timeout: 30000 });
    const note = await text(page, `code-error-${side}`);
    check(note.includes(words), `code: in ${id}, the ${side}'s listing says ${words.split(':')[0]} (${note.trim()})`);
  }
  // Without the switch, full/ shows no code.
  await page.goto(`${base}full/?scenario=curl&step=2`);
  await page.waitForSelector('html[data-first-frame-ms]');
  await page.waitForTimeout(300);
  check(!(await page.$("[data-testid='code-lane']")) && !(await page.$('.call-bracket')), 'code: with the switch off, no lane and no brackets');
  await page.context().close();
  // On a phone the lane starts folded under the ladder, one tap away.
  const phone = await open(`${base}full/?scenario=refused&step=2&code=1`, { viewport: { width: 390, height: 844 } });
  await phone.waitForSelector("[data-testid='code-lane']", { timeout: 30000 });
  check(!(await phone.$eval("[data-testid='code-lane']", (d) => d.open)), 'code: on a phone the lane starts folded');
  await phone.click("[data-testid='code-lane-summary']");
  const wide = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(wide <= 0, `code: on a phone the open lane does not scroll the page sideways (${wide} px too wide)`);
  await phone.$eval("[data-testid='code-lane']", (d) => d.scrollIntoView());
  await phone.screenshot({ path: path.join(shots, 'code-lane-phone-390x844.png') });
  await axe(phone, 'the code lane on a phone');
  await phone.context().close();
}
// 9. Captures: `?capture=` from the first page, the conversation table,
// stepping with inferred states and analysis marks, another conversation,
// numbers as captured, a bad file and an IPv6 file by the picker, and
// 100,000 frames dropped on the page, read without freezing it.
{
  const page = await open(`${base}?capture=captures/two.pcap&step=3`, { reducedMotion: 'reduce' });
  await page.waitForSelector("[data-testid='conversations']", { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector("[data-testid='step-count']")?.textContent === '3 / 192');
  const at = new URL(page.url());
  check(at.pathname === `${SUBPATH}full/` && at.searchParams.get('capture') === `${SUBPATH}captures/two.pcap`,
    `capture: ?capture= hands over to full/ with the path from the site's root (${at.pathname}${at.search})`);
  const summary = await text(page, 'capture-summary');
  check(summary.includes('two.pcap: 204 frames, 2 TCP conversations'), `capture: the file's conversations are read (${summary})`);
  const rows = await page.$$eval("[data-testid='conversations'] tbody tr", (trs) => trs.map((tr) => tr.textContent));
  check(rows.length === 2 && rows[0].includes('192') && rows[0].includes('replaying'), `capture: the busiest of 2 conversations is replayed first (${rows.join(' | ')})`);
  check((await text(page, 'narration')).startsWith('Frame 5 at 0.040588 s: the client sent ACK'), `capture: step 3 is the client's ACK, frame 5 after two ARP frames (${await text(page, 'narration')})`);
  check(await text(page, 'state-client') === 'ESTABLISHED' && await text(page, 'state-server') === 'ESTABLISHED'
    && (await text(page, 'inferred-states')).includes('client ESTABLISHED, server ESTABLISHED'), 'capture: both hosts ESTABLISHED after the handshake, inferred');
  const arrow = await page.$$eval("[data-testid='ladder-arrow'] .arrow-label", (els) => els[0].textContent);
  check(arrow.includes('SYN seq=0'), `capture: relative sequence numbers, as Wireshark shows them (${arrow})`);
  await page.check("[data-testid='absolute-seq']");
  const raw = await page.$$eval("[data-testid='ladder-arrow'] .arrow-label", (els) => els[0].textContent);
  check(/SYN seq=\d{5,}/.test(raw), `capture: numbers as captured when asked (${raw})`);
  await page.uncheck("[data-testid='absolute-seq']");
  // The fast retransmission, explained.
  await page.click("[data-testid='restart']");
  let marks = '';
  for (let i = 0; i < 192 && !marks.includes('Fast Retransmission'); i++) {
    await page.keyboard.press('ArrowRight');
    marks = await page.evaluate(() => document.querySelector("[data-testid='marks']")?.textContent || '');
  }
  check(marks.includes('Fast Retransmission: Sent again right after the receiver repeated the same ACK'), `capture: a fast retransmission is marked and explained (${marks.slice(0, 80)})`);
  // Bytes in flight and both windows, drawn from the capture (tshark's
  // figures, compared packet by packet in engine/tests/capture.rs).
  const flight = await page.$eval("[data-testid='flight-plot']", (svg) => ({
    label: svg.getAttribute('aria-label'), samples: +svg.dataset.points,
    lines: [...svg.querySelectorAll('polyline.series')].map((l) => l.getAttribute('points').trim().split(' ').length),
  }));
  check(flight.samples > 50 && flight.lines.length === 3 && flight.lines.every((n) => n > 10) && flight.label.includes('advertised windows'),
    `capture: bytes in flight and both advertised windows are plotted (${flight.samples} samples; ${flight.lines.join(', ')} points)`);
  await page.screenshot({ path: path.join(shots, 'capture-1280x800.png') });
  await axe(page, 'replaying a capture');
  const walk = await tabWalk(page);
  check(walk.seen.has('capture-file') && walk.seen.has('absolute-seq') && walk.seen.has('forward') && walk.unstyled.length === 0,
    `capture: Tab reaches the file picker, the numbering switch and the step controls, focus visible on each (${walk.seen.size} stops; without a ring: ${walk.unstyled.join(', ') || 'none'}${walk.seen.has('capture-file') && walk.seen.has('absolute-seq') ? '' : '; stops: ' + [...walk.seen].join(', ')})`);
  // The other conversation: reset by the server.
  await page.click("text=Replay #1");
  await page.waitForFunction(() => document.querySelector("[data-testid='step-count']")?.textContent === '0 / 8');
  for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(300);
  const reset = await page.evaluate(() => document.querySelector("[data-testid='marks']")?.textContent || '');
  check(reset.includes('RST') && await text(page, 'state-client') === 'CLOSED', `capture: the second conversation ends in a reset, client CLOSED (${reset.slice(0, 60)}; ${await text(page, 'state-client')})`);
  // A file that is not a capture, by the picker.
  await page.setInputFiles("[data-testid='capture-file']", { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('GET / HTTP/1.1\r\n\r\n') });
  await page.waitForSelector("[data-testid='capture-error']");
  const bad = await text(page, 'capture-error');
  check(bad.includes('This file cannot be read') && bad.includes('not a pcap or pcapng'), `capture: a bad file gets a clear message (${bad})`);
  // An IPv6 capture by the picker: replayed, its IPv6 header in the inspector.
  await page.setInputFiles("[data-testid='capture-file']", { name: 'keepalive-v6.pcap', mimeType: 'application/vnd.tcpdump.pcap', buffer: kernel('v6-keepalive-client-ethernet.pcap') });
  await page.waitForFunction(() => document.querySelector("[data-testid='capture-summary']")?.textContent.includes('keepalive-v6.pcap'));
  const v6rows = await page.$$eval("[data-testid='conversations'] tbody tr", (trs) => trs.map((tr) => tr.textContent));
  check(v6rows.length === 1 && v6rows[0].includes('[fd00:9::1]'), `capture: an IPv6 file opened by the picker lists its conversation (${v6rows.join(' | ')})`);
  await page.waitForFunction(() => /^0 \/ 17$/.test(document.querySelector("[data-testid='step-count']")?.textContent || ''));
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  const inspector = await page.evaluate(() => document.querySelector("[data-testid='fields']")?.textContent || '');
  check(inspector.includes('IPv6 header') && inspector.includes('Hop limit') && inspector.includes('fd00:9::1') && inspector.includes('(correct)'),
    `capture: an IPv6 segment's header fields in the inspector (${inspector.slice(0, 90)})`);
  check((await text(page, 'state-client')) === 'ESTABLISHED' && (await page.textContent('.host-client .host-addr')) === '[fd00:9::1]:40006',
    'capture: the IPv6 hosts with their addresses and inferred states');
  await page.screenshot({ path: path.join(shots, 'capture-ipv6-1280x800.png') });
  await page.context().close();
}
{
  // 100,000 frames (the lost-SYN connection over and over), built in the
  // page and dropped on it. Reported, not asserted (timing belongs to
  // measurements): how long the worker took, and the longest pause between
  // the page's frames while it read, then while the replay was drawn.
  const page = await open(`${base}full/`);
  const figures = await page.evaluate(async (url) => {
    const small = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const view = new DataView(small.buffer);
    const records = [];
    for (let at = 24; at + 16 <= small.length; at += 16 + view.getUint32(at + 8, true)) records.push(small.subarray(at, at + 16 + view.getUint32(at + 8, true)));
    const copies = Math.ceil(100000 / records.length);
    const parts = [small.subarray(0, 24)];
    for (let i = 0; i < copies; i++) parts.push(...records);
    const file = new File(parts, 'big.pcap');
    const gaps = { reading: 0, drawing: 0 };
    let phase = 'reading', last = performance.now();
    const tick = (t) => {
      gaps[phase] = Math.max(gaps[phase], t - last);
      last = t;
      if (phase === 'reading' && document.querySelector("[data-testid='conversations']")) phase = 'drawing';
      if (phase !== 'done') requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const dt = new DataTransfer();
    dt.items.add(file);
    document.querySelector('.capture-open').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    while (!/^0 \/ 1000$/.test(document.querySelector("[data-testid='step-count']")?.textContent || '')) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    phase = 'done';
    return { frames: copies * records.length, mb: file.size / 1e6, gaps, summary: document.querySelector("[data-testid='capture-summary']").textContent };
  }, `${SUBPATH}captures/syn-lost.pcap`);
  const ms = +(figures.summary.match(/read in (\d+) ms/) || [])[1];
  check(figures.summary.includes(`${figures.frames} frames, 1 TCP conversation`) && ms > 0,
    `capture: ${figures.frames} frames (${figures.mb.toFixed(1)} MB) read by the worker in ${ms} ms; longest pause between the page's frames while reading ${figures.gaps.reading.toFixed(0)} ms, while drawing the first 1,000 segments ${figures.gaps.drawing.toFixed(0)} ms`);
  await page.context().close();
}
{
  // Files that are captures but hold little to replay: each says so plainly.
  const records = pcapRecords(lossy);
  const header = (linktype) => { const h = Buffer.from(lossy.subarray(0, 24)); h.writeUInt32LE(linktype, 20); return h; };
  const isTcp = (r) => r.readUInt16BE(16 + 12) === 0x0800 && r[16 + 14 + 9] === 6;
  const fromServer = (r) => r.readUInt16BE(16 + 14 + 20) === 5001;
  const cases = [
    ['cut.pcap', Buffer.concat([lossy.subarray(0, 24), ...records.slice(0, 20), records[20].subarray(0, 30)]),
      (s) => s.includes('20 frames') && s.includes('The file is cut short at byte 11779: the packets before it are shown.'), 'a file cut short keeps the frames before the cut and says so'],
    ['arp.pcap', Buffer.concat([lossy.subarray(0, 24), ...records.filter((r) => !isTcp(r))]),
      (s, e) => e.includes('holds no TCP segment'), 'a capture with no TCP says there is nothing to replay'],
    ['usb.pcap', Buffer.concat([header(189), ...records.slice(0, 5)]),
      (s, e) => s.includes('Not shown: 5 frames: link type 189 is not supported') && e.includes('holds no TCP segment'), 'an unsupported link type is named'],
    ['one-way.pcap', Buffer.concat([lossy.subarray(0, 24), ...records.filter((r) => isTcp(r) && fromServer(r))]),
      (s, e, p) => p.includes('one direction only'), 'a capture of one direction says its states cannot all be told'],
  ];
  const page = await open(`${base}full/`, { reducedMotion: 'reduce' });
  for (const [name, buffer, ok, what] of cases) {
    await page.setInputFiles("[data-testid='capture-file']", { name, mimeType: 'application/vnd.tcpdump.pcap', buffer });
    await page.waitForFunction((n) => document.querySelector("[data-testid='capture-summary']")?.textContent.startsWith(n), name);
    const summary = await text(page, 'capture-summary');
    const error = await page.evaluate(() => document.querySelector("[data-testid='capture-error']")?.textContent || '');
    const panel = await page.evaluate(() => document.querySelector('.capture-open').textContent);
    check(ok(summary, error, panel), `capture: ${what} (${summary}${error ? ' ' + error : ''})`);
  }
  await page.context().close();
}
{
  // A phone: the capture view folds into one column; nothing scrolls sideways.
  const page = await open(`${base}full/?capture=${SUBPATH}captures/two.pcap&step=5`, { viewport: { width: 390, height: 844 } });
  await page.waitForSelector("[data-testid='conversations']", { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector("[data-testid='step-count']")?.textContent === '5 / 192');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `capture on a phone: no sideways scrolling (${overflow} px too wide)`);
  await page.screenshot({ path: path.join(shots, 'capture-390x844.png') });
  await page.context().close();
}
// 10. The accessibility sweep: axe-core over every lesson at its start, a
// middle step and its end, in the light and dark themes, at desktop and
// phone size; then with notices showing, and in each mode (predict,
// compare, a capture, the code lane). Lessons come from dist/lessons, so a
// new one is swept without editing this; a new mode is one line below.
{
  let views = 0;
  const found = [];
  const sweep = async (page, what) => {
    if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(axeSource);
    const result = await page.evaluate(async () => await window.axe.run(document));
    views++;
    for (const v of result.violations) found.push(`${what}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 2).join(', ')}`);
  };
  const goTo = (page, n) => page.$eval("[data-testid='scrubber']", (el, n) => {
    el.value = String(n);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, n);
  const ids = fs.readdirSync(path.join(dist, 'lessons')).filter((f) => f.endsWith('.md') && f !== 'glossary.md').map((f) => f.slice(0, -3));
  const sizes = [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]];
  for (const [size, viewport] of sizes) {
    for (const theme of ['light', 'dark']) {
      const page = await open(`${base}?theme=${theme}`, { viewport, reducedMotion: 'reduce' });
      for (const id of ids) {
        await page.goto(`${base}?scenario=${id}&theme=${theme}`);
        // Set by the app (not the prerendered view), after any hand-over.
        await page.waitForSelector('html[data-first-frame-ms]', { timeout: 30000 });
        const last = Number((await text(page, 'step-count')).split('/')[1]);
        for (const n of [0, Math.floor(last / 2), last]) {
          await goTo(page, n);
          await stepIs(page, n);
          await sweep(page, `${id} step ${n}, ${theme}, ${size}`);
        }
      }
      await page.context().close();
    }
  }
  const modes = [
    ['notices (bad parameters)', '?step=abc&speed=9&theme=purple'],
    ['predict mode', 'full/?mode=predict&step=2'],
    ['compare mode', 'full/?scenario=sack&compare=no-sack&step=30'],
    ['a capture', `full/?capture=${SUBPATH}captures/two.pcap&step=5`],
    ['the code lane', 'full/?scenario=curl&step=3&code=1'],
    ['the plots', 'full/?scenario=congestion&step=300'],
  ];
  for (const [size, viewport] of sizes) {
    for (const [what, query] of modes) {
      const page = await open(`${base}${query}`, { viewport, reducedMotion: 'reduce' });
      await page.waitForSelector("[data-testid='step-count']", { timeout: 30000 });
      await page.waitForTimeout(300);
      await sweep(page, `${what}, ${size}`);
      await page.context().close();
    }
  }
  for (const f of found.slice(0, 20)) console.log(`     ${f}`);
  check(found.length === 0, `accessibility sweep: ${views} views, ${found.length} violations`);
}

await browser.close();
app.close();
host.close();

const outside = requests.filter((u) => !u.startsWith(origin) && !u.startsWith(hostOrigin) && !u.startsWith('blob:') && !u.startsWith('data:'));
check(outside.length === 0, `no request leaves the page's origin (${requests.length} requests; outside: ${outside.join(', ') || 'none'})`);
check(messages.length === 0, `no console errors or warnings, no uncaught exceptions${messages.length ? ': ' + messages.join(' | ') : ''}`);
console.log(`screenshots: ${shots}`);
if (failures.length) {
  console.log(`${failures.length} end-to-end check(s) failed`);
  process.exit(1);
}
