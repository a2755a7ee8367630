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
 * Writes (docs/postgresql.md has the measurements): each import is one
 * transaction on one connection, and its rows stream to the server in one
 * `COPY … FROM STDIN` while the next batch is parsed.
 * - Into an empty table, the COPY goes straight into the table, as psql's
 *   `\copy` would: the import first locks the table against other writers
 *   (SHARE ROW EXCLUSIVE; readers go on) and checks that it is still empty. No
 *   key can collide: the import refuses a file whose keys repeat before any
 *   row is sent, and the lock keeps other imports out until this one commits.
 * - Into a table with rows, the COPY fills a temporary staging table, merged
 *   by one `INSERT … SELECT … ON CONFLICT DO UPDATE` when the writer next
 *   counts the table (the `after` count) or the transaction commits. The
 *   merge first takes the same SHARE ROW EXCLUSIVE lock, so merges into one
 *   table take turns and no two imports hold row locks the other needs: no
 *   deadlock, whatever order the files' keys come in (contention/postgres.ts
 *   shows the deadlock without it). Their COPYs into staging still overlap.
 * - The COPY takes the file's own CSV text when PostgreSQL reads it as the
 *   importer did (lib/store/pg_copy.ts), else the rows written as CSV.
 * A lost connection ends the write at once with one "Cannot write to
 * database" error, and nothing more is sent on it: the server rolls the
 * transaction back when the connection drops.
 *
 * @module
 */
