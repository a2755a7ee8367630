/**
 * Contention on a database server: two imports of overlapping keys at once can
 * deadlock in PostgreSQL, and how the PostgreSQL store avoids it.
 *
 * Why it happens. An upsert locks each row it inserts or updates until its
 * transaction ends. Two imports that write the same keys in different orders
 * (file A sorted ascending, file B descending; or the same rows in two exports
 * sorted differently) each lock their first batch, then each wait for a row the
 * other holds: A holds P0..P49 and waits for P50, B holds P99..P50 and waits
 * for P49. Neither can go on. PostgreSQL finds the cycle after
 * `deadlock_timeout` (1 s by default) and aborts one of them with SQLSTATE 40P01
 * ("deadlock detected"); that import rolls back whole. A loader that writes in
 * file order, batch by batch (as the SQLite store does, where a file lock makes
 * writers queue instead), loses the victim's rows unless someone re-runs it.
 * SQLite never deadlocks this way because its writers take one lock per file
 * up front (BEGIN IMMEDIATE); the price is that they never overlap at all.
 *
 * How it is avoided. Every writer must lock rows in one global order. The
 * PostgreSQL store (lib/store/postgres.ts) COPYs a file into a temporary staging
 * table, which locks nothing shared, and moves it into the real table with one
 * `INSERT … SELECT … ORDER BY key`: every import locks keys in ascending
 * order, so the second import of an overlapping key waits for the first to
 * commit and then goes on; a wait, never a cycle. Imports of disjoint keys
 * still run side by side. (A per-table `pg_advisory_xact_lock` would also
 * work, but it serializes every import of a table, overlapping or not, and is
 * a PostgreSQL function that compatible engines may lack.) Into an empty
 * table the store COPYs straight into the table under a table lock that
 * other writers queue behind (a wait, never a cycle); the scenarios here
 * update a table that already holds the shared keys, the case where imports
 * run side by side.
 *
 * {@linkcode runDeadlockScenarios} shows both, in a scratch schema that it
 * drops afterwards: the naive writer ends in a deadlock and loses rows, the
 * store's writer loses nothing.
 *
 * @module
 */
import postgres from "postgres";
import { parsePgLocation, PgStore } from "../lib/store/postgres.ts";
import { getTable } from "../lib/schema.ts";
import type { Value } from "../lib/store/store.ts";

/** What one scenario left in the database, read back after both imports ended. */
export interface ScenarioOutcome {
  /** Imports that committed. */
  committed: number;
  /** Imports aborted with SQLSTATE 40P01 (deadlock detected). */
  deadlocks: number;
  /** Rows in the table afterwards. */
  rows: number;
  /** Rows the two imports together should have left. */
  expected: number;
  /** Rows missing because an import was aborted: `expected - rows`. */
  lost: number;
}

/** Both scenarios' outcomes. */
export interface DeadlockOutcome {
  /** Batch-by-batch upserts in file order: deadlocks. */
  naive: ScenarioOutcome;
  /** The PostgreSQL store's staging table and sorted upsert: no deadlock. */
  safe: ScenarioOutcome;
}

/** Options for {@linkcode runDeadlockScenarios}. */
export interface DeadlockOptions {
  /** Keys both imports write (in opposite orders). Defaults to 100. */
  overlap?: number;
  /** Keys only one import writes, per import. Defaults to 50. */
  own?: number;
}

const PRODUCTS = getTable("products");

/** One product row; `from` tells which import wrote it. */
function product(i: number, from: string): Value[] {
  return [`P${String(i).padStart(6, "0")}`, `written by import ${from}`, "office", 1];
}

/**
 * The rows of the two imports, in three batches each: A writes the shared
 * keys ascending, B descending, so after their first batches each holds what
 * the other needs next; their own keys come last.
 */
