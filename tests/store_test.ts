/**
 * The storage seam (lib/store/): what every engine promises behind the Store
 * and Writer interfaces, checked the same way on SQLite and PostgreSQL.
 *
 * @module
 */
import assert from "node:assert/strict";
import { getTable } from "../lib/schema.ts";
import { openStore } from "../lib/store/open.ts";
import { tableFile } from "../lib/store/sqlite.ts";
import { tempDir } from "./helpers.ts";
import { NO_PG, pgSchema } from "./pg_helpers.ts";

const PRODUCTS = getTable("products");

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
