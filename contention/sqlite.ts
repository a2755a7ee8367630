/**
 * The SQLite contention scenario behind contention.ts: the same workload
 * written by several Web Workers into ONE database file, first the naive way
 * (which loses work to SQLITE_BUSY), then the way this system writes (which
 * loses nothing). contention.ts explains why; this module runs and measures,
 * and reports in the shape of contention/outcome.ts.
 *
 * @example
 * ```ts ignore
 * import { runSqliteContention } from "./sqlite.ts";
 * import { formatOutcome } from "./outcome.ts";
 *
 * console.log(formatOutcome(await runSqliteContention({ workers: 4 })));
 * ```
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { wholeNumber } from "../cli/whole_number.ts";
import { getTable, quoteIdent } from "../lib/schema.ts";
import { openStore, tableFile } from "../lib/store/open.ts";
import { BUSY_TIMEOUT_MS } from "../lib/store/sqlite.ts";
import { inWorkers } from "../lib/worker_pool.ts";
import {
  type ContentionOutcome,
  type Design,
  type DesignOutcome,
  designOutcome,
  judge,
} from "./outcome.ts";
import {
  BARRIER,
  type ContentionReply,
  type ContentionRequest,
  keyPrefix,
  NAIVE_BUSY_TIMEOUT_MS,
} from "./sqlite_worker.ts";

/** The scratch folder of `deno task contention`, the only one its permissions let it write. */
export const DEFAULT_SCRATCH_DIR = ".contention";

/** The workload of {@linkcode runSqliteContention}; the defaults are the measurement. */
export interface SqliteContentionOptions {
  /** Writers at once, at least 2. Defaults to 2. */
  workers?: number;
  /** Transactions per writer. Defaults to 20. */
  transactions?: number;
  /** Rows per transaction. Defaults to 500. */
  rows?: number;
  /** Folder for the scenario's database files, removed afterwards. Defaults to `.contention`. */
  dir?: string;
}

interface Workload {
  workers: number;
  transactions: number;
  rows: number;
}

const WORKER_URL = new URL("./sqlite_worker.ts", import.meta.url);
const CUSTOMERS = getTable("customers");

const HOW: Record<Design, string> = {
  naive: `BEGIN DEFERRED, read then write, busy_timeout ${NAIVE_BUSY_TIMEOUT_MS / 1000} s`,
  safe: `BEGIN IMMEDIATE, busy_timeout ${BUSY_TIMEOUT_MS / 1000} s (lib/store/sqlite.ts)`,
};

/**
 * Runs the workload naively and then the system's way, each on a fresh
 * database in a temporary folder under `options.dir`, and reports both.
 */
export async function runSqliteContention(
  options: SqliteContentionOptions = {},
): Promise<ContentionOutcome> {
  const workers = wholeNumber("workers", options.workers ?? 2, 2);
  const transactions = wholeNumber("transactions", options.transactions ?? 20, 1);
  const rows = wholeNumber("rows", options.rows ?? 500, 1);
  const dir = options.dir ?? DEFAULT_SCRATCH_DIR;
  await Deno.mkdir(dir, { recursive: true });
  const scratch = await Deno.makeTempDir({ dir, prefix: "sqlite-" });
  try {
    const workload = { workers, transactions, rows };
    const title = `SQLite, one shared database file: ${workers} workers x ` +
      `${transactions} transactions x ${rows} rows at the same moment`;
    return judge("sqlite", title, "SQLITE_BUSY", {
      naive: await runDesign("naive", `${scratch}/naive`, workload),
      safe: await runDesign("safe", `${scratch}/safe`, workload),
    });
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/** Runs one design's workers on a fresh store at `location`; counts its rows there. */
async function runDesign(
  design: Design,
  location: string,
  workload: Workload,
): Promise<DesignOutcome> {
  // The store creates the table, WAL mode included, before any worker starts.
  const store = await openStore(location);
  await store.count(CUSTOMERS);
  await store.close();

  const barrier = new SharedArrayBuffer(BARRIER.length * Int32Array.BYTES_PER_ELEMENT);
  const replies = await inWorkers<ContentionRequest, ContentionReply>(
    WORKER_URL,
    Array.from({ length: workload.workers }, (_, i) => ({
      design,
      location,
      worker: i + 1,
      barrier,
      ...workload,
    })),
    { toError: (failure) => new Error(`Contention worker failed: ${failure.message}`) },
  );

  const stored = countByWorker(location, workload.workers);
  const expected = workload.workers * workload.transactions * workload.rows;
  const ms = Math.max(...replies.map((r) => r.ended)) - Math.min(...replies.map((r) => r.started));
  return designOutcome(
    design,
    HOW[design],
    expected,
    ms / 1000,
    replies.map((reply, i) => ({
      writer: `worker ${i + 1}`,
      committed: reply.committed,
      failures: reply.failures,
      firstError: reply.firstError,
      stored: stored[i],
    })),
  );
}

/** Rows of each worker in the customers file, read straight from the database. */
function countByWorker(location: string, workers: number): number[] {
  const db = new DatabaseSync(tableFile(location, CUSTOMERS.name), { readOnly: true });
  try {
    const count = db.prepare(
      `SELECT COUNT(*) AS n FROM ${quoteIdent(CUSTOMERS.name)} WHERE ${
        quoteIdent(CUSTOMERS.key)
      } LIKE ?`,
    );
    return Array.from(
      { length: workers },
      (_, i) => (count.get(`${keyPrefix(i + 1)}%`) as { n: number }).n,
    );
  } finally {
    db.close();
  }
}
