/**
 * `deno task bench:micro`: the insert path. 20,000 customers upserted into a
 * fresh SQLite table in one transaction, by rows per statement. The store uses
 * the value of ROWS_PER_STATEMENT chosen from this.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { getTable, quoteIdent } from "../lib/schema.ts";
import { createSql } from "../lib/store/sqlite.ts";

const ROWS = 20_480; // a multiple of every batch size below
const customers = getTable("customers");
const names = customers.columns.map((c) => quoteIdent(c.name));
const data = Array.from({ length: ROWS }, (_, i) => [
  `C${String(i).padStart(7, "0")}`,
  "Maria Garcia",
  "8439 Sunset Way, Apt 22, Boise, ID",
  "68428",
  "731-566-0480",
  `maria.garcia${i}@example.com`,
]);

function upsert(rows: number, conflict: boolean): string {
  const tuple = `(${names.map(() => "?").join(",")})`;
  const update = names.slice(1).map((n) => `${n} = excluded.${n}`).join(", ");
  return `INSERT INTO customers (${names.join(",")}) VALUES ${
    Array.from({ length: rows }, () => tuple).join(",")
  }${conflict ? ` ON CONFLICT("user_id") DO UPDATE SET ${update}` : ""}`;
}

for (const perStatement of [1, 16, 64, 256]) {
  for (const conflict of [true, false]) {
    Deno.bench(`${perStatement} rows per statement, ${conflict ? "upsert" : "plain insert"}`, {
      group: "insert",
      baseline: perStatement === 64 && conflict,
    }, () => {
      const db = new DatabaseSync(":memory:");
      db.exec(createSql(customers));
      const statement = db.prepare(upsert(perStatement, conflict));
      const params: string[] = new Array(perStatement * names.length);
      db.exec("BEGIN IMMEDIATE");
      for (let i = 0; i < ROWS; i += perStatement) {
        for (let r = 0; r < perStatement; r++) {
          for (let c = 0; c < names.length; c++) params[r * names.length + c] = data[i + r][c];
        }
        statement.run(...params);
      }
      db.exec("COMMIT");
      db.close();
    });
  }
}
