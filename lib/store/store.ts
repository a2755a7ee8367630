/**
 * Storage behind one interface: the import routine, the queries and every entry
 * point go through a {@linkcode Store}, so the layout (and the database engine)
 * can change without callers noticing. {@linkcode openStore} picks the engine
 * from the location.
 *
 * @module
 */
import type { Reference, Table } from "../schema.ts";
import { SqliteStore } from "./sqlite.ts";

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

/** Writes inside one table's transaction. */
export interface Writer {
  /** Inserts `rows` (values in the table's column order), updating rows whose key exists. */
  upsert(rows: Value[][]): Promise<void> | void;
  /** The keys among `keys` that have no row in the referenced table. */
  missing(reference: Reference, keys: string[]): Promise<string[]> | string[];
  /**
   * Records, in this transaction, that the write `token` owns the rejects
   * file `file` (replacing any earlier owner), so that once it commits,
   * {@linkcode Store.rejectsMark} says so (see lib/rejects.ts).
   */
  markRejects(file: string, token: string): Promise<void> | void;
}

/** A database holding the three tables. */
export interface Store {
  /** Where the data lives, as given to {@linkcode openStore}. */
  readonly location: string;
  /** The number of rows in `table`. */
  count(table: Table): Promise<number>;
  /**
   * Runs `body` in one write transaction on `table`: it commits when `body`
   * resolves and rolls back, leaving the table as it was, when `body` throws.
   */
  write<T>(table: Table, body: (writer: Writer) => Promise<T>): Promise<T>;
  /** The token of the last committed write of `table` that marked the rejects file `file`. */
  rejectsMark(table: Table, file: string): Promise<string | undefined>;
  /** Products with a quantity above 0, by product_id. */
  availableProducts(): Promise<Product[]>;
  /** Customers who rented the product `productId`, by user_id. */
  renters(productId: string): Promise<Customer[]>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Whether `location` names a PostgreSQL database (`postgres://…`) rather than a SQLite path. */
export function isPgLocation(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

/**
 * Opens the store at `location`, creating its tables if they are missing:
 * `postgres://…` or `postgresql://…` is a PostgreSQL database (lib/store/postgres.ts),
 * anything else a SQLite path.
 */
export async function openStore(location: string): Promise<Store> {
  if (isPgLocation(location)) {
    // Loaded only when asked for, so SQLite runs start without the driver.
    const { PgStore } = await import("./postgres.ts");
    return await PgStore.open(location);
  }
  return new SqliteStore(location);
}
