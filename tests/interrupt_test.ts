/**
 * Ctrl-C during `norton import` and linear.ts, sent as SIGINT to a child
 * process in the middle of a large file: the file under way rolls back, the
 * files committed before it stay and are named, and the exit code is 130.
 *
 * @module
 */
import assert from "node:assert/strict";
import { tableFile } from "../lib/store/open.ts";
import { countRows, datasetDir, ended, spawnDeno, tempDir } from "./helpers.ts";

function spawnNorton(...args: string[]): Deno.ChildProcess {
  return spawnDeno(["--allow-read", "--allow-write=.test-tmp", "cli.ts", ...args]);
}

/** Resolves once `ready()` holds, checking every 10 ms; a throw counts as not yet. */
async function until(ready: () => boolean): Promise<void> {
  const holds = () => {
    try {
      return ready();
    } catch {
      return false; // e.g. the table's file exists but its table is not created yet
    }
  };
  while (!holds()) await new Promise((resolve) => setTimeout(resolve, 10));
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("Ctrl-C during norton import rolls back the file under way and names the committed ones", async (t) => {
  // 200,000 rows take a second or more to import: time enough to be interrupted.
  await using data = await datasetDir(200_000);
  const customers = `${data.path}/customers.csv`;
  const products = `${data.path}/products.csv`;

  await t.step("linear: the small file before it stays, exit code 130", async () => {
    await using dir = await tempDir();
    const db = `${dir.path}/t.db`;
    const child = spawnNorton(
      "import",
      "data/products.csv",
      customers,
      "--mode",
      "linear",
      "--db",
      db,
    );
    // The products import has committed: the customers import is under way.
    await until(() => countRows(db, "products") === 1000);
    child.kill("SIGINT");
    const run = await ended(child);
    assert.equal(run.code, 130, run.stderr);
    assert.equal(
      run.stderr,
      `Interrupted: committed "data/products.csv"; not imported (rolled back or not started): ` +
        `"${customers}"\n`,
    );
    assert.match(
      run.stdout,
      /^file +table +mode +processed.*\ndata\/products\.csv +products +linear +1000 /,
    );
    assert.equal(countRows(db, "customers"), 0);
    assert.equal(countRows(db, "products"), 1000);
  });

  await t.step(
    "linear.ts: customers stays, products rolls back, one line, exit code 130",
    async () => {
      await using dir = await tempDir();
      // The bundled 1,000 customers, then the 200,000 products: interrupted in the second.
      await Deno.copyFile("data/customers.csv", `${dir.path}/customers.csv`);
      await Deno.copyFile(products, `${dir.path}/products.csv`);
      const db = `${dir.path}/t.db`;
      const child = spawnDeno([
        "--allow-read",
        "--allow-write=.test-tmp",
        "linear.ts",
        "--data-dir",
        dir.path,
        "--db",
        db,
      ]);
      await until(() => countRows(db, "customers") === 1000);
      child.kill("SIGINT");
      const run = await ended(child);
      assert.equal(run.code, 130, run.stderr);
      assert.equal(run.stdout, "");
      assert.equal(
        run.stderr,
        `Interrupted: committed "${dir.path}/customers.csv"; not imported (rolled back or not ` +
          `started): "${dir.path}/products.csv"\n`,
      );
      assert.equal(countRows(db, "products"), 0);
    },
  );

  await t.step(
    "parallel: each file is committed whole or rolled back, and the process ends",
    async () => {
      await using dir = await tempDir();
      const db = `${dir.path}/t.db`;
      const child = spawnNorton(
        "import",
        customers,
        products,
        "--mode",
        "parallel",
        "--db",
        db,
        "--json",
      );
      // Each worker has opened its table's file (SQLite creates the -wal file then).
      await until(() =>
        exists(`${tableFile(db, "customers")}-wal`) && exists(`${tableFile(db, "products")}-wal`)
      );
      // One Ctrl-C under `deno task` arrives twice: from the terminal, and
      // forwarded by the task runner a moment later. It still counts as one.
      child.kill("SIGINT");
      await new Promise((resolve) => setTimeout(resolve, 20));
      try {
        child.kill("SIGINT");
      } catch (error) {
        // The first one may have ended it already (1 run in 4 once imports
        // got faster): the second then finds nothing to interrupt.
        if (!(error instanceof TypeError && /terminated/.test(error.message))) throw error;
      }
      const run = await ended(child);
      assert.equal(run.code, 130, run.stderr);
      // The two files race the signal: on a loaded machine one may commit
      // first. Whatever the timing, a file is either committed, reported and
      // whole, or named as not imported and absent; never anything between.
      const reported = (JSON.parse(run.stdout) as { file: string }[]).map((r) => r.file);
      const files = [customers, products];
      const committed = files.filter((file) => reported.includes(file));
      const rest = files.filter((file) => !reported.includes(file));
      // Both may even have committed before the signal was seen (once in the
      // gate): the line then says so.
      const list = (names: string[]) => names.map((name) => `"${name}"`).join(", ");
      assert.equal(
        run.stderr,
        `Interrupted: ${
          committed.length === 0 ? "no file was committed" : `committed ${list(committed)}`
        }; ${
          rest.length === 0
            ? "every file had committed"
            : `not imported (rolled back or not started): ${list(rest)}`
        }\n`,
      );
      assert.equal(countRows(db, "customers"), committed.includes(customers) ? 200_000 : 0);
      assert.equal(countRows(db, "products"), committed.includes(products) ? 200_000 : 0);
    },
  );
});
