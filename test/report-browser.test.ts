import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { loadChartJs } from '../reports/assets.ts';
import { renderHtml } from '../reports/html.ts';
import { parseRunResult } from '../reports/input.ts';
import { FIXTURE_PATH } from './fixtures/run-result.ts';
import { scaleSweepResult } from './helpers/scale-result.ts';

const XSS = '<script>alert(1)</script>';
const ARTIFACTS = join(import.meta.dirname, '..', 'test-artifacts');

let browser: Browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
});

test('the HTML report opens offline, draws every chart and shows hostile labels as text', async () => {
  const result = parseRunResult(await readFile(FIXTURE_PATH, 'utf8'), 'fixture');
  for (const entry of result.entries) if (entry.store === 'cookie') entry.storeLabel = XSS;
  await mkdir(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, 'report.html');
  await writeFile(file, renderHtml([result], { chartJs: await loadChartJs() }));
  const url = pathToFileURL(file).href;

  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  await page.addInitScript(() => {
    window.alert = () => {
      (window as unknown as { alertFired: boolean }).alertFired = true;
    };
  });

  await page.goto(url);
  await page.waitForSelector('body[data-charts-drawn]');

  assert.deepEqual(problems, []);
  assert.deepEqual(requests, [url]);

  const canvases = await page.$$eval('canvas', (elements) =>
    elements.map((canvas) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted += 1;
      return { id: canvas.id, painted, pixels: canvas.width * canvas.height };
    }),
  );
  const drawn = Number(await page.getAttribute('body', 'data-charts-drawn'));
  assert.ok(canvases.length >= 10, `only ${canvases.length} canvases`);
  assert.equal(drawn, canvases.length);
  for (const canvas of canvases) assert.ok(canvas.painted > canvas.pixels * 0.01, `${canvas.id} is blank (${canvas.painted} painted pixels)`);

  const text = await page.innerText('body');
  assert.ok(text.includes(XSS), 'the hostile label is shown as text');
  assert.equal(await page.evaluate(() => (window as unknown as { alertFired?: boolean }).alertFired), undefined);
  assert.equal(await page.locator('script').count(), 4);

  await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
  await page.close();
});

test('a scale sweep draws its charts on a log axis and fits a 390 px screen', async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, 'report-scale.html');
  await writeFile(file, renderHtml([await scaleSweepResult()], { chartJs: await loadChartJs() }));
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-charts-drawn]');
  assert.deepEqual(problems, []);
  const ids = await page.$$eval('#scale canvas', (elements) => elements.map((canvas) => canvas.id));
  assert.deepEqual(ids, ['chart-scale-throughput', 'chart-scale-p99', 'chart-scale-store-get', 'chart-scale-bytes']);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide at a 390 px viewport`);
  assert.match(await page.innerText('#scale'), /p99 grows ×3\.33 from 0 to 1M/);
  await page.screenshot({ path: join(ARTIFACTS, 'report-scale-390.png'), fullPage: true });
  await page.close();
});
