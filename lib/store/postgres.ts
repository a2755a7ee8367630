/**
 * The PostgreSQL store, on the `postgres` driver (npm, pure TypeScript over the
 * wire protocol). It is the only place that writes SQL for PostgreSQL, and it
 * uses only standard SQL and the wire protocol (no server extensions), so
 * PostgreSQL-compatible engines remain possible targets.
 *
 * Location: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]`
 * (or `postgresql://…`). `schema` is ours, not the driver's: every table name
 * is qualified with it (created if missing), so tests and tenants can share one
 * database without seeing each other's rows; without it the tables go where the
 * server's search_path says (usually `public`). Other query parameters (e.g.
 * `sslmode`) go to the driver. The driver also honours the libpq `PG*`
 * variables (PGPASSWORD, PGAPPNAME …): scripts grant `--allow-env=PG*` for it.
 *
 * Writes: each import is one transaction. Rows are COPYed (text format) into a
 * temporary staging table without indexes, then moved into the real table by
 * one `INSERT … SELECT … ORDER BY key ON CONFLICT DO UPDATE` when the writer
 * next counts the table (the `after` count) or the transaction commits. COPY was
 * measured faster than multi-row INSERTs (README, "When one machine is not
 * enough"), and the ORDER BY makes every import lock rows in key order, which
 * is what keeps concurrent imports of overlapping keys from deadlocking
 * (contention/postgres.ts shows the deadlock that the order prevents).
 *
 * @module
 */
import { finished } from "node:stream/promises";
import postgres from "postgres";
import { getTable, quoteIdent, type Reference, type Table, TABLES } from "../schema.ts";
import { watchedSockets } from "./pg_socket.ts";
import type {
  Customer,
  ImportRecord,
  Product,
  QueryResult,
  Store,
  TableInfo,
  Value,
  Writer,
} from "./store.ts";

type Sql = postgres.Sql;
type Transaction = postgres.TransactionSql;

/** What a location means: the driver's URL (without `schema`) and our schema, if any. */
export interface PgTarget {
  /** Connection URL for the driver. */
  url: string;
  /** Schema holding the tables, when the location names one. */
  schema?: string;
}

/** `location` with its password, if any, replaced by `***`, for messages. */
function shown(location: string): string {
  return location.replace(/^([^:]+:\/\/[^:@/]*:)[^@/]*@/, "$1***@");
}

/** Splits a PostgreSQL location into the driver's URL and the schema; throws on a bad one. */
export function parsePgLocation(location: string): PgTarget {
  const fail = (reason: string) =>
    new TypeError(`Cannot use database "${shown(location)}": ${reason}`);
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw fail("it is not a valid URL");
  }
  // The driver would otherwise ask the operating system or USER for a name,
  // which needs permissions a scoped script does not have.
  if (url.username === "") throw fail("name the user, as in postgres://USER@HOST:PORT/DATABASE");
  const schema = url.searchParams.get("schema") ?? undefined;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw fail(`schema "${schema}" must be lower-case letters, digits or _ (max 63)`);
  }
  url.searchParams.delete("schema");
  return { url: url.href, schema };
}

/**
 * Throws one line naming the flag to add when Deno may not connect to the
 * server. Without it, the driver's connect fails inside a socket callback,
 * where nothing can catch it: an uncaught NotCapable with a stack trace.
 */
function checkNetPermission(location: string, url: string): void {
  const { hostname, port } = new URL(url);
  const host = `${hostname}:${port || "5432"}`;
  const descriptor = { name: "net", host } as const;
  // request, not query: on a terminal it asks, as the connect itself would.
  if (Deno.permissions.querySync(descriptor).state === "granted") return;
  if (Deno.permissions.requestSync(descriptor).state === "granted") return;
  throw new Error(
    `Cannot open database "${shown(location)}": this process may not connect to ${host} ` +
      `(add --allow-net=${host} to the deno run command, or to the task's --allow-net in deno.json)`,
  );
}

const SQL_TYPES: Record<Table["columns"][number]["type"], string> = {
  TEXT: "text",
  INTEGER: "bigint",
};

/** SQLSTATEs of a concurrent CREATE … IF NOT EXISTS that lost the race. */
const CREATE_RACE = new Set(["23505", "42P06", "42P07"]);

