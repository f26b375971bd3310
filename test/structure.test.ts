import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import madge from 'madge';

const ROOT = new URL('..', import.meta.url).pathname;
const FOLDERS = ['harness', 'reports', 'stores', 'scenarios'];

/** Which top-level folders each may import: harness → reports → stores, scenarios. */
const ALLOWED: Record<string, string[]> = {
  harness: ['harness', 'reports', 'stores', 'scenarios'],
  reports: ['reports', 'stores', 'scenarios'],
  stores: ['stores', 'scenarios'],
  scenarios: ['scenarios'],
};

const graph = madge(FOLDERS.map((folder) => `${ROOT}${folder}`), { baseDir: ROOT, fileExtensions: ['ts'] });

test('no import cycles in harness, reports, stores, scenarios', async () => {
  assert.deepEqual((await graph).circular(), []);
});

test('dependencies run one way: harness → reports → stores, scenarios', async () => {
  const wrongWay: string[] = [];
  for (const [file, imports] of Object.entries((await graph).obj())) {
    const from = file.split('/')[0]!;
    for (const target of imports) {
      const to = target.split('/')[0]!;
      if (FOLDERS.includes(to) && !ALLOWED[from]?.includes(to)) wrongWay.push(`${file} → ${target}`);
    }
  }
  assert.deepEqual(wrongWay, []);
});

test('harness/ keeps at most 10 files at its top level', () => {
  const files = readdirSync(`${ROOT}harness`, { withFileTypes: true }).filter((entry) => entry.isFile());
  assert.ok(files.length <= 10, `harness/ has ${files.length} files at its top level: ${files.map((f) => f.name).join(', ')}`);
});
