/**
 * How each command's rows print: as an aligned table for a person (through
 * text_table.ts), or as JSON for a program (`--json`). One {@linkcode View}
 * per kind of row says which columns the table shows.
 *
 * @module
 */
import type { Problem } from "../lib/check_files.ts";
import type { ImportReport } from "../lib/import_report.ts";
import type { Customer, Product } from "../lib/queries.ts";
import type { ImportRecord, QueryResult } from "../lib/store/store.ts";
import { formatTable, useColor } from "./text_table.ts";

/** How rows of one kind print as a table: column heads, cells, right-aligned columns. */
export interface View<T> {
  /** Column heads. */
  head: string[];
  /** A row's cells, one per head. */
  cells: (row: T) => string[];
  /** Indexes of the columns to right-align (numbers). */
  right: number[];
}

/** One table's line of `norton status` (its JSON form too). */
export interface TableStatus {
  /** The table's name. */
  table: string;
  /** Rows it holds. */
  rows: number;
  /** Where it lives: its SQLite file, or `database.schema.table`. */
  where: string;
  /** Bytes it takes. */
  bytes: number;
  /** What its last import recorded, or null when it was never imported. */
  lastImport: ImportRecord | null;
}

/** `norton import`: one line per file; "took" is the file's own time, "since start" the run's. */
export const REPORT_VIEW: View<ImportReport> = {
  head: [
    "file",
    "table",
    "mode",
    "processed",
    "before",
    "after",
    "rejected",
    "took",
    "since start",
  ],
  cells: (r) => [
    r.file,
    r.table,
    r.mode ?? "",
    String(r.processed),
    String(r.before),
    String(r.after),
    String(r.rejected),
    `${r.took.toFixed(3)} s`,
    `${r.seconds.toFixed(3)} s`,
  ],
  right: [3, 4, 5, 6, 7, 8],
};

/** `norton products`. */
export const PRODUCT_VIEW: View<Product> = {
  head: ["product_id", "description", "product_type", "quantity_available"],
  cells: (p) => [p.product_id, p.description, p.product_type, String(p.quantity_available)],
  right: [3],
};

/** `norton rentals`. */
export const CUSTOMER_VIEW: View<Customer> = {
  head: ["user_id", "name", "address", "zip_code", "phone_number", "email"],
  cells: (c) => [c.user_id, c.name, c.address, c.zip_code, c.phone_number, c.email],
  right: [],
};

/** `norton status`. */
export const STATUS_VIEW: View<TableStatus> = {
  head: ["table", "rows", "size", "last import", "file", "processed", "rejected", "took", "where"],
  cells: (s) => {
    const last = s.lastImport;
    return [
      s.table,
      String(s.rows),
      size(s.bytes),
      last === null ? "never" : last.at.replace("T", " ").replace(/\.\d+Z$/, " UTC"),
      last?.file ?? "",
      last === null ? "" : String(last.processed),
      last === null ? "" : String(last.rejected),
      last === null ? "" : `${last.seconds.toFixed(3)} s`,
      s.where,
    ];
  },
  right: [1, 2, 5, 6, 7],
};

/** `norton check`. */
export const PROBLEM_VIEW: View<Problem> = {
  head: ["file", "line", "problem"],
  cells: (p) => [p.file, p.line === undefined ? "" : String(p.line), p.reason],
  right: [1],
};

/** The view of a `norton sql` result: its own columns, numbers right-aligned. */
export function queryView(result: QueryResult): View<Record<string, unknown>> {
  const { columns, rows } = result;
  return {
    head: columns,
    cells: (row) => columns.map((column) => cell(row[column])),
    right: columns.flatMap((column, c) =>
      rows.length > 0 &&
        rows.every((row) => typeof row[column] === "number" || row[column] === null)
        ? [c]
        : []
    ),
  };
}

/** Prints `rows` as JSON, or as a table through `view`. */
export function print<T>(rows: readonly T[], view: View<T>, json = false): void {
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const color = useColor(Deno.stdout);
  console.log(formatTable(view.head, rows.map(view.cells), { right: view.right, color }));
}

/** A value of a query's result as a table cell: NULL shown as nothing, bytes as hex. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Uint8Array) {
    return `x'${Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("")}'`;
  }
  return String(value);
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** `bytes` for a person: `812 B`, `1.5 MiB`. */
export function size(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}
