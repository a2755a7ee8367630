/**
 * `COPY … FROM STDIN (FORMAT csv)` through the `postgres` driver: the file's
 * own CSV text when PostgreSQL reads it as the importer did, rows encoded as
 * CSV otherwise, streamed with backpressure, and a statement that settles on
 * every way it can end.
 *
 * Why a wrapper: the driver hands out a Node Writable and reports the end of
 * the statement through that stream's `final` callback, which it never calls
 * when the server refuses the data after the last chunk or the connection
 * drops; a bare `finished(stream)` then waits forever (issue 14: an import
 * hung, or died with "Top-level await promise never resolved", when its
 * backend was terminated mid-COPY). The only place the driver reports those
 * ends is the query's own `reject`, which does nothing once the query has
 * resolved to the stream; {@linkcode CopyIn} listens there.
 *
 * @module
 */
import type { Writable } from "node:stream";
import { once } from "node:events";
import { finished } from "node:stream/promises";
import type postgres from "postgres";
import { quoteField } from "../csv_quote.ts";
import type { Value } from "./store.ts";

/** A record's line ending in COPY data: one for the whole COPY, as PostgreSQL requires. */
export type LineEnd = "\n" | "\r\n";

/**
 * The line ending with which PostgreSQL's CSV reader (`COPY … (FORMAT csv)`)
 * reads `text` record for record as the importer did, or undefined when it
 * might not. `text` starts at a record's start and holds whole records.
 *
 * PostgreSQL takes one line ending for the whole COPY, from its first line,
 * and outside quotes refuses any other (a bare CR, or LF where CRLF is the
 * ending) and an empty line (a record missing its columns); inside quotes it
 * keeps everything, as the importer does. So this walks the quotes and line
 * breaks only (an export's CRLF records often hold LF inside quoted fields),
 * with native string search: a few per record. A lone `\.` line would end
 * the data, but it is a one-field record, which the importer refuses before
 * sending.
 */
export function csvLineEnd(text: string): LineEnd | undefined {
  let lineEnd: LineEnd | undefined;
  let quoted = false;
  let recordStart = 0;
  let quote = find(text, '"', 0);
  let lf = find(text, "\n", 0);
  let cr = find(text, "\r", 0);
  while (true) {
    const at = Math.min(quote, lf, cr);
    if (at === NONE) return lineEnd ?? "\n";
    if (at === quote) {
      quoted = !quoted;
      quote = find(text, '"', at + 1);
      continue;
    }
    if (quoted) { // a line break inside a quoted field: data
      if (at === lf) lf = find(text, "\n", at + 1);
      else cr = find(text, "\r", at + 1);
      continue;
    }
    const crlf = at === cr && lf === at + 1;
    if (at === cr && !crlf) return undefined; // a bare CR
    const ending: LineEnd = crlf ? "\r\n" : "\n";
    if ((lineEnd ?? ending) !== ending || at === recordStart) return undefined;
    lineEnd = ending;
    recordStart = at + ending.length;
    lf = find(text, "\n", recordStart);
    if (cr < recordStart) cr = find(text, "\r", recordStart);
  }
}

/** "Not found" for {@linkcode find}: beyond any string's length. */
const NONE = Number.MAX_SAFE_INTEGER;

/** `text.indexOf(search, from)`, or {@linkcode NONE}. */
function find(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at === -1 ? NONE : at;
}

/**
 * `rows` as CSV for `COPY … (FORMAT csv)`: RFC 4180, the values in the
 * column order `order` gives (indexes into each row), records ended by
 * `lineEnd`.
 *
 * Exports seldom hold a quote, comma or line break inside a field, so the
 * whole batch is joined first and checked at once; only a batch where the
 * check finds one is quoted field by field. Measured on 1,000,000 customers
 * (92 MB), this costs half of what quoting each field did, about as much as
 * the parse; sending the file's own text (csvLineEnd) costs nothing.
 *
 * @example
 * ```ts
 * import { csvRows } from "./pg_copy.ts";
 * csvRows([["C1", "Lee, Ann", 3]], [0, 1, 2], "\n"); // 'C1,"Lee, Ann",3\n'
 * ```
 */
export function csvRows(
  rows: readonly (readonly Value[])[],
  order: readonly number[],
  lineEnd: LineEnd,
): string {
  if (rows.length === 0) return "";
  const inOrder = order.every((index, i) => index === i);
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    lines[i] = inOrder ? row.join(",") : order.map((index) => row[index]).join(",");
  }
  const text = lines.join(lineEnd) + lineEnd;
  const commas = rows.length * (order.length - 1);
  const breaks = lineEnd === "\r\n" ? rows.length : 0;
  if (
    !text.includes('"') && count(text, "\r") === breaks && count(text, "\n") === rows.length &&
    count(text, ",") === commas
  ) {
    return text;
  }
  let quoted = "";
  for (const row of rows) {
    quoted += order.map((index) => quoteField(String(row[index]))).join(",") + lineEnd;
  }
  return quoted;
}

