import assert from "node:assert/strict";
import { ImportError } from "../lib/import_error.ts";
import { importFile } from "../lib/import_file.ts";
import { getTable } from "../lib/schema.ts";
import { openStore } from "../lib/store/open.ts";
import { datasetDir, snapshot, tempDir, writeFile } from "./helpers.ts";

const CUSTOMERS = "user_id,name,address,zip_code,phone_number,email\n";
const PRODUCTS = "product_id,description,product_type,quantity_available\n";

Deno.test("importFile() reads columns in any order and quoted values intact", async () => {
  await using dir = await tempDir();
  const path = await writeFile(
    dir.path,
    "c.csv",
    "\ufeffemail,user_id,name,address,zip_code,phone_number\r\n" +
      'a@x.com,C1,"Lee, Ann","1 Main St, Apt 2\r\nSeattle, WA",98101,555-1\r\n',
  );
  const store = await openStore(`${dir.path}/t.db`);
  const report = await importFile(store, path);
  await store.close();
  assert.equal(report.table, "customers");
  assert.deepEqual([report.processed, report.before, report.after], [1, 0, 1]);
  assert.deepEqual(snapshot(`${dir.path}/t.db`, "customers"), [
    ["C1", "Lee, Ann", "1 Main St, Apt 2\r\nSeattle, WA", "98101", "555-1", "a@x.com"],
  ]);
});

Deno.test("importFile() stores the values of valid files of every shape exactly", async (t) => {
  await using dir = await tempDir();
  const cases: { name: string; text: string; expected: string[][] }[] = [
    {
      name: "a header ending in LF and rows ending in CRLF",
      text: CUSTOMERS + "C1,Ann,1 Main St,98101,555-1,ann@example.com\r\n" +
        "C2,Bob,2 Oak Ave,98102,555-2,bob@example.com\r\n",
      expected: [
        ["C1", "Ann", "1 Main St", "98101", "555-1", "ann@example.com"],
        ["C2", "Bob", "2 Oak Ave", "98102", "555-2", "bob@example.com"],
      ],
    },
    {
      name: "a first field holding CRLF in an LF file",
      text:
        'address,user_id,name,zip_code,phone_number,email\n"1 Main St\r\nSeattle",C1,Ann,1,2,a\n' +
        "2 Oak Ave,C2,Bob,3,4,b\n",
      expected: [
        ["C1", "Ann", "1 Main St\r\nSeattle", "1", "2", "a"],
        ["C2", "Bob", "2 Oak Ave", "3", "4", "b"],
      ],
    },
    {
      name: "a U+FFFD written as UTF-8",
      text: CUSTOMERS + "C1,Jos\ufffd,1 Main St,98101,555-1,a@x.com\n",
      expected: [["C1", "Jos\ufffd", "1 Main St", "98101", "555-1", "a@x.com"]],
    },
    {
      name: "a spreadsheet's empty unnamed columns at the end",
      text: "user_id,name,address,zip_code,phone_number,email,, \r\n" +
        'C1,Ann,"1 Main St,",98101,555-1,a@x.com,,\r\nC2,Bob,b,1,2,b@x.com, ,""\r\n',
      expected: [
        ["C1", "Ann", "1 Main St,", "98101", "555-1", "a@x.com"],
        ["C2", "Bob", "b", "1", "2", "b@x.com"],
      ],
    },
  ];
  for (const { name, text, expected } of cases) {
    await t.step(name, async () => {
      const db = `${dir.path}/${expected.length}-${name.length}.db`;
      const path = await writeFile(dir.path, "c.csv", text);
      const store = await openStore(db);
      const report = await importFile(store, path);
      await store.close();
      assert.equal(report.processed, expected.length);
      assert.deepEqual(snapshot(db, "customers"), expected);
    });
  }
});

