/**
 * The import run in parallel, on two threads at the same moment: a Web Worker
 * does the SQLite work of the larger file while this thread parses it for the
 * worker and imports the other file (lib/parallel_plan.ts decides who does
 * what); each thread has its own database connection. Same contract as
 * linear.ts.
 *
 * @example
 * ```ts
 * import { run } from "./parallel.ts";
 * const [customers, products] = await run({ dataDir: "data", db: "data/hpnorton" });
 * ```
 *
 * @module
 */
import { runMain } from "./cli/run_main.ts";
import { importMainFiles } from "./lib/import_files.ts";
import type { ImportReport, ImportResult } from "./lib/import_report.ts";
import type { ImportOptions } from "./lib/run_options.ts";

export type { ImportOptions, ImportReport, ImportResult };

/** Imports customers.csv and products.csv simultaneously; resolves to their tuples, customers first. */
export function run(options: ImportOptions = {}): Promise<ImportResult[]> {
  return importMainFiles(options, "parallel");
}

if (import.meta.main) await runMain(run);
