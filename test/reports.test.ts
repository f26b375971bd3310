import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { raceObservationsSchema } from '../scenarios/race/observations.ts';
import { ttlObservationsSchema } from '../scenarios/ttl/observations.ts';
import type { OkEntry, RunResult } from '../contract/result.ts';
import { loadRunResultFile, runReportCommand } from '../harness/cli/report.ts';
import { renderCiJson } from '../reports/render/ci-json.ts';
import { compareRuns, comparisonWarnings } from '../reports/verdict/compare.ts';
import { escapeHtml, escapeMarkdown, html, inlineScript, jsonForScript } from '../reports/render/escape.ts';
import { renderHtml } from '../reports/render/html.ts';
import { parseRunResult, ReportInputError } from '../contract/read.ts';
import { renderMarkdown } from '../reports/render/markdown.ts';
import { instancesTable } from '../reports/sections/instances.ts';
import { memoryTable } from '../reports/sections/memory.ts';
import { CORRECTNESS_OBSERVATIONS, correctnessTotal } from '../reports/figures/metrics.ts';
import { formatLateFailures, formatRecovery, outageTable } from '../scenarios/outage/section.ts';
import { recommendStore } from '../reports/verdict/recommend.ts';
import { ERRORS_COLUMN, resultsTable, scoreboardTable, WORST_P99_COLUMN } from '../reports/sections/tables.ts';
import { renderTerminalComparison, renderTerminalTable } from '../reports/render/terminal.ts';
import { observed } from './helpers/observations.ts';
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

  test('the fixture has every optional field the reports read', () => {
    const ok = fixture.entries.filter((entry) => entry.status === 'ok');
    assert.ok(ok.some((entry) => entry.timeline && entry.observations?.kind === 'outage'), 'an outage timeline');
    assert.ok(ok.some((entry) => entry.instances === 3), 'an entry behind 3 instances');
    assert.ok(ok.some((entry) => entry.warmup === undefined), 'an entry without warm-up (race, ttl)');
    assert.ok(ok.some((entry) => entry.cpu?.generatorSaturated), 'a saturated load generator');
    assert.ok(ok.some((entry) => entry.memory?.harnessRss), 'the harness RSS');
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
    assert.match(text, /Under load, closed model\n/);
    assert.match(text, /Redis \(connect-redis\)\s+read-heavy\s+ok\s+2\s+[\d,]+ req\/s/);
    assert.match(text, /FerretDB 1\.24\.2 \(SQLite\)/);
  });

  test('shows failed and skipped entries with their reason, each reason once, never as numbers', () => {
    assert.match(text, /Memcached \(connect-memcached\)\s+read-heavy, login-heavy, race, ttl\s+failed\s+verify failed/);
    assert.match(text, /PostgreSQL \(connect-pg-simple\)\s+read-heavy, login-heavy, race, ttl\s+skipped\s+no PostgreSQL server/);
    assert.equal(text.split('no PostgreSQL server').length, 2, 'the skip reason once');
    for (const line of text.split('\n').filter((row) => /Memcached|PostgreSQL/.test(row))) assert.doesNotMatch(line, /req\/s|µs/);
  });

  test('race and ttl rows show what they found out of what was tried, not a throughput', () => {
    assert.match(text, /Correctness: race and ttl/);
    assert.match(text, /Redis \(connect-redis\)\s+race\s+ok\s+1\s+lost updates 44 of 200 increments · lost appends 35 of 200 appends · resurrected 0 of 10 logouts/);
    assert.match(text, /Signed cookie \(cookie-session\)\s+ttl\s+ok\s+1\s+expired accepted 20 of 20 expired sessions/);
    for (const line of text.split('\n').filter((row) => /\s(race|ttl)\s/.test(row))) assert.doesNotMatch(line, /req\/s|µs/);
  });

  for (const width of [120, 80]) {
    test(`fits ${width} columns: no line wider, every store and reason still there`, () => {
      const narrow = renderTerminalTable(fixture, { width });
      const widest = Math.max(...narrow.split('\n').map((line) => line.length));
      assert.ok(widest <= width, `a line of ${widest} characters`);
      // Cells may wrap at spaces: every word is still there.
      for (const word of ['(express-session)', '(connect-redis)', 'FerretDB', '(SQLite)', 'increments', 'PostgreSQL', 'POSTGRES_URL']) assert.ok(narrow.includes(word), `${word} is shown`);
    });
  }

  test('shows the outage runs with recovery, late failures and the rule they were read by', () => {
    assert.match(text, /Outage: what happens when the store goes down\n.*Failing later \(reason\)\s+Recovery/);
    assert.match(text, /Redis \(connect-redis\).*2 \(2 timeouts\)\s+within 2\.0 s of the resume/);
    assert.match(text, /\nRecovery: time from the resume to the end of the first whole second that answered at least 90 %/);
  });
});

