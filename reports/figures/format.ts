import type { AnyStoreId, ServerInfo, StoreId } from '../../contract/vocabulary.ts';
import { isCustomStoreId } from '../../contract/vocabulary.ts';
import type { LoadModel } from '../../contract/metrics.ts';
import type { Spread } from './spread.ts';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const threeDigits = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/** A count with thousands separators, e.g. "14,210". */
export function formatCount(value: number): string {
  return integer.format(value);
}

/** Requests per second, e.g. "14,210 req/s". */
export function formatRate(value: number): string {
  return `${formatCount(value)} req/s`;
}

/** A duration given in microseconds, in the most readable unit: "480 µs", "2.15 ms", "1.20 s". */
export function formatUs(us: number): string {
  if (us < 1000) return `${formatCount(us)} µs`;
  if (us < 1_000_000) return `${threeDigits.format(us / 1000)} ms`;
  return `${threeDigits.format(us / 1_000_000)} s`;
}

/** A byte count in binary units, e.g. "312 B", "4.1 KiB", "86.2 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${formatCount(value)} B` : `${threeDigits.format(value)} ${units[unit]}`;
}

/** The formatter for a metric unit. */
export function formatUnit(unit: 'req/s' | 'µs' | 'B'): (value: number) => string {
  return unit === 'req/s' ? formatRate : unit === 'µs' ? formatUs : formatBytes;
}

/** A signed percentage, e.g. "+12.5%", "-3.0%". */
export function formatPercent(value: number): string {
  return `${value > 0 ? '+' : ''}${value.toFixed(1)}%`;
}

/** A median with its range when there were several repetitions: "14,210 req/s (13,900–14,400 req/s)". */
export function formatSpread(spread: Spread, format: (value: number) => string): string {
  if (spread.n < 2) return format(spread.median);
  const [low, high] = [format(spread.min), format(spread.max)];
  const unit = / \S+$/.exec(low)?.[0];
  const shortLow = unit && high.endsWith(unit) ? low.slice(0, -unit.length) : low;
  return `${format(spread.median)} (${shortLow}–${high})`;
}

/** How the load was generated, e.g. "closed model · autocannon · 50 connections". */
export function formatLoad(load: LoadModel): string {
  switch (load.driver) {
    case 'autocannon':
      return `closed model · autocannon · ${load.connections} connections`;
    case 'k6':
      return `open model · k6 · ${formatCount(load.ratePerSecond)} req/s arrival rate${load.runners && load.runners > 1 ? ` · ${load.runners} runners merged` : ''}`;
    case 'harness':
      return `scripted requests · ${load.description}`;
  }
}

const EMBEDDED: Partial<Record<StoreId, string>> = {
  none: 'no sessions',
  memory: 'in the app process',
  memorystore: 'in the app process',
  cookie: 'in the client cookie',
  'knex-sqlite': 'in a SQLite file beside the app',
  file: 'in files beside the app',
};

/** The server that answered, where an embedded store keeps its data, or that no server was available. */
export function formatServer(store: AnyStoreId, server: ServerInfo | undefined): string {
  if (server) return server.label;
  if (isCustomStoreId(store)) return 'no server (custom store)';
  return EMBEDDED[store] ?? 'not available';
}

/** CPU per process in % of one core as "app · generator · server", e.g. "85 · 40 · 31", "—" where unknown; "not measured" when none is. */
export function formatCpu(cpu: { app?: number | undefined; generator?: number | undefined; server?: number | undefined }): string {
  const values = [cpu.app, cpu.generator, cpu.server];
  return values.every((value) => value === undefined) ? 'not measured' : values.map((value) => (value === undefined ? '—' : String(Math.round(value)))).join(' · ');
}