import postgres from "postgres";
import { getTable, quoteIdent, type Reference, type Table, TABLES } from "../schema.ts";
import {
  copyDelimiter,
  CopyIn,
  type CopyShape,
  csvLineEnd,
  csvRows,
  sameShape,
} from "./pg_copy.ts";
import { watchedSockets } from "./pg_socket.ts";
import type {
  CsvText,
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

/**
 * The CREATE TABLE statement of `table` in `schema` (or where the search_path
 * says); also used by the benchmark's psql reference, so that both load the
 * same tables.
 */
export function createTableSql(table: Table, schema?: string): string {
  const columns = table.columns.map((c, i) =>
    `${quoteIdent(c.name)} ${SQL_TYPES[c.type]} NOT NULL${i === 0 ? " PRIMARY KEY" : ""}`
  );
  const name = (schema === undefined ? "" : `${quoteIdent(schema)}.`) + quoteIdent(table.name);
  return `CREATE TABLE IF NOT EXISTS ${name} (${columns.join(", ")})`;
}

/** Seconds {@linkcode PgStore.close} waits for a statement under way, then drops it. */
const CLOSE_SECONDS = 5;

/**
 * SQLSTATEs of a concurrent CREATE … IF NOT EXISTS that lost the race: a
 * unique violation in the catalog, or a schema, table or (the table's row)
 * type that already exists (42710: seen when a parallel import's two threads
 * first opened a schema whose import tables were missing).
 */
const CREATE_RACE = new Set(["23505", "42P06", "42P07", "42710"]);

/** A bigint as a number when it fits exactly, else left as the driver's text. */
function wholeNumber(value: unknown): unknown {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

/**
 * Driver options, `onclose` aside. The driver leaves Nagle's algorithm on,
 * and under Deno each small message (a COPY's end, a short query) then waits
 * for the server's delayed ACK: measured, 20 one-row COPYs took 1.7 s, and
 * 18 ms with it off. `socket` is a documented option that the driver's types
 * do not declare, hence Object.assign rather than a literal. With it, the
 * driver's fail-over between several hosts in one URL and Unix-socket paths
 * are not available. A server answers a connection in milliseconds: 5 seconds
 * without an answer is an address where no PostgreSQL listens.
 *
 * One connection (`max: 1`): a write is one transaction, sent as plain BEGIN
 * and COMMIT so that nothing is sent on a connection once it is lost (the
 * driver's `begin()` sends ROLLBACK down a dead socket and crashes on it).
 * The driver allows BEGIN only with `max: 1`. `max_lifetime: null`: the
 * driver would otherwise close the connection after 30 to 60 minutes, between
 * two statements of a long import.
 */
function driverOptions(): postgres.Options<Record<string, never>> {
  return Object.assign(
    // Notices ("relation already exists, skipping") are expected, not news.
    { max: 1, max_lifetime: null, onnotice: () => {}, connect_timeout: CONNECT_TIMEOUT_S },
    { socket: watchedSockets() },
  );
}

/** Seconds to wait for a server's answer when connecting. */
const CONNECT_TIMEOUT_S = 5;

/** The PostgreSQL type of a bigint column, whose values the driver gives as text. */
const INT8 = 20;

/** Driver option: the extended query protocol even without parameters. */
const EXTENDED = { simple: false };

/** Rows per batch of {@linkcode PgStore.readRows}. */
const READ_BATCH = 1024;

/** The column `name` of `table`; throws for any other name (identifiers come from the schema). */
function columnOf(table: Table, name: string): string {
  const column = table.columns.find((c) => c.name === name);
  if (column === undefined) throw new TypeError(`Table "${table.name}" has no column "${name}"`);
  return column.name;
}

/**
 * Whether `error` says the connection is gone: the driver's CONNECTION_*
 * codes, a socket error (no severity; a SQLSTATE never looks like EPIPE), or
 * a server's FATAL (the server closes after it).
 */
function lostConnection(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, severity, syscall } = error as {
    code?: unknown;
    severity?: unknown;
    syscall?: unknown;
  };
  if (severity !== undefined) return severity === "FATAL" || severity === "PANIC";
  // Node's socket errors: EPIPE ("This socket has been ended by the other party"), ECONNRESET …
  return (typeof code === "string" && /^(CONNECTION_|E[A-Z]+$)/.test(code)) ||
    syscall !== undefined;
}

/** A write under way: its table, where its rows go, and the COPY in flight. */
interface OpenWrite {
  table: Table;
  /** Rows go straight into the table (it was empty and is locked), not into staging. */
  direct: boolean;
  /** The COPY under way, if any; any other statement ends it first. */
  copy?: CopyIn;
  /** Rows sent: in all (direct), or since the last merge (staged). */
  sent: number;
  /** COMMIT was sent: a lost connection leaves the outcome unknown. */
  committing: boolean;
  /** The statement the write waits for, if any: what an abort cancels. */
  running?: { cancel(): void };
  /** Set when the connection is lost; every statement checks it before it is sent. */
  lost?: Error;
  /** Rejects with {@linkcode lost}: every wait on the server races it. */
  lostSignal: Promise<never>;
  /** Rejects {@linkcode lostSignal}. */
  loseConnection: (error: Error) => void;
}

/** A store in one PostgreSQL database (and optionally one schema of it). */
export class PgStore implements Store {
  readonly location: string;
  #url: string;
  #sql: Sql;
  #schema: string | undefined;
  #prefix: string;
  #open: OpenWrite | undefined;

  private constructor(location: string, url: string, schema: string | undefined) {
    this.location = location;
    this.#url = url;
    this.#sql = this.#connect();
    this.#schema = schema;
    this.#prefix = schema === undefined ? "" : `${quoteIdent(schema)}.`;
  }

  /** Connects to the database at `location` and creates the schema and tables if missing. */
  static async open(location: string): Promise<PgStore> {
    const { url, schema } = parsePgLocation(location);
    checkNetPermission(location, url);
    const store = new PgStore(location, url, schema);
    try {
      await store.#create(schema);
    } catch (error) {
      await store.#sql.end({ timeout: 0 });
      const reason = (error as { code?: string }).code === "CONNECT_TIMEOUT"
        ? `no answer from the server within ${CONNECT_TIMEOUT_S} seconds`
        : error instanceof Error
        ? error.message
        : String(error);
      throw new Error(`Cannot open database "${shown(location)}": ${reason}`, { cause: error });
    }
    return store;
  }

  /** A driver instance whose connection, if it closes during a write, marks the write lost. */
  #connect(): Sql {
    return postgres(this.#url, {
      ...driverOptions(),
      onclose: () => {
        if (this.#open !== undefined) this.#lose(this.#open);
      },
    });
  }

  /** Marks `open` lost: its statements are refused from now on, and its waits end. */
  #lose(open: OpenWrite): void {
    if (open.lost !== undefined) return;
    open.lost = new Error(
      `Cannot write to database "${shown(this.location)}": the connection to the server ` +
        (open.committing
          ? "was lost during COMMIT, so whether the import was saved is unknown"
          : "was lost; the import was rolled back"),
    );
    open.loseConnection(open.lost);
  }

  async #create(schema: string | undefined): Promise<void> {
    const statements = TABLES.map((table) => createTableSql(table, schema));
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
        await this.#sql.unsafe(["BEGIN", ...statements, "COMMIT"].join(";\n"));
        return;
      } catch (error) {
        // Only a server's refusal leaves a connection to roll back; after any
        // other failure a statement would open a new connection.
        if (error instanceof Error && "severity" in error) {
          await this.#sql.unsafe("ROLLBACK").catch(() => {});
        }
        const code = (error as { code?: string }).code;
        if (attempt >= 3 || code === undefined || !CREATE_RACE.has(code)) throw error;
      }
    }
  }

  #name(table: Table): string {
    return this.#prefix + quoteIdent(table.name);
  }

  /**
   * Runs one statement. During a write it first ends the COPY under way (the
   * connection takes nothing else meanwhile), and refuses once the
   * connection is lost: the driver would write to the dead socket, or open a
   * new connection outside the transaction.
   */
  async #query(text: string, parameters?: postgres.ParameterOrJSON<never>[]) {
    const open = this.#open;
    if (open === undefined) return await this.#sql.unsafe(text, parameters);
    await this.#endCopy(open);
    if (open.lost !== undefined) throw open.lost;
    const running = this.#sql.unsafe(text, parameters);
    open.running = running;
    try {
      return await Promise.race([running, open.lostSignal]);
    } finally {
      open.running = undefined;
    }
  }

  /** The COPY of `shape` into the write's target: the one under way, or a new one. */
  async #copy(open: OpenWrite, shape: CopyShape): Promise<CopyIn> {
    const current = open.copy;
    if (current !== undefined && sameShape(current.shape, shape)) return current;
    await this.#endCopy(open);
    if (open.lost !== undefined) throw open.lost;
    const target = open.direct ? this.#name(open.table) : this.#staging(open.table);
    open.copy = await CopyIn.start(this.#sql, target, shape, open.lostSignal);
    return open.copy;
  }

  /** Ends the COPY under way, if any, and waits for the server to accept its rows. */
  async #endCopy(open: OpenWrite): Promise<void> {
    const copy = open.copy;
    open.copy = undefined;
    await copy?.end();
  }

  async count(table: Table): Promise<number> {
    const [{ n }] = await this.#query(`SELECT COUNT(*) AS n FROM ${this.#name(table)}`);
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

  /**
   * Runs `body` in one transaction on `table`. Keys must not repeat within
   * one write (importFile refuses such files before sending a row): into an
   * empty table the repeat fails the write, and a merge cannot update one row
   * twice.
   */
  async write<T>(
    table: Table,
    body: (writer: Writer) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    if (this.#open !== undefined) {
      throw new Error(`Cannot write table "${table.name}": a write is already open on this store`);
    }
    let loseConnection!: (error: Error) => void;
    const lostSignal = new Promise<never>((_, reject) => loseConnection = reject);
    lostSignal.catch(() => {}); // observed through the races in #query and CopyIn
    const open: OpenWrite = {
      table,
      direct: false,
      sent: 0,
      committing: false,
      lostSignal,
      loseConnection,
    };
    this.#open = open;
    // Ctrl-C during a statement (a merge of a million rows takes seconds):
    // the server cancels it, and the write rolls back below. Not COMMIT's:
    // its outcome would be unknown.
    const cancel = () => {
      if (!open.committing) open.running?.cancel();
    };
    signal?.addEventListener("abort", cancel);
    let begun = false;
    try {
      await this.#query("BEGIN");
      begun = true;
      await this.#begin(open);
      const result = await body(this.#writer(open));
      await this.#merge(open);
      open.committing = true;
      await this.#query("COMMIT");
      return result;
    } catch (error) {
      // A socket error (EPIPE, ECONNRESET) arrives before the close event.
      if (lostConnection(error)) this.#lose(open);
      if (open.lost === undefined) {
        open.copy?.abort("the import was refused");
        open.copy = undefined;
        if (begun) await this.#query("ROLLBACK").catch(() => {});
      }
      // The close event may have come while ROLLBACK was under way.
      if (open.lost !== undefined) {
        // The connection is gone (the server rolled back, unless COMMIT was
        // under way); a fresh one serves whatever comes next.
        const dead = this.#sql;
        this.#sql = this.#connect();
        this.#open = undefined;
        await dead.end({ timeout: 0 });
        throw open.lost;
      }
      if (signal?.aborted) throw signal.reason;
      // A failure of the server (a full disk, a refused row) names the
      // database; the import's own errors already say what they need to.
      if (error instanceof Error && "severity" in error) {
        throw new Error(
          `Cannot write to database "${shown(this.location)}": ${error.message}`,
          { cause: error },
        );
      }
      throw error;
    } finally {
      signal?.removeEventListener("abort", cancel);
      if (this.#open === open) this.#open = undefined;
    }
  }

  /** Picks where the rows go: straight into the table if it is empty, else into staging. */
  async #begin(open: OpenWrite): Promise<void> {
    const name = this.#name(open.table);
    const filled = async () =>
      (await this.#query(`SELECT EXISTS (SELECT 1 FROM ${name}) AS filled`))[0].filled;
    if (!await filled()) {
      // Conflicts with every other writer of the table, not with readers;
      // then look again, as another import may have committed rows meanwhile.
      await this.#query(`LOCK TABLE ${name} IN SHARE ROW EXCLUSIVE MODE`);
      open.direct = !await filled();
    }
    if (!open.direct) {
      await this.#query(
        `CREATE TEMPORARY TABLE ${this.#staging(open.table)} (LIKE ${name}) ON COMMIT DROP`,
      );
    }
  }

  #staging(table: Table): string {
    return quoteIdent(`staging_${table.name}`);
  }

  #writer(open: OpenWrite): Writer {
    const { table } = open;
    const schemaOrder = table.columns.map((c) => quoteIdent(c.name));
    return {
      upsert: async (rows: Value[][], csv?: CsvText) => {
        if (rows.length === 0) return;
        const delimiter = csv === undefined ? undefined : copyDelimiter(csv.delimiter);
        const lineEnd = delimiter === undefined ? undefined : csvLineEnd(csv!.text);
        if (lineEnd !== undefined) {
          // The file's own text, when PostgreSQL reads it as the importer did.
          const columns = csv!.columns.map((name) => quoteIdent(columnOf(table, name)));
          const copy = await this.#copy(open, { columns, lineEnd, delimiter: delimiter! });
          await copy.send(csv!.text.endsWith(lineEnd) ? csv!.text : csv!.text + lineEnd);
        } else {
          // Else the rows, written as CSV in the shape of the COPY under way.
          const copy = open.copy?.shape.delimiter === ","
            ? open.copy
            : await this.#copy(open, { columns: schemaOrder, lineEnd: "\n", delimiter: "," });
          const order = copy.shape.columns.map((column) => schemaOrder.indexOf(column));
          await copy.send(csvRows(rows, order, copy.shape.lineEnd));
        }
        open.sent += rows.length;
      },
      count: async () => {
        // Direct: the table was empty, the lock keeps other writers out and
        // no key repeats, so every row sent is one more row.
        if (open.direct) return open.sent;
        await this.#merge(open);
        return await this.count(table);
      },
      missing: (reference: Reference, keys: string[]) => this.missing(reference, keys),
      record: async (record: ImportRecord) => {
        await this.#query(
          `INSERT INTO ${this.#prefix}"import_log" ` +
            `("table_name", "at", "file", "processed", "rejected", "seconds") ` +
            `VALUES ($1, $2, $3, $4, $5, $6)`,
          [table.name, record.at, record.file, record.processed, record.rejected, record.seconds],
        );
      },
      markRejects: async (file: string, token: string) => {
        await this.#query(
          `INSERT INTO ${this.#prefix}"rejects_marks" ("file", "token") VALUES ($1, $2) ` +
            `ON CONFLICT ("file") DO UPDATE SET "token" = EXCLUDED."token"`,
          [file, token],
        );
      },
    };
  }

  /**
   * The keys among `keys` with no row in the referenced table: inside a write
   * as its transaction sees it (the write's COPY ended first), else as committed.
   */
  async missing(reference: Reference, keys: string[]): Promise<string[]> {
    const target = getTable(reference.table);
    const found = await this.#query(
      `SELECT ${quoteIdent(target.key)} AS k FROM ${this.#name(target)} WHERE ${
        quoteIdent(target.key)
      } = ANY($1)`,
      [keys],
    );
    const present = new Set(found.map((row) => row.k as string));
    return keys.filter((key) => !present.has(key));
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

  /** Ends the COPY under way; moves the staged rows into the table under the table lock. */
  async #merge(open: OpenWrite): Promise<void> {
    await this.#endCopy(open);
    if (open.direct || open.sent === 0) return;
    const names = open.table.columns.map((c) => quoteIdent(c.name));
    const staging = this.#staging(open.table);
    const updates = names.slice(1).map((n) => `${n} = EXCLUDED.${n}`).join(", ");
    const name = this.#name(open.table);
    await this.#query(`LOCK TABLE ${name} IN SHARE ROW EXCLUSIVE MODE`);
    await this.#query(
      `INSERT INTO ${name} (${names.join(", ")}) SELECT ${names.join(", ")} FROM ${staging} ` +
        `ON CONFLICT (${quoteIdent(open.table.key)}) DO UPDATE SET ${updates}`,
    );
    await this.#query(`TRUNCATE ${staging}`);
    open.sent = 0;
  }

  async availableProducts(): Promise<Product[]> {
    const rows = await this.#query(
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
    const rows = await this.#query(
      `SELECT c.* FROM ${this.#name(getTable("customers"))} c WHERE c."user_id" IN ` +
        `(SELECT r."user_id" FROM ${this.#name(getTable("rentals"))} r ` +
        `WHERE r."product_id" = $1) ORDER BY c."user_id" COLLATE "C"`,
      [productId],
    );
    return [...rows] as unknown as Customer[];
  }

  /**
   * Closes the connection, waiting at most {@linkcode CLOSE_SECONDS} for a
   * statement under way: a connection the server dropped without a close
   * event would otherwise keep the process waiting forever.
   */
  async close(): Promise<void> {
    await this.#sql.end({ timeout: CLOSE_SECONDS });
  }
}
