/**
 * `Store.query` on the SQLite store: one read-only statement over the
 * per-table files, each table addressable by its name.
 *
 * Joining tables that live in separate files needs them in one connection.
 * `ATTACH` would do it without copying, but Deno refuses it unless the process
 * has every permission (`--allow-all`), which no task here has. So the query
 * runs on the largest table's file, opened read-only; each other table it names
 * is attached when the process may, and otherwise copied into memory first.
 * Measured on this 2-core machine (loaded by other jobs): copying 1,000,000
 * customers took 10 s and 1,000,000 products 6 s; the bundled 1,000-row
 * tables take milliseconds. A query naming one table copies nothing.
 *
 * Nothing can be written: the file is opened read-only (an attached file
 * inherits that), and `PRAGMA query_only` refuses writes to the copies.
 *
 * @module
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { quoteIdent, type Table, TABLES } from "../schema.ts";
import type { QueryResult } from "./store.ts";

/** One table as the query sees it: its file, or none when it was never imported. */
export interface QueryTable {
  /** The table. */
  table: Table;
  /** Its database file, when it exists. */
  file?: string;
  /** Its size in bytes, to pick the largest as the connection's own file. */
  bytes: number;
}

/** Rows per INSERT when copying a table into memory. */
const COPY_ROWS = 64;

/** The tables `sql` names (as whole words, in any case): only those are made available. */
export function namedTables(sql: string): Table[] {
  return TABLES.filter((table) => new RegExp(`\\b${table.name}\\b`, "i").test(sql));
}

/**
 * Runs the read-only statement `sql` over `tables` (see the module comment);
 * `createSql(table)` is the table's CREATE statement, for tables never
 * imported (made empty) and for copies.
 */
export function queryTables(
  sql: string,
  tables: readonly QueryTable[],
  createSql: (table: Table) => string,
): QueryResult {
  const present = tables.filter((t) => t.file !== undefined).sort((a, b) => b.bytes - a.bytes);
  const db = present.length === 0
    ? new DatabaseSync(":memory:")
    : new DatabaseSync(present[0].file!, { readOnly: true });
  try {
    db.exec("PRAGMA temp_store = MEMORY");
    for (const other of present.slice(1)) {
      if (!attach(db, other)) copy(db, other, createSql);
    }
    for (const { table } of tables.filter((t) => t.file === undefined)) {
      db.exec(temporary(createSql(table)));
    }
    db.exec("PRAGMA query_only = ON");
    const statement = db.prepare(sql);
    if (rest(sql, statement.sourceSQL) !== "") {
      throw new Error("it holds more than one statement: run them one at a time");
    }
    const columns = statement.columns().map((column) => column.name);
    return { columns, rows: statement.all() as Record<string, unknown>[] };
  } finally {
    db.close();
  }
}

/** Attaches `table`'s file to `db` under the table's name; false when Deno refuses ATTACH. */
function attach(db: DatabaseSync, { table, file }: QueryTable): boolean {
  try {
    db.prepare(`ATTACH DATABASE ? AS ${quoteIdent(table.name)}`).run(file!);
    return true;
  } catch (error) {
    if (/too many attached databases/.test((error as Error).message)) return false;
    throw error;
  }
}

/** Copies `table` from its file into a temporary table of `db`, in one transaction. */
function copy(db: DatabaseSync, { table, file }: QueryTable, createSql: (t: Table) => string) {
  const source = new DatabaseSync(file!, { readOnly: true });
  try {
    db.exec(temporary(createSql(table)));
    const width = table.columns.length;
    const tuple = `(${Array(width).fill("?").join(",")})`;
    const insert = (rows: number) =>
      db.prepare(`INSERT INTO temp.${quoteIdent(table.name)} VALUES ${Array(rows).fill(tuple)}`);
    const full = insert(COPY_ROWS);
    const rows = source.prepare(`SELECT * FROM ${quoteIdent(table.name)}`);
    rows.setReturnArrays(true);
    let values: SQLInputValue[] = [];
    db.exec("BEGIN");
    for (const row of rows.iterate() as Iterable<SQLInputValue[]>) {
      values.push(...row);
      if (values.length === COPY_ROWS * width) {
        full.run(...values);
        values = [];
      }
    }
    if (values.length > 0) insert(values.length / width).run(...values);
    db.exec("COMMIT");
  } finally {
    source.close();
  }
}

/** `create` (a CREATE TABLE statement) made to create a temporary table. */
function temporary(create: string): string {
  return create.replace(/^CREATE TABLE (IF NOT EXISTS )?/, "CREATE TEMP TABLE ");
}

/** What follows the first statement `first` of `sql`, comments and semicolons aside. */
function rest(sql: string, first: string): string {
  return sql.slice(sql.indexOf(first) + first.length)
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\/|;/g, "").trim();
}
