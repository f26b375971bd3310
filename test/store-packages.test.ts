import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { STORE_PACKAGES, missingPackages, notInstalled } from '../stores/store-packages.ts';
import { STORE_IDS } from '../contract/vocabulary.ts';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const clients = [...new Set(Object.values(STORE_PACKAGES).flat())].sort();

test('every store client is an optional peer dependency at any version, and a dev dependency of the clone at the range its adapter is tested with', () => {
  assert.deepEqual(Object.keys(manifest.peerDependencies).sort(), clients);
  for (const name of clients) {
    assert.equal(manifest.peerDependenciesMeta[name]?.optional, true, `${name} is optional`);
    assert.equal(manifest.peerDependencies[name], '*', `${name}: a project's own version never blocks the install`);
    assert.match(manifest.devDependencies[name] ?? '', /^\^?\d/, `${name}: the clone tests one range, the one a project is told to install`);
    assert.equal(manifest.dependencies[name], undefined, `${name} is not installed with sessionbench`);
  }
});

test('in the clone every built-in store has its packages', () => {
  for (const id of STORE_IDS) assert.equal(missingPackages(id), undefined, id);
});

test('the line names one package or several (the install command itself is checked in pack.test.ts, where clients are missing)', () => {
  assert.equal(notInstalled({ names: ['pg'], install: '' }), 'pg is not installed');
  assert.equal(notInstalled({ names: ['a', 'b', 'c'], install: '' }), 'a, b and c are not installed');
});
