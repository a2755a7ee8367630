import assert from "node:assert/strict";
import { estimateRows } from "../lib/estimate_rows.ts";
import { datasetDir, tempDir, writeFile } from "./helpers.ts";

Deno.test("estimateRows() counts the data rows of a small file exactly", async () => {
  await using dir = await tempDir();
  assert.equal(await estimateRows(await writeFile(dir.path, "a.csv", "h\n1\n2\n3\n")), 3);
  assert.equal(await estimateRows(await writeFile(dir.path, "b.csv", "h\n1\n2")), 2);
  assert.equal(await estimateRows(await writeFile(dir.path, "c.csv", "")), 0);
});

Deno.test("estimateRows() estimates a large file within 10% from its first 64 KiB", async () => {
  await using data = await datasetDir(5000);
  for (const name of ["customers", "products", "rentals"]) {
    const estimate = await estimateRows(`${data.path}/${name}.csv`);
    assert.ok(Math.abs(estimate - 5000) < 500, `${name}: ${estimate}`);
  }
});
