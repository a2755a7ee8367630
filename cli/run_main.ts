/**
 * The command-line face shared by linear.ts and parallel.ts: flags, a readable
 * table or JSON, and a one-line error with a non-zero exit code. Ctrl-C stops
 * the pair between two batches, as in `norton import` (cli/interrupt.ts): the
 * file under way rolls back, and one line names what was committed (exit 130).
 *
 * @module
 */
import type { ImportReport, ImportResult } from "../lib/import_report.ts";
import {
  DEFAULT_DATA_DIR,
  DEFAULT_DB,
  type ImportOptions,
  MAIN_FILES,
  mainFilePaths,
} from "../lib/run_options.ts";
import { INTERRUPTED_EXIT_CODE, interruptedNote, interruptible } from "./interrupt.ts";
import { formatTable } from "./text_table.ts";

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
  const rows = results.map((
    r,
    i,
  ) => [names[i], String(r[0]), String(r[1]), String(r[2]), r[3].toFixed(3)]);
  return formatTable(["file", "processed", "before", "after", "seconds"], rows, {
    right: [1, 2, 3, 4],
  });
}

/** Flags of the scripts; unknown flags are an error. */
export interface Flags {
  /** `--data-dir`. */
  dataDir?: string;
  /** `--db`. */
  db?: string;
  /** `--skip-invalid`. */
  skipInvalid: boolean;
  /** `--json`. */
  json: boolean;
  /** `--help` or `-h`. */
  help: boolean;
}

/**
 * Parses the scripts' few flags by hand: `node:util`'s parseArgs costs about
 * 8 ms of start-up on a fresh thread, a third of Deno's own (measured when
 * the scripts' start-up was tuned; docs/performance.md).
 */
export function parseFlags(args: string[]): Flags {
  const flags: Flags = { skipInvalid: false, json: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].split(/=(.*)/s, 2);
    const value = () => {
      const found = inline ?? args[++i];
      if (found === undefined || found === "") {
        throw new TypeError(`Option "${name}" needs a value`);
      }
      return found;
    };
    if (name === "--data-dir") flags.dataDir = value();
    else if (name === "--db") flags.db = value();
    else if (name === "--skip-invalid" && inline === undefined) flags.skipInvalid = true;
    else if (name === "--json" && inline === undefined) flags.json = true;
    else if ((name === "--help" || name === "-h") && inline === undefined) flags.help = true;
    else throw new TypeError(`Unknown option "${args[i]}"`);
  }
  return flags;
}

/** The one-line note for a file whose bad rows went to its rejects file. */
export function rejectedNote(report: ImportReport): string {
  const rows = report.rejected === 1 ? "1 row" : `${report.rejected} rows`;
  const problem = report.rejectsProblem === undefined ? "" : ` (${report.rejectsProblem})`;
  return `Skipped ${rows} of "${report.file}": see "${report.rejectsFile}"${problem}`;
}

/** Runs `run` with options from `args`, printing its tuples; sets `Deno.exitCode` on failure. */
export async function runMain(
  run: (options: ImportOptions) => Promise<ImportResult[]>,
  args: string[] = Deno.args,
): Promise<void> {
  let flags: Flags;
  try {
    flags = parseFlags(args);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    Deno.exitCode = 2;
    return;
  }
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  using interrupt = interruptible();
  const committed: ImportReport[] = [];
  const notes = () => {
    for (const report of committed) if (report.rejected > 0) console.error(rejectedNote(report));
  };
  const interrupted = () => {
    const files = mainFilePaths(flags.dataDir);
    console.error(interruptedNote(files, committed.map((report) => report.file)));
    Deno.exitCode = INTERRUPTED_EXIT_CODE;
  };
  try {
    const results = await run({
      dataDir: flags.dataDir,
      db: flags.db,
      onInvalid: flags.skipInvalid ? "skip" : "fail",
      onReport: (report) => committed.push(report),
      signal: interrupt.signal,
    });
    console.log(flags.json ? JSON.stringify(results) : formatResults(results));
    notes();
    // Ctrl-C after the last batch: the files committed anyway, and the line says so.
    if (interrupt.signal.aborted) interrupted();
  } catch (error) {
    if (interrupt.signal.aborted) {
      // The tuples are the pair's: a pair cut short prints none, only what it kept.
      notes();
      interrupted();
    } else {
      console.error(error instanceof Error ? error.message : String(error));
      Deno.exitCode = 1;
    }
  }
}
