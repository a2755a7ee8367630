/**
 * The storage seam (lib/store/): what every engine promises behind the Store
 * and Writer interfaces, checked the same way on SQLite and PostgreSQL.
 *
 * @module
 */
import assert from "node:assert/strict";
import { getTable, type Table } from "../lib/schema.ts";
import type { Store, Value } from "../lib/store/store.ts";
import { openStore } from "../lib/store/open.ts";
import { tableFile } from "../lib/store/open.ts";
import { tempDir } from "./helpers.ts";
import { NO_PG, pgSchema } from "./pg_helpers.ts";

const PRODUCTS = getTable("products");
const CUSTOMERS = getTable("customers");
const RENTALS = getTable("rentals");

/** Writes two customers, three products and three rentals, each table with an import record. */
async function fill(store: Store): Promise<void> {
  const tables: [Table, Value[][]][] = [
    [CUSTOMERS, [
      ["C2", "Bo", "2 St", "00002", "555-2", "b@x"],
      ["C1", "Al", "1 St, Apt 3", "00001", "555-1", "a@x"],
    ]],
    [PRODUCTS, [["P1", "Sofa", "livingroom", 2], ["P2", "Desk", "office", 0], [
      "P3",
      "Lamp",
      "office",
      9_007_199_254_740_991,
    ]]],
    [RENTALS, [["R1", "P1", "C1"], ["R2", "P2", "C1"], ["R3", "P1", "C2"]]],
  ];
  for (const [table, rows] of tables) {
    await store.write(table, async (writer) => {
      await writer.upsert(rows);
      await writer.record({
        at: `2030-01-0${tables.findIndex(([t]) => t === table) + 1}T00:00:00.000Z`,
        file: `${table.name}.csv`,
        processed: rows.length + 1,
        rejected: 1,
        seconds: 0.5,
      });
    });
  }
}

/** Each engine's store at a fresh location; `await using` disposes of it. */
const ENGINES = [
  {
    name: "SQLite",
    ignore: false,
    async location() {
      const dir = await tempDir();
      return {
        location: `${dir.path}/t.db`,
        [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose](),
      };
    },
  },
  { name: "PostgreSQL", ignore: NO_PG, location: () => Promise.resolve(pgSchema()) },
];

