import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import madge from 'madge';

const ROOT = new URL('..', import.meta.url).pathname;
const FOLDERS = ['contract', 'scenarios', 'stores', 'reports', 'harness'];

/**
 * The layers, bottom up: a file may import its own layer and those below. A scenario kind's folder
 * (scenarios/<kind>/) holds one file per layer: observations.ts is the kind's part of the results
 * contract, scenario.ts its definition, section.ts its report section, run.ts its runner.
 */
const LAYERS = ['contract', 'scenarios', 'stores', 'reports', 'harness'] as const;
type Layer = (typeof LAYERS)[number];
const KIND_FILE_LAYERS: Record<string, Layer> = { 'observations.ts': 'contract', 'scenario.ts': 'scenarios', 'section.ts': 'reports', 'run.ts': 'harness' };

function layerOf(file: string): Layer | undefined {
  const [top, kind, name] = file.split('/');
  if (top === 'scenarios' && name !== undefined) {
    const layer = KIND_FILE_LAYERS[name];
    assert.ok(layer, `${file}: a scenario kind's folder holds only ${Object.keys(KIND_FILE_LAYERS).join(', ')} (${kind})`);
    return layer;
  }
  return (LAYERS as readonly string[]).includes(top!) ? (top as Layer) : undefined;
}

const graph = madge(FOLDERS.map((folder) => `${ROOT}${folder}`), { baseDir: ROOT, fileExtensions: ['ts'] });

test('no import cycles in contract, scenarios, stores, reports, harness', async () => {
  assert.deepEqual((await graph).circular(), []);
});

test('the import graph is read: it holds the arrows the layering is checked on', async () => {
  const imports = (await graph).obj();
  assert.ok(imports['harness/run/kinds.ts']?.includes('scenarios/race/run.ts'), 'harness/run/kinds.ts → scenarios/race/run.ts not seen');
  assert.ok(imports['contract/result.ts']?.includes('contract/kinds.ts'), 'contract/result.ts → contract/kinds.ts not seen');
});

test('dependencies run one way: harness → reports → stores → scenarios → contract (the contract imports nothing of ours above it)', async () => {
  const wrongWay: string[] = [];
  for (const [file, imports] of Object.entries((await graph).obj())) {
    const from = layerOf(file);
    for (const target of imports) {
      const to = layerOf(target);
      if (from && to && LAYERS.indexOf(to) > LAYERS.indexOf(from)) wrongWay.push(`${file} (${from}) → ${target} (${to})`);
    }
  }
  assert.deepEqual(wrongWay, []);
});

for (const folder of ['harness', 'reports']) {
  test(`${folder}/ keeps at most 10 files at its top level`, () => {
    const files = readdirSync(`${ROOT}${folder}`, { withFileTypes: true }).filter((entry) => entry.isFile());
    assert.ok(files.length <= 10, `${folder}/ has ${files.length} files at its top level: ${files.map((f) => f.name).join(', ')}`);
  });
}
