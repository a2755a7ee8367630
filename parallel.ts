/**
 * The import run in parallel: one Web Worker per file, launched at the same
 * moment, each with its own database connection. Same contract as linear.ts.
 *
 * @example
 * ```ts
 * import { run } from "./parallel.ts";
 * const [customers, products] = await run({ dataDir: "data", db: "data/hpnorton.db" });
 * ```
 *
 * @module
 */
import type { ImportResult } from "./lib/import_file.ts";
import { toResult } from "./lib/result.ts";
import { type ImportOptions, MAIN_FILES, resolveOptions } from "./lib/run_options.ts";
import { main } from "./cli/run_main.ts";
import { importInWorkers } from "./lib/worker_pool.ts";

export type { ImportOptions, ImportResult };

/** Imports customers.csv and products.csv simultaneously; resolves to their tuples, customers first. */
export async function run(options: ImportOptions = {}): Promise<ImportResult[]> {
  const since = performance.now();
  const { dataDir, db, onInvalid, rejectsDir, onReport } = resolveOptions(options);
  const jobs = MAIN_FILES.map((table) => ({ path: `${dataDir}/${table}.csv`, table }));
  const reports = await importInWorkers(jobs, { db, since, onInvalid, rejectsDir });
  if (onReport !== undefined) reports.forEach((report) => onReport(report));
  return reports.map(toResult);
}

if (import.meta.main) await main(run);
