import assert from "node:assert/strict";
import { importFile } from "../lib/import_file.ts";
import { openStore } from "../lib/store/open.ts";
import { fillDisk, tempDir, tinyDisk, writeFile } from "./helpers.ts";

const HEADER = "product_id,description,product_type,quantity_available\n";

/** What importing a products file into the store at `db` says, or "ok". */
async function outcome(db: string, csv: string): Promise<string> {
  const store = await openStore(db);
  try {
    await importFile(store, csv);
    return "ok";
  } catch (error) {
    return (error as Error).message;
  } finally {
    await store.close();
  }
}

/**
 * `ln -s target path`: Deno.symlink needs unscoped read and write permissions,
 * which the test task does not grant.
 */
async function symlink(target: string, path: string): Promise<void> {
  const { success } = await new Deno.Command("ln", { args: ["-s", target, path] }).output();
  assert.ok(success, `ln -s ${target} ${path}`);
}

const disk = await tinyDisk(64);
await disk?.[Symbol.asyncDispose]();

Deno.test("an odd database path is refused with a message naming what is actually wrong", async (t) => {
  const cases: { name: string; make: (dir: string) => Promise<unknown>; reason: string }[] = [
    {
      name: "the table's file is a folder",
      make: (dir) => Deno.mkdir(`${dir}/products.db`),
      reason: "it is a folder, not a database file",
    },
    {
      name: "the table's file is a link into a folder that does not exist",
      make: (dir) => symlink("gone/x.db", `${dir}/products.db`),
      reason: 'it is a link to "gone/x.db", whose folder "DIR/gone" does not exist',
    },
    {
      name: "the table's file is a link to itself",
      make: (dir) => symlink("products.db", `${dir}/products.db`),
      reason: 'it is a link to "products.db", which cannot be followed: ' +
        "Too many levels of symbolic links (os error 40)",
    },
    {
      name: "its -wal is a folder",
      make: (dir) => Deno.mkdir(`${dir}/products.db-wal`),
      reason: '"DIR/products.db-wal" beside it is a folder, not a file',
    },
    {
      name: "its -shm is a folder",
      make: async (dir) => {
        await Deno.writeFile(`${dir}/products.db`, new Uint8Array());
        await Deno.mkdir(`${dir}/products.db-shm`);
      },
      reason: '"DIR/products.db-shm" beside it is a folder, not a file',
    },
  ];
  await using files = await tempDir();
  const csv = await writeFile(files.path, "p.csv", HEADER + "P1,desk,office,1\n");
  for (const { name, make, reason } of cases) {
    await t.step(name, async () => {
      // The location is a folder with one file per table.
      await using dir = await tempDir();
      await make(dir.path);
      assert.equal(
        await outcome(dir.path, csv),
        `Cannot open database "${dir.path}/products.db": ${reason.replaceAll("DIR", dir.path)}`,
      );
    });
  }
});

Deno.test({
  name: "a full disk is named as such, whether at open or while writing",
  ignore: disk === undefined,
  fn: async (t) => {
    await using files = await tempDir();
    const small = await writeFile(files.path, "p.csv", HEADER + "P1,desk,office,1\n");
    const rows = Array.from(
      { length: 20_000 },
      (_, i) => `P${i},a desk of pine and oak,office,1\n`,
    );
    const large = await writeFile(files.path, "large.csv", HEADER + rows.join(""));
    const cases = [
      { when: "at open", free: 8, csv: small, action: "open" },
      { when: "while writing", free: 160, csv: large, action: "write to" },
    ];
    for (const { when, free, csv, action } of cases) {
      await t.step(when, async () => {
        await using full = (await tinyDisk(512))!;
        await fillDisk(full.path, free);
        assert.equal(
          await outcome(full.path, csv),
          `Cannot ${action} database "${full.path}/products.db": the disk is full`,
        );
      });
    }
  },
});
