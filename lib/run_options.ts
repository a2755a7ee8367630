/**
 * The import options, defined once: what a bad row does and where rejected
 * rows go (shared by every way of running an import), and the options of the
 * assignment's run (linear.ts, parallel.ts) with their defaults.
 *
 * @module
 */
import { rejectsFolder } from "./store/open.ts";
import type { ImportReport } from "./import_report.ts";
import type { ReadCsvOptions } from "./csv.ts";
import type { TableName } from "./schema.ts";

/**
 * What a bad row does: "fail" refuses the whole file (the table is unchanged);
 * "skip" imports the valid rows and writes each bad one to the rejects file
 * (lib/rejects.ts). Problems of the file itself refuse it in both modes.
 */
export type OnInvalid = "fail" | "skip";

/** How an import treats bad rows; every import entry point takes these. */
export interface InvalidRowOptions {
  /** What a bad row does; defaults to "fail". */
  onInvalid?: OnInvalid;
  /** Folder of the rejects files in "skip" mode; defaults to the database location's folder. */
  rejectsDir?: string;
}

/** How CSV files are read. */
export interface ReadOptions {
  /** The character between fields; defaults to `,` (see lib/csv.ts). */
  delimiter?: string;
}

/**
 * How an import asks lib/csv.ts to read its file: in "skip" mode it keeps each
 * record's raw text (for the rejects file) and the records with a problem of
 * their own. The thread that feeds a worker reads with these too, before the
 * worker has started (lib/worker_pool.ts).
 */
export function csvOptions(onInvalid: OnInvalid = "fail", delimiter?: string): ReadCsvOptions {
  return onInvalid === "skip" ? { raw: true, keepInvalid: true, delimiter } : { delimiter };
}

/** Where `run` reads and writes. */
export interface ImportOptions extends InvalidRowOptions {
  /** Folder holding customers.csv and products.csv. Defaults to `data`. */
  dataDir?: string;
  /** The database location. Defaults to `data/hpnorton`. */
  db?: string;
  /** Called with each file's full report (with `rejected`) once it committed. */
  onReport?: (report: ImportReport) => void;
  /**
   * Aborting it stops the import between two batches: the files under way
   * roll back, those committed stay, and `run` rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

/** The options as `run` uses them: every default filled in. */
export type ResolvedOptions =
  & Required<Omit<ImportOptions, "onReport" | "signal">>
  & Pick<ImportOptions, "onReport" | "signal">;

/** The default database location. */
export const DEFAULT_DB = "data/hpnorton";

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
    signal: options.signal,
  };
}

/** The files `run` imports from `dataDir`, in the order of its result. */
export function mainFilePaths(dataDir: string = DEFAULT_DATA_DIR): string[] {
  return MAIN_FILES.map((table) => `${dataDir}/${table}.csv`);
}
