/**
 * The import run linearly: customers.csv, then products.csv, one after the
 * other in the calling thread.
 *
 * @example
 * ```ts
 * import { run } from "./linear.ts";
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

/** Imports customers.csv then products.csv; resolves to their tuples, customers first. */
export function run(options: ImportOptions = {}): Promise<ImportResult[]> {
  return importMainFiles(options, "linear");
}

if (import.meta.main) await runMain(run);
