/**
 * dist/norton.js, the one-file `norton` of `deno task bundle`: built into a
 * temporary folder and run with `deno run`, away from the sources.
 *
 * @module
 */
import assert from "node:assert/strict";
import { buildBundle, RUN } from "../tools/bundle.ts";
import { countRows, runDeno, tempDir } from "./helpers.ts";

Deno.test("the bundle runs norton's commands with deno run, its parallel import's workers included", async () => {
  await using dir = await tempDir();
  const bundle = `${dir.path}/norton.js`;
  await buildBundle(bundle);
  assert.ok((await Deno.readTextFile(bundle)).startsWith(`#!/usr/bin/env -S ${RUN}\n`));
  // The task's permissions, the write scope moved from data/ to the temporary folder.
  const flags = RUN.split(" ").slice(2).map((flag) => flag.replace("=data", `=${dir.path}`));
  const norton = (...args: string[]) => runDeno([...flags, bundle, ...args]);
  const db = `${dir.path}/db`;

  const version = await norton("--version");
  assert.equal(version.code, 0, version.stderr);
  const imported = await norton(
    "import",
    "data/customers.csv",
    "data/products.csv",
    "data/rentals.csv",
    "--mode",
    "parallel",
    "--db",
    db,
    "--json",
  );
  assert.equal(imported.code, 0, imported.stderr);
  const reports = JSON.parse(imported.stdout) as { table: string; mode: string }[];
  assert.deepEqual(reports.map((r) => [r.table, r.mode]), [
    ["customers", "parallel"],
    ["products", "parallel"],
    ["rentals", "parallel"],
  ]);
  assert.equal(countRows(db, "rentals"), 1000);

  const status = await norton("status", "--db", db, "--json");
  assert.deepEqual(JSON.parse(status.stdout).map((s: { rows: number }) => s.rows), [
    1000,
    1000,
    1000,
  ]);
  const joined = await norton(
    "sql",
    "SELECT COUNT(*) AS n FROM rentals JOIN customers USING (user_id) JOIN products USING (product_id)",
    "--db",
    db,
    "--json",
  );
  assert.equal(joined.code, 0, joined.stderr);
  assert.equal(JSON.parse(joined.stdout)[0].n, 1000);
  const exported = await norton("export", "products", "--db", db);
  assert.equal(exported.stdout.split("\r\n").length, 1002);
  const checked = await norton("check", "data/customers.csv", "--db", db);
  assert.equal(checked.stderr, "Checked 1 file: no problems\n");
});
