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
  /** The rows in the table as this transaction sees it, its own writes included. */
  count(): Promise<number>;
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
   */
  write<T>(table: Table, body: (writer: Writer) => Promise<T>): Promise<T>;
  /** Products with a quantity above 0, by product_id. */
  availableProducts(): Promise<Product[]>;
  /** Customers who rented the product `productId`, by user_id. */
  renters(productId: string): Promise<Customer[]>;
  /** Closes the connection. */
  close(): Promise<void>;
}
