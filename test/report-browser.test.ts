import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { loadChartJs } from '../reports/render/assets.ts';
import { renderHtml } from '../reports/render/html.ts';
import { parseRunResult } from '../contract/read.ts';
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

/** The report of the fixture (or of a run given in SESSIONBENCH_REPORT_RESULT, for looking at a real one) at one viewport width. */
async function openAt(width: number): Promise<{ page: import('playwright-core').Page; problems: string[] }> {
  const source = process.env.SESSIONBENCH_REPORT_RESULT ?? FIXTURE_PATH;
  const result = parseRunResult(await readFile(source, 'utf8'), source);
  await mkdir(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `report-${width}.html`);
  await writeFile(file, renderHtml([result], { chartJs: await loadChartJs() }));
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-charts-drawn]');
  return { page, problems };
}

for (const width of [1280, 390]) {
  test(`at ${width} px nothing overflows the page, every drawn chart has points, no console errors`, async () => {
    const { page, problems } = await openAt(width);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px viewport`);
    const empty = await page.evaluate(() => {
      const charts = (window as unknown as { Chart: { getChart(canvas: HTMLCanvasElement): { data: { datasets: { data: unknown[] }[] } } | undefined } }).Chart;
      return [...document.querySelectorAll('canvas')].flatMap((canvas) => {
        const chart = charts.getChart(canvas);
        const points = chart?.data.datasets.flatMap((dataset) => dataset.data.filter((value) => value !== null && value !== undefined)).length ?? 0;
        return points > 0 ? [] : [canvas.id];
      });
    });
    assert.deepEqual(empty, [], 'charts drawn without a point');
    assert.deepEqual(problems, []);
    if (width === 1280) {
      // The decision table: every column inside the viewport, no sideways scrolling.
      const decision = await page.evaluate(() => {
        const table = document.querySelector('table.decision')!;
        const holder = table.parentElement!;
        return { right: Math.max(...[...table.querySelectorAll('th')].map((th) => th.getBoundingClientRect().right)), scroll: holder.scrollWidth, client: holder.clientWidth };
      });
      assert.ok(decision.scroll <= decision.client, `the decision table scrolls: ${decision.scroll} px in ${decision.client} px`);
      assert.ok(decision.right <= width, `its last column ends at ${decision.right} px`);
    }
    await page.screenshot({ path: join(ARTIFACTS, `report-${width}.png`), fullPage: true });
    await page.close();
  });
}

test('a chart without data is left out, with one line saying why', async () => {
  const result = parseRunResult(await readFile(FIXTURE_PATH, 'utf8'), 'fixture');
  result.entries = result.entries.filter((entry) => entry.scenario !== 'login-heavy');
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.setContent(renderHtml([result], { chartJs: await loadChartJs() }));
  await page.waitForSelector('body[data-charts-drawn]');
  assert.equal(await page.locator('#chart-bytes-per-session').count(), 0);
  assert.match(await page.innerText('#memory'), /Not drawn: Memory per session — no scenario added sessions/);
  await page.close();
});
