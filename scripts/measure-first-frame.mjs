// Time from navigation to the app's first render, in real (not virtual)
// time: loads URL in headless Chromium N times and prints the median of the
// `app-rendered` performance mark (set after the first render reaches the
// DOM) and of first-contentful-paint. Usage: node measure-first-frame.mjs URL [N]
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

const [url, runs = '7'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic'],
});
const rendered = [], fcp = [];
for (let i = 0; i < Number(runs); i++) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await page.waitForSelector('html[data-first-frame-ms]');
  const t = await page.evaluate(() => ({
    rendered: performance.getEntriesByName('app-rendered')[0]?.startTime,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
  }));
  rendered.push(t.rendered); fcp.push(t.fcp);
  await page.close();
}
await browser.close();
const median = (xs) => xs.filter((x) => x !== undefined).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`first render ${median(rendered)?.toFixed(1)} ms, first contentful paint ${median(fcp)?.toFixed(1)} ms (median of ${runs})`);
