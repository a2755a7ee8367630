/**
 * Orders files into stages that respect references: the tables a file refers
 * to (customers, products) are loaded in earlier stages than the file itself
 * (rentals), and a stage never holds two files of one table, which would only
 * queue on that table's write lock. It reads each file's header to know its
 * table; {@linkcode importFiles} (import_files.ts) then runs the stages.
 *
 * @example
 * ```ts
 * import { planImport } from "./import_plan.ts";
 * const stages = await planImport(["data/rentals.csv", "data/customers.csv", "data/products.csv"]);
 * // [[customers, products], [rentals]]
 * ```
 *
 * @module
 */
import { readCsv } from "./csv.ts";
import { getTable, type Table, tableForHeader, type TableName, TABLES } from "./schema.ts";
import type { ReadOptions } from "./run_options.ts";
import type { WorkerJob } from "./worker_pool.ts";

/** Options for {@linkcode planImport}. */
export interface PlanOptions extends ReadOptions {
  /** The table of every file; by default each file's header tells. */
  table?: TableName;
}

/**
 * Groups `paths` into stages to import in order: referenced tables first, at
 * most one file per table in a stage. A file whose header matches no table (or
 * that is empty or unreadable) goes into the first stage, so that its import
 * fails before any other file is written.
 */
export async function planImport(
  paths: readonly string[],
  options: PlanOptions = {},
): Promise<WorkerJob[][]> {
  const jobs: { job: WorkerJob; rank: number; repeat: number }[] = [];
  const seen = new Map<string, number>();
  for (const path of paths) {
    const table = options.table === undefined
      ? await headerTable(path, options.delimiter)
      : getTable(options.table);
    const rank = table === undefined ? -1 : RANKS.get(table.name)!;
    const key = table?.name ?? `?${path}`;
    const repeat = seen.get(key) ?? 0;
    seen.set(key, repeat + 1);
    jobs.push({ job: { path, table: options.table }, rank, repeat });
  }
  jobs.sort((a, b) => a.rank - b.rank || a.repeat - b.repeat);
  const stages: WorkerJob[][] = [];
  let last: { rank: number; repeat: number } | undefined;
  for (const entry of jobs) {
    if (last?.rank !== entry.rank || last.repeat !== entry.repeat) stages.push([]);
    stages.at(-1)!.push(entry.job);
    last = entry;
  }
  return stages;
}

/** A table's depth in the reference graph: 0 for tables that refer to none. */
const RANKS = new Map<TableName, number>();
for (const table of TABLES) RANKS.set(table.name, rank(table));

function rank(table: Table): number {
  return Math.max(-1, ...table.references.map((r) => rank(getTable(r.table)))) + 1;
}

/** The table a file's header names, or undefined when it names none or cannot be read. */
async function headerTable(path: string, delimiter?: string): Promise<Table | undefined> {
  try {
    // keepInvalid: a bad row further down must not hide the header (and so the
    // file's place in the order); importFile deals with the row.
    for await (const batch of readCsv(path, { keepInvalid: true, delimiter })) {
      return tableForHeader(batch.records[0]);
    }
  } catch {
    // importFile reports the problem with the file's name and line.
  }
  return undefined;
}
