import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { RunResult } from '../harness/result.ts';
import { loadRunResultFile, runReportCommand } from '../harness/report-command.ts';
import { renderCiJson } from '../reports/ci-json.ts';
import { compareRuns } from '../reports/compare.ts';
import { escapeHtml, escapeMarkdown, html, inlineScript, jsonForScript } from '../reports/escape.ts';
import { renderHtml } from '../reports/html.ts';
import { parseRunResult, ReportInputError } from '../reports/input.ts';
import { renderMarkdown } from '../reports/markdown.ts';
import { recommendStore } from '../reports/recommend.ts';
import { renderTerminalTable } from '../reports/terminal.ts';
import { buildRunResultFixture, FIXTURE_PATH } from './fixtures/run-result.ts';

const XSS = '<script>alert(1)</script>';
const fixtureText = await readFile(FIXTURE_PATH, 'utf8');
const fixture = parseRunResult(fixtureText, 'fixture run-result.json');

function withXssLabel(result: RunResult): RunResult {
  const copy = structuredClone(result);
  for (const entry of copy.entries) if (entry.store === 'cookie') entry.storeLabel = XSS;
  return copy;
}

function assertOneLineInputError(action: () => unknown, prefix: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof ReportInputError, `expected ReportInputError, got ${String(error)}`);
    assert.ok(error.message.startsWith(prefix), error.message);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

describe('fixture', () => {
  test('the pinned JSON is what the typed builder (satisfies RunResult) produces', () => {
    assert.deepEqual(JSON.parse(fixtureText), buildRunResultFixture());
  });

  test('parseRunResult keeps every field of the fixture', () => {
    assert.deepEqual(fixture, JSON.parse(fixtureText));
  });
});

describe('escaping', () => {
  test('HTML text and attributes', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    assert.equal(html`<p title="${'"x"'}">${XSS}</p>`.value, '<p title="&quot;x&quot;">&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  test('JSON for a script element cannot close it and still parses', () => {
    const data = { label: `</script><!-- ${XSS} & \u2028` };
    const embedded = jsonForScript(data).value;
    assert.doesNotMatch(embedded, /[<>&\u2028]/);
    assert.deepEqual(JSON.parse(embedded), data);
  });

  test('inline scripts and Markdown cells', () => {
    assert.equal(inlineScript('x = "</script>"; // <!--').value, 'x = "<\\/script>"; // <\\!--');
    assert.equal(escapeMarkdown('a|b *c* <i>'), 'a\\|b \\*c\\* &lt;i&gt;');
  });
});

describe('terminal table', () => {
  const text = renderTerminalTable(fixture);

  test('shows measured rows with the honest server label', () => {
    assert.match(text, /Redis \(connect-redis\)\s+read-heavy\s+closed\s+ok\s+2\s+[\d,]+ req\/s/);
    assert.match(text, /FerretDB 1\.24\.2 \(SQLite\)/);
  });

  test('shows failed and skipped entries with their reason, never as numbers', () => {
    assert.match(text, /Memcached \(connect-memcached\)\s+read-heavy\s+1\s+failed\s+verify failed/);
    assert.match(text, /PostgreSQL \(connect-pg-simple\)\s+race\s+1\s+skipped\s+no PostgreSQL server/);
    for (const line of text.split('\n').filter((row) => /Memcached|PostgreSQL/.test(row))) assert.doesNotMatch(line, /req\/s|µs/);
  });
});

