/**
 * The import run linearly: customers.csv, then products.csv, one after the
 * other in the calling thread.
 *
 * @example
 * ```ts
 * import { run } from "./linear.ts";
 * const [customers, products] = await run({ dataDir: "data", db: "data/hpnorton.db" });
 * ```
 *
 * @module
 */
import { importFile, type ImportResult } from "./lib/import_file.ts";
import { toResult } from "./lib/result.ts";
import { openStore } from "./lib/store/open.ts";
import { type ImportOptions, MAIN_FILES, resolveOptions } from "./lib/run_options.ts";
import { main } from "./cli/run_main.ts";

export type { ImportOptions, ImportResult };

/** Imports customers.csv then products.csv; resolves to their tuples, customers first. */
export async function run(options: ImportOptions = {}): Promise<ImportResult[]> {
  const since = performance.now();
  const { dataDir, db, onInvalid, rejectsDir, onReport } = resolveOptions(options);
  const store = await openStore(db);
  try {
    const results: ImportResult[] = [];
    for (const name of MAIN_FILES) {
      const report = await importFile(store, `${dataDir}/${name}.csv`, {
        table: name,
        since,
        onInvalid,
        rejectsDir,
      });
      onReport?.(report);
      results.push(toResult(report));
    }
    return results;
  } finally {
    await store.close();
  }
}

if (import.meta.main) await main(run);
