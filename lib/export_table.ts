/**
 * A table as CSV (RFC 4180): its header, then every row in key order, fields
 * quoted where they hold a comma, quote or line break, lines ended by CRLF.
 * Importing the text into an empty database gives back the same rows.
 *
 * @example
 * ```ts
 * import { tableCsv } from "./export_table.ts";
 * import { getTable } from "./schema.ts";
 * import { openStore } from "./store/open.ts";
 * const store = await openStore("data/hpnorton");
 * for await (const text of tableCsv(store, getTable("products"))) console.log(text);
 * await store.close();
 * ```
 *
 * @module
 */
import { quoteField } from "./csv_quote.ts";
import type { Table } from "./schema.ts";
import type { Store } from "./store/store.ts";

/** RFC 4180's line break. */
const CRLF = "\r\n";

/** The CSV text of `table` in `store`, in pieces of about a thousand rows. */
export async function* tableCsv(
  store: Pick<Store, "readRows">,
  table: Table,
): AsyncGenerator<string> {
  yield table.columns.map((column) => quoteField(column.name)).join(",") + CRLF;
  for await (const rows of store.readRows(table)) {
    let text = "";
    for (const row of rows) text += row.map((value) => quoteField(String(value))).join(",") + CRLF;
    yield text;
  }
}