describe('recommendation', () => {
  const recommendation = recommendStore(fixture);

  test('recommends the fastest shared, revocable store with its evidence', () => {
    assert.equal(recommendation.choice?.store, 'redis');
    assert.match(recommendation.headline, /^Use Redis \(connect-redis\) on Redis 7\.0\.15: .*req\/s on read-heavy with p99 .* per session/);
  });

  test('names the faster stores an objection ruled out, and why in a few words', () => {
    assert.match(recommendation.headline, / Faster but ruled out: MemoryStore \(express-session\) — [^;]*per-process; Signed cookie \(cookie-session\) — not revocable, accepts expired sessions \(\d+ of \d+\)\./);
    assert.doesNotMatch(recommendation.headline, /ruled out:[^.]*(No session|MongoDB)/, 'neither the baseline nor a slower store');
  });

  test('states why the others are not advised, and the honest caveats', () => {
    const score = (store: string) => recommendation.scores.find((one) => one.store === store)!;
    assert.match(score('memory').objections.map((objection) => objection.text).join(), /Per-process/);
    assert.match(score('cookie').objections.map((objection) => objection.text).join(), /Cannot revoke.*10 cookies captured before logout still worked/);
    assert.match(score('mongo').objections.map((objection) => objection.text).join(), /2 sessions were saved back to the store after logout/);
    assert.match(score('memcached').objections.map((objection) => objection.text).join(), /Failed 4 of 4 runs: verify failed/);
    assert.match(score('mongo').warnings.join(), /FerretDB 1\.24\.2 \(SQLite\) answered as the mongo server: .*not MongoDB/);
    assert.match(score('mongo').notes.map((note) => note.text).join(), /20 expired sessions still occupy the store/);
    assert.match(score('none').warnings.join(), /load generator's core was full/);
    assert.match(recommendation.caveats.join(), /express-session saves the whole session a request loaded \(probed: .*\), so concurrent saves are last-writer-wins.* MongoDB protocol \(connect-mongo\) also loses writes to a mechanism of its own/);
  });

  test('names the measured loss mechanism of a store, from the race entries\' data', () => {
    const mongo = recommendation.scores.find((one) => one.store === 'mongo')!;
    assert.deepEqual(mongo.lossCauses, ['stale-full-save', 'non-atomic-server-update']);
    assert.match(mongo.warnings[0]!, /^FerretDB 1\.24\.2 \(SQLite\): updates to one record are not atomic \(probed through its own client\).*not an express-session effect\. Not expected on MongoDB/);
    const redis = recommendation.scores.find((one) => one.store === 'redis')!;
    assert.deepEqual(redis.lossCauses, ['stale-full-save']);
    assert.ok(!redis.warnings.some((warning) => /not atomic|re-sets/.test(warning)));
  });
});

describe('resurrection seen in every store', () => {
  const everywhere = structuredClone(fixture);
  for (const entry of everywhere.entries) if (entry.status === 'ok' && entry.observations && 'resurrected' in entry.observations) entry.observations.resurrected = 3;
  const recommendation = recommendStore(everywhere);

  test('is express-session behaviour: a caveat and a warning per store, not a reason to rule each out', () => {
    const mongo = recommendation.scores.find((one) => one.store === 'mongo')!;
    assert.doesNotMatch(mongo.objections.map((objection) => objection.text).join(), /saved back to the store after logout/);
    assert.match(mongo.warnings.join(), /sessions were saved back to the store after logout/);
    assert.match(recommendation.caveats.join(), /Every server-side store saved sessions back after logout .*expressjs\/session#632/);
    assert.equal(recommendation.choice?.store, 'redis');
  });
});

describe('correctness observations', () => {
  test('every name the reports call out is a numeric field of its scenario kind in the results schema', () => {
    const shapes = { race: raceObservationsSchema.shape, ttl: ttlObservationsSchema.shape };
    for (const { kind, name } of CORRECTNESS_OBSERVATIONS) assert.ok(name in shapes[kind], `${kind}.${name}`);
  });

  test('a total is read from the entries of its own kind only', () => {
    const ok = fixture.entries.filter((entry): entry is OkEntry => entry.status === 'ok');
    const lost = CORRECTNESS_OBSERVATIONS.find((observation) => observation.name === 'lostUpdates')!;
    const expected = ok.filter((entry) => entry.observations?.kind === 'race').reduce((sum, entry) => sum + observed(entry, 'race').lostUpdates, 0);
    assert.ok(expected > 0);
    assert.equal(correctnessTotal(ok, lost), expected);
    assert.equal(correctnessTotal(ok.filter((entry) => entry.kind === 'load'), lost), undefined, 'load entries report no race observations');
  });
});

describe('several app instances', () => {
  const recommendation = recommendStore(fixture);
  const score = (store: string) => recommendation.scores.find((one) => one.store === store)!;

  test('the store that misses sessions across instances is not advised for them; the shared one is', () => {
    assert.match(score('memory').objections.map((objection) => objection.text).join(), /Not for several app instances: behind 3 instances 66\.\d% of requests found no session/);
    assert.deepEqual(score('redis').sessionMisses, { rate: 0, instances: 3 });
    assert.match(recommendation.headline, /0\.0% session misses behind 3 app instances/);
  });

  test('the table shows the miss rate per store, and scenarios behind instances are told apart', () => {
    const rows = instancesTable(fixture).rows;
    assert.deepEqual(rows.map((row) => [row[0], row[1], row[2], row[6]]), [
      ['MemoryStore (express-session)', 'read-heavy · 3 instances', '3', 'loses sessions across instances'],
      ['Redis (connect-redis)', 'read-heavy · 3 instances', '3', 'sessions shared'],
    ]);
    assert.match(rows[0]![3]!, /^66\.\d%$/);
  });
});

describe('outage', () => {
  test('reads first error, failures during, after and later (with the reason), and recovery to 90 % off the observations, and states the rule', () => {
    const table = outageTable(fixture);
    const cell = (row: string[], title: string) => row[table.columns.findIndex((column) => column.title === title)];
    assert.equal(table.rows.length, 2);
    const [redis, mongo] = table.rows as [string[], string[]];
    assert.deepEqual(
      ['Store', 'Load', 'Server paused', 'First error', 'Failed while paused', 'Failed after resume', 'Failing later (reason)', 'Recovery'].map((title) => cell(redis, title)),
      ['Redis (connect-redis)', 'closed model · autocannon · 10 connections', '3.0 s → 7.0 s', '2.0 s after the pause', '10', '12', '2 (2 timeouts)', 'within 2.0 s of the resume'],
    );
    assert.equal(cell(mongo, 'Recovery'), 'not back to 90 % by the end');
    assert.match(cell(mongo, 'Failing later (reason)')!, /^[\d,]+ \([\d,]+ non-2xx\)$/);
    assert.ok(!table.columns.some((column) => column.title.startsWith('Dropped')), 'no dropped-iteration columns without an open-model run');
    assert.deepEqual(table.notes, [
      'Recovery: time from the resume to the end of the first whole second that answered at least 90 % of the 2xx/s before the pause (median second), so an upper bound at one-second resolution. Failing later: requests that failed more than 2.0 s (one request timeout) after the resume, by reason — requests sent while the store was paused have ended by then, so the outage does not explain them.',
    ]);
  });

  test('an open-model (k6) outage shows the iterations dropped while paused, after the resume and later', () => {
    const table = outageTable(buildRunResultFixture({ k6Outage: true }));
    const k6 = table.rows.find((row) => row.includes('open model · k6 · 1,000 req/s arrival rate'))!;
    const dropped = ['Dropped while paused', 'Dropped after resume', 'Dropped later'].map((title) => k6[table.columns.findIndex((column) => column.title === title)]);
    assert.deepEqual(dropped, ['2,000', '0', '0']);
    assert.equal(table.rows[0]![table.columns.findIndex((column) => column.title === 'Dropped while paused')], '—', 'a closed-model run drops nothing');
  });

  test('an outage from an older result, without a recorded rule, keeps its old wording', () => {
    const outcome = { ...observed(fixture.entries.find((entry) => entry.kind === 'outage') as OkEntry, 'outage') };
    delete outcome.recoveryRule;
    delete outcome.lateFailures;
    assert.equal(formatRecovery(outcome), '2.0 s after the resume');
    assert.equal(formatLateFailures(outcome), 'not recorded');
  });

  test('a store that does not recover is not advised; the summary says what happened', () => {
    const recommendation = recommendStore(fixture);
    assert.match(recommendation.scores.find((one) => one.store === 'mongo')!.objections.map((objection) => objection.text).join(), /Did not recover after its server came back/);
    assert.match(recommendation.headline, /store outage: errors after 2\.0 s; back to 90 % within 2\.0 s; 2 \(2 timeouts\) failed later/);
    const board = scoreboardTable(recommendation);
    const column = board.columns.findIndex((one) => one.title === 'When the store goes down');
    assert.ok(board.notes!.some((note) => /^% of fastest: of the no-session baseline/.test(note)), 'says what the % is relative to when the baseline is the fastest');
    assert.deepEqual(board.rows.map((row) => row[column]).filter((cell) => cell !== 'not measured'), ['errors after 2.0 s; back to 90 % within 2.0 s; 2 (2 timeouts) failed later', `errors after 2.0 s; not back to 90 %; ${formatLateFailures(observed(fixture.entries.find((entry) => entry.kind === 'outage' && entry.store === 'mongo') as OkEntry, 'outage'))} failed later`]);
  });
});

describe('payload sweep', () => {
  test('a payload a store cannot carry is a named limit, labelled with its size, not a broken store', () => {
    const swept = structuredClone(fixture);
    swept.plan.payloadBytes = [512, 8192];
    swept.entries.push({
      store: 'cookie', storeLabel: 'Signed cookie (cookie-session)', scenario: 'read-heavy', kind: 'load', payloadBytes: 8192, repetition: 1, load: { driver: 'autocannon', model: 'closed', connections: 10 },
      status: 'failed', cause: 'payload-limit', reason: 'the session cookie is 11012 bytes, over the 4096-byte limit: browsers drop cookies over ~4 KB silently',
    });
    const cookie = recommendStore(swept).scores.find((one) => one.store === 'cookie')!;
    assert.match(cookie.warnings.join(), /Cannot carry a session payload of 8 KiB: the session cookie is 11012 bytes, over the 4096-byte limit/);
    assert.doesNotMatch(cookie.objections.map((objection) => objection.text).join(), /Failed/);
    assert.match(renderTerminalTable(swept), /Signed cookie \(cookie-session\)\s+read-heavy · 8 KiB payload\s+failed\s+the session cookie is 11012 bytes/);
  });
});

describe('markdown', () => {
  test('summarises the recommendation, results and what was not measured, escaping labels', () => {
    const text = renderMarkdown(withXssLabel(fixture));
    assert.match(text, /\*\*Use Redis \(connect-redis\)/);
    assert.match(text, /### Not measured/);
    assert.match(text, /### Several app instances/);
    assert.match(text, /### Outage: what happens when the store goes down\n\n.*\n.*\n\| Redis \(connect-redis\) \|/);
    assert.match(text, /Recovery: time from the resume to the end of the first whole second that answered at least 90 %/);
    assert.ok(!text.includes(XSS));
    assert.ok(text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  test('includes a comparison against a baseline', () => {
    const slower = buildRunResultFixture({ seed: 7, repetitions: 5, extraLatencyUs: { redis: 2000 } });
    const text = renderMarkdown(slower, compareRuns(buildRunResultFixture({ repetitions: 5 }), slower, { failOnPercent: 10 }));
    assert.match(text, /### Against the baseline/);
    assert.match(text, /> \[!CAUTION\]\n> .*3 regressions worse by more than 10%/);
    assert.match(text, /Redis \(connect-redis\) \| read-heavy \| closed \| p50 .* REGRESSION/);
    assert.ok(text.indexOf('### Against the baseline') < text.indexOf('**Use Redis'), 'the comparison comes before the recommendation');
    assert.match(text, /### Against the baseline\n\n> \[!CAUTION\]\n> .*\*\*\d+ regressions/);
    const wasSlow = buildRunResultFixture({ seed: 7, repetitions: 5, extraLatencyUs: { memory: 2000 } });
    const mixed = renderMarkdown(slower, compareRuns(wasSlow, slower, { failOnPercent: 10 }));
    const verdicts = mixed.slice(mixed.indexOf('### Against the baseline')).split('\n\n').find((block) => block.startsWith('| Store'))!.split('\n').slice(2).map((row) => row.includes('REGRESSION'));
    assert.ok(verdicts.includes(false) && verdicts.includes(true), `both regressions and other changes to order: ${verdicts.join(',')}`);
    assert.deepEqual(verdicts, [...verdicts].sort((a, b) => Number(b) - Number(a)), 'regressions first');
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
    assert.ok(ids.includes('memory-login-heavy') && ids.includes('store-ops-p99') && ids.includes('correctness-share'));
    assert.ok(ids.includes('throughput-over-time-closed-read-heavy') && ids.includes('p99-over-time-closed-read-heavy'), 'throughput and p99 over time for load phases');
  });

  test('answers which store to use, with caveats, failures and environment', () => {
    assert.match(page, /Which store should we use\?/);
    assert.match(page, /Use Redis \(connect-redis\) on Redis 7\.0\.15/);
    assert.match(page, /is not MongoDB/);
    assert.match(page, /vanish on restart/);
    assert.match(page, /no PostgreSQL server/);
    assert.match(page, /AMD EPYC 7B13 × 8/);
  });

  test('shows instances, the outage with its pause shaded, CPU with the saturation flag, and the harness RSS', () => {
    assert.match(page, /<section id="instances">\n<h2>Several app instances<\/h2>/);
    assert.match(page, /<section id="outage">\n<h2>Outage: what happens when the store goes down<\/h2>/);
    assert.match(page, /not back to 90 % by the end/);
    assert.match(page, /<p class="muted">Recovery: time from the resume to the end of the first whole second that answered at least 90 %/);
    const outage = embedded('sessionbench-charts').filter((chart: { id: string }) => chart.id.startsWith('outage-'));
    assert.equal(outage.length, 2);
    assert.deepEqual(outage[0].x.bands, [{ from: 3.02, to: 7.03, label: 'server paused' }]);
    assert.match(page, /load generator saturated: throughput is the generator&#39;s limit, not the store&#39;s/);
    assert.match(page, /<td class="" data-label="CPU % of a core: app · generator · server">\d+ · \d+ · \d+<\/td>/);
    assert.match(page, /ok, generator saturated \*/);
    assert.match(page, /<dt>Harness RSS<\/dt><dd>91\.6 MiB → 94\.\d MiB/);
  });

  test('labels several runs by start time', () => {
    const later = { ...buildRunResultFixture({ seed: 3 }), startedAt: '2026-11-24T08:30:00.000Z' };
    const both = renderHtml([later, fixture], { chartJs });
    assert.match(both, /2 runs: 2026-11-23 10:00:00 UTC @4dcc05d · 2026-11-24 08:30:00 UTC @4dcc05d/);
    assert.match(both, /Based on the latest run, 2026-11-24 08:30:00 UTC/);
  });
});

/**
 * github-action-benchmark's own rules for a custom-*-is-better file (src/extract.ts): JSON, an
 * array mapped over {name, value, unit, range, extra}, and "No benchmark result was found" when
 * it is empty; its charts key series by name and compare numeric values.
 */
function assertGithubActionBenchmarkInput(text: string, file: string): Array<{ name: string; value: number; unit: string }> {
  const parsed: unknown = JSON.parse(text);
  assert.ok(Array.isArray(parsed), `${file}: not an array`);
  assert.ok(parsed.length > 0, `No benchmark result was found in ${file}`);
  for (const point of parsed as Array<Record<string, unknown>>) {
    assert.equal(typeof point['name'], 'string', `${file}: ${JSON.stringify(point)}`);
    assert.ok((point['name'] as string).length > 0);
    assert.ok(typeof point['value'] === 'number' && Number.isFinite(point['value']), `${file}: value of ${String(point['name'])}`);
    assert.ok(typeof point['unit'] === 'string' && point['unit'].length > 0, `${file}: unit of ${String(point['name'])}`);
  }
  const names = (parsed as Array<{ name: string }>).map((point) => point.name);
  assert.equal(new Set(names).size, names.length, `${file}: duplicate series names`);
  return parsed as Array<{ name: string; value: number; unit: string }>;
}

function ciFiles(result: RunResult) {
  const { biggerIsBetter, smallerIsBetter } = renderCiJson(result);
  return {
    bigger: assertGithubActionBenchmarkInput(JSON.stringify(biggerIsBetter), 'ci-bigger-is-better.json'),
    smaller: assertGithubActionBenchmarkInput(JSON.stringify(smallerIsBetter), 'ci-smaller-is-better.json'),
  };
}

describe('CI JSON', () => {
  test('throughput is bigger-is-better; latency, memory per session and correctness counts smaller-is-better', () => {
    const { bigger, smaller } = ciFiles(fixture);
    const redis = bigger.find((point) => point.name === 'redis · read-heavy · 512 B payload · closed 10 connections · throughput');
    assert.equal(redis?.unit, 'req/s');
    assert.match((redis as { range?: string }).range ?? '', /^\d+(\.\d+)?–\d+(\.\d+)?$/);
    assert.deepEqual([...new Set(bigger.map((point) => point.unit))].sort(), ['entries', 'req/s']);
    assert.deepEqual([...new Set(smaller.map((point) => point.unit))].sort(), ['B', 'count', 'entries', 'µs']);
    assert.ok(smaller.some((point) => point.name === 'redis · login-heavy · 512 B payload · closed 10 connections · memory per session'));
    const lost = smaller.find((point) => point.name === 'mongo · race · 512 B payload · scripted 10 sessions × 8 parallel requests × 25 rounds · lost counter updates');
    assert.equal(lost?.value, 52);
    assert.equal(smaller.find((point) => point.name.startsWith('cookie · ttl') && point.name.endsWith('expired sessions still accepted'))?.value, 20);
    assert.equal(smaller.find((point) => point.name.startsWith('cookie · race') && point.name.endsWith('cookies still valid after logout'))?.value, 10);
    assert.equal(smaller.find((point) => point.name.startsWith('mongo · race') && point.name.endsWith('sessions back in the store after logout'))?.value, 2);
    assert.ok(smaller.some((point) => point.name.startsWith('redis · race') && point.name.endsWith('lost item appends')));
    assert.ok(smaller.some((point) => point.name.startsWith('memory · read-heavy · 512 B payload · 3 instances · closed 10 connections')));
    assert.equal(smaller.find((point) => point.name === 'run · entries failed')?.value, 4, 'memcached failed 4; postgres was skipped');
    assert.ok(!bigger.some((point) => /memcached|postgres/.test(point.name)) && !smaller.some((point) => /^(memcached|postgres) /.test(point.name)));
  });

  test('a race-only run still has points in both files', () => {
    const raceOnly = { ...fixture, entries: fixture.entries.filter((entry) => entry.kind === 'race') };
    const { bigger, smaller } = ciFiles(raceOnly);
    assert.deepEqual(bigger.map((point) => point.name), ['run · entries measured']);
    assert.equal(bigger[0]!.value, 4);
    assert.ok(smaller.some((point) => point.name.endsWith('lost counter updates') && point.value > 0));
  });

  test('a k6 run exports the achieved rate and dropped iterations, and never closed-model throughput', () => {
    const k6 = structuredClone({ ...fixture, entries: fixture.entries.filter((entry) => entry.load.model === 'open') });
    for (const entry of k6.entries) {
      if (entry.status === 'ok') entry.observations = { kind: 'load', logins: 10, targetRate: 1000, achievedRate: 987.5, droppedIterations: 31 };
    }
    const { bigger, smaller } = ciFiles(k6);
    assert.equal(bigger.find((point) => point.name === 'redis · read-heavy · 512 B payload · open 1000 req/s · achieved rate')?.value, 987.5);
    assert.equal(smaller.find((point) => point.name === 'redis · read-heavy · 512 B payload · open 1000 req/s · dropped iterations')?.value, 31);
    assert.ok(!bigger.some((point) => point.name.endsWith(' · throughput')));
  });

  test('a changed connection count or payload starts a new series', () => {
    const names = (result: RunResult) => renderCiJson(result).biggerIsBetter.map((point) => point.name).filter((name) => name.startsWith('redis · read-heavy'));
    const more = structuredClone(fixture);
    for (const entry of more.entries) if (entry.load.model === 'closed') entry.load = { ...entry.load, connections: 50 };
    const bigger = structuredClone(fixture);
    for (const entry of bigger.entries) entry.payloadBytes = 4096;
    const before = names(fixture);
    assert.ok(before.length > 0);
    for (const changed of [names(more), names(bigger)]) assert.deepEqual(changed.filter((name) => before.includes(name)), []);
  });

  test('a run where everything failed still writes a valid file for each', () => {
    const failed = { ...fixture, entries: fixture.entries.filter((entry) => entry.status === 'failed') };
    const { bigger, smaller } = ciFiles(failed);
    assert.deepEqual(bigger, [{ name: 'run · entries measured', unit: 'entries', value: 0, extra: bigger[0] && (bigger[0] as { extra?: string }).extra }]);
    assert.equal(smaller.find((point) => point.name === 'run · entries failed')?.value, 4);
  });
});

describe('compareRuns', () => {
  const five = buildRunResultFixture({ repetitions: 5 });

  test('two runs of an unchanged app are within noise', () => {
    const comparison = compareRuns(five, buildRunResultFixture({ seed: 99, repetitions: 5 }), { failOnPercent: 5 });
    assert.equal(comparison.regressions, 0);
    assert.deepEqual(comparison.metrics.filter((metric) => metric.verdict === 'worse' || metric.verdict === 'better'), []);
    assert.ok(comparison.metrics.filter((metric) => metric.verdict === 'unknown').every((metric) => metric.baseline.n === 1), 'only single-repetition groups can be unknown');
    assert.equal(comparison.metrics.length, 14 * 3 + 8 * 2 + 2 * 2, '14 closed groups × 3 metrics, 8 scripted (race, ttl) and 2 open groups × p50/p99');
    assert.deepEqual(comparison.environment, []);
  });

  test('with 5 repetitions a side, a 2 ms slowdown on a ~0.6 ms app is worse, supported by both tests, and a regression', () => {
    const comparison = compareRuns(five, buildRunResultFixture({ seed: 99, repetitions: 5, extraLatencyUs: { redis: 2000 } }), { failOnPercent: 10 });
    const redis = comparison.metrics.filter((metric) => metric.store === 'redis' && metric.scenario === 'read-heavy' && metric.model === 'closed');
    assert.equal(redis.length, 3);
    for (const metric of redis) {
      assert.equal(metric.verdict, 'worse', metric.metric);
      assert.equal(metric.regression, true);
      assert.ok(metric.repetitionTest && metric.repetitionTest.pValue <= comparison.alpha, JSON.stringify(metric.repetitionTest));
      assert.deepEqual(metric.repetitionTest.samples, [5, 5]);
      if (metric.unit === 'µs') assert.ok(metric.requestTest && metric.requestTest.pValue < 0.001, JSON.stringify(metric.requestTest));
    }
    // Redis's single-repetition groups (race, ttl, outage, instances, open model) moved as much, but their noise is unknown.
    const single = comparison.metrics.filter((metric) => metric.store === 'redis' && !redis.includes(metric));
    assert.ok(single.length > 0 && single.every((metric) => metric.verdict === 'unknown' && !metric.regression), JSON.stringify(single.map((m) => [m.scenario, m.metric, m.verdict])));
    assert.ok(comparison.metrics.filter((metric) => metric.store !== 'redis').every((metric) => metric.verdict === 'within-noise' || metric.verdict === 'unknown'));
    assert.equal(comparison.regressions, 3);
    assert.match(renderTerminalComparison(comparison), /3 regressions worse by more than 10%, supported by a one-sided Mann–Whitney test at p ≤ 0\.01/);
  });

  test('with too few repetitions the same slowdown is unknown, says so, and does not fail', () => {
    const comparison = compareRuns(fixture, buildRunResultFixture({ seed: 99, extraLatencyUs: { redis: 2000 } }), { failOnPercent: 10 });
    const redis = comparison.metrics.filter((metric) => metric.store === 'redis');
    assert.ok(redis.length > 0 && redis.every((metric) => metric.verdict === 'unknown' && metric.repetitionTest === undefined));
    assert.equal(comparison.regressions, 0);
    assert.equal(comparison.unknown, redis.length);
    assert.match(comparisonWarnings(comparison).join(' '), /could not be judged: fewer than 5 repetitions on a side leave the noise unknown \(run with --repeat 5 or more\)/);
  });

  test('a baseline from another CPU model, core count or Node version is flagged, not failed', () => {
    const other = buildRunResultFixture({ repetitions: 5, env: { node: 'v22.11.0', cpu: { model: 'Intel Xeon Platinum 8375C', count: 2 } } });
    const comparison = compareRuns(other, buildRunResultFixture({ seed: 99, repetitions: 5 }), { failOnPercent: 10 });
    assert.deepEqual(comparison.environment.map((difference) => difference.field), ['cpu model', 'cpu count', 'node']);
    assert.equal(comparison.regressions, 0);
    const warnings = comparisonWarnings(comparison).join('\n');
    assert.match(warnings, /another cpu count \(2; now 8\)/);
    assert.match(renderMarkdown(fixture, comparison), /another node \(v22\.11\.0; now v20\.20\.0\)/);
    // A baseline measured with every process on every CPU, against one with the app on a CPU of its own.
    const split = buildRunResultFixture({ seed: 99, repetitions: 5 });
    split.env.cpuPlacement = { mode: 'split', appCpus: [0], harnessCpus: [1] };
    const placed = compareRuns(buildRunResultFixture({ repetitions: 5 }), split, { failOnPercent: 10 });
    assert.deepEqual(placed.environment.map((difference) => difference.field), ['cpu placement']);
    assert.match(comparisonWarnings(placed).join('\n'), /another cpu placement \(shared; now split \(app on CPU 0\)\)/);
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
  test('a version 1 results file from before the one-schema change is migrated on read', async () => {
    const v1 = await readFile(join(import.meta.dirname, 'fixtures', 'run-result-v1.json'), 'utf8');
    const migrated = parseRunResult(v1, 'old.json');
    assert.equal(migrated.schemaVersion, 2);
    assert.equal(migrated.entries.length, fixture.entries.length);
    const kinds = (run: RunResult) => run.entries.map((entry) => `${entry.store}/${entry.scenario}/${entry.kind}/${entry.status}/${entry.status === 'ok' ? entry.observations?.kind ?? '' : entry.cause}`);
    assert.deepEqual(kinds(migrated), kinds(fixture), 'kinds, observation shapes and causes as the current harness writes them');
    const outage = migrated.entries.find((entry) => entry.status === 'ok' && entry.kind === 'outage' && entry.store === 'redis') as OkEntry;
    assert.equal(observed(outage, 'outage').recovered, true);
    // Version 1 recorded no loss mechanisms, so the objections that rest on them cannot come back from it.
    const fromV1 = (codes: string[]) => codes.filter((code) => code !== 'touch-rewrites-session' && code !== 'non-atomic-server-update');
    assert.deepEqual(
      recommendStore(migrated).scores.map((score) => score.objections.map((objection) => objection.code)),
      recommendStore(fixture).scores.map((score) => fromV1(score.objections.map((objection) => objection.code))),
    );
  });

  const prefix = 'baseline main.json is not a sessionbench results file (schemaVersion 2 expected): ';

  test('corrupt JSON', () => {
    assertOneLineInputError(() => parseRunResult('{"schemaVersion": 1,\n', 'baseline main.json'), `${prefix}invalid JSON`);
  });

  test('another schema version', () => {
    assertOneLineInputError(() => parseRunResult(JSON.stringify({ ...fixture, schemaVersion: 3 }), 'baseline main.json'), `${prefix}it has schemaVersion 3 (this sessionbench reads 1 and 2)`);
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
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessionbench-report-'));
    dirs.push(dir);
    return dir;
  };
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  test('writes report.html, summary.md and the CI JSON next to the first file', async () => {
    const dir = await tempDir();
    const file = join(dir, 'run.json');
    await writeFile(file, fixtureText);
    const { htmlPath, markdownPath, ciBiggerIsBetter, ciSmallerIsBetter } = await runReportCommand({ files: [file] });
    assert.equal(htmlPath, join(dir, 'report.html'));
    assert.equal(ciBiggerIsBetter, join(dir, 'ci-bigger-is-better.json'));
    assertGithubActionBenchmarkInput(await readFile(ciBiggerIsBetter, 'utf8'), 'ci-bigger-is-better.json');
    assertGithubActionBenchmarkInput(await readFile(ciSmallerIsBetter, 'utf8'), 'ci-smaller-is-better.json');
    assert.match(await readFile(htmlPath, 'utf8'), /Chart\.register|new Chart/);
    assert.match(await readFile(markdownPath, 'utf8'), /^## sessionbench results/);
    assert.deepEqual((await readdir(dir)).sort(), ['ci-bigger-is-better.json', 'ci-smaller-is-better.json', 'report.html', 'run.json', 'summary.md']);
  });

  test("a run's directory stands for the results.json in it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'results.json'), fixtureText);
    const { htmlPath } = await runReportCommand({ files: [dir] });
    assert.equal(htmlPath, join(dir, 'report.html'));
    assert.match(await readFile(htmlPath, 'utf8'), /Chart\.register|new Chart/);
  });

  test('writes nothing when an input is bad, or when k6 summaries come without the flags that say what ran', async () => {
    const dir = await tempDir();
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    await writeFile(good, fixtureText);
    await writeFile(bad, '{"schemaVersion": 3}');
    await assert.rejects(runReportCommand({ files: [good, bad] }), /^ReportInputError: bad\.json is not a sessionbench results file \(schemaVersion 2 expected\): it has schemaVersion 3 \(this sessionbench reads 1 and 2\)$/);
    await assert.rejects(runReportCommand({ files: [good], k6Summaries: ['k6.json'] }), /^UsageError: --k6-store: give the store the app served/);
    assert.deepEqual((await readdir(dir)).sort(), ['bad.json', 'good.json']);
  });
});

describe('comparison groups match on structured fields, not display labels', () => {
  const readHeavy = (store: string) => (metric: { store: string; scenario: string; model: string }) => metric.store === store && metric.scenario.startsWith('read-heavy') && metric.model === 'closed';

  test('a baseline with one payload matches a run that sweeps two: the slowdown is still a regression', () => {
    const current = buildRunResultFixture({ seed: 99, repetitions: 5, extraLatencyUs: { redis: 2000 } });
    current.plan.payloadBytes = [512, 8192];
    current.entries.push({
      store: 'cookie', storeLabel: 'Signed cookie (cookie-session)', scenario: 'read-heavy', kind: 'load', payloadBytes: 8192, repetition: 1, load: { driver: 'autocannon', model: 'closed', connections: 10 },
      status: 'failed', cause: 'payload-limit', reason: 'the session cookie is 11012 bytes, over the 4096-byte limit',
    });
    const comparison = compareRuns(buildRunResultFixture({ repetitions: 5 }), current, { failOnPercent: 10 });
    const redis = comparison.metrics.filter(readHeavy('redis'));
    assert.ok(redis.length > 0, 'redis read-heavy is compared, not unmatched');
    const repeated = redis.filter((metric) => metric.scenario === 'read-heavy · 512 B payload');
    assert.equal(repeated.length, 3);
    assert.ok(repeated.every((metric) => metric.regression), 'and its slowdown is a regression');
    assert.equal(redis[0]!.scenario, 'read-heavy · 512 B payload', 'labelled as the current run labels it');
    assert.deepEqual(comparison.unmatched.filter((group) => group.store === 'redis'), []);
    assert.equal(comparison.metrics.length, 14 * 3 + 8 * 2 + 2 * 2);
  });

  test('different connections are different measurements: nothing closed-model is compared across them', () => {
    const current = buildRunResultFixture({ seed: 99 });
    for (const entry of current.entries) if (entry.load.model === 'closed') entry.load = { ...entry.load, connections: 50 };
    const comparison = compareRuns(fixture, current, { failOnPercent: 10 });
    assert.deepEqual(comparison.metrics.filter((metric) => metric.model === 'closed'), []);
    const redis = comparison.unmatched.filter(readHeavy('redis')).map((group) => group.reason);
    assert.ok(redis.includes('measured in the baseline (closed model · autocannon · 10 connections), absent from this run'), redis.join('; '));
    assert.ok(redis.includes('new in this run (closed model · autocannon · 50 connections): no baseline'), redis.join('; '));
  });

  test('a different open-model rate is not compared either', () => {
    const current = buildRunResultFixture({ seed: 99 });
    for (const entry of current.entries) if (entry.load.driver === 'k6') entry.load = { ...entry.load, ratePerSecond: 2000 };
    const comparison = compareRuns(fixture, current, { failOnPercent: 10 });
    assert.deepEqual(comparison.metrics.filter((metric) => metric.model === 'open'), []);
  });

});

describe('the headline says what the choice passed, and what it did not', () => {
  test('names the checks instead of "every check", and the lost updates every store showed', () => {
    const { headline } = recommendStore(fixture);
    assert.doesNotMatch(headline, /every check/);
    assert.match(headline, /the only store measured that is shared across 3 app instances, revocable at logout \(probed\), verified and recovered from a store outage \(/);
    assert.match(headline, /It lost 44 concurrent updates to one session \(as every store did\): see below\./);
  });

  test('stale sessions and failed requests of the chosen store are in the headline', () => {
    const run = structuredClone(fixture);
    for (const entry of run.entries) {
      if (entry.status !== 'ok' || entry.store !== 'redis') continue;
      if (entry.scenario === 'ttl') observed(entry, 'ttl').stalePresent = 5;
      if (entry.scenario === 'read-heavy' && entry.repetition === 1 && !entry.instances && entry.load.model === 'closed') entry.measured = { ...entry.measured, timeouts: 3 };
    }
    const recommendation = recommendStore(run);
    assert.equal(recommendation.choice?.store, 'redis');
    assert.match(recommendation.headline, /still held 5 expired sessions and had 3 failed requests \(errors, timeouts, non-2xx\) under load: see below/);
  });
});

describe('worst p99', () => {
  test('counts closed-model load scenarios only: not outage timeouts, not scripted race/ttl requests', () => {
    const run = structuredClone(fixture);
    let expected = 0;
    for (const entry of run.entries) {
      if (entry.status !== 'ok' || entry.store !== 'redis') continue;
      if (entry.scenario === 'race' || entry.kind === 'outage') entry.measured = { ...entry.measured, latencyUs: { ...entry.measured.latencyUs, p99: 9_000_000 } };
      else if (entry.load.model === 'closed') expected = Math.max(expected, entry.measured.latencyUs.p99);
    }
    assert.ok(expected > 0 && expected < 100_000);
    const recommendation = recommendStore(run);
    assert.equal(recommendation.scores.find((score) => score.store === 'redis')!.worstP99Us, expected);
    assert.ok(scoreboardTable(recommendation).columns.some((column) => column.title === WORST_P99_COLUMN && /closed-model load; no outage, race or ttl/.test(column.title)));
  });
});

describe('errors, timeouts and non-2xx', () => {
  const run = structuredClone(fixture);
  const target = run.entries.find((entry) => entry.status === 'ok' && entry.store === 'redis' && entry.scenario === 'login-heavy')!;
  if (target.status === 'ok') target.measured = { ...target.measured, errors: 2, timeouts: 3, non2xx: 5 };

  test('the results table shows each apart, each request once', () => {
    const table = resultsTable(run);
    const column = table.columns.findIndex((one) => one.title === ERRORS_COLUMN);
    const row = table.rows.find((cells) => cells[0] === 'Redis (connect-redis)' && cells[1] === 'login-heavy')!;
    assert.equal(row[column], '2 / 3 / 5');
  });

  test('the recommendation counts 10 failed requests, and the HTML does not claim errors include timeouts', () => {
    assert.equal(recommendStore(run).scores.find((score) => score.store === 'redis')!.failedRequests, 10);
    const page = renderHtml([run], { chartJs: '' });
    assert.match(page, /Errors are connection errors \(refused, reset\); timeouts and responses outside 2xx are counted apart/);
  });
});

describe('memory per session', () => {
  test('the app heap growth per session stands next to the store memory per session', () => {
    const table = memoryTable(fixture);
    assert.deepEqual(table.columns.map((column) => column.title), ['Store', 'Scenario', 'Sessions added', 'Memory / session', 'Measured in', 'App heap / session (after GC)']);
    const redis = table.rows.find((row) => row[0] === 'Redis (connect-redis)' && row[1] === 'login-heavy')!;
    assert.match(redis[3]!, /^4\d\d B$/);
    assert.equal(redis[4], 'Redis 7.0.15 (INFO memory used_memory)');
    assert.equal(redis[5], '36 B');
    const memory = table.rows.find((row) => row[0] === 'MemoryStore (express-session)' && row[1] === 'login-heavy')!;
    assert.equal(memory[4], 'app heap');
    assert.equal(memory[5], memory[3]);
    const page = renderHtml([fixture], { chartJs: '' });
    assert.match(page, /<section id="memory">[\s\S]*<th class="num">App heap \/ session \(after GC\)<\/th>[\s\S]*<\/section>/);
  });
});

describe('TSDoc', () => {
  test('every field of an exported interface in reports/ has a doc comment', async () => {
    const dir = join(import.meta.dirname, '..', 'reports');
    const missing: string[] = [];
    for (const file of (await readdir(dir)).filter((name) => name.endsWith('.ts'))) {
      const lines = (await readFile(join(dir, file), 'utf8')).split('\n');
      let inside = false;
      lines.forEach((line, i) => {
        // A type inferred from a schema, or the union of a constant list, is documented where the schema or list is.
        const derived = /^export type \w+(<[^=]*>)? = (z\.infer<|\(typeof \w+\)\[number\])/.test(line);
        if (/^export /.test(line) && !derived && !/\*\/\s*$/.test(lines[i - 1] ?? '')) missing.push(`${file}:${i + 1} ${line}`);
        if (/^export interface \w+.*\{$/.test(line)) inside = true;
        else if (inside && line === '}') inside = false;
        else if (inside && /^  (readonly )?\w+\??:/.test(line) && !/\*\/\s*$/.test(lines[i - 1] ?? '')) missing.push(`${file}:${i + 1} ${line.trim()}`);
      });
    }
    assert.deepEqual(missing, []);
  });
});