function importBatches(overlap: number, own: number): Value[][][][] {
  const shared = Array.from({ length: overlap }, (_, i) => i);
  const half = Math.ceil(overlap / 2);
  const plan = (from: string, order: number[], ownStart: number) => [
    order.slice(0, half).map((i) => product(i, from)),
    order.slice(half).map((i) => product(i, from)),
    Array.from({ length: own }, (_, i) => product(ownStart + i, from)),
  ];
  return [
    plan("A", shared, overlap),
    plan("B", shared.toReversed(), overlap + own),
  ];
}

/** `rows` as one array per column, for `unnest`. */
function columnsOf(rows: Value[][]): string[][] {
  return [0, 1, 2, 3].map((c) => rows.map((row) => row[c])) as string[][];
}

/** A meeting point: each of `parties` callers waits until all have arrived. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => release = resolve);
  return () => {
    if (++arrived === parties) release();
    return all;
  };
}

/** Runs the imports side by side and counts how they ended and what the table holds. */
async function scenario(
  store: PgStore,
  imports: ((meet: () => Promise<void>) => Promise<void>)[],
  expected: number,
): Promise<ScenarioOutcome> {
  const meet = barrier(imports.length);
  const settled = await Promise.allSettled(imports.map((run) => run(meet)));
  let deadlocks = 0;
  for (const result of settled) {
    if (result.status === "fulfilled") continue;
    if ((result.reason as { code?: string }).code !== "40P01") throw result.reason;
    deadlocks++;
  }
  const committed = settled.filter((r) => r.status === "fulfilled").length;
  const rows = await store.count(PRODUCTS);
  return { committed, deadlocks, rows, expected, lost: expected - rows };
}

/**
 * Runs the naive and the safe import pair against the PostgreSQL database at
 * `location` (in a scratch schema, dropped afterwards) and reports each.
 */
export async function runDeadlockScenarios(
  location: string,
  options: DeadlockOptions = {},
): Promise<DeadlockOutcome> {
  const { overlap = 100, own = 50 } = options;
  const expected = overlap + 2 * own;
  const batches = importBatches(overlap, own);
  const scratch = new URL(parsePgLocation(location).url);
  const schema = `deadlock_demo_${crypto.randomUUID().slice(0, 8)}`;
  scratch.searchParams.set("schema", schema);
  const store = await PgStore.open(scratch.href);
  const { url } = parsePgLocation(scratch.href);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const table = `"${schema}"."products"`;
  // Both imports update the shared keys, which the table already holds (two
  // exports updating the same products); each also adds keys of its own.
  const seed = async () => {
    await admin.unsafe(`TRUNCATE ${table}`);
    await admin.unsafe(
      `INSERT INTO ${table} SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])`,
      columnsOf(Array.from({ length: overlap }, (_, i) => product(i, "seed"))),
    );
  };
  try {
    await seed();
    // Naive: each batch a multi-row upsert in file order, on its own connection.
    const naive = await scenario(
      store,
      batches.map((plan) => async (meet) => {
        const sql = postgres(url, { max: 1 });
        try {
          await sql.begin(async (tx) => {
            for (const [i, rows] of plan.entries()) {
              await tx.unsafe(
                `INSERT INTO ${table} SELECT * FROM unnest($1::text[], $2::text[], ` +
                  `$3::text[], $4::bigint[]) ON CONFLICT ("product_id") DO UPDATE SET ` +
                  `"description" = EXCLUDED."description"`,
                columnsOf(rows),
              );
              if (i === 0) await meet();
            }
          });
        } finally {
          await sql.end();
        }
      }),
      expected,
    );
    await seed();
    // Safe: the same batches, the same meeting point, through the store.
    const safe = await scenario(
      store,
      batches.map((plan) => async (meet) => {
        const own = await PgStore.open(scratch.href);
        try {
          await own.write(PRODUCTS, async (writer) => {
            for (const [i, rows] of plan.entries()) {
              await writer.upsert(rows);
              if (i === 0) await meet();
            }
          });
        } finally {
          await own.close();
        }
      }),
      expected,
    );
    return { naive, safe };
  } finally {
    await store.close();
    await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}
