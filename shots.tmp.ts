import { chromium } from 'playwright-core';
const [file, prefix] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
for (const width of [1280, 390]) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-charts-drawn]');
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  console.log(width, 'scrollWidth', sw, 'height', height);
  const step = width === 390 ? 1600 : 1400;
  for (let y = 0, i = 0; y < height; y += step, i++) {
    await page.screenshot({ path: `/tmp/shots/${prefix}-${width}-${String(i).padStart(2, '0')}.png`, fullPage: true, clip: { x: 0, y, width, height: Math.min(step, height - y) } });
  }
  await page.close();
}
await browser.close();
