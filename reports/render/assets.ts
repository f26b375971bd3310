import { readFile } from 'node:fs/promises';

/**
 * Reads chart.js's UMD build for inlining into the HTML report, without its
 * trailing sourceMappingURL comment (the map is not shipped). The one place in
 * reports/ that reads from disk; callers pass the text to renderHtml.
 */
export async function loadChartJs(): Promise<string> {
  const source = await readFile(new URL('./chart.umd.js', import.meta.resolve('chart.js')), 'utf8');
  return source.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
}
