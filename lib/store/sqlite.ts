/**
 * The SQLite store, on Deno's built-in `node:sqlite`: the pragmas and the SQL of
 * every import and query into SQLite are here (the contention demonstration and
 * the benchmark's references set up their own, on purpose).
 *
 * Layout: each table lives in a database file of its own, which the caller
 * names (open.ts: `data/hpnorton/customers.db` …); the store creates the
 * file's folder when it first writes. SQLite allows one writer per file, so
 * imports of different tables write truly in parallel and never wait for each
 * other (measured in bench/, reasoned in findings.txt). Each file has its own
 * connection. The files are not ATTACHed: `BEGIN IMMEDIATE` would then lock
 * every attached file, and Deno disables ATTACH for processes whose file
 * permissions are scoped. The queries that span tables (renters of a product)
 * read each table's file in turn instead; `query` (sqlite_query.ts) brings the
 * tables a statement names into one read-only connection.
 *
 * Each file also holds the table's import log (`import_log`): one row per
 * committed import, written in the import's own transaction.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { databaseError } from "./database_error.ts";
import { dirname } from "../paths.ts";
import { getTable, quoteIdent, type Reference, type Table, type TableName } from "../schema.ts";
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
import { namedTables, queryTables } from "./sqlite_query.ts";

/**
 * How long a writer waits for another writer's lock before SQLITE_BUSY. An
 * import of a million rows holds its table's lock for a few seconds, so
 * concurrent imports of one table must be able to queue behind each other.
 */
export const BUSY_TIMEOUT_MS = 60_000;

/** Rows per multi-row INSERT statement (measured: see bench/). */
export const ROWS_PER_STATEMENT = 16;

