/**
 * The options that linear.ts and parallel.ts share, and their defaults.
 *
 * @module
 */
import type { TableName } from "./schema.ts";

/** Where `run` reads and writes. */
export interface ImportOptions {
  /** Folder holding customers.csv and products.csv. Defaults to `data`. */
  dataDir?: string;
  /** The database location. Defaults to `data/hpnorton.db`. */
  db?: string;
}

/** The default database location. */
export const DEFAULT_DB = "data/hpnorton.db";

/** The default data folder. */
export const DEFAULT_DATA_DIR = "data";

/** The files `run` imports, in the order of its result. */
export const MAIN_FILES: readonly TableName[] = ["customers", "products"];

/** `options` with every default filled in. */
export function resolveOptions(options: ImportOptions): Required<ImportOptions> {
  return { dataDir: options.dataDir ?? DEFAULT_DATA_DIR, db: options.db ?? DEFAULT_DB };
}
