import assert from "node:assert/strict";
import { ImportError } from "../lib/errors.ts";
import { importFile } from "../lib/import_file.ts";
import { parsePgLocation } from "../lib/pg_store.ts";
import { getTable } from "../lib/schema.ts";
import { openStore } from "../lib/store.ts";
import { datasetDir, tempDir, writeFile } from "./helpers.ts";
import { NO_PG, pgSchema, pgSnapshot } from "./pg_helpers.ts";

const CUSTOMERS = "user_id,name,address,zip_code,phone_number,email\n";
const PRODUCTS = "product_id,description,product_type,quantity_available\n";

Deno.test("parsePgLocation() takes the schema out of the URL and refuses bad locations", () => {
  assert.deepEqual(
    parsePgLocation("postgres://root@127.0.0.1:5432/test?schema=t_1&sslmode=disable"),
    {
      url: "postgres://root@127.0.0.1:5432/test?sslmode=disable",
      schema: "t_1",
    },
  );
  assert.equal(parsePgLocation("postgresql://u@h/db").schema, undefined);
  assert.throws(
    () => parsePgLocation("postgres://127.0.0.1/test"),
    /Cannot use database "postgres:\/\/127\.0\.0\.1\/test": name the user/,
  );
  assert.throws(
    () => parsePgLocation("postgres://u@h/db?schema=Drop;Table"),
    /schema "Drop;Table" must be lower-case letters/,
  );
});

Deno.test({
  name: "openStore() on postgres:// creates the three tables in the location's schema",
  ignore: NO_PG,
  async fn() {
    await using pg = pgSchema();
    const store = await openStore(pg.location);
    try {
      for (const table of ["customers", "products", "rentals"] as const) {
        assert.equal(await store.count(getTable(table)), 0);
      }
    } finally {
      await store.close();
    }
  },
});

Deno.test({
  name: "PostgreSQL import keeps tabs, backslashes, line breaks and quotes intact",
  ignore: NO_PG,
  async fn() {
    await using dir = await tempDir();
    await using pg = pgSchema();
    const path = await writeFile(
      dir.path,
      "c.csv",
      CUSTOMERS +
        'C1,"Lee, Ann","1 Main St\r\nSeattle\tWA",98101,555-1,a\\b@x.com\n' +
        'C2,"O""Brien \\N",Zoë straße,00001,\\t,e@x\n',
    );
    const store = await openStore(pg.location);
    const report = await importFile(store, path);
    await store.close();
    assert.deepEqual([report.processed, report.before, report.after], [2, 0, 2]);
    assert.deepEqual(await pgSnapshot(pg.location, "customers"), [
      ["C1", "Lee, Ann", "1 Main St\r\nSeattle\tWA", "98101", "555-1", "a\\b@x.com"],
      ["C2", 'O"Brien \\N', "Zoë straße", "00001", "\\t", "e@x"],
    ]);
  },
});

Deno.test({
  name: "PostgreSQL import refuses bad input whole, even when the bad line is batches in",
  ignore: NO_PG,
  async fn(t) {
    await using data = await datasetDir(10);
    await using dir = await tempDir();
    await using pg = pgSchema();
    const store = await openStore(pg.location);
    await importFile(store, `${data.path}/customers.csv`);
    await importFile(store, `${data.path}/products.csv`);
    const before = await pgSnapshot(pg.location, "products");
    const many = Array.from({ length: 20_000 }, (_, i) => `Q${i},desk,office,${i}\n`).join("");
    const cases = [
      { name: "a negative quantity", text: PRODUCTS + "P1,a,b,-2\n", error: /line 2 has/ },
      {
        name: "a duplicate key",
        text: PRODUCTS + "P000001,a,b,1\nP000001,c,d,2\n",
        error: /line 3 repeats product_id "P000001" of line 2/,
      },
      {
        name: "a bad row after 20,000 good ones",
        text: PRODUCTS + many + "Q-last,desk,office,1.5\n",
        error: /line 20002 has quantity_available "1\.5"/,
      },
    ];
    for (const { name, text, error } of cases) {
      await t.step(`rejects ${name} and leaves the table as it was`, async () => {
        const path = await writeFile(dir.path, "bad.csv", text);
        await assert.rejects(importFile(store, path, { table: "products" }), (e: Error) => {
          assert.ok(e instanceof ImportError);
          assert.match(e.message, error);
          return true;
        });
        assert.deepEqual(await pgSnapshot(pg.location, "products"), before);
      });
    }
    await store.close();
  },
});

Deno.test({
  name: "PostgreSQL import refuses rentals naming a missing customer, and the queries answer",
  ignore: NO_PG,
  async fn() {
    await using data = await datasetDir(10);
    await using dir = await tempDir();
    await using pg = pgSchema();
    const sqlite = await openStore(`${dir.path}/t.db`);
    const store = await openStore(pg.location);
    try {
      for (const name of ["customers", "products", "rentals"]) {
        await importFile(sqlite, `${data.path}/${name}.csv`);
        await importFile(store, `${data.path}/${name}.csv`);
      }
      const path = await writeFile(
        dir.path,
        "r.csv",
        "rental_id,product_id,user_id\nR1,P000001,C000001\nR2,P000002,C999\n",
      );
      await assert.rejects(
        importFile(store, path),
        /line 3 has user_id "C999", which is not in customers/,
      );
      assert.equal(await store.count(getTable("rentals")), 10);
      // node:sqlite rows have a null prototype; compare their fields.
      const plain = <T>(rows: T[]) => rows.map((row) => ({ ...row }));
      assert.deepEqual(await store.availableProducts(), plain(await sqlite.availableProducts()));
      const rented = (await pgSnapshot(pg.location, "rentals"))[0][1] as string;
      const renters = await store.renters(rented);
      assert.ok(renters.length > 0);
      assert.deepEqual(renters, plain(await sqlite.renters(rented)));
    } finally {
      await store.close();
      await sqlite.close();
    }
  },
});
