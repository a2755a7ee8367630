/// <reference lib="deno.worker" />
/**
 * One writer of the SQLite contention scenario (see contention.ts for the
 * story), run by lib/worker_pool.ts. It receives a
 * {@linkcode ContentionRequest}, writes its transactions into the shared
 * customers file the naive way or the system's way, and answers with one
 * {@linkcode ContentionReply}. Its own counts are only a report: the runner
 * reads the database to learn what was really stored.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { getTable, quoteIdent } from "../lib/schema.ts";
import { openStore, tableFile } from "../lib/store/open.ts";
import type { Value } from "../lib/store/store.ts";
import type { Design, Failure, Failures } from "./outcome.ts";

/** The busy timeout of the naive writers: patient, to show that waiting is not what they lack. */
export const NAIVE_BUSY_TIMEOUT_MS = 5_000;

/** SQLite's primary result code for "database is locked"; extended codes keep it in the low byte. */
const SQLITE_BUSY = 5;

/** How long a worker waits at a barrier for the others before giving up. */
const BARRIER_TIMEOUT_MS = 30_000;

/** Cells of the shared barrier array. */
export const BARRIER = { start: 0, read: 1, length: 2 } as const;

/** What one worker is asked to write. */
export interface ContentionRequest {
  /** Which design to write with. */
  design: Design;
  /** The store location; every worker writes into its customers file. */
  location: string;
  /** This worker's number, 1-based; it prefixes the keys it writes. */
  worker: number;
  /** How many workers share the barrier. */
  workers: number;
  /** Transactions to run. */
  transactions: number;
  /** Rows per transaction. */
  rows: number;
  /** Int32 cells counting arrivals at each barrier (see {@linkcode BARRIER}). */
  barrier: SharedArrayBuffer;
}

/** What one worker says it did. */
export type ContentionReply =
  | {
    ok: true;
    /** Transactions that committed. */
    committed: number;
    /** Transactions that failed and were rolled back, by why. */
    failures: Failures;
    /** The first failure, if any. */
    firstError?: Failure;
    /** Epoch milliseconds when the start barrier released the worker. */
    started: number;
    /** Epoch milliseconds when its last transaction ended. */
    ended: number;
  }
  | { ok: false; message: string };

/** The key prefix of worker `worker`'s rows; the trailing dash keeps W1- apart from W10-. */
export function keyPrefix(worker: number): string {
  return `W${worker}-`;
}

self.onmessage = async (event: MessageEvent<ContentionRequest | "cancel">) => {
  // The pool cancels the others when one worker fails; a scenario runs to its
  // end instead (the barrier's timeout ends a worker left waiting).
  if (event.data === "cancel") return;
  try {
    self.postMessage(await handle(event.data));
  } catch (error) {
    const reply: ContentionReply = {
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    };
    self.postMessage(reply);
  }
};

const CUSTOMERS = getTable("customers");

/** The rows of transaction `t` of worker `w`: made-up customers with keys of their own. */
function rowsOf(request: ContentionRequest, t: number): Value[][] {
  const prefix = `${keyPrefix(request.worker)}T${t}-R`;
  return Array.from({ length: request.rows }, (_, r) => [
    `${prefix}${r}`,
    `Worker ${request.worker} customer ${r}`,
    `${r} Contention St`,
    "98101",
    "555-000-0000",
    `w${request.worker}t${t}r${r}@example.com`,
  ]);
}

async function handle(request: ContentionRequest): Promise<ContentionReply> {
  const cells = new Int32Array(request.barrier);
  let committed = 0;
  const failures: Failures = {};
  let firstError: Failure | undefined;
  const session = request.design === "naive" ? naive(request, cells) : await safe(request);
  arrive(cells, BARRIER.start, request.workers);
  const started = performance.timeOrigin + performance.now();
  for (let t = 0; t < request.transactions; t++) {
    try {
      await session.run(rowsOf(request, t), t);
      committed++;
    } catch (error) {
      const failure = describe(error);
      failures[failure.kind] = (failures[failure.kind] ?? 0) + 1;
      firstError ??= failure;
    }
  }
  const ended = performance.timeOrigin + performance.now();
  await session.close();
  return { ok: true, committed, failures, firstError, started, ended };
}

