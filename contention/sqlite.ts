/**
 * The SQLite contention scenario behind contention.ts: the same workload
 * written by several Web Workers into ONE database file, first the naive way
 * (which loses work to SQLITE_BUSY), then the way this system writes (which
 * loses nothing). contention.ts explains why; this module runs and measures.
 *
 * @module
 */
import { wholeNumber } from "../cli/whole_number.ts";
import { DatabaseSync } from "node:sqlite";
import {
  BARRIER,
  type ContentionReply,
  type ContentionRequest,
  type Design,
  keyPrefix,
  NAIVE_BUSY_TIMEOUT_MS,
  type SqliteFailure,
} from "./sqlite_worker.ts";
import { getTable, quoteIdent } from "../lib/schema.ts";
import { BUSY_TIMEOUT_MS } from "../lib/store/sqlite.ts";
import { tableFile } from "../lib/store/open.ts";
import { openStore } from "../lib/store/open.ts";

export type { Design, SqliteFailure };

/** The scratch folder of `deno task contention`, the only one its permissions let it write. */
export const DEFAULT_SCRATCH_DIR = ".contention";

/** The workload of {@linkcode runSqliteContention}; the defaults are the issue's measurement. */
export interface ContentionOptions {
  /** Writers at once, at least 2. Defaults to 2. */
  workers?: number;
  /** Transactions per writer. Defaults to 20. */
  transactions?: number;
  /** Rows per transaction. Defaults to 500. */
  rows?: number;
  /** Folder for the scenario's database files, removed afterwards. Defaults to `.contention`. */
  dir?: string;
}

/** One writer's part, with its rows counted in the database. */
export interface WorkerOutcome {
  /** 1-based worker number. */
  worker: number;
  /** Transactions that committed, as the worker reported. */
  committed: number;
  /** Transactions that failed, as the worker reported. */
  failed: number;
  /** Its rows found in the database afterwards. */
  stored: number;
}

/** What one design did to the shared file. */
export interface DesignOutcome {
  /** Which design. */
  design: Design;
  /** How it opens its transactions, in words. */
  how: string;
  /** Rows the workers were given. */
  sent: number;
  /** Rows in the database afterwards, counted there. */
  stored: number;
  /** `sent - stored`: rows lost. */
  missing: number;
  /** Transactions committed, over all workers. */
  committed: number;
  /** Transactions failed, over all workers. */
  failed: number;
  /** The first error any worker met. */
  firstError?: SqliteFailure;
  /** Seconds from the start barrier to the last worker's end. */
  seconds: number;
  /** Each worker's part. */
  workers: WorkerOutcome[];
}

/** Both designs on the same workload, and the verdict. */
export interface ContentionOutcome {
  /** The database engine of the scenario. */
  engine: "sqlite";
  /** Writers at once. */
  workers: number;
  /** Transactions per writer. */
  transactions: number;
  /** Rows per transaction. */
  rows: number;
  /** The naive run. */
  naive: DesignOutcome;
  /** The system's run. */
  safe: DesignOutcome;
  /** The naive run lost rows to a SQLITE_BUSY-class error. */
  reproduced: boolean;
  /** The safe run stored every row and no transaction failed. */
  safeLostNothing: boolean;
  /** Both of the above: what `deno task contention` exits 0 on. */
  ok: boolean;
}

const WORKER_URL = new URL("./sqlite_worker.ts", import.meta.url);
const CUSTOMERS = getTable("customers");

const HOW: Record<Design, string> = {
  naive: `BEGIN DEFERRED, read then write, busy_timeout ${NAIVE_BUSY_TIMEOUT_MS / 1000} s`,
  safe: `BEGIN IMMEDIATE, busy_timeout ${BUSY_TIMEOUT_MS / 1000} s (lib/store/sqlite.ts)`,
};

/** True for SQLite's "database is locked" family: SQLITE_BUSY and its extended codes. */
export function isBusyError(failure: SqliteFailure | undefined): boolean {
  if (failure === undefined) return false;
  if (failure.errcode !== undefined) return (failure.errcode & 0xff) === 5;
  return /database is locked|SQLITE_BUSY/i.test(failure.message);
}

/**
 * Runs the workload naively and then the system's way, each on a fresh
 * database in a temporary folder under `options.dir`, and reports both.
 */
