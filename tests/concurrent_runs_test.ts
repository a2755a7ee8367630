import assert from "node:assert/strict";
import * as linear from "../linear.ts";
import * as parallel from "../parallel.ts";
import { countRows, datasetDir, tempDir } from "./helpers.ts";

const ROWS = 1500;

Deno.test("parallel.run() called several times at once on one database never hits 'database is locked'", async () => {
  await using data = await datasetDir(ROWS);
  await using dir = await tempDir();
  const db = `${dir.path}/shared.db`;
  const runs = [parallel.run, parallel.run, parallel.run, linear.run].map((run) =>
    run({ dataDir: data.path, db })
  );
  const settled = await Promise.allSettled(runs);
  const reasons = settled.flatMap((s) => s.status === "rejected" ? [String(s.reason)] : []);
  assert.deepEqual(reasons, []);
  for (const s of settled) {
    const [customers, products] = (s as PromiseFulfilledResult<parallel.ImportResult[]>).value;
    for (const [processed, before, after] of [customers, products]) {
      assert.equal(processed, ROWS);
      assert.ok(before === 0 || before === ROWS, `before ${before}`);
      assert.equal(after, ROWS);
    }
  }
  assert.equal(countRows(db, "customers"), ROWS);
  assert.equal(countRows(db, "products"), ROWS);
});
