import assert from "node:assert/strict";
import { importFile } from "../lib/import_file.ts";
import { openStore } from "../lib/store/open.ts";
import type { Store } from "../lib/store/store.ts";
import { fillDisk, snapshot, tempDir, tinyDisk, writeFile } from "./helpers.ts";

const PRODUCTS = "product_id,description,product_type,quantity_available\n";

/** A products file of `good` valid rows then `bad` rows with a bad quantity. */
function products(good: number, bad: number): string {
  const rows = Array.from({ length: good }, (_, i) => `P${i + 1},oak desk,office,1\n`);
  for (let i = 0; i < bad; i++) rows.push(`B${i + 1},a desk that is not counted,office,lots\n`);
  return PRODUCTS + rows.join("");
}

/** The files of `dir` whose names contain `part`. */
function named(dir: string, part: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes(part)).sort();
}

const disk = await tinyDisk(64);
await disk?.[Symbol.asyncDispose]();

Deno.test("a folder where the rejects file goes refuses a skip-mode import before it writes anything", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/t.db`;
  const path = await writeFile(dir.path, "p.csv", products(3, 1));
  await Deno.mkdir(`${dir.path}/p.rejects.csv`);
  const store = await openStore(db);
  try {
    await assert.rejects(importFile(store, path, { onInvalid: "skip" }), (error: Error) => {
      assert.equal(
        error.message,
        `Cannot write rejects file "${dir.path}/p.rejects.csv": it is a folder`,
      );
      return true;
    });
  } finally {
    await store.close();
  }
  assert.deepEqual(snapshot(db, "products"), []);
  assert.deepEqual(named(dir.path, ".partial"), []);
});

Deno.test("a rejects file that cannot be put in place after the commit leaves the import committed, its rows in the file it names, and the next run puts it in place", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/t.db`;
  const path = await writeFile(dir.path, "p.csv", products(3, 2));
  const final = `${dir.path}/p.rejects.csv`;
  const store = await openStore(db);
  try {
    // The folder appears while the import runs, after the check at its start.
    const report = await importFile(store, path, {
      onInvalid: "skip",
      onProgress: () => Deno.mkdirSync(final),
    });
    assert.deepEqual([report.processed, report.rejected, report.after], [5, 2, 3]);
    assert.match(report.rejectsFile!, /\/p\.rejects\.csv\.products\.[0-9a-f]+\.partial$/);
    assert.match(
      report.rejectsProblem!,
      new RegExp(`^could not rename it to "${final}": Is a directory`),
    );
    const rows = (await Deno.readTextFile(report.rejectsFile!)).split("\n");
    assert.deepEqual(rows.slice(1, 3).map((row) => row.split(",")[0]), ["5", "6"]);
    assert.equal(snapshot(db, "products").length, 3);

    // The next run, in either mode, completes it.
    await Deno.remove(final);
    await writeFile(dir.path, "p.csv", products(3, 0));
    await importFile(store, path);
    assert.equal(await Deno.readTextFile(final), rows.join("\n"));
    assert.deepEqual(named(dir.path, ".partial"), []);
  } finally {
    await store.close();
  }
});

Deno.test("a leftover partial rejects file of an import that never committed is removed by the next run; one still being written is left alone", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/t.db`;
  const path = await writeFile(dir.path, "p.csv", products(3, 0));
  const dead = await writeFile(dir.path, "p.rejects.csv.products.0123456789ab.partial", "x\n");
  const live = await writeFile(dir.path, "p.rejects.csv.products.ba9876543210.partial", "y\n");
  const other = await writeFile(dir.path, "p.rejects.csv.customers.0123456789ab.partial", "z\n");
  using writing = await Deno.open(live, { read: true });
  await writing.lock(true);
  const store = await openStore(db);
  try {
    for (const onInvalid of ["fail", "skip"] as const) {
      await importFile(store, path, { onInvalid });
      assert.deepEqual(named(dir.path, ".partial"), [other, live].map((p) => p.split("/").pop()));
      await writeFile(dir.path, dead.split("/").pop()!, "x\n");
    }
  } finally {
    await store.close();
  }
  assert.equal(await Deno.readTextFile(live), "y\n");
});

Deno.test({
  name:
    "a full disk while the rejects file is written refuses the import before the commit, naming the file",
  ignore: disk === undefined,
  fn: async (t) => {
    // "At the end": the rejected rows fit in the writer's buffer and reach the
    // disk only as the import finishes. "During": they fill it mid-import.
    for (const [when, bad] of [["at the end", 200], ["during the import", 2_000]] as const) {
      await t.step(when, async () => {
        await using dir = await tempDir();
        await using full = (await tinyDisk(64))!;
        const db = `${dir.path}/t.db`;
        const path = await writeFile(dir.path, "p.csv", products(3, bad));
        await fillDisk(full.path, 8);
        const store = await openStore(db);
        try {
          await assert.rejects(
            importFile(store, path, { onInvalid: "skip", rejectsDir: full.path }),
            (error: Error) => {
              assert.equal(
                error.message,
                `Cannot write rejects file "${full.path}/p.rejects.csv": ` +
                  "No space left on device (os error 28)",
              );
              return true;
            },
          );
        } finally {
          await store.close();
        }
        assert.deepEqual(snapshot(db, "products"), []);
        assert.deepEqual(named(full.path, "rejects"), []);
      });
    }
  },
});

Deno.test("the rejects file of an import that another import of the same file overtook is dropped, and the later one's kept", async () => {
  await using dir = await tempDir();
  const path = await writeFile(dir.path, "p.csv", products(3, 1));
  const final = await writeFile(dir.path, "p.rejects.csv", "the later import's rejects\n");
  const store = await openStore(`${dir.path}/t.db`);
  // As if another import of p.csv committed between this one's COMMIT and its rename.
  const overtaken = new Proxy(store, {
    get: (target, key) => {
      if (key === "rejectsMark") return () => Promise.resolve("0123456789ab");
      const value = target[key as keyof Store];
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  try {
    const report = await importFile(overtaken, path, { onInvalid: "skip" });
    assert.equal(report.rejected, 1);
    assert.equal(report.rejectsFile, final);
    assert.match(report.rejectsProblem!, /committed after this one/);
  } finally {
    await store.close();
  }
  assert.equal(await Deno.readTextFile(final), "the later import's rejects\n");
  assert.deepEqual(named(dir.path, ".partial"), []);
});

Deno.test({
  name: "a skip-mode import whose COMMIT fails on a full disk leaves no partial rejects file",
  ignore: disk === undefined,
  fn: async () => {
    // The database and the rejects file on one tiny disk: the rows fit, the
    // commit does not; the first import's tables are gone with its rollback.
    await using full = (await tinyDisk(64))!;
    await using dir = await tempDir();
    const path = await writeFile(dir.path, "p.csv", products(400, 2));
    const store = await openStore(`${full.path}/db`);
    try {
      await assert.rejects(
        importFile(store, path, { onInvalid: "skip", rejectsDir: full.path }),
        /Cannot (write to|open) database ".*products\.db": the disk is full/,
      );
    } finally {
      await store.close();
    }
    assert.deepEqual(named(full.path, ".partial"), []);
  },
});