/** The CREATE TABLE statement of `table` (also used by the benchmark's sqlite3 reference). */
export function createSql(table: Table): string {
  const columns = table.columns.map((c) =>
    `${quoteIdent(c.name)} ${c.type} NOT NULL${c.name === table.key ? " PRIMARY KEY" : ""}`
  );
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table.name)} (${
    columns.join(", ")
  }) STRICT, WITHOUT ROWID`;
}

/** The import log kept in every table's file (see the module comment). */
const IMPORT_LOG_SQL = `CREATE TABLE IF NOT EXISTS "import_log" (` +
  `"at" TEXT NOT NULL, "file" TEXT NOT NULL, "processed" INTEGER NOT NULL, ` +
  `"rejected" INTEGER NOT NULL, "seconds" REAL NOT NULL) STRICT`;

/** Rows per batch of {@linkcode SqliteStore.readRows}. */
const READ_BATCH = 1024;

function upsertSql(table: Table, rows: number): string {
  const names = table.columns.map((c) => quoteIdent(c.name));
  const tuple = `(${names.map(() => "?").join(",")})`;
  const updates = names.slice(1).map((n) => `${n} = excluded.${n}`).join(", ");
  return `INSERT INTO ${quoteIdent(table.name)} (${names.join(", ")}) VALUES ` +
    Array.from({ length: rows }, () => tuple).join(",") +
    ` ON CONFLICT(${quoteIdent(table.key)}) DO UPDATE SET ${updates}`;
}

/**
 * Beside each table, in its file: which import owns each rejects file (see
 * lib/rejects.ts), written in the import's own transaction.
 */
const MARKS_SQL =
  `CREATE TABLE IF NOT EXISTS "rejects_marks" ("file" TEXT NOT NULL PRIMARY KEY, "token" TEXT NOT NULL) STRICT, WITHOUT ROWID`;

/** Opens a database file with the store's pragmas. */
function connect(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  switchToWal(db);
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA cache_size = -8192");
  return db;
}

/**
 * `PRAGMA journal_mode = WAL`, tried again for up to {@linkcode BUSY_TIMEOUT_MS}
 * while it is refused. Processes that open a new file at the same moment each
 * switch it to WAL, and SQLite may answer one "database is locked" at once,
 * without its busy handler, where both waiting could deadlock: 1 in 150
 * rounds of four processes opening one new file (tests/concurrent_writers_test.ts
 * failed on it once in CI). The wait blocks the thread, as SQLite's own busy
 * handler would: opening is synchronous, and only a file's first opening races.
 */
function switchToWal(db: DatabaseSync): void {
  const deadline = performance.now() + BUSY_TIMEOUT_MS;
  for (let pause = 1;; pause = Math.min(pause * 2, 50)) {
    try {
      db.exec("PRAGMA journal_mode = WAL");
      return;
    } catch (error) {
      if (!/database is locked/.test(String(error)) || performance.now() > deadline) throw error;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
  }
}

/**
 * `BEGIN IMMEDIATE`, waiting up to {@linkcode BUSY_TIMEOUT_MS} for another
 * writer without blocking the thread. SQLite's own busy handler sleeps in the
 * thread that asked; two imports of one table in one thread (parallel mode
 * imports in the calling thread too, and a program may run several imports at
 * once) would then wait for each other forever. Waiting here, between tries,
 * lets the writer that holds the lock go on and commit.
 */
async function beginImmediate(db: DatabaseSync): Promise<void> {
  const deadline = performance.now() + BUSY_TIMEOUT_MS;
  for (let pause = 1;; pause = Math.min(pause * 2, 50)) {
    db.exec("PRAGMA busy_timeout = 0");
    try {
      db.exec("BEGIN IMMEDIATE");
      return;
    } catch (error) {
      if (!/database is locked/.test(String(error)) || performance.now() > deadline) throw error;
    } finally {
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * Hands back the pages a committed import cached: they are of no use to the
 * next file's import (linear imports customers, then products). Linear's peak
 * memory at 1,000,000 rows per file: 189 -> 179 MiB (medians of 3). Nothing
 * here may fail the import, which has committed.
 */
function releaseCache(db: DatabaseSync): void {
  try {
    db.exec("PRAGMA shrink_memory");
  } catch {
    // Only memory is at stake.
  }
}

/** The rows of `table`, counted on its connection (inside its transaction, if one is open). */
function countRows(connection: TableConnection, table: Table): number {
  const statement = connection.prepare(`SELECT COUNT(*) AS n FROM ${quoteIdent(table.name)}`);
  return (statement.get() as { n: number }).n;
}

/**
 * Creates `folder` if it is missing; its parent must exist (a mistyped path
 * creates nothing). Workers of one parallel import create it at the same
 * moment: losing that race is no error, a file of that name is.
 */
function createFolder(folder: string): void {
  try {
    if (Deno.statSync(folder).isDirectory) return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  try {
    Deno.mkdirSync(folder);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists) || !Deno.statSync(folder).isDirectory) {
      throw error;
    }
  }
}

/** One table's file and the statements prepared on it. */
class TableConnection {
  readonly db: DatabaseSync;
  readonly #table: Table;
  #created = false;
  #statements = new Map<string, StatementSync>();

  constructor(path: string, table: Table) {
    this.#table = table;
    try {
      createFolder(dirname(path));
      this.db = connect(path);
    } catch (error) {
      throw databaseError(path, error);
    }
  }

  /**
   * Creates the table if it is missing. An import does it inside its own
   * transaction instead (see {@linkcode SqliteStore.write}): a commit of its
   * own is one more fsync of the WAL for every new table file (strace of
   * linear.ts on a new database: 10 fsyncs per table file, 9 now), a few
   * milliseconds each on a busy disk, in a 1,000-row import of 50-100 ms.
   */
  create(): void {
    if (this.#created) return;
    this.db.exec(createSql(this.#table));
    this.db.exec(IMPORT_LOG_SQL);
    this.db.exec(MARKS_SQL);
    if (!this.db.isTransaction) this.#created = true;
  }

  /** The table was created by a transaction that has now committed. */
  committed(): void {
    this.#created = true;
  }

  /** Whether the table is known to exist (created, or found, on this connection). */
  get created(): boolean {
    return this.#created;
  }

  prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

/** A store of SQLite files, one per table. */
export class SqliteStore implements Store {
  readonly location: string;
  #file: (table: TableName) => string;
  #tables = new Map<TableName, TableConnection>();

  /** The store at `location`, whose `table` lives in the file `file(table)` (created on first use). */
  constructor(location: string, file: (table: TableName) => string) {
    this.location = location;
    this.#file = file;
  }

  /** The connection to `table`'s file, opened on first use; the table is created by the caller. */
  #open(table: Table): TableConnection {
    let connection = this.#tables.get(table.name);
    if (connection === undefined) {
      connection = new TableConnection(this.#file(table.name), table);
      this.#tables.set(table.name, connection);
    }
    return connection;
  }

  /** The connection to `table`'s file, the table created if missing. */
  #table(table: Table): TableConnection {
    const connection = this.#open(table);
    try {
      connection.create();
    } catch (error) {
      throw databaseError(this.#file(table.name), error);
    }
    return connection;
  }

  count(table: Table): Promise<number> {
    return Promise.resolve(countRows(this.#table(table), table));
  }

  hasTable(table: Table): Promise<boolean> {
    if (this.#tables.has(table.name)) return Promise.resolve(true);
    try {
      return Promise.resolve(Deno.statSync(this.#file(table.name)).isFile);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return Promise.resolve(false);
      throw databaseError(this.#file(table.name), error);
    }
  }

  rejectsMark(table: Table, file: string): Promise<string | undefined> {
    // Asked without creating anything: it is asked after a failed write too,
    // whose rollback may have taken the new tables with it (a first import on
    // a full disk), and a table of marks never committed holds no mark.
    try {
      const row = this.#open(table).prepare(
        `SELECT "token" FROM "rejects_marks" WHERE "file" = ?`,
      ).get(file) as { token: string } | undefined;
      return Promise.resolve(row?.token);
    } catch (error) {
      if (/no such table/.test(String(error))) return Promise.resolve(undefined);
      throw databaseError(this.#file(table.name), error);
    }
  }

  async write<T>(table: Table, body: (writer: Writer) => Promise<T>): Promise<T> {
    const connection = this.#open(table);
    try {
      await beginImmediate(connection.db);
      connection.create();
    } catch (error) {
      if (connection.db.isTransaction) connection.db.exec("ROLLBACK");
      // The first use of a file is where it is really opened (so the wording
      // is the one it had when the table was created on connecting), but
      // waiting too long for another writer is a write refused.
      const writing = connection.created || /database is locked/.test(String(error));
      throw databaseError(this.#file(table.name), error, { writing });
    }
    try {
      const result = await body(this.#writer(connection, table));
      connection.db.exec("COMMIT");
      connection.committed();
      releaseCache(connection.db);
      return result;
    } catch (error) {
      try {
        if (connection.db.isTransaction) connection.db.exec("ROLLBACK");
        // A refused first import leaves the empty table, as an import never run would.
        connection.create();
      } catch {
        // SQLite rolls back by itself when it cannot; the first error is the one to tell.
      }
      // A failure of SQLite itself (disk full, I/O) names the file; the import's
      // own errors (a bad row, a cancel) already say what they need to.
      if ((error as { code?: string }).code === "ERR_SQLITE_ERROR") {
        throw databaseError(this.#file(table.name), error, { writing: true });
      }
      throw error;
    }
  }

  #writer(connection: TableConnection, table: Table): Writer {
    const width = table.columns.length;
    const full = connection.prepare(upsertSql(table, ROWS_PER_STATEMENT));
    const single = connection.prepare(upsertSql(table, 1));
    const params: Value[] = new Array(ROWS_PER_STATEMENT * width);
    return {
      upsert: (rows: Value[][]) => {
        let i = 0;
        for (; i + ROWS_PER_STATEMENT <= rows.length; i += ROWS_PER_STATEMENT) {
          for (let r = 0; r < ROWS_PER_STATEMENT; r++) {
            const row = rows[i + r];
            for (let c = 0; c < width; c++) params[r * width + c] = row[c];
          }
          full.run(...params);
        }
        for (; i < rows.length; i++) single.run(...rows[i]);
      },
      count: () => Promise.resolve(countRows(connection, table)),
      missing: (reference: Reference, keys: string[]) => this.#absent(reference, keys),
      record: (record: ImportRecord) => {
        connection.prepare(
          `INSERT INTO "import_log" ("at", "file", "processed", "rejected", "seconds") ` +
            `VALUES (?, ?, ?, ?, ?)`,
        ).run(record.at, record.file, record.processed, record.rejected, record.seconds);
      },
      markRejects: (file: string, token: string) => {
        connection.prepare(
          `INSERT INTO "rejects_marks" ("file", "token") VALUES (?, ?) ` +
            `ON CONFLICT("file") DO UPDATE SET "token" = excluded."token"`,
        ).run(file, token);
      },
    };
  }

  /** The keys among `keys` with no row in the referenced table. */
  #absent(reference: Reference, keys: string[]): string[] {
    // One query per batch, the keys bound as one JSON array: a query per key
    // made a 200,000-row rentals import four times slower.
    const target = getTable(reference.table);
    const found = this.#table(target).prepare(
      `SELECT ${quoteIdent(target.key)} AS key FROM ${quoteIdent(target.name)} ` +
        `WHERE ${quoteIdent(target.key)} IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(keys)) as { key: string }[];
    const present = new Set(found.map((row) => row.key));
    return keys.filter((key) => !present.has(key));
  }

  async missing(reference: Reference, keys: string[]): Promise<string[]> {
    return await this.hasTable(getTable(reference.table)) ? this.#absent(reference, keys) : keys;
  }

  async lastImport(table: Table): Promise<ImportRecord | undefined> {
    if (!await this.hasTable(table)) return undefined;
    const row = this.#table(table).prepare(
      `SELECT "at", "file", "processed", "rejected", "seconds" FROM "import_log" ` +
        `ORDER BY rowid DESC LIMIT 1`,
    ).get() as ImportRecord | undefined;
    return row === undefined ? undefined : { ...row };
  }

  tableInfo(table: Table): Promise<TableInfo> {
    const where = this.#file(table.name);
    let bytes = 0;
    for (const path of [where, `${where}-wal`]) {
      try {
        bytes += Deno.statSync(path).size;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw databaseError(where, error);
      }
    }
    return Promise.resolve({ where, bytes });
  }

  async query(sql: string): Promise<QueryResult> {
    const tables = [];
    for (const table of namedTables(sql)) {
      const { where, bytes } = await this.tableInfo(table);
      tables.push({ table, file: await this.hasTable(table) ? where : undefined, bytes });
    }
    try {
      return queryTables(sql, tables, createSql);
    } catch (error) {
      const message = (error as Error).message;
      throw new Error(
        `Cannot run the query: ${
          /readonly database/.test(message) ? "it would write, and norton sql only reads" : message
        }`,
        { cause: error },
      );
    }
  }

  async *readRows(table: Table): AsyncIterable<Value[][]> {
    if (!await this.hasTable(table)) return;
    const rows = this.#table(table).prepare(
      `SELECT * FROM ${quoteIdent(table.name)} ORDER BY ${quoteIdent(table.key)}`,
    );
    rows.setReturnArrays(true);
    let batch: Value[][] = [];
    for (const row of rows.iterate() as Iterable<Value[]>) {
      batch.push(row);
      if (batch.length === READ_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  availableProducts(): Promise<Product[]> {
    const products = getTable("products");
    const statement = this.#table(products).prepare(
      `SELECT * FROM ${
        quoteIdent(products.name)
      } WHERE "quantity_available" > 0 ORDER BY "product_id"`,
    );
    return Promise.resolve(statement.all() as unknown as Product[]);
  }

  renters(productId: string): Promise<Customer[]> {
    const rentals = getTable("rentals");
    const customers = getTable("customers");
    const ids = this.#table(rentals).prepare(
      `SELECT DISTINCT "user_id" FROM ${quoteIdent(rentals.name)} WHERE "product_id" = ?`,
    ).all(productId) as { user_id: string }[];
    const customer = this.#table(customers).prepare(
      `SELECT * FROM ${quoteIdent(customers.name)} WHERE "user_id" = ?`,
    );
    const found = ids.map(({ user_id }) => customer.get(user_id) as Customer | undefined);
    return Promise.resolve(
      found.filter((c): c is Customer => c !== undefined).sort((a, b) =>
        a.user_id < b.user_id ? -1 : 1
      ),
    );
  }

  close(): Promise<void> {
    for (const connection of this.#tables.values()) connection.db.close();
    this.#tables.clear();
    return Promise.resolve();
  }
}
