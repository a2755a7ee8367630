/**
 * The storage seam: the {@linkcode Store} and {@linkcode Writer} interfaces and
 * the row types, and nothing else. This file imports no engine; each engine
 * (sqlite.ts, postgres.ts) implements these interfaces, and open.ts, the one
 * module that knows what a location means, picks the engine for a location.
 *
 * @module
 */
import type { Reference, Table } from "../schema.ts";

/** A stored value: text or a whole number. */
export type Value = string | number;

/** A row of the products table. */
export interface Product {
  /** The key. */
  product_id: string;
  /** What it is. */
  description: string;
  /** Its kind: livingroom, bedroom, kitchen, office … */
  product_type: string;
  /** Units available for rent; 0 means not available. */
  quantity_available: number;
}

/** A row of the customers table. */
export interface Customer {
  /** The key. */
  user_id: string;
  /** Full name. */
  name: string;
  /** Postal address. */
  address: string;
  /** Zip code. */
  zip_code: string;
  /** Phone number. */
  phone_number: string;
  /** E-mail address. */
  email: string;
}

/**
 * The CSV text a batch of rows was read from, for a store that loads CSV
 * faster than it encodes values (PostgreSQL's COPY): it may send the text as
 * it is instead of the rows.
 */
export interface CsvText {
  /**
   * The rows' records exactly as the file has them, in order (RFC 4180, no
   * header), perhaps with blank lines between them: each field, read as its
   * column's SQL type, is the row's value. The importer passes it only when
   * no check changed a value (it trims keys, for one).
   */
  text: string;
  /** The column names in the order the text has them (the header's order). */
  columns: readonly string[];
  /** The character between fields (a comma unless the import was told otherwise). */
  delimiter: string;
}

/**
 * What an import recorded about itself in its table's import log, in the same
 * transaction as its rows: the log never names an import that rolled back.
 */
export interface ImportRecord {
  /** When the import finished writing (ISO 8601, UTC); its commit follows at once. */
  at: string;
  /** The CSV file, as the import was given it. */
  file: string;
  /** Data rows read. */
  processed: number;
  /** Rows sent to the rejects file instead of the table. */
  rejected: number;
  /** Seconds from the start of this file's import until it finished writing. */
  seconds: number;
}

/** Where a table lives, and the room it takes. */
export interface TableInfo {
  /** The SQLite file, or `database.schema.table` on a server. */
  where: string;
  /** Bytes it takes: the SQLite file with its write-ahead log, or the table and its index. */
  bytes: number;
}

/** What a read-only query returned: its column names, and one object per row. */
export interface QueryResult {
  /** Column names, in the query's order. */
  columns: string[];
  /** The rows, each keyed by column name. */
  rows: Record<string, unknown>[];
}

/** Writes inside one table's transaction. */
export interface Writer {
  /**
   * Inserts `rows` (values in the table's column order), updating rows whose
   * key exists. `csv`, when given, holds the same rows as CSV text.
   */
  upsert(rows: Value[][], csv?: CsvText): Promise<void> | void;
  /** The keys among `keys` that have no row in the referenced table. */
  missing(reference: Reference, keys: string[]): Promise<string[]> | string[];
  /**
   * Records, in this transaction, that the write `token` owns the rejects
   * file `file` (replacing any earlier owner), so that once it commits,
   * {@linkcode Store.rejectsMark} says so (see lib/rejects.ts).
   */
  markRejects(file: string, token: string): Promise<void> | void;
  /** The rows in the table as this transaction sees it, its own writes included. */
  count(): Promise<number>;
  /** Adds `record` to the table's import log, committed (or rolled back) with the rows. */
  record(record: ImportRecord): Promise<void> | void;
}

/** A database holding the three tables. */
export interface Store {
  /** Where the data lives, as given to `openStore` (lib/store/open.ts). */
  readonly location: string;
  /** The number of rows in `table`. */
  count(table: Table): Promise<number>;
  /**
   * Whether `table` holds data that was ever imported, asked without creating
   * it: a query on a table never imported is a mistake worth naming.
   */
  hasTable(table: Table): Promise<boolean>;
  /**
   * Runs `body` in one write transaction on `table`: it commits when `body`
   * resolves and rolls back, leaving the table as it was, when `body` throws.
   * Aborting `signal` before COMMIT ends a statement the store waits for (a
   * server's merge can take seconds) and rolls back, rejecting with the
   * signal's reason; `body` itself checks the signal between batches.
   */
  write<T>(table: Table, body: (writer: Writer) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** The token of the last committed write of `table` that marked the rejects file `file`. */
  rejectsMark(table: Table, file: string): Promise<string | undefined>;
  /** The latest entry of `table`'s import log, if it was ever imported. */
  lastImport(table: Table): Promise<ImportRecord | undefined>;
  /** Where `table` lives and its size; asking creates nothing. */
  tableInfo(table: Table): Promise<TableInfo>;
  /**
   * The keys among `keys` that have no row in the referenced table, read
   * outside any transaction (a table never imported has none of them).
   */
  missing(reference: Reference, keys: string[]): Promise<string[]>;
  /**
   * Runs one read-only SQL statement in which the tables are addressable by
   * name (so rentals join customers and products). Throws, changing nothing,
   * on a statement that would write or on more than one statement.
   */
  query(sql: string): Promise<QueryResult>;
  /** Every row of `table` in key order, values in column order, in batches. */
  readRows(table: Table): AsyncIterable<Value[][]>;
  /** Products with a quantity above 0, by product_id. */
  availableProducts(): Promise<Product[]>;
  /** Customers who rented the product `productId`, by user_id. */
  renters(productId: string): Promise<Customer[]>;
  /** Closes the connection. */
  close(): Promise<void>;
}
