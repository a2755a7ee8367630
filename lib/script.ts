/**
 * The command-line face shared by linear.ts and parallel.ts: flags, a readable
 * table or JSON, and a one-line error with a non-zero exit code.
 *
 * @module
 */
import type { ImportResult } from "./import_file.ts";
import { DEFAULT_DATA_DIR, DEFAULT_DB, type ImportOptions, MAIN_FILES } from "./run_options.ts";
import { formatTable } from "./table.ts";

const USAGE = `Options:
  --data-dir DIR  folder with customers.csv and products.csv (default: ${DEFAULT_DATA_DIR})
  --db PATH       database location (default: ${DEFAULT_DB})
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
interface Flags {
  dataDir?: string;
  db?: string;
  json: boolean;
  help: boolean;
}

/**
 * Parses the scripts' few flags by hand: `node:util`'s parseArgs costs about
 * 8 ms of start-up, a third of Deno's own (see findings.txt).
 */
export function parseFlags(args: string[]): Flags {
  const flags: Flags = { json: false, help: false };
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
    else if (name === "--json" && inline === undefined) flags.json = true;
    else if ((name === "--help" || name === "-h") && inline === undefined) flags.help = true;
    else throw new TypeError(`Unknown option "${args[i]}"`);
  }
  return flags;
}

/** Runs `run` with options from `args`, printing its tuples; sets `Deno.exitCode` on failure. */
export async function main(
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
  try {
    const results = await run({ dataDir: flags.dataDir, db: flags.db });
    console.log(flags.json ? JSON.stringify(results) : formatResults(results));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exitCode = 1;
  }
}
