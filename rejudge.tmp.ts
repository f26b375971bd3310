import { readFileSync } from 'node:fs';
import { recommendStore } from '/work/main/reports/verdict/recommend.ts';
import { parseRunResult } from '/work/main/contract/read.ts';
for (const file of process.argv.slice(2)) {
  const result = parseRunResult(readFileSync(file, 'utf8'), file);
  const old = result.verdict;
  const now = recommendStore(result);
  const rule = now.decision.throughputRule;
  const fmt = (v: any) => `${v?.choice ?? '-'} by ${v?.decidedBy ?? v?.decision?.decidedBy} tied=[${(v?.tiedOnThroughput ?? v?.decision?.tiedOnThroughput ?? []).join(',')}] res=${Math.round((v?.throughputRule?.smallestResolvable ?? v?.decision?.throughputRule?.smallestResolvable ?? NaN) * 100)}%`;
  console.log(file.split('/').slice(-3, -1).join('/'));
  console.log('  recorded:', fmt(old));
  console.log('  new rule:', `${now.choice?.store ?? '-'} by ${now.decision.decidedBy} tied=[${now.decision.tiedOnThroughput.join(',')}] res=${Math.round((rule?.smallestResolvable ?? NaN) * 100)}%`, rule?.outliers ? 'left out: ' + rule.outliers.map((o) => `${o.store} r${o.round ?? ''} ${Math.round(o.value)} (${Math.round(o.offExpected * 100)}%)`).join('; ') : '');
}
