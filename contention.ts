/**
 * Where this program would fail from contention, and why it does not.
 *
 * `deno task contention` makes several Web Workers write into ONE SQLite
 * database file at the same moment, twice: first the naive way, which loses
 * work to a real "database is locked" (SQLITE_BUSY) error on every run, then
 * the way this system writes, which loses nothing. It prints both side by
 * side and exits 0 only if the failure was reproduced AND the safe run stored
 * every row, so a change in SQLite or Deno that alters locking gets noticed.
 * Either engine's scenario (contention/sqlite.ts, contention/postgres.ts)
 * reports in the one shape of contention/outcome.ts, printed by its one
 * formatter and verdict, or as JSON with `--json`.
 *
 * ## The single-writer rule
 *
 * An SQLite database is one file, and many connections (threads, workers,
 * processes) may open it at once. Any number of them may READ at the same
 * time, but only ONE may WRITE at a time: a write transaction holds the file's
 * write lock from its first write until COMMIT or ROLLBACK, and every other
 * connection that wants to write must wait for it. Why: SQLite has no server
 * process to arbitrate between writers and no row locks; it coordinates
 * connections only through file locks, and keeps the file consistent by
 * applying whole transactions in one order, one after another. WAL mode (which
 * this system uses) lets readers go on while someone writes, but it does not
 * add writers: there is still one write lock per file.
 *
 * ## What the busy timeout does, and when it is not consulted
 *
 * A connection that asks for a lock someone else holds gets SQLITE_BUSY
 * ("database is locked") straight away, unless it has a busy timeout: then
 * SQLite sleeps and retries for up to that long, so the second writer simply
 * queues behind the first. With `busy_timeout = 0` (the default!) two
 * overlapping imports fail at once; that is the first way to lose data.
 *
 * The second way survives any timeout. `BEGIN` (which means `BEGIN DEFERRED`)
 * takes no lock; the transaction's first SELECT makes it a reader with a
 * snapshot of the file, and only its first INSERT asks to become the writer.
 * An importer that counts the table first (for the "before" number of its
 * tuple) or looks up keys before inserting does exactly this. When two such
 * transactions overlap, both have read, one gets the write lock, and the other
 * must upgrade from reader to writer. SQLite will not let it wait for that:
 *
 * - while the first writer is busy, waiting could deadlock (in the old
 *   rollback-journal mode the writer needs every reader gone before it can
 *   commit, and this reader would be waiting for the writer);
 * - once the first writer has committed, the waiting reader's snapshot is out
 *   of date, and a write based on an old read could overwrite newer data.
 *
 * So SQLite returns SQLITE_BUSY at once, without calling the busy handler: a
 * 5-second timeout (what the naive writers here have) changes nothing. The
 * failing lines are in `naive()` in contention/sqlite_worker.ts.
 *
 * ## What a user would see in production
 *
 * Two imports of the same table started together (say an operator reruns
 * `parallel.ts` while a scheduled import is still going, or two files for one
 * table are loaded at once): one commits, the other fails with "database is
 * locked" and rolls back. If the caller reports each file separately, the
 * screen shows one success and one failure and the operator must notice and
 * rerun it; a careless caller that logs and carries on reports the run as
 * done while a whole file of rows is missing. Here, with the default 2
 * workers x 20 transactions x 500 rows, the naive run loses about half of its
 * 20,000 rows (between 9,500 and 17,000 in 45 runs on a 2-core machine).
 *
 * ## Why retrying is not the fix
 *
 * Retrying the failed statement is useless: the snapshot is stale, so every
 * retry of that INSERT fails the same way. Retrying the WHOLE deferred
 * transaction does work eventually, but it throws away all the work done so
 * far (for an import, everything parsed and written until then), may lose
 * again to the next writer (with several writers, one can starve), and the
 * sleep between tries is a guess: too short and it spins, too long and it
 * idles. It rebuilds, badly, the queue that SQLite offers for free when the
 * transaction asks for the write lock first.
 *
 * ## How the system avoids it (lib/store/sqlite.ts)
 *
 * 1. One database file per table. parallel.ts imports customers and products
 *    in two workers at once; each table lives in its own file with its own
 *    lock, so those writers never meet and never wait for each other.
 * 2. Where writers do share a file (two imports of the same table at once),
 *    every write transaction starts with `BEGIN IMMEDIATE`, which takes the
 *    write lock BEFORE the first read, with a 60-second busy timeout. A second
 *    writer then waits at BEGIN, where waiting is safe (it holds nothing, and
 *    its reads happen after the first writer's commit, so they are current),
 *    and runs when the first commits. Nothing fails; the imports queue.
 *
 * This script demonstrates (2) on the very same workload and file: the
 * "this system" column writes through the store's own `write()`. (1) needs no
 * demonstration at runtime: writers of different files cannot collide.
 *
 * ## On a database server (`--db postgres://…`)
 *
 * PostgreSQL locks rows, not files, so writers overlap, and the failure
 * changes shape: two imports that upsert the same keys in different orders
 * each lock a first batch, then each wait for a row the other holds. The
 * server breaks the cycle by aborting one with SQLSTATE 40P01 ("deadlock
 * detected") and that whole file is lost unless someone reruns it. The
 * PostgreSQL store avoids it by staging each file (COPY into a temporary
 * table, which locks nothing shared) and moving it with one
 * `INSERT … SELECT` under a table lock that other writers wait for: merges
 * into one table take turns, so overlapping imports wait for each other
 * instead of deadlocking. contention/postgres.ts runs both and explains it
 * in full; with `--db postgres://…` this script runs that scenario instead
 * of SQLite's.
 *
 * @example
 * ```sh
 * deno task contention                      # 2 workers x 20 transactions x 500 rows
 * deno task contention --workers 4 --json   # the outcome as JSON
 * deno task contention:pg                   # the PostgreSQL deadlock and its avoidance
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { isServerLocation } from "./lib/store/open.ts";
import { wholeNumber } from "./cli/whole_number.ts";
import { type ContentionOutcome, formatOutcome, verdict } from "./contention/outcome.ts";
import { runSqliteContention, type SqliteContentionOptions } from "./contention/sqlite.ts";

export type { ContentionOutcome };

/** The scenario to run: SQLite's workload, or a PostgreSQL server's deadlock with `db`. */
export interface ContentionOptions extends SqliteContentionOptions {
  /** A postgres:// location: run the server's scenario there (the workload options do not apply). */
  db?: string;
}