/** One worker's connection: runs transaction `t` of `rows`, then closes. */
interface Session {
  run(rows: Value[][], t: number): Promise<void> | void;
  close(): Promise<void> | void;
}

/**
 * The naive writer: its own connection, a patient busy timeout, and a
 * transaction that reads before it writes, as an importer does that counts
 * the table for its "before" number. contention.ts explains why this fails.
 */
function naive(request: ContentionRequest, cells: Int32Array): Session {
  const db = new DatabaseSync(tableFile(request.location, CUSTOMERS.name));
  db.exec(`PRAGMA busy_timeout = ${NAIVE_BUSY_TIMEOUT_MS}`);
  db.exec("PRAGMA journal_mode = WAL");
  const names = CUSTOMERS.columns.map((c) => quoteIdent(c.name));
  const count = db.prepare(`SELECT COUNT(*) AS n FROM ${quoteIdent(CUSTOMERS.name)}`);
  const insert = db.prepare(
    `INSERT INTO ${quoteIdent(CUSTOMERS.name)} (${names.join(", ")}) VALUES (${
      names.map(() => "?").join(", ")
    })`,
  );
  const run = (rows: Value[][], t: number) => {
    // BEGIN DEFERRED takes no lock; the SELECT then takes a read snapshot.
    db.exec("BEGIN DEFERRED");
    try {
      count.get();
      // In the first transaction every worker holds its snapshot before any
      // writes: the interleaving that overlapping imports reach by chance, made
      // certain so that the failure shows on every run. Nothing is simulated:
      // the error below is SQLite's own.
      if (t === 0) arrive(cells, BARRIER.read, request.workers);
      // The first INSERT must upgrade the read to a write. Whoever upgrades
      // second gets SQLITE_BUSY at once, busy timeout or not: waiting could
      // deadlock (while the lock's holder is writing) or be useless (once it
      // has committed, this snapshot is stale for good).
      for (const row of rows) insert.run(...row);
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  };
  return { run, close: () => db.close() };
}

/**
 * The system's writer: the store's own `write`, which opens every write
 * transaction with BEGIN IMMEDIATE under a 60-second busy timeout (see
 * lib/store/sqlite.ts), then reads and writes the same rows as the naive one.
 */
async function safe(request: ContentionRequest): Promise<Session> {
  const store = await openStore(request.location);
  await store.count(CUSTOMERS); // opens the connection before the start barrier
  const run = (rows: Value[][]) =>
    store.write(CUSTOMERS, async (writer) => {
      await store.count(CUSTOMERS);
      await writer.upsert(rows);
    });
  return { run, close: () => store.close() };
}

/** Waits until `parties` workers have arrived at barrier `cell`. */
function arrive(cells: Int32Array, cell: number, parties: number): void {
  Atomics.add(cells, cell, 1);
  Atomics.notify(cells, cell);
  const deadline = performance.now() + BARRIER_TIMEOUT_MS;
  for (let seen = Atomics.load(cells, cell); seen < parties; seen = Atomics.load(cells, cell)) {
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new Error(`Only ${seen} of ${parties} workers reached the barrier within 30 s`);
    }
    Atomics.wait(cells, cell, seen, left);
  }
}

/** The error as SQLite and node:sqlite describe it, and whether it is SQLITE_BUSY. */
function describe(error: unknown): Failure {
  if (!(error instanceof Error)) return { kind: "other", message: String(error) };
  const { code, errcode } = error as Error & { code?: unknown; errcode?: unknown };
  const busy = typeof errcode === "number"
    ? (errcode & 0xff) === SQLITE_BUSY
    : /database is locked|SQLITE_BUSY/i.test(error.message);
  return {
    kind: busy ? "SQLITE_BUSY" : "other",
    message: error.message,
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof errcode === "number" ? { errcode } : {}),
  };
}
