import { chromium } from 'playwright-core';
const [file, prefix, ...ids] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
for (const width of [1280, 390]) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-charts-drawn]');
  for (const id of ids) {
    const el = page.locator(`#${id}`);
    if (await el.count()) await el.screenshot({ path: `/tmp/shots/${prefix}-${width}-${id}.png` });
  }
  await page.close();
}
await browser.close();
