/**
 * Whole-table fingerprints for checking that an import changed all of a table
 * or none of it: a SHA-256 over every row in key order, and SQLite's own
 * integrity check. Used by the crash script and the tests.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { getTable, quoteIdent, type TableName } from "../lib/schema.ts";

const PAGE = 20_000;

/** SHA-256 (hex) of every row of `table` in the database file `file`, in key order. */
export function digestTable(file: string, table: TableName): string {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const hash = createHash("sha256");
    // Names come from the schema, never from CSV text. Pages of rows by key
    // keep memory flat; all() is twice as fast as iterate() here.
    const key = getTable(table).key;
    const page = db.prepare(
      `SELECT * FROM ${quoteIdent(table)} WHERE ${quoteIdent(key)} > ? ORDER BY ${
        quoteIdent(key)
      } LIMIT ${PAGE}`,
    );
    page.setReturnArrays(true);
    db.exec("BEGIN"); // one snapshot for every page: a concurrent commit stays out of view
    for (let last = "";;) {
      const rows = page.all(last) as unknown as unknown[][];
      if (rows.length === 0) break;
      hash.update(rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
      last = rows[rows.length - 1][0] as string;
    }
    db.exec("COMMIT");
    return hash.digest("hex");
  } finally {
    db.close();
  }
}

/** The result of `PRAGMA integrity_check` on `file`: "ok" when the file is sound. */
export function integrityCheck(file: string): string {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    return rows.map((row) => row.integrity_check).join("; ");
  } finally {
    db.close();
  }
}
