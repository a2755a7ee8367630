/**
 * What a database location means, decided here and nowhere else: which engine
 * serves it, and which folder holds the rejects files of its imports.
 *
 * `postgres://…` or `postgresql://…` is a PostgreSQL database (postgres.ts);
 * anything else is a SQLite folder (sqlite.ts) holding one database file per
 * table, named after it: `data/hpnorton` means `data/hpnorton/customers.db`,
 * `data/hpnorton/products.db` and `data/hpnorton/rentals.db` (see
 * {@linkcode tableFile}). Each engine is loaded only when a location asks for
 * it, so a thread that only reports results (parallel.ts's main thread) loads
 * neither node:sqlite nor the PostgreSQL driver.
 *
 * Adding an engine is one new file in this folder implementing
 * {@linkcode Store}, plus one line in {@linkcode ENGINES}.
 *
 * @example
 * ```ts
 * import { openStore } from "./open.ts";
 * const store = await openStore("data/hpnorton");
 * console.log(await store.hasTable((await import("../schema.ts")).getTable("customers")));
 * await store.close();
 * ```
 *
 * @module
 */
import { dirname, join } from "../paths.ts";
import type { TableName } from "../schema.ts";
import type { Store } from "./store.ts";

/** An engine: the locations it serves and how it opens one. */
interface Engine {
  /** Whether `location` is this engine's. */
  serves(location: string): boolean;
  /** Opens (creating what is missing) the store at `location`. */
  open(location: string): Promise<Store>;
  /** Whether the engine keeps its data on a server rather than in local files. */
  server: boolean;
}

/** The engines, asked in order; the last serves every location. */
const ENGINES: readonly Engine[] = [
  {
    serves: (location) => /^postgres(?:ql)?:\/\//i.test(location),
    open: async (location) => (await import("./postgres.ts")).PgStore.open(location),
    server: true,
  },
  {
    serves: () => true,
    open: async (location) =>
      new (await import("./sqlite.ts")).SqliteStore(
        location,
        (table) => tableFile(location, table),
      ),
    server: false,
  },
];

function engineFor(location: string): Engine {
  return ENGINES.find((engine) => engine.serves(location))!;
}

/** Opens the store at `location`, creating its tables if they are missing. */
export function openStore(location: string): Promise<Store> {
  return engineFor(location).open(location);
}

/** Whether `location` names a database on a server (`postgres://…`) rather than local files. */
export function isServerLocation(location: string): boolean {
  return engineFor(location).server;
}

/**
 * The SQLite file that holds `table` in the SQLite store at `location`, a
 * folder. One file per table, rather than one file for all: SQLite allows one
 * writer per file, so imports of different tables write truly in parallel
 * (measured in bench/, reasoned in findings.txt). A folder, rather than files
 * named from the location (`hpnorton.customers.db` …): the location a user is
 * told about exists, and `sqlite3 data/hpnorton/customers.db` opens the data.
 */
export function tableFile(location: string, table: TableName): string {
  return join(location, `${table}.db`);
}

/**
 * The folder where imports into `location` write their rejects files by
 * default: beside the database folder, or the current folder for a server.
 */
export function rejectsFolder(location: string): string {
  return isServerLocation(location) ? "." : dirname(location);
}