describe('recommendation', () => {
  const recommendation = recommendStore(fixture);

  test('recommends the fastest shared, revocable store with its evidence', () => {
    assert.equal(recommendation.choice?.store, 'redis');
    assert.match(recommendation.headline, /^Use Redis \(connect-redis\) on Redis 7\.0\.15: .*req\/s on read-heavy with p99 .* per session/);
  });

  test('states why the others are not advised, and the honest caveats', () => {
    const score = (store: string) => recommendation.scores.find((one) => one.store === store)!;
    assert.match(score('memory').objections.join(), /Per-process/);
    assert.match(score('cookie').objections.join(), /Cannot revoke.*20 sessions were still usable after logout/);
    assert.match(score('memcached').objections.join(), /Failed 4 of 4 runs: verify failed/);
    assert.match(score('mongo').warnings.join(), /FerretDB 1\.24\.2 \(SQLite\) answered as the mongo server: .*not MongoDB/);
    assert.match(score('mongo').warnings.join(), /20 sessions outlived their TTL/);
    assert.match(score('none').warnings.join(), /load generator's core was full/);
    assert.match(recommendation.caveats.join(), /last writer wins/);
  });
});

describe('markdown', () => {
  test('summarises the recommendation, results and what was not measured, escaping labels', () => {
    const text = renderMarkdown(withXssLabel(fixture));
    assert.match(text, /\*\*Use Redis \(connect-redis\)/);
    assert.match(text, /### Not measured/);
    assert.ok(!text.includes(XSS));
    assert.ok(text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  test('includes a comparison against a baseline', () => {
    const slower = buildRunResultFixture({ seed: 7, extraLatencyUs: { redis: 2000 } });
    const text = renderMarkdown(slower, compareRuns(fixture, slower, { failOnPercent: 10 }));
    assert.match(text, /### Against the baseline/);
    assert.match(text, /\*\*\d+ regressions\*\*/);
    assert.match(text, /Redis \(connect-redis\) \| read-heavy \| closed \| p50 .* REGRESSION/);
  });
});

describe('html', () => {
  const chartJs = '/* chart.js stand-in */';
  const page = renderHtml([withXssLabel(fixture)], { chartJs });
  const embedded = (id: string) => JSON.parse(new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's').exec(page)![1]!);

  test('escapes every input text', () => {
    assert.ok(!page.includes(XSS));
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  test('embeds the RunResults as JSON that round-trips', () => {
    assert.deepEqual(embedded('sessionbench-results'), [withXssLabel(fixture)]);
  });

  test('references nothing outside the file', () => {
    assert.doesNotMatch(page, /\s(src|href)=/);
    assert.match(page, /Content-Security-Policy" content="default-src 'none'/);
  });

  test('keeps closed- and open-model latency in separate sections and charts', () => {
    assert.match(page, /<section id="model-closed">/);
    assert.match(page, /<section id="model-open">/);
    const ids: string[] = embedded('sessionbench-charts').map((chart: { id: string }) => chart.id);
    assert.ok(ids.includes('latency-closed-read-heavy') && ids.includes('latency-open-read-heavy') && ids.includes('distribution-open-read-heavy'));
    assert.ok(ids.includes('memory-login-heavy') && ids.includes('store-ops-p99') && ids.includes('correctness-counts'));
  });

  test('answers which store to use, with caveats, failures and environment', () => {
    assert.match(page, /Which store should we use\?/);
    assert.match(page, /Use Redis \(connect-redis\) on Redis 7\.0\.15/);
    assert.match(page, /is not MongoDB/);
    assert.match(page, /vanish on restart/);
    assert.match(page, /no PostgreSQL server/);
    assert.match(page, /AMD EPYC 7B13 × 8/);
  });

  test('labels several runs by start time', () => {
    const later = { ...buildRunResultFixture({ seed: 3 }), startedAt: '2026-11-24T08:30:00.000Z' };
    const both = renderHtml([later, fixture], { chartJs });
    assert.match(both, /2 runs: 2026-11-23 10:00:00 UTC @4dcc05d · 2026-11-24 08:30:00 UTC @4dcc05d/);
    assert.match(both, /Based on the latest run, 2026-11-24 08:30:00 UTC/);
  });
});

describe('CI JSON', () => {
  test('throughput is bigger-is-better; latency and memory per session smaller-is-better', () => {
    const { biggerIsBetter, smallerIsBetter } = renderCiJson(fixture);
    const redis = biggerIsBetter.find((point) => point.name === 'redis · read-heavy · closed · throughput');
    assert.equal(redis?.unit, 'req/s');
    assert.match(redis?.range ?? '', /^\d+(\.\d+)?–\d+(\.\d+)?$/);
    assert.ok(biggerIsBetter.every((point) => point.unit === 'req/s'));
    assert.deepEqual([...new Set(smallerIsBetter.map((point) => point.unit))].sort(), ['B', 'µs']);
    assert.ok(smallerIsBetter.some((point) => point.name === 'redis · login-heavy · closed · memory per session'));
    const names = [...biggerIsBetter, ...smallerIsBetter].map((point) => point.name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(!names.some((name) => /memcached|postgres/.test(name)));
  });
});

describe('compareRuns', () => {
  test('two runs of an unchanged app are within noise', () => {
    const comparison = compareRuns(fixture, buildRunResultFixture({ seed: 99 }), { failOnPercent: 5 });
    assert.equal(comparison.regressions, 0);
    assert.deepEqual(comparison.metrics.filter((metric) => metric.verdict !== 'within-noise'), []);
    assert.equal(comparison.metrics.length, 18 * 3 + 2 * 2, "18 closed groups × 3 metrics, 2 open groups × p50/p99");
  });

  test('a 2 ms slowdown on a ~0.6 ms app is worse and a regression', () => {
    const comparison = compareRuns(fixture, buildRunResultFixture({ seed: 99, extraLatencyUs: { redis: 2000 } }), { failOnPercent: 10 });
    const redis = comparison.metrics.filter((metric) => metric.store === 'redis');
    assert.ok(redis.length > 0);
    for (const metric of redis) {
      assert.equal(metric.verdict, 'worse', `${metric.scenario} ${metric.metric}`);
      assert.equal(metric.regression, true);
    }
    assert.ok(comparison.metrics.filter((metric) => metric.store !== 'redis').every((metric) => metric.verdict === 'within-noise'));
    assert.equal(comparison.regressions, redis.length);
  });

  test('a store that was measured and now fails is a regression', () => {
    const current = structuredClone(fixture);
    current.entries = current.entries.map((entry) =>
      entry.store === 'redis' && entry.scenario === 'race' ? { ...entry, status: 'failed', reason: 'app crashed' } : entry,
    ) as RunResult['entries'];
    const comparison = compareRuns(fixture, current, { failOnPercent: 10 });
    assert.deepEqual(
      comparison.unmatched.map((group) => [group.store, group.scenario, group.regression, group.reason]),
      [['redis', 'race', true, 'measured in the baseline, now failed: app crashed']],
    );
    assert.equal(comparison.regressions, 1);
  });
});

describe('reading results files', () => {
  const prefix = 'baseline main.json is not a sessionbench results file (schemaVersion 1 expected): ';

  test('corrupt JSON', () => {
    assertOneLineInputError(() => parseRunResult('{"schemaVersion": 1,\n', 'baseline main.json'), `${prefix}invalid JSON`);
  });

  test('another schema version', () => {
    assertOneLineInputError(() => parseRunResult(JSON.stringify({ ...fixture, schemaVersion: 2 }), 'baseline main.json'), `${prefix}it has schemaVersion 2`);
  });

  test('the wrong shape names the first bad field', () => {
    const broken = structuredClone(fixture) as unknown as { entries: { measured: { throughput: unknown } }[] };
    broken.entries[0]!.measured.throughput = '14210';
    assertOneLineInputError(() => parseRunResult(JSON.stringify(broken), 'baseline main.json'), `${prefix}entries.0.measured.throughput: `);
    assertOneLineInputError(() => parseRunResult('[]', 'baseline main.json'), `${prefix}the top level is not an object`);
  });

  test('a missing baseline file', async () => {
    await assert.rejects(loadRunResultFile('/nonexistent/main.json', 'baseline main.json'), (error: unknown) => {
      assert.ok(error instanceof ReportInputError);
      assert.equal(error.message, 'baseline main.json cannot be read (no such file: /nonexistent/main.json)');
      return true;
    });
  });
});

describe('runReportCommand', () => {
  test('writes report.html and summary.md next to the first file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessionbench-report-'));
    const file = join(dir, 'run.json');
    await writeFile(file, fixtureText);
    const { htmlPath, markdownPath } = await runReportCommand({ files: [file] });
    assert.equal(htmlPath, join(dir, 'report.html'));
    assert.match(await readFile(htmlPath, 'utf8'), /Chart\.register|new Chart/);
    assert.match(await readFile(markdownPath, 'utf8'), /^## sessionbench results/);
    assert.deepEqual((await readdir(dir)).sort(), ['report.html', 'run.json', 'summary.md']);
  });

  test('writes nothing when an input is bad, and refuses k6 summaries for now', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessionbench-report-'));
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    await writeFile(good, fixtureText);
    await writeFile(bad, '{"schemaVersion": 2}');
    await assert.rejects(runReportCommand({ files: [good, bad] }), /^ReportInputError: bad\.json is not a sessionbench results file \(schemaVersion 1 expected\): it has schemaVersion 2$/);
    await assert.rejects(runReportCommand({ files: [good], k6Summaries: ['k6.json'] }), ReportInputError);
    assert.deepEqual((await readdir(dir)).sort(), ['bad.json', 'good.json']);
  });
});
