// Time from navigation to the first view, in real (not virtual) time: loads
// URL in headless Chromium N times and prints medians of
//  - first contentful paint;
//  - the first meaningful view: the step's narration is in the page and
//    painted (the later of its arrival in the DOM and first contentful paint);
//  - the `app-rendered` mark: the app has rendered (or hydrated) and runs;
//  - largest contentful paint.
// With --throttle, as Lighthouse's phone: 4× slower CPU, 150 ms round trips,
// 1.6 Mbit/s down. Usage: node measure-first-frame.mjs URL [N] [--throttle]
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

const args = process.argv.slice(2);
const throttle = args.includes('--throttle');
const [url, runs = '7'] = args.filter((a) => a !== '--throttle');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic'],
});
const seen = { fcp: [], meaningful: [], rendered: [], lcp: [] };
for (let i = 0; i < Number(runs); i++) {
  const context = await browser.newContext({ viewport: throttle ? { width: 412, height: 823 } : { width: 1280, height: 800 } });
  const page = await context.newPage();
  if (throttle) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  }
  await page.addInitScript(() => {
    window.__lcp = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__lcp = e.startTime; })
      .observe({ type: 'largest-contentful-paint', buffered: true });
    const found = () => document.getElementById('narration-title');
    const watch = new MutationObserver(() => {
      if (found()) { window.__narration = performance.now(); watch.disconnect(); }
    });
    watch.observe(document, { childList: true, subtree: true });
  });
  await page.goto(url);
  await page.waitForSelector('html[data-first-frame-ms]', { timeout: 60000 });
  await page.waitForTimeout(200);
  const t = await page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime;
    return {
      fcp,
      meaningful: Math.max(fcp ?? 0, window.__narration ?? 0),
      rendered: performance.getEntriesByName('app-rendered')[0]?.startTime,
      lcp: window.__lcp,
    };
  });
  for (const k in seen) seen[k].push(t[k]);
  await context.close();
}
await browser.close();
const median = (xs) => xs.filter((x) => x !== undefined).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (k) => `${median(seen[k])?.toFixed(0)} ms`;
console.log(`${throttle ? 'throttled phone' : 'desktop'}: first contentful paint ${ms('fcp')}, first meaningful view ${ms('meaningful')}, ` +
  `app running ${ms('rendered')}, largest contentful paint ${ms('lcp')} (medians of ${runs})`);