function count(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) n++;
  return n;
}

/** What a COPY's data looks like: its columns' order, its line ending, its field separator. */
export interface CopyShape {
  /** Quoted column names (identifiers from the schema), in the order the data has them. */
  columns: readonly string[];
  /** The line ending of every record. */
  lineEnd: LineEnd;
  /** The field separator: one ASCII character (see {@linkcode copyDelimiter}). */
  delimiter: string;
}

/**
 * `delimiter` if PostgreSQL's CSV reader takes it as the field separator the
 * importer used, else undefined: COPY wants one single-byte character, and
 * neither the quote, a backslash nor a line break.
 */
export function copyDelimiter(delimiter: string): string | undefined {
  return /^[\x20-\x7e\t]$/.test(delimiter) && !/["\\]/.test(delimiter) ? delimiter : undefined;
}

/** Whether two shapes describe the same data (one COPY can take both). */
export function sameShape(a: CopyShape, b: CopyShape): boolean {
  return a.lineEnd === b.lineEnd && a.delimiter === b.delimiter &&
    a.columns.join() === b.columns.join();
}

/** The driver's query object, with the one member it does not declare. */
type DriverQuery = postgres.PendingQuery<postgres.Row[]> & { reject: (error: unknown) => void };

/**
 * One `COPY … FROM STDIN` under way. Every wait it makes ends when the COPY
 * ends, when the server refuses it, or when `lost` rejects (the caller's
 * signal that the connection is gone).
 */
export class CopyIn {
  /** What the data of this COPY looks like. */
  readonly shape: CopyShape;
  #stream: Writable;
  #refused: Promise<never>;
  #lost: Promise<never>;

  private constructor(
    shape: CopyShape,
    stream: Writable,
    refused: Promise<never>,
    lost: Promise<never>,
  ) {
    this.shape = shape;
    this.#stream = stream;
    this.#refused = refused;
    this.#lost = lost;
  }

  /**
   * Starts `COPY target (columns) FROM STDIN (FORMAT csv)` on `sql`, every
   * column's unquoted empty field an empty string (never NULL, as SQLite
   * stores it); resolves once the server takes data. `target` must be a
   * quoted identifier from the schema.
   */
  static async start(
    sql: postgres.Sql,
    target: string,
    shape: CopyShape,
    lost: Promise<never>,
  ): Promise<CopyIn> {
    const columns = shape.columns.join(", ");
    // A checked single character (copyDelimiter), never CSV text.
    const delimiter = shape.delimiter === "," ? "" : `, DELIMITER '${shape.delimiter}'`;
    const query = sql.unsafe(
      `COPY ${target} (${columns}) FROM STDIN ` +
        `(FORMAT csv${delimiter}, FORCE_NOT_NULL (${columns}))`,
    ) as DriverQuery;
    if (typeof query.reject !== "function") {
      throw new TypeError("This version of the postgres driver is not supported: no query.reject");
    }
    let refuse!: (error: unknown) => void;
    const refused = new Promise<never>((_, reject) => refuse = reject);
    refused.catch(() => {}); // observed through the races below
    const reject = query.reject;
    query.reject = (error) => {
      refuse(error);
      reject(error);
    };
    const stream = await Promise.race([query.writable(), refused, lost]);
    // The driver destroys the stream with the error it also gives `reject`;
    // without a listener, that "error" event would be an uncaught exception.
    stream.on("error", () => {});
    return new CopyIn(shape, stream, refused, lost);
  }

  /** Sends `text` (CSV in this COPY's shape); waits only while the server is behind. */
  async send(text: string): Promise<void> {
    if (this.#stream.write(text)) return;
    await Promise.race([once(this.#stream, "drain"), this.#refused, this.#lost]);
  }

  /** Ends the data and waits for the server to accept it; throws the server's refusal. */
  async end(): Promise<void> {
    this.#stream.end();
    await Promise.race([finished(this.#stream), this.#refused, this.#lost]);
  }

  /**
   * Abandons the COPY (the server gets CopyFail with `reason` and rolls the
   * statement back); the connection takes queries again at once.
   */
  abort(reason: string): void {
    this.#stream.destroy(new Error(reason));
  }
}
