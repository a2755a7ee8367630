/**
 * Concurrent writers on one database: processes and in-process runs at once,
 * and a reader during a long import. Each table has its own SQLite file with
 * BEGIN IMMEDIATE and a busy timeout (lib/store/sqlite.ts), so writers queue
 * instead of failing, and readers see whole tables.
 *
 * @module
 */
import assert from "node:assert/strict";
import { generateDataset } from "../lib/generate.ts";
import { importFile } from "../lib/import_file.ts";
import { openStore } from "../lib/store/open.ts";
import * as linear from "../linear.ts";
import * as parallel from "../parallel.ts";
import { checksum, countRows, datasetDir, runDeno, tempDir } from "./helpers.ts";

const SCRIPTS = ["linear.ts", "parallel.ts", "linear.ts", "parallel.ts"];

Deno.test("four processes running linear.ts and parallel.ts at once on one database all succeed", async () => {
  await using dir = await tempDir();
  const rows = 20_000;
  // Each process imports the same keys with different values (its own seed),
  // so each table must end up exactly one process's file, never a mixture.
  const expected: Record<string, Set<string>> = { customers: new Set(), products: new Set() };
  for (let i = 0; i < SCRIPTS.length; i++) {
    await generateDataset(`${dir.path}/data${i}`, { rows, seed: 100 + i });
    const reference = `${dir.path}/reference${i}.db`;
    await parallel.run({ dataDir: `${dir.path}/data${i}`, db: reference });
    for (const table of ["customers", "products"] as const) {
      expected[table].add(checksum(reference, table));
    }
  }
  const db = `${dir.path}/shared.db`;
  const runs = await Promise.all(SCRIPTS.map((script, i) =>
    runDeno([
      "--allow-read",
      `--allow-write=${dir.path}`,
      script,
      "--json",
      "--data-dir",
      `${dir.path}/data${i}`,
      "--db",
      db,
    ])
  ));
  for (const [i, run] of runs.entries()) {
    assert.equal(run.stderr, "", `${SCRIPTS[i]} #${i}`);
    assert.equal(run.code, 0);
    const results = JSON.parse(run.stdout) as number[][];
    assert.deepEqual(results.map((r) => [r[0], r[2]]), [[rows, rows], [rows, rows]]);
  }
  for (const table of ["customers", "products"] as const) {
    assert.equal(countRows(db, table), rows);
    assert.ok(expected[table].has(checksum(db, table)), `${table} is a mixture of imports`);
  }
});

Deno.test("a reader during a long import sees the whole old table or the whole new one", async () => {
  await using dir = await tempDir();
  await generateDataset(`${dir.path}/old`, { rows: 150_000, seed: 7 });
  await generateDataset(`${dir.path}/new`, { rows: 200_000, seed: 42 });
  const db = `${dir.path}/t.db`;
  const fresh = `${dir.path}/fresh.db`;
  await parallel.run({ dataDir: `${dir.path}/old`, db });
  await parallel.run({ dataDir: `${dir.path}/new`, db: fresh });
  const old = checksum(db, "customers");
  const whole = checksum(fresh, "customers");
  assert.notEqual(old, whole);

  const importing = runDeno([
    "--allow-read",
    `--allow-write=${dir.path}`,
    "linear.ts",
    "--data-dir",
    `${dir.path}/new`,
    "--db",
    db,
  ]);
  let running = true;
  importing.finally(() => running = false);
  const seen: string[] = [];
  while (running) {
    const digest = checksum(db, "customers");
    seen.push(digest === old ? "old" : digest === whole ? "new" : "half");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const run = await importing;
  assert.equal(run.code, 0, run.stderr);
  assert.ok(seen.length > 0);
  assert.deepEqual(seen.filter((s) => s === "half"), [], seen.join(" "));
  assert.equal(checksum(db, "customers"), whole);
});

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

Deno.test("two imports of one table in one thread both commit, the second waiting for the first", async () => {
  await using dir = await tempDir();
  await generateDataset(dir.path, { rows: 20_000 });
  const db = `${dir.path}/t.db`;
  const [first, second] = [await openStore(db), await openStore(db)];
  try {
    const path = `${dir.path}/products.csv`;
    // The second one's BEGIN IMMEDIATE finds the first one's lock held; waiting
    // for it must not block the thread the first one needs to finish.
    const reports = await Promise.all([importFile(first, path), importFile(second, path)]);
    assert.deepEqual(reports.map((r) => [r.before, r.after]).sort(), [[0, 20_000], [
      20_000,
      20_000,
    ]]);
  } finally {
    await first.close();
    await second.close();
  }
});
