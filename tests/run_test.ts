import assert from "node:assert/strict";
import * as linear from "../linear.ts";
import * as parallel from "../parallel.ts";
import { parseFlags } from "../cli/run_main.ts";
import { countRows, datasetDir, snapshot, tempDir, writeFile } from "./helpers.ts";

const MODES = { linear: linear.run, parallel: parallel.run };

for (const [mode, run] of Object.entries(MODES)) {
  Deno.test(`${mode}.run() returns two tuples of [processed, before, after, seconds], customers first`, async () => {
    await using data = await datasetDir(40);
    await using dir = await tempDir();
    const db = `${dir.path}/test.db`;
    await writeFile(
      data.path,
      "products.csv",
      "product_id,description,product_type,quantity_available\nP1,oak desk,office,3\n",
    );
    const results = await run({ dataDir: data.path, db });
    assert.equal(results.length, 2);
    for (const result of results) {
      assert.equal(result.length, 4);
      assert.ok(result.slice(0, 3).every(Number.isInteger));
      assert.equal(typeof result[3], "number");
      assert.ok(result[3] > 0);
    }
    // The files differ in size, so the order is visible in the counts.
    assert.deepEqual(results[0].slice(0, 3), [40, 0, 40]);
    assert.deepEqual(results[1].slice(0, 3), [1, 0, 1]);
  });

  Deno.test(`${mode}.run() reports counts before and after on an already-filled database`, async () => {
    await using data = await datasetDir(30);
    await using dir = await tempDir();
    const db = `${dir.path}/test.db`;
    await run({ dataDir: data.path, db });
    await writeFile(
      data.path,
      "customers.csv",
      "user_id,name,address,zip_code,phone_number,email\n" +
        "C000001,Changed Name,1 New St,00001,555-000-0000,new@example.com\n" +
        "C900000,New Person,2 New St,00002,555-000-0001,p@example.com\n",
    );
    const [customers, products] = await run({ dataDir: data.path, db });
    assert.deepEqual(customers.slice(0, 3), [2, 30, 31]);
    assert.deepEqual(products.slice(0, 3), [30, 30, 30]);
    const changed = snapshot(db, "customers").find((row) => row[0] === "C000001");
    assert.equal(changed?.[1], "Changed Name");
  });

  Deno.test(`${mode}.run() twice adds nothing the second time`, async () => {
    await using data = await datasetDir(25);
    await using dir = await tempDir();
    const db = `${dir.path}/test.db`;
    const first = await run({ dataDir: data.path, db });
    const before = snapshot(db, "customers");
    const second = await run({ dataDir: data.path, db });
    assert.deepEqual(first.map((r) => r.slice(0, 3)), [[25, 0, 25], [25, 0, 25]]);
    assert.deepEqual(second.map((r) => r.slice(0, 3)), [[25, 25, 25], [25, 25, 25]]);
    assert.deepEqual(snapshot(db, "customers"), before);
  });

  Deno.test(`${mode}.run() rejects with the file and line of a bad row and imports none of that file`, async () => {
    await using data = await datasetDir(20);
    await using dir = await tempDir();
    const db = `${dir.path}/test.db`;
    await writeFile(
      data.path,
      "products.csv",
      "product_id,description,product_type,quantity_available\nP1,desk,office,2\nP2,chair,office,-1\n",
    );
    await assert.rejects(
      run({ dataDir: data.path, db }),
      (error: Error) => {
        assert.match(error.message, /products\.csv": line 3 has quantity_available "-1"/);
        return true;
      },
    );
    assert.equal(countRows(db, "products"), 0);
  });
}

Deno.test("linear and parallel give identical tables", async () => {
  await using data = await datasetDir(300);
  await using dir = await tempDir();
  const a = `${dir.path}/linear.db`;
  const b = `${dir.path}/parallel.db`;
  const viaLinear = await linear.run({ dataDir: data.path, db: a });
  const viaParallel = await parallel.run({ dataDir: data.path, db: b });
  assert.deepEqual(viaLinear.map((r) => r.slice(0, 3)), viaParallel.map((r) => r.slice(0, 3)));
  for (const table of ["customers", "products"] as const) {
    assert.deepEqual(snapshot(a, table), snapshot(b, table));
  }
});

Deno.test("parallel.run() with a failing worker rejects with its error and leaves the other file whole or absent", async () => {
  await using data = await datasetDir(2000);
  await using dir = await tempDir();
  const db = `${dir.path}/test.db`;
  await writeFile(data.path, "customers.csv", "user_id,name\nC1,x\n");
  await assert.rejects(
    parallel.run({ dataDir: data.path, db }),
    /customers\.csv": line 1 lacks column "address"/,
  );
  assert.equal(countRows(db, "customers"), 0);
  assert.ok([0, 2000].includes(countRows(db, "products")));
});

Deno.test("parallel.run() rejects naming a missing file", async () => {
  await using data = await datasetDir(5);
  await using dir = await tempDir();
  await Deno.remove(`${data.path}/products.csv`);
  await assert.rejects(
    parallel.run({ dataDir: data.path, db: `${dir.path}/test.db` }),
    /Cannot import ".*products\.csv": file not found/,
  );
});

Deno.test("parseFlags() reads --data-dir, --db, --skip-invalid and --json, and refuses unknown or empty options", () => {
  assert.deepEqual(parseFlags(["--data-dir", "d", "--db=x.db", "--json"]), {
    dataDir: "d",
    db: "x.db",
    skipInvalid: false,
    json: true,
    help: false,
  });
  assert.equal(parseFlags(["--skip-invalid"]).skipInvalid, true);
  assert.throws(() => parseFlags(["--fast"]), /Unknown option "--fast"/);
  assert.throws(() => parseFlags(["--db"]), /Option "--db" needs a value/);
  assert.throws(() => parseFlags(["--json=yes"]), /Unknown option "--json=yes"/);
});
