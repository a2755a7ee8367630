/**
 * The options that linear.ts and parallel.ts share, and their defaults.
 *
 * @module
 */
import { rejectsFolder } from "./store/open.ts";
import type { ImportReport } from "./import_file.ts";
import type { TableName } from "./schema.ts";

/** Where `run` reads and writes. */
export interface ImportOptions {
  /** Folder holding customers.csv and products.csv. Defaults to `data`. */
  dataDir?: string;
  /** The database location. Defaults to `data/hpnorton.db`. */
  db?: string;
  /** "fail" (default) refuses a file with a bad row; "skip" sends bad rows to a rejects file. */
  onInvalid?: "fail" | "skip";
  /** Folder of the rejects files; defaults to the database location's folder. */
  rejectsDir?: string;
  /** Called with each file's full report (with `rejected`) once it committed. */
  onReport?: (report: ImportReport) => void;
}

/** The options as `run` uses them: every default filled in. */
export type ResolvedOptions =
  & Required<Omit<ImportOptions, "onReport">>
  & Pick<ImportOptions, "onReport">;

/** The default database location. */
export const DEFAULT_DB = "data/hpnorton.db";

/** The default data folder. */
export const DEFAULT_DATA_DIR = "data";

/** The files `run` imports, in the order of its result. */
export const MAIN_FILES: readonly TableName[] = ["customers", "products"];

/** `options` with every default filled in. */
export function resolveOptions(options: ImportOptions): ResolvedOptions {
  const db = options.db ?? DEFAULT_DB;
  return {
    dataDir: options.dataDir ?? DEFAULT_DATA_DIR,
    db,
    onInvalid: options.onInvalid ?? "fail",
    rejectsDir: options.rejectsDir ?? rejectsFolder(db),
    onReport: options.onReport,
  };
}
