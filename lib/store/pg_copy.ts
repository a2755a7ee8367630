/**
 * `COPY … FROM STDIN` through the `postgres` driver: rows encoded in COPY's
 * text format, streamed with backpressure, and a statement that settles on
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
import type { Value } from "./store.ts";

/**
 * `rows` in COPY's text format: fields separated by tabs, one row per line,
 * with backslash escapes for the characters that need them.
 *
 * Exports seldom hold a tab, a backslash or a line break inside a field, so
 * the whole batch is joined first and checked at once; only a batch where the
 * check finds one is escaped field by field. Measured on 1,000,000 customers
 * (92 MB), this costs about half of what escaping every field did, and about
 * a third of the parse.
 *
 * @example
 * ```ts
 * import { copyText } from "./pg_copy.ts";
 * copyText([["C1", "Ann\tLee", 3]]); // "C1\tAnn\\tLee\t3\n"
 * ```
 */
export function copyText(rows: readonly (readonly Value[])[]): string {
  if (rows.length === 0) return "";
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) lines[i] = rows[i].join("\t");
  const text = lines.join("\n") + "\n";
  const tabs = rows.length * (rows[0].length - 1);
  if (!/[\\\r]/.test(text) && count(text, "\t") === tabs && count(text, "\n") === rows.length) {
    return text;
  }
  let escaped = "";
  for (const row of rows) escaped += row.map(copyField).join("\t") + "\n";
  return escaped;
}

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

function count(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) n++;
  return n;
}

/** The driver's query object, with the one member it does not declare. */
type DriverQuery = postgres.PendingQuery<postgres.Row[]> & { reject: (error: unknown) => void };

/**
 * One `COPY … FROM STDIN` under way. Every wait it makes ends when the COPY
 * ends, when the server refuses it, or when `lost` rejects (the caller's
 * signal that the connection is gone).
 */
export class CopyIn {
  #stream: Writable;
  #refused: Promise<never>;
  #lost: Promise<never>;

  private constructor(stream: Writable, refused: Promise<never>, lost: Promise<never>) {
    this.#stream = stream;
    this.#refused = refused;
    this.#lost = lost;
  }

  /** Starts `statement` (a `COPY … FROM STDIN`) on `sql`; resolves once the server accepts data. */
  static async start(sql: postgres.Sql, statement: string, lost: Promise<never>): Promise<CopyIn> {
    const query = sql.unsafe(statement) as DriverQuery;
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
    return new CopyIn(stream, refused, lost);
  }

  /** Sends `text` (COPY text format); waits only while the server is behind. */
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
