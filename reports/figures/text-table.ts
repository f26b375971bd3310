/** A table as plain text cells, rendered by each reporter in its own format. */
export interface TextTable {
  /** Column titles; `numeric` columns are right-aligned. */
  columns: { title: string; numeric: boolean }[];
  /** One array of cells per row, in column order. */
  rows: string[][];
  /** Footnotes a reader needs to read the rows, shown under the table. */
  notes?: string[];
}
