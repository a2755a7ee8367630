/**
 * The SQLite store, on Deno's built-in `node:sqlite`. It is the only place that
 * sets pragmas and the only place that writes SQL for SQLite.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { type Table, TABLES } from "./schema.ts";
import type { Reference } from "./schema.ts";
import type { Store, Value, Writer } from "./store.ts";

/**
 * How long a writer waits for another writer's lock before SQLITE_BUSY. An
 * import of a million rows holds its table's lock for a few seconds, so
 * concurrent imports must be able to queue behind it.
 */
export const BUSY_TIMEOUT_MS = 60_000;

/** Rows per multi-row INSERT statement (measured: see bench/). */
export const ROWS_PER_STATEMENT = 64;

/** Quotes an SQL identifier; identifiers come from the schema, never from CSV text. */
function id(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function createSql(table: Table): string {
  const columns = table.columns.map((c, i) =>
    `${id(c.name)} ${c.type} NOT NULL${i === 0 ? " PRIMARY KEY" : ""}`
  );
  return `CREATE TABLE IF NOT EXISTS ${id(table.name)} (${
    columns.join(", ")
  }) STRICT, WITHOUT ROWID`;
}

function upsertSql(table: Table, rows: number): string {
  const names = table.columns.map((c) => id(c.name));
  const tuple = `(${names.map(() => "?").join(",")})`;
  const updates = names.slice(1).map((n) => `${n} = excluded.${n}`).join(", ");
  return `INSERT INTO ${id(table.name)} (${names.join(", ")}) VALUES ` +
    Array.from({ length: rows }, () => tuple).join(",") +
    ` ON CONFLICT(${id(table.key)}) DO UPDATE SET ${updates}`;
}

/** A store in one SQLite database file. */
export class SqliteStore implements Store {
  readonly location: string;
  #db: DatabaseSync;
  #statements = new Map<string, StatementSync>();

  /** Opens (or creates) the database file at `location` and its tables. */
  constructor(location: string) {
    this.location = location;
    this.#db = new DatabaseSync(location);
    this.#db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.#db.exec("PRAGMA journal_mode = WAL");
    this.#db.exec("PRAGMA synchronous = FULL");
    this.#db.exec("PRAGMA cache_size = -32768");
    this.#db.exec("BEGIN IMMEDIATE");
    for (const table of TABLES) this.#db.exec(createSql(table));
    this.#db.exec("COMMIT");
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  count(table: Table): Promise<number> {
    const row = this.#prepare(`SELECT COUNT(*) AS n FROM ${id(table.name)}`).get() as {
      n: number;
    };
    return Promise.resolve(row.n);
  }

  async write<T>(table: Table, body: (writer: Writer) => Promise<T>): Promise<T> {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = await body(this.#writer(table));
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  #writer(table: Table): Writer {
    const width = table.columns.length;
    const full = this.#prepare(upsertSql(table, ROWS_PER_STATEMENT));
    return {
      upsert: (rows: Value[][]) => {
        let i = 0;
        const params: Value[] = new Array(ROWS_PER_STATEMENT * width);
        for (; i + ROWS_PER_STATEMENT <= rows.length; i += ROWS_PER_STATEMENT) {
          for (let r = 0; r < ROWS_PER_STATEMENT; r++) {
            const row = rows[i + r];
            for (let c = 0; c < width; c++) params[r * width + c] = row[c];
          }
          full.run(...params);
        }
        if (i < rows.length) {
          const single = this.#prepare(upsertSql(table, 1));
          for (; i < rows.length; i++) single.run(...rows[i]);
        }
      },
      missing: (reference: Reference, keys: string[]) => {
        const target = TABLES.find((t) => t.name === reference.table)!;
        const exists = this.#prepare(
          `SELECT 1 FROM ${id(target.name)} WHERE ${id(target.key)} = ?`,
        );
        return keys.filter((key) => exists.get(key) === undefined);
      },
    };
  }

  query<T>(sql: string, params: Value[] = []): Promise<T[]> {
    return Promise.resolve(this.#prepare(sql).all(...params) as T[]);
  }

  close(): Promise<void> {
    this.#db.close();
    return Promise.resolve();
  }
}
