import { readFile } from 'node:fs/promises';
import { parseRunResult } from '../../contract/read.ts';
import type { OkEntry, RunResult } from '../../contract/result.ts';
import type { StoreId } from '../../contract/vocabulary.ts';
import { FIXTURE_PATH } from '../fixtures/run-result.ts';

/** Figures per store at 0, 100k and 1M stored sessions: [throughput, p99 µs, bytes per session]. */
const FIGURES: Partial<Record<StoreId, Array<[number, number, number]>>> = {
  redis: [[3000, 4000, 1400], [2950, 4100, 1420], [2900, 4300, 1430]],
  mongo: [[1500, 9000, 2100], [1400, 12_000, 2150], [900, 30_000, 2200]],
};
const COUNTS = [0, 100_000, 1_000_000];

/** The pinned fixture turned into a scale sweep: read-heavy of redis and mongo at 0, 100k and 1M prefilled sessions, two repetitions each (±3 %). */
export async function scaleSweepResult(): Promise<RunResult> {
  const fixture = parseRunResult(await readFile(FIXTURE_PATH, 'utf8'), 'fixture');
  const entries = Object.entries(FIGURES).flatMap(([store, figures]) => {
    const template = fixture.entries.find((entry): entry is OkEntry => entry.status === 'ok' && entry.store === store && entry.scenario === 'read-heavy');
    if (!template) throw new Error(`the fixture has no ok read-heavy entry for ${store}`);
    return COUNTS.flatMap((sessions, index) => [0.97, 1.03].map((jitter, repetition) => {
      const [baseThroughput, baseP99, bytesPerSession] = figures[index]!;
      const [throughput, p99] = [baseThroughput * jitter, baseP99 * jitter];
      const entry: OkEntry = structuredClone(template);
      entry.repetition = repetition + 1;
      entry.prefilledSessions = sessions;
      entry.measured = { ...entry.measured, throughput, latencyUs: { ...entry.measured.latencyUs, p99 } };
      if (sessions > 0) {
        entry.prefill = {
          sessions,
          method: 'test figures',
          ttlMs: 3_600_000,
          seconds: sessions / 50_000,
          ratePerSecond: 50_000,
          verified: 3,
          server: { before: 1_000_000, after: 1_000_000 + sessions * bytesPerSession, source: 'test' },
          storedAfter: sessions,
          appHeap: { before: 1, after: 1, limit: 4 * 2 ** 30 },
          bytesPerSession,
        };
      }
      return entry;
    }));
  });
  return { ...fixture, plan: { ...fixture.plan, prefill: COUNTS }, entries };
}
