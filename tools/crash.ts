/**
 * The crash drill: imports a large dataset with linear.ts in a child process,
 * kills it with SIGKILL at random moments, and after each kill checks that
 * every table file passes `PRAGMA integrity_check` and holds either all of the
 * import's changes or none of them.
 *
 * The database starts with different values for 3/4 of the keys (another seed),
 * so "none" and "all" are two distinct whole-table digests and anything in
 * between would show as a third.
 *
 * ```sh
 * deno task crash --rows 200000 --kills 20
 * ```
 *
 * @module
 */
import { generateDataset } from "../lib/generate.ts";
import { MAIN_FILES } from "../lib/run_options.ts";
import { tableFile } from "../lib/store/open.ts";
import { digests, drillFlags, restoreTables, runChild } from "./drill.ts";
import { integrityCheck } from "./table_digest.ts";
import * as linear from "../linear.ts";
import { V8_FLAGS } from "../lib/v8_flags.ts";

/** Options for {@linkcode crashDrill}. */
export interface CrashOptions {
  /** Rows per file of the imported dataset. Defaults to 200,000. */
  rows?: number;
  /** How many times to kill the import. Defaults to 20. */
  kills?: number;
  /** Called after each kill with what the tables held. */
  onKill?: (kill: CrashKill) => void;
}

/** What one kill left behind. */
export interface CrashKill {
  /** Milliseconds after the child started at which it was killed. */
  afterMs: number;
  /** Per table: "old" (none of the import), "new" (all of it) or "torn". */
  tables: Record<string, "old" | "new" | "torn">;
  /** `PRAGMA integrity_check` of each table file: "ok" when sound. */
  integrity: Record<string, string>;
}

/** The drill's totals. */
export interface CrashSummary {
  /** Milliseconds a whole import took when not killed. */
  importMs: number;
  /** Every kill, in order. */
  kills: CrashKill[];
}

const LINEAR = new URL("../linear.ts", import.meta.url).pathname;

/** Runs the drill in the folder `dir` (created if missing); resolves to every kill's outcome. */
export async function crashDrill(dir: string, options: CrashOptions = {}): Promise<CrashSummary> {
  const { rows = 200_000, kills = 20 } = options;
  await Deno.mkdir(dir, { recursive: true });
  await generateDataset(`${dir}/new`, { rows, seed: 42 });
  await generateDataset(`${dir}/old`, { rows: Math.floor(rows * 3 / 4), seed: 7 });
  const pristine = `${dir}/old-db`;
  await linear.run({ dataDir: `${dir}/old`, db: pristine });
  const old = digests(pristine, MAIN_FILES);

  const db = `${dir}/crash-db`;
  Deno.mkdirSync(db, { recursive: true });
  const args = [
    "run",
    V8_FLAGS,
    "--no-prompt",
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
    LINEAR,
    "--data-dir",
    `${dir}/new`,
    "--db",
    db,
  ];
  restoreTables(pristine, db, MAIN_FILES);
  const whole = await runChild(args);
  if (whole.code !== 0) throw new Error(whole.stderr.trim());
  const importMs = whole.ms;
  const fresh = digests(db, MAIN_FILES);

  const outcomes: CrashKill[] = [];
  for (let k = 0; k < kills; k++) {
    // Kill moments spread over the whole import, one at random in each slice.
    const afterMs = Math.round(importMs * (k + Math.random()) / kills);
    restoreTables(pristine, db, MAIN_FILES);
    await runChild(args, { killAfterMs: afterMs });
    const kill: CrashKill = { afterMs, tables: {}, integrity: {} };
    const now = digests(db, MAIN_FILES);
    for (const table of MAIN_FILES) {
      kill.integrity[table] = integrityCheck(tableFile(db, table));
      kill.tables[table] = now[table] === old[table]
        ? "old"
        : now[table] === fresh[table]
        ? "new"
        : "torn";
    }
    options.onKill?.(kill);
    outcomes.push(kill);
  }
  return { importMs, kills: outcomes };
}

const options = import.meta.main
  ? drillFlags(Deno.args, { rows: 200_000, kills: 20, dir: "data/large/crash" })
  : undefined;
if (options !== undefined) {
  let failed = 0;
  const summary = await crashDrill(options.dir, {
    rows: options.rows,
    kills: options.kills,
    onKill: (kill) => {
      const sound = Object.values(kill.integrity).every((r) => r === "ok") &&
        !Object.values(kill.tables).includes("torn");
      if (!sound) failed++;
      const tables = Object.entries(kill.tables).map(([t, s]) => `${t} ${s}`).join(", ");
      const integrity = Object.values(kill.integrity).join("/");
      console.log(`kill at ${kill.afterMs} ms: ${tables}; integrity ${integrity}`);
    },
  });
  console.log(
    `${summary.kills.length} kills of a ${Math.round(summary.importMs)} ms import: ` +
      `${summary.kills.length - failed} left every table whole, ${failed} did not`,
  );
  if (failed > 0) Deno.exitCode = 1;
}
