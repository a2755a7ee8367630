/**
 * Helpers for the PostgreSQL tests: whether a server is there to test against,
 * a schema of its own for each test (dropped afterwards) and table snapshots in
 * the same shape as tests/helpers.ts gives for SQLite.
 *
 * The server is named by HPN_PG_URL (e.g. `postgres://root@127.0.0.1:5432/test`).
 * Unset or unreachable, the PostgreSQL tests are ignored with one line saying
 * so; with HPN_PG_REQUIRED=1 (as .ci/run sets) that is an error instead.
 *
 * @module
 */
import postgres from "postgres";
import { getTable, type TableName } from "../lib/schema.ts";
import { grantedEnv } from "./helpers.ts";

const HOW = "set HPN_PG_URL=postgres://root@127.0.0.1:5432/test (any server you may write to) " +
  "to run them; see README";

async function probe(): Promise<string | undefined> {
  const url = grantedEnv("HPN_PG_URL");
  const required = grantedEnv("HPN_PG_REQUIRED") === "1";
  let problem = HOW;
  if (url !== undefined && url !== "") {
    const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
    try {
      await sql`SELECT 1`;
      return url;
    } catch (error) {
      problem = `cannot reach "${url}": ${(error as Error).message}`;
    } finally {
      await sql.end({ timeout: 0 });
    }
  }
  if (required) throw new Error(`PostgreSQL tests are required (HPN_PG_REQUIRED=1) but ${problem}`);
  console.log(`PostgreSQL tests skipped: ${problem}`);
  return undefined;
}

/** The server's URL, or undefined when the PostgreSQL tests are skipped. */
export const PG_URL: string | undefined = await probe();

/** Whether the PostgreSQL tests are skipped (pass as `ignore` to Deno.test). */
export const NO_PG = PG_URL === undefined;

/** A location in a fresh schema of the test server; `await using` drops the schema. */
export function pgSchema(): { location: string; [Symbol.asyncDispose](): Promise<void> } {
  const schema = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const url = new URL(PG_URL!);
  url.searchParams.set("schema", schema);
  return {
    location: url.href,
    async [Symbol.asyncDispose]() {
      const sql = postgres(PG_URL!, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await sql.end();
      }
    },
  };
}

/**
 * How many backends wait for a lock in a statement that names `schema`. Ask on
 * a connection outside any transaction: a transaction sees pg_stat_activity as
 * it was when it first looked.
 */
export async function lockWaiters(sql: postgres.Sql, schema: string): Promise<number> {
  const [{ n }] = await sql.unsafe(
    `SELECT count(*)::int AS n FROM pg_stat_activity ` +
      `WHERE wait_event_type = 'Lock' AND position($1 in query) > 0`,
    [schema],
  );
  return n;
}

/** Every row of `table` at `location` in key order, whole numbers as numbers (as SQLite gives). */
export async function pgSnapshot(location: string, table: TableName): Promise<unknown[][]> {
  const url = new URL(location);
  const schema = url.searchParams.get("schema")!;
  url.searchParams.delete("schema");
  const sql = postgres(url.href, { max: 1 });
  try {
    const { columns, key } = getTable(table);
    const rows = await sql.unsafe(
      `SELECT * FROM "${schema}"."${table}" ORDER BY "${key}" COLLATE "C"`,
    ).values();
    return rows.map((row) =>
      row.map((value: unknown, i: number) => columns[i].type === "INTEGER" ? Number(value) : value)
    );
  } finally {
    await sql.end();
  }
}

/**
 * Copies the header and data rows `from` to `to` (0-based, end excluded) of the
 * one-record-per-line CSV file `source` to `target`, reversed if asked.
 */
export async function writeSlice(
  source: string,
  target: string,
  options: { from: number; to: number; reverse?: boolean },
): Promise<void> {
  const [header, ...rows] = (await Deno.readTextFile(source)).trimEnd().split("\n");
  const slice = rows.slice(options.from, options.to);
  if (options.reverse) slice.reverse();
  await Deno.writeTextFile(target, [header, ...slice].join("\n") + "\n");
}
