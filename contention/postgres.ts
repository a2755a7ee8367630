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
 * How it is avoided. No two writers may each hold a row lock the other needs.
 * The PostgreSQL store (lib/store/postgres.ts) COPYs a file into a temporary
 * staging table, which locks nothing shared, and moves it into the real table
 * with one `INSERT … SELECT … ON CONFLICT` under `LOCK TABLE … IN SHARE ROW
 * EXCLUSIVE MODE`, a lock that conflicts with every other writer of the table
 * and with no reader: the second import's merge waits for the first to commit
 * and then goes on; a wait, never a cycle, in whatever order either file
 * holds its keys. Only the merges take turns: both imports read, check and
 * COPY their files at the same time. (Sorting the merge by key also prevents
 * the cycle between imports, and was the store's first design; it cost 6-7%
 * of an import into a full table, an external sort of the whole file, and
 * it leaves an application's own multi-row transactions free to deadlock
 * with an import; docs/postgresql.md has the measurements.) Into an empty
 * table the store takes the same lock for the whole import and COPYs
 * straight into the table; the scenarios here update a table that already
 * holds the shared keys.
 *
 * {@linkcode runPgContention} shows both, in a scratch schema that it drops
 * afterwards: the naive writer ends in a deadlock and loses rows, the store's
 * writer loses nothing. It reports in the shape of contention/outcome.ts, each
 * import one transaction.
 *
 * @example
 * ```ts ignore
 * import { runPgContention } from "./postgres.ts";
 * import { formatOutcome } from "./outcome.ts";
 *
 * console.log(formatOutcome(await runPgContention("postgres://root@127.0.0.1:5432/test")));
 * ```
 *
 * @module
 */
import postgres from "postgres";
import { parsePgLocation, PgStore } from "../lib/store/postgres.ts";
import { getTable } from "../lib/schema.ts";
import type { Value } from "../lib/store/store.ts";
import {
  type ContentionOutcome,
  type Design,
  type DesignOutcome,
  designOutcome,
  judge,
  type WriterOutcome,
} from "./outcome.ts";

/** Options for {@linkcode runPgContention}. */
export interface PgContentionOptions {
  /** Keys both imports write (in opposite orders). Defaults to 100. */
  overlap?: number;
  /** Keys only one import writes, per import. Defaults to 50. */
  own?: number;
}

const PRODUCTS = getTable("products");

/** The two imports, by the names their rows carry. */
const IMPORTS = ["A", "B"];

const HOW: Record<Design, string> = {
  naive: "upsert batch by batch in file order",
  safe: "COPY to staging, one upsert under a table lock (lib/store/postgres.ts)",
};

/** The description of the rows import `from` wrote: its mark, to count them by. */
function mark(from: string): string {
  return `written by import ${from}`;
}

/** One product row; `from` tells which import wrote it. */
function product(i: number, from: string): Value[] {
  return [`P${String(i).padStart(6, "0")}`, mark(from), "office", 1];
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
    plan(IMPORTS[0], shared, overlap),
    plan(IMPORTS[1], shared.toReversed(), overlap + own),
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

/**
 * Runs the imports side by side; reports how each ended and how many rows of
 * the table carry its mark (`marks` counts them).
 */
async function scenario(
  design: Design,
  imports: ((meet: () => Promise<void>) => Promise<void>)[],
  expected: number,
  marks: () => Promise<Map<string, number>>,
): Promise<DesignOutcome> {
  const meet = barrier(imports.length);
  const start = performance.now();
  const settled = await Promise.allSettled(imports.map((run) => run(meet)));
  const seconds = (performance.now() - start) / 1000;
  const stored = await marks();
  const writers = settled.map((result, i): WriterOutcome => {
    const writer = { writer: `import ${IMPORTS[i]}`, stored: stored.get(mark(IMPORTS[i])) ?? 0 };
    if (result.status === "fulfilled") return { ...writer, committed: 1, failures: {} };
    const { code, message } = result.reason as { code?: string; message: string };
    if (code !== "40P01") throw result.reason;
    const kind = "deadlock (40P01)";
    return {
      ...writer,
      committed: 0,
      failures: { [kind]: 1 },
      firstError: { kind, message, code },
    };
  });
  return designOutcome(design, HOW[design], expected, seconds, writers);
}

/**
 * Runs the naive and the safe import pair against the PostgreSQL database at
 * `location` (in a scratch schema, dropped afterwards) and reports both.
 */
export async function runPgContention(
  location: string,
  options: PgContentionOptions = {},
): Promise<ContentionOutcome> {
  const { overlap = 100, own = 50 } = options;
  const expected = overlap + 2 * own;
  const batches = importBatches(overlap, own);
  const scratch = new URL(parsePgLocation(location).url);
  const schema = `deadlock_demo_${crypto.randomUUID().slice(0, 8)}`;
  scratch.searchParams.set("schema", schema);
  // The store creates the scratch schema and its tables; each import opens its own.
  await (await PgStore.open(scratch.href)).close();
  const { url } = parsePgLocation(scratch.href);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const table = `"${schema}"."products"`;
  const marks = async () => {
    const rows = await admin.unsafe<{ description: string; n: number }[]>(
      `SELECT "description", COUNT(*)::int AS n FROM ${table} GROUP BY "description"`,
    );
    return new Map(rows.map((row) => [row.description, row.n]));
  };
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
      "naive",
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
      marks,
    );
    await seed();
    // Safe: the same batches, the same meeting point, through the store.
    const safe = await scenario(
      "safe",
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
      marks,
    );
    const title = `PostgreSQL, one table: ${IMPORTS.length} imports at the same moment, ` +
      `${overlap} keys in opposite orders and ${own} keys of their own each`;
    return judge("postgres", title, "deadlock (40P01)", { naive, safe });
  } finally {
    await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}