Deno.test("importFile() takes the first record as the header, on whatever line, and no data row repeats it", async () => {
  await using dir = await tempDir();
  // Blank lines push the header to line 3; the out-of-order key C1 makes the
  // import read the keys before it again, which must not count the header.
  const path = await writeFile(
    dir.path,
    "c.csv",
    "\n\n" + CUSTOMERS + "C2,Bob,b,1,2,b@x.com\nC1,Ann,a,1,2,a@x.com\n" +
      "user_id,Uma,u,1,2,u@x.com\n",
  );
  for (const onInvalid of ["fail", "skip"] as const) {
    const store = await openStore(`${dir.path}/${onInvalid}.db`);
    const report = await importFile(store, path, { onInvalid, rejectsDir: dir.path });
    await store.close();
    assert.deepEqual([report.processed, report.rejected, report.after], [3, 0, 3], onInvalid);
  }
});

Deno.test("importFile() refuses bad input whole, naming the file and line", async (t) => {
  await using data = await datasetDir(10);
  await using dir = await tempDir();
  const db = `${dir.path}/t.db`;
  const store = await openStore(db);
  await importFile(store, `${data.path}/customers.csv`);
  await importFile(store, `${data.path}/products.csv`);
  const before = { customers: snapshot(db, "customers"), products: snapshot(db, "products") };
  const cases: { name: string; text: string; error: RegExp }[] = [
    {
      name: "too few fields",
      text: CUSTOMERS + "C7,a,b,c,d,e\nC8,a,b,c\n",
      error: /line 3 has 4 fields, expected 6/,
    },
    {
      name: "too many fields",
      text: PRODUCTS + "P1,a,b,1,extra\n",
      error: /line 2 has 5 fields, expected 4/,
    },
    {
      name: "a value in an unnamed column",
      text: "product_id,description,product_type,quantity_available,\nP1,a,b,1,\nP2,a,b,1,x\n",
      error: /line 3 has "x" in field 5, which the header leaves unnamed/,
    },
    {
      name: "too few fields for the unnamed columns",
      text: "product_id,description,product_type,quantity_available,\nP1,a,b,1\n",
      error: /line 2 has 4 fields, expected 5/,
    },
    {
      name: "an empty key",
      text: CUSTOMERS + "C7,a,b,c,d,e\n ,a,b,c,d,e\n",
      error: /line 3 has an empty user_id/,
    },
    {
      name: "a negative quantity",
      text: PRODUCTS + "P1,a,b,-2\n",
      error: /line 2 has quantity_available "-2", which is not a whole number >= 0/,
    },
    {
      name: "a fractional quantity",
      text: PRODUCTS + "P1,a,b,1.5\n",
      error: /line 2 has quantity_available "1.5"/,
    },
    {
      name: "a duplicate key",
      text: PRODUCTS + "P1,a,b,1\nP2,a,b,1\nP1,c,d,2\n",
      error: /line 4 repeats product_id "P1" of line 2/,
    },
    {
      name: "a malformed quote",
      text: PRODUCTS + 'P1,"a"b,c,1\n',
      error: /line 2 has text after the closing quote/,
    },
    {
      name: "an unknown column",
      text: "product_id,description,product_type,quantity_available,color\n",
      error: /line 1 has unknown column "color"/,
    },
  ];
  for (const { name, text, error } of cases) {
    await t.step(`rejects ${name} and leaves both tables as they were`, async () => {
      const path = await writeFile(dir.path, "bad.csv", text);
      const table = text.startsWith("user_id") ? "customers" : "products";
      await assert.rejects(importFile(store, path, { table }), (e: Error) => {
        assert.ok(e instanceof ImportError);
        assert.match(e.message, /^Cannot import ".*bad\.csv": /);
        assert.match(e.message, error);
        return true;
      });
      assert.deepEqual(snapshot(db, "customers"), before.customers);
      assert.deepEqual(snapshot(db, "products"), before.products);
    });
  }
  await store.close();
});

