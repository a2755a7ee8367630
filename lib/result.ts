/**
 * The tuple of the assignment, apart from the import routine so that modules
 * which only report results (parallel.ts's main thread) do not load the CSV
 * parser: loading it costs about 25 ms of start-up (see findings.txt).
 *
 * @module
 */
import type { ImportReport, ImportResult } from "./import_file.ts";

/** Converts a report to the tuple `[processed, before, after, seconds]`. */
export function toResult(report: ImportReport): ImportResult {
  return [report.processed, report.before, report.after, report.seconds];
}