/** A bigint as a number when it fits exactly, else left as the driver's text. */
function wholeNumber(value: unknown): unknown {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

/** Escapes a value for COPY's text format (tab-separated, backslash escapes). */
function copyField(value: Value): string {
  if (typeof value === "number") return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]);
}

const COPY_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
};

/**
 * Driver options. The driver leaves Nagle's algorithm on, and under Deno each
 * small message (a COPY's end, a short query) then waits for the server's
 * delayed ACK: measured, 20 one-row COPYs took 1.7 s, and 18 ms with it off.
 * `socket` is a documented option that the driver's types do not declare,
 * hence Object.assign rather than a literal. With it, the driver's fail-over
 * between several hosts in one URL and Unix-socket paths are not available.
 * A server answers a connection in milliseconds: 5 seconds without an answer
 * is an address where no PostgreSQL listens.
 */
function driverOptions(): postgres.Options<Record<string, never>> {
  return Object.assign(
    // Notices ("relation already exists, skipping") are expected, not news.
    { max: 4, onnotice: () => {}, connect_timeout: CONNECT_TIMEOUT_S },
    { socket: watchedSockets() },
  );
}

/** Seconds to wait for a server's answer when connecting. */
const CONNECT_TIMEOUT_S = 5;

/** An open write transaction on one table and the rows staged in it. */
interface OpenWrite {
  tx: Transaction;
  staged: number;
}

/** The PostgreSQL type of a bigint column, whose values the driver gives as text. */
const INT8 = 20;

/** Driver option: the extended query protocol even without parameters. */
const EXTENDED = { simple: false };

/** Rows per batch of {@linkcode PgStore.readRows}. */
const READ_BATCH = 1024;

/** A store in one PostgreSQL database (and optionally one schema of it). */
export class PgStore implements Store {
  readonly location: string;
  #sql: Sql;
  #schema: string | undefined;
  #prefix: string;

  private constructor(location: string, sql: Sql, schema: string | undefined) {
    this.location = location;
    this.#sql = sql;
    this.#schema = schema;
    this.#prefix = schema === undefined ? "" : `${quoteIdent(schema)}.`;
  }

  /** Connects to the database at `location` and creates the schema and tables if missing. */
  static async open(location: string): Promise<PgStore> {
    const { url, schema } = parsePgLocation(location);
    checkNetPermission(location, url);
    const sql = postgres(url, driverOptions());
    const store = new PgStore(location, sql, schema);
    try {
      await store.#create(schema);
    } catch (error) {
      await sql.end({ timeout: 0 });
      const reason = (error as { code?: string }).code === "CONNECT_TIMEOUT"
        ? `no answer from the server within ${CONNECT_TIMEOUT_S} seconds`
        : error instanceof Error
        ? error.message
        : String(error);
      throw new Error(`Cannot open database "${shown(location)}": ${reason}`, { cause: error });
    }
    return store;
  }