export async function runSqliteContention(
  options: ContentionOptions = {},
): Promise<ContentionOutcome> {
  const workers = wholeNumber("workers", options.workers ?? 2, 2);
  const transactions = wholeNumber("transactions", options.transactions ?? 20, 1);
  const rows = wholeNumber("rows", options.rows ?? 500, 1);
  const dir = options.dir ?? DEFAULT_SCRATCH_DIR;
  await Deno.mkdir(dir, { recursive: true });
  const scratch = await Deno.makeTempDir({ dir, prefix: "sqlite-" });
  try {
    const workload = { workers, transactions, rows };
    const naive = await runDesign("naive", `${scratch}/naive`, workload);
    const safe = await runDesign("safe", `${scratch}/safe`, workload);
    const reproduced = naive.missing > 0 && isBusyError(naive.firstError);
    const safeLostNothing = safe.missing === 0 && safe.failed === 0;
    return {
      engine: "sqlite",
      ...workload,
      naive,
      safe,
      reproduced,
      safeLostNothing,
      ok: reproduced && safeLostNothing,
    };
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/** Runs one design's workers on a fresh store at `location`; counts its rows there. */
async function runDesign(
  design: Design,
  location: string,
  workload: { workers: number; transactions: number; rows: number },
): Promise<DesignOutcome> {
  // The store creates the table, WAL mode included, before any worker starts.
  const store = await openStore(location);
  await store.count(CUSTOMERS);
  await store.close();

  const barrier = new SharedArrayBuffer(BARRIER.length * Int32Array.BYTES_PER_ELEMENT);
  const replies = await inWorkers(
    Array.from({ length: workload.workers }, (_, i) => ({
      design,
      location,
      worker: i + 1,
      barrier,
      ...workload,
    })),
  );

  const stored = countByWorker(location, workload.workers);
  const outcomes = replies.map((reply, i) => ({
    worker: i + 1,
    committed: reply.committed,
    failed: reply.failed,
    stored: stored[i],
  }));
  const sent = workload.workers * workload.transactions * workload.rows;
  const total = stored.reduce((a, b) => a + b, 0);
  return {
    design,
    how: HOW[design],
    sent,
    stored: total,
    missing: sent - total,
    committed: outcomes.reduce((a, w) => a + w.committed, 0),
    failed: outcomes.reduce((a, w) => a + w.failed, 0),
    firstError: replies.find((r) => r.firstError !== undefined)?.firstError,
    seconds: (Math.max(...replies.map((r) => r.ended)) -
      Math.min(...replies.map((r) => r.started))) / 1000,
    workers: outcomes,
  };
}

type Finished = Extract<ContentionReply, { ok: true }>;

/** Runs each request in its own worker, all at once; resolves to their replies in order. */
async function inWorkers(requests: ContentionRequest[]): Promise<Finished[]> {
  const workers = requests.map(() => new Worker(WORKER_URL, { type: "module" }));
  try {
    const replies = await Promise.all(
      requests.map((request, i) =>
        new Promise<ContentionReply>((resolve) => {
          workers[i].onmessage = (event: MessageEvent<ContentionReply>) => resolve(event.data);
          workers[i].onerror = (event: ErrorEvent) => {
            event.preventDefault();
            resolve({ ok: false, message: event.message });
          };
          workers[i].postMessage(request);
        })
      ),
    );
    const failure = replies.find((reply) => !reply.ok);
    if (failure !== undefined && !failure.ok) {
      throw new Error(`Contention worker failed: ${failure.message}`);
    }
    return replies as Finished[];
  } finally {
    for (const worker of workers) worker.terminate();
  }
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

/** The two outcomes side by side, then one worker per line. */
export function formatContention(outcome: ContentionOutcome): string {
  const { naive, safe } = outcome;
  const n = (value: number) => value.toLocaleString("en-US");
  const error = (f?: SqliteFailure) =>
    f === undefined
      ? "none"
      : `"${f.message}" (${
        [f.code, f.errcode === undefined ? "" : `errcode ${f.errcode}`]
          .filter(Boolean).join(", ")
      })`;
  const rows: [string, string, string][] = [
    ["", "naive", "this system"],
    ["transactions", naive.how, safe.how],
    [
      "committed",
      `${n(naive.committed)} of ${n(naive.committed + naive.failed)}`,
      `${n(safe.committed)} of ${n(safe.committed + safe.failed)}`,
    ],
    ["failed", n(naive.failed), n(safe.failed)],
    [
      "rows in the database",
      `${n(naive.stored)} of ${n(naive.sent)}`,
      `${n(safe.stored)} of ${n(safe.sent)}`,
    ],
    ["rows missing", n(naive.missing), n(safe.missing)],
    ["first error", error(naive.firstError), error(safe.firstError)],
    ["seconds", naive.seconds.toFixed(3), safe.seconds.toFixed(3)],
    ...naive.workers.map((w, i): [string, string, string] => [
      `worker ${w.worker}`,
      part(w),
      part(safe.workers[i]),
    ]),
  ];
  const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const title = `SQLite, one shared database file: ${outcome.workers} workers x ` +
    `${outcome.transactions} transactions x ${outcome.rows} rows at the same moment`;
  return [
    title,
    "",
    ...rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`.trimEnd()),
  ].join("\n");
}

function part(w: WorkerOutcome): string {
  return `${w.committed} committed, ${w.failed} failed, ${w.stored.toLocaleString("en-US")} rows`;
}

/** One line on what the outcome shows; for a failed check, what went wrong. */
export function verdict(outcome: ContentionOutcome): string {
  const { naive, safe } = outcome;
  if (outcome.ok) {
    return `Reproduced: the naive writers lost ${naive.missing.toLocaleString("en-US")} of ` +
      `${naive.sent.toLocaleString("en-US")} rows to SQLITE_BUSY; this system's writers ` +
      `queued and stored all ${safe.sent.toLocaleString("en-US")}.`;
  }
  const problems = [];
  if (!outcome.reproduced) {
    problems.push(
      naive.firstError === undefined
        ? "the naive writers lost nothing, so the failure was not reproduced " +
          "(has SQLite or Deno changed how it locks?)"
        : `the naive writers failed with "${naive.firstError.message}", not SQLITE_BUSY`,
    );
  }
  if (!outcome.safeLostNothing) {
    problems.push(
      `this system's writers lost ${safe.missing} rows in ${safe.failed} failed transactions` +
        (safe.firstError === undefined ? "" : `: "${safe.firstError.message}"`),
    );
  }
  return `Contention check failed: ${problems.join("; and ")}`;
}
