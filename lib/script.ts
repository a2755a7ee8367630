/**
 * The command-line face shared by linear.ts and parallel.ts: flags, a readable
 * table or JSON, and a one-line error with a non-zero exit code.
 *
 * @module
 */
import { parseArgs } from "node:util";
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
    const results = await run({ dataDir: values["data-dir"], db: values.db });
    console.log(values.json ? JSON.stringify(results) : formatResults(results));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exitCode = 1;
  }
}