const USAGE = `Usage: deno task contention [options]

Options:
  --workers N       writers at once, at least 2 (default: 2)
  --transactions N  transactions per writer (default: 20)
  --rows N          rows per transaction (default: 500)
  --db URL          a postgres:// location: show the server's deadlock (40P01) instead
  --json            print the outcome as JSON
  -h, --help        show this help`;

/**
 * Runs the contention scenario, naive writers and then this system's, on one
 * SQLite file, or with `options.db` on that PostgreSQL server.
 */
export async function runContention(options: ContentionOptions = {}): Promise<ContentionOutcome> {
  if (options.db === undefined) return await runSqliteContention(options);
  // Loaded on demand: the SQLite run neither needs the driver nor may read it.
  const { runPgContention } = await import("./contention/postgres.ts");
  return await runPgContention(options.db);
}

/** The script: parses `args`, runs the scenario, prints it; sets `Deno.exitCode` unless it held. */
export async function main(args: string[] = Deno.args): Promise<void> {
  let options: ContentionOptions;
  let json: boolean;
  try {
    const { values } = parseArgs({
      args,
      options: {
        workers: { type: "string" },
        transactions: { type: "string" },
        rows: { type: "string" },
        db: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return;
    }
    json = values.json;
    if (values.db !== undefined && !isServerLocation(values.db)) {
      throw new TypeError(`Invalid --db "${values.db}": expected a postgres:// location`);
    }
    options = {
      workers: count("--workers", values.workers, 2),
      transactions: count("--transactions", values.transactions, 1),
      rows: count("--rows", values.rows, 1),
      db: values.db,
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    Deno.exitCode = 2;
    return;
  }
  try {
    const outcome = await runContention(options);
    console.log(json ? JSON.stringify(outcome, null, 2) : formatOutcome(outcome));
    if (outcome.ok) {
      if (!json) console.log(`\n${verdict(outcome)}`);
    } else {
      console.error(verdict(outcome));
      Deno.exitCode = 1;
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exitCode = 1;
  }
}

function count(flag: string, text: string | undefined, least: number): number | undefined {
  return text === undefined ? undefined : wholeNumber(flag, text, least);
}

if (import.meta.main) await main();
