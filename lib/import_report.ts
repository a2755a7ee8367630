/**
 * What an import reports: the assignment's tuple and the full report behind
 * it. Apart from the import routine so that modules which only pass results
 * on (parallel.ts's main thread, the options) load no parser or engine.
 *
 * @module
 */
import type { TableName } from "./schema.ts";

/** `[processed, before, after, seconds]`: data rows read, rows before and after, seconds. */
export type ImportResult = [processed: number, before: number, after: number, seconds: number];

/** What one file's import did. */
export interface ImportReport {
  /** The CSV file. */
  file: string;
  /** The table it went into. */
  table: TableName;
  /** Data rows read (header excluded): always the rows accepted plus {@linkcode rejected}. */
  processed: number;
  /** Rows written to the rejects file instead of the table (always 0 when `onInvalid` is "fail"). */
  rejected: number;
  /**
   * The rejects file written in "skip" mode: its final name, or the partial
   * one when it could not be renamed after the commit (see `rejectsProblem`).
   */
  rejectsFile?: string;
  /** Why the rejected rows are not under the rejects file's final name, when they are not. */
  rejectsProblem?: string;
  /** Rows in the table before the import. */
  before: number;
  /** Rows in the table after the import. */
  after: number;
  /** Seconds from `since` (the start of the whole run) until the import committed. */
  seconds: number;
  /** Seconds from the start of this file's import until it committed. */
  took: number;
  /** How the file's stage ran, when the runner (lib/import_files.ts) ran it. */
  mode?: "linear" | "parallel";
}