Deno.test("importFile() refuses rentals that name a missing customer or product", async () => {
  await using data = await datasetDir(10);
  await using dir = await tempDir();
  const store = await openStore(`${dir.path}/t.db`);
  await importFile(store, `${data.path}/customers.csv`);
  await importFile(store, `${data.path}/products.csv`);
  const ok = await importFile(store, `${data.path}/rentals.csv`);
  assert.equal(ok.after, 10);
  const path = await writeFile(
    dir.path,
    "r.csv",
    "rental_id,product_id,user_id\nR1,P000001,C000001\nR2,P000002,C999\n",
  );
  await assert.rejects(
    importFile(store, path),
    /line 3 has user_id "C999", which is not in customers/,
  );
  await store.close();
});

Deno.test("importFile() finds a repeated key whether the keys come sorted, unsorted or sorted until late", async (t) => {
  await using dir = await tempDir();
  const store = await openStore(`${dir.path}/t.db`);
  const line = (id: string) => `${id},desk,office,1\n`;
  const cases: { name: string; ids: string[]; error?: RegExp }[] = [
    { name: "ascending by length then text: no repeat", ids: ["P9", "P10", "P11", "P100"] },
    { name: "unsorted, no repeat", ids: ["P3", "P1", "P2", "P10"] },
    {
      name: "unsorted from the start",
      ids: ["P3", "P1", "P3"],
      error: /line 4 repeats product_id "P3" of line 2/,
    },
    {
      name: "sorted until the last line repeats the first",
      ids: ["P1", "P2", "P3", "P4", "P1"],
      error: /line 6 repeats product_id "P1" of line 2/,
    },
  ];
  for (const { name, ids, error } of cases) {
    await t.step(name, async () => {
      const path = await writeFile(dir.path, "p.csv", PRODUCTS + ids.map(line).join(""));
      if (error === undefined) {
        assert.equal((await importFile(store, path)).processed, ids.length);
      } else {
        await assert.rejects(importFile(store, path), error);
      }
    });
  }
  await store.close();
});

Deno.test("a write that SQLite itself refuses names the table's database file and rolls back", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/t.db`;
  const store = await openStore(db);
  const products = getTable("products");
  try {
    await assert.rejects(
      store.write(products, async (writer) => {
        await writer.upsert([["P1", "desk", "office", 1]]);
        await writer.upsert([["P2", "desk", "office", "many"]]);
      }),
      /^Error: Cannot write to database ".*t\.db\/products\.db": cannot store TEXT value in INTEGER column/,
    );
    assert.equal(await store.count(products), 0);
  } finally {
    await store.close();
  }
});

Deno.test("importFile() names a repeated key's earlier line without reading the file again", async (t) => {
  // Several batches (the reader reads 64 KiB at a time); once the first is
  // read, another file replaces the path. The open file is still read to its
  // end, but anything that opened the path again would see only a header.
  await using dir = await tempDir();
  const store = await openStore(`${dir.path}/t.db`);
  const ids = Array.from({ length: 12_000 }, (_, i) => `P${String(i + 1).padStart(6, "0")}`);
  ids.push("P000005"); // line 12,002 repeats line 6
  const text = PRODUCTS + ids.map((id) => `${id},a desk of pine,office,1\n`).join("");
  for (const onInvalid of ["fail", "skip"] as const) {
    await t.step(`in "${onInvalid}" mode`, async () => {
      const path = await writeFile(dir.path, "p.csv", text);
      const other = await writeFile(dir.path, "other.csv", PRODUCTS);
      let replaced = false;
      const onProgress = () => {
        if (!replaced) Deno.renameSync(other, path);
        replaced = true;
      };
      const reason = 'repeats product_id "P000005" of line 6';
      if (onInvalid === "fail") {
        await assert.rejects(
          importFile(store, path, { onProgress }),
          new RegExp(`line ${ids.length + 1} ${reason}`),
        );
      } else {
        const report = await importFile(store, path, { onProgress, onInvalid });
        assert.equal(report.rejected, 1);
        const rejects = await Deno.readTextFile(report.rejectsFile!);
        assert.match(rejects, new RegExp(`\n${ids.length + 1},"${reason.replaceAll('"', '""')}"`));
      }
      assert.equal(replaced, true);
    });
  }
  await store.close();
});
