import type { RunResult } from '../../contract/result.ts';
import { expiryCharts, expiryTable } from '../../scenarios/expiry/section.ts';
import { outageCharts, outageTable } from '../../scenarios/outage/section.ts';
import { restartCharts, restartTable } from '../../scenarios/restart/section.ts';
import type { TextTable } from '../figures/text-table.ts';
import type { LabelledRun, SectionCharts } from './chart-spec.ts';
import { instancesCharts, instancesTable } from './instances.ts';
import { scaleCharts, scaleTable } from './scale.ts';
import { storeOpsTable, storeWritesTable } from './store-ops.ts';
import { correctnessTable } from './tables.ts';
import { costCharts, costTable } from './cost.ts';
import { remediesTable } from '../verdict/remedies.ts';
import { correctnessCharts, memoryCharts, storeOpsCharts } from './topic-charts.ts';

/**
 * One section of the report after the verdict and the results table: its heading, said the same
 * in every renderer, and the parts each renderer draws. A section with no rows and no charts is left out.
 */
export interface ReportSection {
  /** The HTML section's anchor. */
  id: string;
  /** The heading, in the HTML, the Markdown and the terminal alike. */
  title: string;
  /** Its table for the Markdown summary (and the terminal when `terminal`). */
  table?(result: RunResult): TextTable;
  /** Printed in the terminal too, which keeps to what a person acts on. */
  terminal?: boolean;
  /** Its charts and tables in the HTML report. */
  charts?(runs: readonly LabelledRun[]): SectionCharts | undefined;
}

/** Every section, in the order every renderer shows them. A scenario kind's section lives in scenarios/<kind>/section.ts and is listed here. */
export const REPORT_SECTIONS: readonly ReportSection[] = [
  { id: 'correctness', title: 'Correctness: race and ttl', table: correctnessTable, terminal: true, charts: correctnessCharts },
  { id: 'remedies', title: 'Remedies against lost updates and resurrected logouts', table: remediesTable, terminal: true },
  { id: 'store-ops', title: 'Store operations: alone vs under load', table: storeOpsTable, charts: storeOpsCharts },
  { id: 'store-writes', title: 'Store writes per request', table: storeWritesTable },
  { id: 'cost', title: 'What each request costs: CPU, store calls and bytes, Set-Cookie', table: costTable, terminal: true, charts: costCharts },
  { id: 'memory', title: 'Memory', charts: memoryCharts },
  { id: 'instances', title: 'Several app instances', table: instancesTable, charts: instancesCharts },
  { id: 'scale', title: 'Cost as stored sessions grow', table: scaleTable, charts: scaleCharts },
  { id: 'expiry', title: 'Expiry at scale', table: expiryTable, charts: expiryCharts },
  { id: 'outage', title: 'Outage: what happens when the store goes down', table: outageTable, terminal: true, charts: outageCharts },
  { id: 'restart', title: 'Restart: sessions still valid after the store server is killed and started again', table: restartTable, terminal: true, charts: restartCharts },
];