  async #create(schema: string | undefined): Promise<void> {
    const statements = TABLES.map((table) => {
      const columns = table.columns.map((c, i) =>
        `${quoteIdent(c.name)} ${SQL_TYPES[c.type]} NOT NULL${i === 0 ? " PRIMARY KEY" : ""}`
      );
      return `CREATE TABLE IF NOT EXISTS ${this.#name(table)} (${columns.join(", ")})`;
    });
    // Which import owns each rejects file (see lib/rejects.ts).
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${this.#prefix}"rejects_marks" ` +
        `("file" text NOT NULL PRIMARY KEY, "token" text NOT NULL)`,
    );
    // The import log: one row per committed import, written in its transaction.
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${this.#prefix}"import_log" ("table_name" text NOT NULL, ` +
        `"at" text NOT NULL, "file" text NOT NULL, "processed" bigint NOT NULL, ` +
        `"rejected" bigint NOT NULL, "seconds" double precision NOT NULL)`,
    );
    if (schema !== undefined) {
      statements.unshift(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    }
    // Processes starting at once race on IF NOT EXISTS (the check and the
    // insert into the catalog are not atomic); the loser sees a duplicate
    // error after the winner committed, so trying again finds it done.
    for (let attempt = 1;; attempt++) {
      try {
        await this.#sql.begin(async (tx) => {
          for (const statement of statements) await tx.unsafe(statement);
        });
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= 3 || code === undefined || !CREATE_RACE.has(code)) throw error;
      }
    }
  }

  #name(table: Table): string {
    return this.#prefix + quoteIdent(table.name);
  }

  count(table: Table): Promise<number> {
    return this.#count(this.#sql, table);
  }

  async #count(sql: Sql | Transaction, table: Table): Promise<number> {
    const [{ n }] = await sql.unsafe(`SELECT COUNT(*) AS n FROM ${this.#name(table)}`);
    return Number(n);
  }

  async rejectsMark(_table: Table, file: string): Promise<string | undefined> {
    const rows = await this.#sql.unsafe(
      `SELECT "token" FROM ${this.#prefix}"rejects_marks" WHERE "file" = $1`,
      [file],
    );
    return rows[0]?.token as string | undefined;
  }

  /** Always true: opening the store creates the three tables. */
  hasTable(): Promise<boolean> {
    return Promise.resolve(true);
  }

  async write<T>(table: Table, body: (writer: Writer) => Promise<T>): Promise<T> {
    let result!: T;
    try {
      await this.#sql.begin(async (tx) => {
        const open: OpenWrite = { tx, staged: 0 };
        await tx.unsafe(
          `CREATE TEMPORARY TABLE ${quoteIdent(`staging_${table.name}`)} ` +
            `(LIKE ${this.#name(table)}) ON COMMIT DROP`,
        );
        result = await body(this.#writer(table, open));
        await this.#flush(table, open);
      });
    } catch (error) {
      // A failure of the server (a lost connection, a full disk) names the
      // database; the import's own errors already say what they need to.
      if (error instanceof Error && "severity" in error) {
        throw new Error(
          `Cannot write to database "${shown(this.location)}": ${error.message}`,
          { cause: error },
        );
      }
      throw error;
    }
    return result;
  }

  #writer(table: Table, open: OpenWrite): Writer {
    const columns = table.columns.map((c) => quoteIdent(c.name)).join(", ");
    const copy = `COPY ${quoteIdent(`staging_${table.name}`)} (${columns}) FROM STDIN`;
    return {
      upsert: async (rows: Value[][]) => {
        if (rows.length === 0) return;
        let text = "";
        for (const row of rows) text += row.map(copyField).join("\t") + "\n";
        const stream = await open.tx.unsafe(copy).writable();
        stream.end(text);
        await finished(stream);
        open.staged += rows.length;
      },
      // The staged rows are not in the table yet: move them before counting.
      count: async () => {
        await this.#flush(table, open);
        return await this.#count(open.tx, table);
      },
      missing: (reference: Reference, keys: string[]) => this.#absent(open.tx, reference, keys),
      record: async (record: ImportRecord) => {
        await open.tx.unsafe(
          `INSERT INTO ${this.#prefix}"import_log" ` +
            `("table_name", "at", "file", "processed", "rejected", "seconds") ` +
            `VALUES ($1, $2, $3, $4, $5, $6)`,
          [table.name, record.at, record.file, record.processed, record.rejected, record.seconds],
        );
      },
      markRejects: async (file: string, token: string) => {
        await open.tx.unsafe(
          `INSERT INTO ${this.#prefix}"rejects_marks" ("file", "token") VALUES ($1, $2) ` +
            `ON CONFLICT ("file") DO UPDATE SET "token" = EXCLUDED."token"`,
          [file, token],
        );
      },
    };
  }

  /** The keys among `keys` with no row in the referenced table, as `sql` sees it. */
  async #absent(sql: Sql | Transaction, reference: Reference, keys: string[]): Promise<string[]> {
    const target = getTable(reference.table);
    const found = await sql.unsafe(
      `SELECT ${quoteIdent(target.key)} AS k FROM ${this.#name(target)} WHERE ${
        quoteIdent(target.key)
      } = ANY($1)`,
      [keys],
    );
    const present = new Set(found.map((row) => row.k as string));
    return keys.filter((key) => !present.has(key));
  }

  missing(reference: Reference, keys: string[]): Promise<string[]> {
    return this.#absent(this.#sql, reference, keys);
  }

  async lastImport(table: Table): Promise<ImportRecord | undefined> {
    const [row] = await this.#sql.unsafe(
      `SELECT "at", "file", "processed", "rejected", "seconds" FROM ${this.#prefix}"import_log" ` +
        `WHERE "table_name" = $1 ORDER BY "at" DESC LIMIT 1`,
      [table.name],
    );
    if (row === undefined) return undefined;
    return {
      at: row.at,
      file: row.file,
      processed: Number(row.processed),
      rejected: Number(row.rejected),
      seconds: row.seconds,
    };
  }

  async tableInfo(table: Table): Promise<TableInfo> {
    const [row] = await this.#sql.unsafe(
      `SELECT current_database() AS db, current_schema() AS schema, ` +
        `pg_total_relation_size($1::regclass) AS bytes`,
      [this.#name(table)],
    );
    const schema = this.#schema ?? row.schema;
    return { where: `${row.db}.${schema}.${table.name}`, bytes: Number(row.bytes) };
  }

  async query(text: string): Promise<QueryResult> {
    try {
      return await this.#sql.begin("read only", async (tx) => {
        if (this.#schema !== undefined) {
          await tx.unsafe(`SET LOCAL search_path TO ${quoteIdent(this.#schema)}`);
        }
        // The extended protocol, as with parameters, runs one statement only
        // (the driver's `simple` option, which its types do not declare).
        const result = await tx.unsafe(text, [], Object.assign({ prepare: false }, EXTENDED));
        const columns = result.columns ?? [];
        const whole = columns.filter((column) => column.type === INT8).map((c) => c.name);
        const rows = result.map((row) => {
          for (const name of whole) if (row[name] !== null) row[name] = wholeNumber(row[name]);
          return row;
        });
        return { columns: columns.map((column) => column.name), rows };
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const reason = code === "25006"
        ? "it would write, and norton sql only reads"
        : code === "42601" && /multiple commands/.test((error as Error).message)
        ? "it holds more than one statement: run them one at a time"
        : (error as Error).message;
      throw new Error(`Cannot run the query: ${reason}`, { cause: error });
    }
  }

  async *readRows(table: Table): AsyncIterable<Value[][]> {
    const whole = table.columns.map((column) => column.type === "INTEGER");
    const cursor = this.#sql.unsafe(
      `SELECT ${table.columns.map((c) => quoteIdent(c.name)).join(", ")} FROM ${
        this.#name(table)
      } ORDER BY ${quoteIdent(table.key)} COLLATE "C"`,
    ).values().cursor(READ_BATCH);
    for await (const rows of cursor) {
      yield rows.map((row: Value[]) => row.map((value, c) => whole[c] ? Number(value) : value));
    }
  }

  /** Moves the staged rows into the table, locking its rows in key order. */
  async #flush(table: Table, open: OpenWrite): Promise<void> {
    if (open.staged === 0) return;
    const names = table.columns.map((c) => quoteIdent(c.name));
    const staging = quoteIdent(`staging_${table.name}`);
    const updates = names.slice(1).map((n) => `${n} = EXCLUDED.${n}`).join(", ");
    await open.tx.unsafe(
      `INSERT INTO ${this.#name(table)} (${names.join(", ")}) ` +
        `SELECT ${names.join(", ")} FROM ${staging} ORDER BY ${
          quoteIdent(table.key)
        } COLLATE "C" ` +
        `ON CONFLICT (${quoteIdent(table.key)}) DO UPDATE SET ${updates}`,
    );
    await open.tx.unsafe(`TRUNCATE ${staging}`);
    open.staged = 0;
  }

  async availableProducts(): Promise<Product[]> {
    const rows = await this.#sql.unsafe(
      `SELECT * FROM ${this.#name(getTable("products"))} ` +
        `WHERE "quantity_available" > 0 ORDER BY "product_id" COLLATE "C"`,
    );
    // Binary ("C") order, as SQLite sorts. bigint arrives as text (it may
    // exceed 2^53 in general; ours never does).
    return rows.map((row) => ({
      ...row,
      quantity_available: Number(row.quantity_available),
    })) as unknown as Product[];
  }

  async renters(productId: string): Promise<Customer[]> {
    const rows = await this.#sql.unsafe(
      `SELECT c.* FROM ${this.#name(getTable("customers"))} c WHERE c."user_id" IN ` +
        `(SELECT r."user_id" FROM ${this.#name(getTable("rentals"))} r ` +
        `WHERE r."product_id" = $1) ORDER BY c."user_id" COLLATE "C"`,
      [productId],
    );
    return [...rows] as unknown as Customer[];
  }

  async close(): Promise<void> {
    await this.#sql.end();
  }
}