for (const engine of ENGINES) {
  Deno.test({
    name:
      `${engine.name}: a writer's count() sees its own transaction's rows, others see them after commit`,
    ignore: engine.ignore,
    async fn() {
      await using at = await engine.location();
      const store = await openStore(at.location);
      try {
        const seen = await store.write(PRODUCTS, async (writer) => {
          const before = await writer.count();
          await writer.upsert([["P1", "Sofa", "livingroom", 2], ["P2", "Desk", "office", 0]]);
          return { before, during: await writer.count() };
        });
        assert.deepEqual(seen, { before: 0, during: 2 });
        assert.equal(await store.count(PRODUCTS), 2);
      } finally {
        await store.close();
      }
    },
  });

  Deno.test({
    name: `${engine.name}: a write that throws leaves the table as it was`,
    ignore: engine.ignore,
    async fn() {
      await using at = await engine.location();
      const store = await openStore(at.location);
      try {
        await assert.rejects(
          store.write(PRODUCTS, async (writer) => {
            await writer.upsert([["P1", "Sofa", "livingroom", 2]]);
            assert.equal(await writer.count(), 1);
            throw new Error("refused");
          }),
          /refused/,
        );
        assert.equal(await store.count(PRODUCTS), 0);
      } finally {
        await store.close();
      }
    },
  });

  Deno.test({
    name:
      `${engine.name}: the import log keeps what each committed import recorded, not a rolled-back one`,
    ignore: engine.ignore,
    async fn() {
      await using at = await engine.location();
      const store = await openStore(at.location);
      try {
        assert.equal(await store.lastImport(PRODUCTS), undefined);
        await fill(store);
        const record = {
          at: "2030-01-02T00:00:00.000Z",
          file: "products.csv",
          processed: 4,
          rejected: 1,
          seconds: 0.5,
        };
        assert.deepEqual(await store.lastImport(PRODUCTS), record);
        await assert.rejects(store.write(PRODUCTS, async (writer) => {
          await writer.record({ ...record, at: "2030-02-01T00:00:00.000Z", file: "x.csv" });
          throw new Error("refused");
        }));
        assert.deepEqual(await store.lastImport(PRODUCTS), record);
        const info = await store.tableInfo(PRODUCTS);
        assert.ok(info.bytes > 0, `${info.bytes}`);
        assert.match(info.where, /products/);
      } finally {
        await store.close();
      }
    },
  });

  Deno.test({
    name: `${engine.name}: query() joins the three tables by name and refuses to write`,
    ignore: engine.ignore,
    async fn() {
      await using at = await engine.location();
      const store = await openStore(at.location);
      try {
        await fill(store);
        const joined = await store.query(
          `SELECT r.rental_id, c.name, p.description, p.quantity_available AS qty
           FROM rentals r JOIN customers c ON c.user_id = r.user_id
           JOIN products p ON p.product_id = r.product_id ORDER BY r.rental_id`,
        );
        assert.deepEqual(joined.columns, ["rental_id", "name", "description", "qty"]);
        assert.deepEqual(joined.rows.map((row) => ({ ...row })), [
          { rental_id: "R1", name: "Al", description: "Sofa", qty: 2 },
          { rental_id: "R2", name: "Al", description: "Desk", qty: 0 },
          { rental_id: "R3", name: "Bo", description: "Sofa", qty: 2 },
        ]);
        const counted = await store.query("SELECT COUNT(*) AS n FROM customers");
        assert.deepEqual(counted.rows.map((row) => ({ ...row })), [{ n: 2 }]);
        for (
          const write of ["DELETE FROM customers", "UPDATE products SET quantity_available = 0"]
        ) {
          await assert.rejects(
            store.query(write),
            /^Error: Cannot run the query: it would write, and norton sql only reads$/,
          );
        }
        await assert.rejects(
          store.query("SELECT 1; DELETE FROM customers"),
          /^Error: Cannot run the query: it holds more than one statement/,
        );
        assert.equal(await store.count(CUSTOMERS), 2);
        await assert.rejects(store.query("SELEC 1"), /^Error: Cannot run the query: .*syntax/);
      } finally {
        await store.close();
      }
    },
  });

  Deno.test({
    name: `${engine.name}: readRows() gives every row in key order, whole numbers as numbers`,
    ignore: engine.ignore,
    async fn() {
      await using at = await engine.location();
      const store = await openStore(at.location);
      try {
        await fill(store);
        const rows: Value[][] = [];
        for await (const batch of store.readRows(CUSTOMERS)) rows.push(...batch);
        assert.deepEqual(rows.map((row) => row[0]), ["C1", "C2"]);
        assert.deepEqual(rows[0], ["C1", "Al", "1 St, Apt 3", "00001", "555-1", "a@x"]);
        const products: Value[][] = [];
        for await (const batch of store.readRows(PRODUCTS)) products.push(...batch);
        assert.deepEqual(products.map((row) => row[3]), [2, 0, 9_007_199_254_740_991]);
        assert.deepEqual(
          await store.missing({ column: "user_id", table: "customers" }, ["C1", "C9"]),
          ["C9"],
        );
      } finally {
        await store.close();
      }
    },
  });
}

Deno.test("SQLite: hasTable() is false for a table never imported, and asking creates no file", async () => {
  await using dir = await tempDir();
  const location = `${dir.path}/t.db`;
  const store = await openStore(location);
  try {
    assert.equal(await store.hasTable(PRODUCTS), false);
    assert.throws(() => Deno.statSync(tableFile(location, "products")), Deno.errors.NotFound);
    await store.write(
      PRODUCTS,
      (writer) => Promise.resolve(writer.upsert([["P1", "Sofa", "x", 1]])),
    );
    assert.equal(await store.hasTable(PRODUCTS), true);
  } finally {
    await store.close();
  }
});
