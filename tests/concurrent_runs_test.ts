import assert from "node:assert/strict";
import * as linear from "../linear.ts";
import * as parallel from "../parallel.ts";
import { countRows, datasetDir, tempDir, TEST_TMP } from "./helpers.ts";

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

Deno.test("parallel.ts and linear.ts as several processes at once on one database all succeed", async () => {
  await using data = await datasetDir(ROWS);
  await using dir = await tempDir();
  const db = `${dir.path}/shared.db`;
  // The same permissions as `deno task parallel`, with writes scoped to the test folder.
  const spawn = (script: string) =>
    new Deno.Command("deno", {
      args: [
        "run",
        "--allow-read",
        `--allow-write=${TEST_TMP}`,
        script,
        "--data-dir",
        data.path,
        "--db",
        db,
        "--json",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const outputs = await Promise.all(
    ["parallel.ts", "parallel.ts", "parallel.ts", "linear.ts"].map(spawn),
  );
  for (const output of outputs) {
    const stderr = new TextDecoder().decode(output.stderr);
    assert.doesNotMatch(stderr, /locked|busy/i);
    assert.equal(output.code, 0, stderr);
    const results = JSON.parse(new TextDecoder().decode(output.stdout)) as number[][];
    assert.deepEqual(results.map((r) => [r[0], r[2]]), [[ROWS, ROWS], [ROWS, ROWS]]);
  }
  assert.equal(countRows(db, "customers"), ROWS);
  assert.equal(countRows(db, "products"), ROWS);
});
