/**
 * The SQLite store, on Deno's built-in `node:sqlite`: the pragmas and the SQL of
 * every import and query into SQLite are here (the contention demonstration and
 * the benchmark's references set up their own, on purpose).
 *
 * Layout: each table lives in a database file of its own, named from the
 * location (`data/hpnorton.db` means `data/hpnorton.customers.db`,
 * `data/hpnorton.products.db` and `data/hpnorton.rentals.db`). SQLite allows one
 * writer per file, so imports of different tables write truly in parallel and
 * never wait for each other (measured in bench/, reasoned in findings.txt).
 * Each file has its own connection. The files are not ATTACHed: `BEGIN
 * IMMEDIATE` would then lock every attached file, and Deno disables ATTACH for
 * processes whose file permissions are scoped. The queries that span tables
 * (renters of a product) read each table's file in turn instead.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { databaseError } from "./database_error.ts";
import { getTable, quoteIdent, type Reference, type Table, type TableName } from "../schema.ts";
import type { Customer, Product, Store, Value, Writer } from "./store.ts";

/**
 * How long a writer waits for another writer's lock before SQLITE_BUSY. An
 * import of a million rows holds its table's lock for a few seconds, so
 * concurrent imports of one table must be able to queue behind each other.
 */
export const BUSY_TIMEOUT_MS = 60_000;

/** Rows per multi-row INSERT statement (measured: see bench/). */
export const ROWS_PER_STATEMENT = 16;

/** The database file that holds `table` for the store at `location`. */
export function tableFile(location: string, table: TableName): string {
  const match = /^(.*?)(\.(?:db|sqlite3?))?$/.exec(location)!;
  return `${match[1]}.${table}${match[2] ?? ".db"}`;
}

/** The CREATE TABLE statement of `table` (also used by the benchmark's sqlite3 reference). */
export function createSql(table: Table): string {
  const columns = table.columns.map((c, i) =>
    `${quoteIdent(c.name)} ${c.type} NOT NULL${i === 0 ? " PRIMARY KEY" : ""}`
  );
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table.name)} (${
    columns.join(", ")
  }) STRICT, WITHOUT ROWID`;
}

function upsertSql(table: Table, rows: number): string {
  const names = table.columns.map((c) => quoteIdent(c.name));
  const tuple = `(${names.map(() => "?").join(",")})`;
  const updates = names.slice(1).map((n) => `${n} = excluded.${n}`).join(", ");
  return `INSERT INTO ${quoteIdent(table.name)} (${names.join(", ")}) VALUES ` +
    Array.from({ length: rows }, () => tuple).join(",") +
    ` ON CONFLICT(${quoteIdent(table.key)}) DO UPDATE SET ${updates}`;
}

/** Opens a database file with the store's pragmas. */
function connect(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA cache_size = -8192");
  return db;
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

/** The rows of `table`, counted on its connection (inside its transaction, if one is open). */
function countRows(connection: TableConnection, table: Table): number {
  const statement = connection.prepare(`SELECT COUNT(*) AS n FROM ${quoteIdent(table.name)}`);
  return (statement.get() as { n: number }).n;
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
    if (!this.db.isTransaction) this.#created = true;
  }

  /** The table was created by a transaction that has now committed. */
  committed(): void {
    this.#created = true;
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

/** A store of SQLite files, one per table, named from the location. */
export class SqliteStore implements Store {
  readonly location: string;
  #tables = new Map<TableName, TableConnection>();

  /** Opens (or creates) the store at `location`. */
  constructor(location: string) {
    this.location = location;
  }

  /** The connection to `table`'s file, opened on first use; the table is created by the caller. */
  #open(table: Table): TableConnection {
    let connection = this.#tables.get(table.name);
    if (connection === undefined) {
      connection = new TableConnection(tableFile(this.location, table.name), table);
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
      throw databaseError(tableFile(this.location, table.name), error);
    }
    return connection;
  }

  count(table: Table): Promise<number> {
    return Promise.resolve(countRows(this.#table(table), table));
  }

  hasTable(table: Table): Promise<boolean> {
    if (this.#tables.has(table.name)) return Promise.resolve(true);
    try {
      return Promise.resolve(Deno.statSync(tableFile(this.location, table.name)).isFile);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return Promise.resolve(false);
      throw databaseError(tableFile(this.location, table.name), error);
    }
  }

  async write<T>(table: Table, body: (writer: Writer) => Promise<T>): Promise<T> {
    const connection = this.#open(table);
    try {
      await beginImmediate(connection.db);
      connection.create();
    } catch (error) {
      if (connection.db.isTransaction) connection.db.exec("ROLLBACK");
      throw databaseError(tableFile(this.location, table.name), error, { writing: true });
    }
    try {
      const result = await body(this.#writer(connection, table));
      connection.db.exec("COMMIT");
      connection.committed();
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
        throw databaseError(tableFile(this.location, table.name), error, { writing: true });
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
      missing: (reference: Reference, keys: string[]) => {
        // One query per batch, the keys bound as one JSON array: a query per key
        // made a 200,000-row rentals import four times slower.
        const target = getTable(reference.table);
        const found = this.#table(target).prepare(
          `SELECT ${quoteIdent(target.key)} AS key FROM ${quoteIdent(target.name)} ` +
            `WHERE ${quoteIdent(target.key)} IN (SELECT value FROM json_each(?))`,
        ).all(JSON.stringify(keys)) as { key: string }[];
        const present = new Set(found.map((row) => row.key));
        return keys.filter((key) => !present.has(key));
      },
    };
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
