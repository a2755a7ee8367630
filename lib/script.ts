/**
 * The command-line face shared by linear.ts and parallel.ts: flags, a readable
 * table or JSON, and a one-line error with a non-zero exit code.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { ImportReport, ImportResult } from "./import_file.ts";
import { DEFAULT_DATA_DIR, DEFAULT_DB, type ImportOptions, MAIN_FILES } from "./run_options.ts";

const USAGE = `Options:
  --data-dir DIR  folder with customers.csv and products.csv (default: ${DEFAULT_DATA_DIR})
  --db PATH       database location (default: ${DEFAULT_DB})
  --skip-invalid  import the valid rows; write bad ones to <name>.rejects.csv beside the database
  --json          print the tuples as JSON
  -h, --help      show this help`;

/** Formats tuples as an aligned table, one row per file. */
export function formatResults(
  results: ImportResult[],
  names: readonly string[] = MAIN_FILES,
): string {
  const head = ["file", "processed", "before", "after", "seconds"];
  const rows = results.map((
    r,
    i,
  ) => [names[i], String(r[0]), String(r[1]), String(r[2]), r[3].toFixed(3)]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const format = (cells: string[]) =>
    cells.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])).join("  ");
  return [format(head), ...rows.map(format)].join("\n");
}

function rejectedNote(report: ImportReport): string {
  const rows = report.rejected === 1 ? "1 row" : `${report.rejected} rows`;
  return `Skipped ${rows} of "${report.file}": see "${report.rejectsFile}"`;
}

/** Runs `run` with options from `args`, printing its tuples; sets `Deno.exitCode` on failure. */
export async function main(
  run: (options: ImportOptions) => Promise<ImportResult[]>,
  args: string[] = Deno.args,
): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        "data-dir": { type: "string" },
        db: { type: "string" },
        "skip-invalid": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    Deno.exitCode = 2;
    return;
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  try {
    const notes: string[] = [];
    const results = await run({
      dataDir: values["data-dir"],
      db: values.db,
      onInvalid: values["skip-invalid"] ? "skip" : "fail",
      onReport: (report) => {
        if (report.rejected > 0) notes.push(rejectedNote(report));
      },
    });
    console.log(values.json ? JSON.stringify(results) : formatResults(results));
    for (const note of notes) console.error(note);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exitCode = 1;
  }
}
