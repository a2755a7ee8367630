/**
 * The three tables of HP Norton's system. SQL identifiers come only from here,
 * never from a CSV file; each column says how a CSV field becomes a value.
 *
 * @module
 */

/**
 * Why a field was refused, in plain words ("is empty"). A converter returns
 * one instead of throwing: in Deno a throw and catch costs about 4.5 µs, and
 * "skip" mode meets one per refused row (a tenth of the rows of a bad export).
 */
export class Refusal {
  /** Creates the refusal with its `reason`. */
  constructor(readonly reason: string) {}
}

/** How a CSV field becomes a stored value, or the {@linkcode Refusal} of bad input. */
export type Convert = (field: string) => string | number | Refusal;

/** One column of a table. */
export interface Column {
  /** Column name, the same in SQL and in the CSV header. */
  readonly name: string;
  /** SQL type. */
  readonly type: "TEXT" | "INTEGER";
  /** Turns the CSV field into the stored value, or refuses it; absent: stored as read. */
  readonly convert?: Convert;
}

/** A foreign key: `column` must name an existing row of `table`. */
export interface Reference {
  /** Column of this table. */
  readonly column: string;
  /** The referenced table (its key). */
  readonly table: TableName;
}

/** One table: its name, columns (key first) and references. */
export interface Table {
  /** Table name, which is also the CSV file's base name. */
  readonly name: TableName;
  /** Columns, in storage order; the first is the primary key. */
  readonly columns: readonly Column[];
  /** The primary key column's name. */
  readonly key: string;
  /** Columns that must name rows of other tables. */
  readonly references: readonly Reference[];
}

/** Names of the tables. */
export type TableName = "customers" | "products" | "rentals";

const EMPTY = new Refusal("is empty");
const NOT_WHOLE = new Refusal("is not a whole number >= 0");
const TOO_LARGE = new Refusal(`is larger than ${Number.MAX_SAFE_INTEGER}`);

/** A key: required, and spaces around it are not part of it. */
function key(field: string): string | Refusal {
  const value = field.trim();
  return value === "" ? EMPTY : value;
}

/** A whole number >= 0 that JavaScript and SQLite hold exactly. */
function quantity(field: string): number | Refusal {
  const value = field.trim();
  if (!/^\d+$/.test(value)) return NOT_WHOLE;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : TOO_LARGE;
}

function column(name: string, convert?: Convert, type: Column["type"] = "TEXT"): Column {
  return convert === undefined ? { name, type } : { name, type, convert };
}

function table(
  name: TableName,
  columns: Column[],
  references: Reference[] = [],
): Table {
  return { name, columns, key: columns[0].name, references };
}

/** Every table, in the order an import must respect (referenced tables first). */
export const TABLES: readonly Table[] = [
  table("customers", [
    column("user_id", key),
    column("name"),
    column("address"),
    column("zip_code"),
    column("phone_number"),
    column("email"),
  ]),
  table("products", [
    column("product_id", key),
    column("description"),
    column("product_type"),
    column("quantity_available", quantity, "INTEGER"),
  ]),
  table("rentals", [
    column("rental_id", key),
    column("product_id", key),
    column("user_id", key),
  ], [{ column: "product_id", table: "products" }, { column: "user_id", table: "customers" }]),
];

/** `name` quoted as an SQL identifier; names come from this schema, never from CSV text. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The table called `name`; throws a TypeError for any other name. */
export function getTable(name: string): Table {
  const found = TABLES.find((t) => t.name === name);
  if (found === undefined) {
    throw new TypeError(
      `Unknown table "${name}": expected one of ${TABLES.map((t) => t.name).join(", ")}`,
    );
  }
  return found;
}

/**
 * The column a header field names: matched regardless of case and of spaces
 * around it (`" User_ID "` names `user_id`), as spreadsheets often write them.
 */
export function headerName(field: string): string {
  return field.trim().toLowerCase();
}

/**
 * `header` without the columns at its end that have no name. A spreadsheet
 * writes them for empty columns that once held formatting (`a,b,c,,` and
 * `1,2,3,,`); their fields must be empty.
 */
export function namedColumns(header: readonly string[]): readonly string[] {
  let end = header.length;
  while (end > 1 && header[end - 1].trim() === "") end--;
  return end === header.length ? header : header.slice(0, end);
}

/**
 * The table whose columns are exactly `header`'s named ones ({@linkcode namedColumns}),
 * in any order (see {@linkcode headerName}), if any.
 */
export function tableForHeader(header: readonly string[]): Table | undefined {
  const names = new Set(namedColumns(header).map(headerName));
  return TABLES.find((t) =>
    t.columns.length === names.size && t.columns.every((c) => names.has(c.name))
  );
}
