/**
 * The bad-input corpus: every kind of malformed export we expect, each with the
 * exact message it must produce. In strict mode every table stays byte-for-byte
 * as it was; in "skip" mode row-level problems go to the rejects file and
 * file-level ones still refuse the file.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ImportError } from "../lib/import_error.ts";
import { importFile } from "../lib/import_file.ts";
import type { TableName } from "../lib/schema.ts";
import { openStore } from "../lib/store/open.ts";
import * as linear from "../linear.ts";
import { importInWorkers } from "../lib/worker_pool.ts";
import { checksum, datasetDir, snapshot, tempDir, writeFile } from "./helpers.ts";

const C = "user_id,name,address,zip_code,phone_number,email\n";
const P = "product_id,description,product_type,quantity_available\n";
const R = "rental_id,product_id,user_id\n";
const CUSTOMER = "C901,Ann Lee,1 Main St,98101,555-000-0001,ann@example.com\n";
const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(
    parts.flatMap((part) => typeof part === "string" ? [...new TextEncoder().encode(part)] : part),
  );
const utf16 = (text: string, bom: boolean) =>
  new Uint8Array([
    ...(bom ? [0xff, 0xfe] : []),
    ...[...text].flatMap((c) => [c.charCodeAt(0), 0]),
  ]);

interface BadCase {
  /** What is wrong. */
  name: string;
  /** The file's content; a string is written as UTF-8. Omitted: `path` says what to use. */
  text?: string | Uint8Array;
  /** "dir" uses a folder as the file; "missing" a path that does not exist. */
  path?: "dir" | "missing";
  /** The file name (default bad.csv). */
  file?: string;
  /** The table passed to importFile; omitted: known from the header. */
  table?: TableName;
  /** The message after `Cannot import "PATH": `. */
  reason: string;
  /** Row-level problems: rows that "skip" mode rejects. File-level ones leave it undefined. */
  rejected?: number;
}

const CASES: BadCase[] = [
  {
    name: "an empty file (only blank lines)",
    text: "\n\n\n",
    reason: "is empty: expected a header line",
  },
  {
    name: "a 0-byte file named like a real one",
    file: "customers.csv",
    text: "",
    table: "customers",
    reason: "is empty: expected a header line",
  },
  { name: "a header only", text: C, reason: "has a header but no data rows" },
  {
    name: "a missing header column",
    text: "user_id,name,address,zip_code,phone_number\nC901,Ann,1 Main St,98101,555-1\n",
    table: "customers",
    reason: 'line 1 lacks column "email" in the header',
  },
  {
    name: "an unknown extra column (table given)",
    text: "product_id,description,product_type,quantity_available,color\nP901,a,b,1,red\n",
    table: "products",
    reason: 'line 1 has unknown column "color" in the header for table products',
  },
  {
    name: "a header that matches no table (table from the header)",
    text: "product_id,description,product_type,qty\nP901,a,b,1\n",
    reason:
      'line 1 has header "product_id,description,product_type,qty", which matches no table\'s columns',
  },
  {
    name: "a duplicated column name",
    text: "user_id,name,name,zip_code,phone_number,email\nC901,a,b,c,d,e\n",
    table: "customers",
    reason: 'line 1 has column "name" twice in the header',
  },
  {
    name: "an SQL injection in a (quoted) header",
    text: '"user_id""; DROP TABLE customers; --",name,address,zip_code,phone_number,email\n' +
      "x,a,b,c,d,e\n",
    table: "customers",
    reason:
      'line 1 has unknown column "user_id"; DROP TABLE customers; --" in the header for table customers',
  },
  {
    name: "an SQL injection in an unquoted header",
    text: 'user_id"; DROP TABLE customers; --,name,address,zip_code,phone_number,email\n',
    table: "customers",
    reason: "line 1 has a quote inside unquoted field 1",
  },
  {
    name: "too few fields on one row",
    text: C + CUSTOMER + "C902,Bob,2 Oak Ave,98102\n",
    reason: "line 3 has 4 fields, expected 6",
    rejected: 1,
  },
  {
    name: "too many fields on one row",
    text: P + "P901,oak desk,office,1,extra\nP902,pine desk,office,2\n",
    reason: "line 2 has 5 fields, expected 4",
    rejected: 1,
  },
  {
    name: "a bad record spanning lines (reported where it starts)",
    text: C + 'C901,Ann,"1 Main St\nApt 2",98101,555-1,a@x.com\nC902,"Bob\nLee",x,98102,555-2\n',
    reason: "line 4 has 5 fields, expected 6",
    rejected: 1,
  },
  {
    name: "a bad row after blank lines (which still count)",
    text: P + "P901,a,b,1\n\n\nP902,a,b\n",
    reason: "line 5 has 3 fields, expected 4",
    rejected: 1,
  },
  {
    name: "a bad row in a CRLF file",
    text: P.replace("\n", "\r\n") + "P901,a,b,1\r\nP902,a,b,1,2\r\n",
    reason: "line 3 has 5 fields, expected 4",
    rejected: 1,
  },
  {
    name: "an unterminated quote at the end of the file",
    text: P + 'P901,a,b,1\nP902,"oak desk,office,2\n',
    reason: "line 3 has a quoted field that is never closed",
  },
  {
    name: "an unterminated quote that swallows the rest of the file",
    text: C + 'C901,"Ann,1 Main St,98101,555-1,a@x.com\n' + CUSTOMER.replace("C901", "C902"),
    reason: "line 2 has a quoted field that is never closed",
  },
  {
    name: "a quote in the middle of an unquoted field",
    text: P + 'P901,oak "big" desk,office,1\nP902,a,b,1\n',
    reason: "line 2 has a quote inside unquoted field 2",
    rejected: 1,
  },
  {
    name: "text after a closing quote",
    text: P + 'P901,"oak"desk,office,1\n',
    reason: "line 2 has text after the closing quote of a quoted field",
  },
  {
    name: "spaces after a closing quote",
    text: C + 'C901,"Ann Lee"   ,1 Main St,98101,555-1,a@x.com\n',
    reason: "line 2 has text after the closing quote of a quoted field",
  },
  {
    name: "a lone CR inside an unquoted field",
    text: P + "P901,oak\rdesk,office,1\nP902,a,b,1\n",
    reason: "line 2 has a carriage return not followed by a line feed in unquoted field 2",
    rejected: 1,
  },
  {
    name: 'a line holding only "" (one empty field, not a blank line)',
    text: P + 'P901,a,b,1\n""\n',
    reason: "line 3 has 1 fields, expected 4",
    rejected: 1,
  },
  {
    name: "an unknown column in a header after blank lines",
    text: "\n\n" + P.replace("\n", ",color\n") + "P901,a,b,1,red\n",
    table: "products",
    reason: 'line 3 has unknown column "color" in the header for table products',
  },
  {
    name: "a stray quote in a header after blank lines",
    text: '\n\nuser_id",name,address,zip_code,phone_number,email\nC901,a,b,c,d,e\n',
    table: "customers",
    reason: "line 3 has a quote inside unquoted field 1",
  },
  {
    name: "a header that matches no table before a stray quote (a README given as CSV)",
    text: '# HP Norton\n\nSome "quoted" words.\n',
    reason: 'line 1 has header "# HP Norton", which matches no table\'s columns',
  },
  {
    name: "a missing reference before a wrong field count",
    text: R + "R901,P000001,C999999\nR902,P000002\n",
    reason: 'line 2 has user_id "C999999", which is not in customers',
    rejected: 2,
  },
  {
    name: "a missing customer before a missing product",
    text: R + "R901,P000001,C999999\nR902,P999999,C000001\n",
    reason: 'line 2 has user_id "C999999", which is not in customers',
    rejected: 2,
  },
  {
    name: "a bad value before a stray quote",
    text: P + 'P901,a,b,-1\nP902,a"b,c,1\n',
    reason: 'line 2 has quantity_available "-1", which is not a whole number >= 0',
    rejected: 2,
  },
  {
    name: "an empty key",
    text: C + ",Ann,1 Main St,98101,555-1,a@x.com\n" + CUSTOMER,
    reason: "line 2 has an empty user_id",
    rejected: 1,
  },
  {
    name: "a key of only spaces",
    text: C + CUSTOMER + "   ,Ann,1 Main St,98101,555-1,a@x.com\n",
    reason: "line 3 has an empty user_id",
    rejected: 1,
  },
  {
    name: "an empty reference in a rental",
    text: R + "R901,,C000001\n",
    reason: "line 2 has an empty product_id",
    rejected: 1,
  },
  {
    name: "a key repeated within one file",
    text: P + "P901,a,b,1\nP902,a,b,1\nP901,c,d,2\n",
    reason: 'line 4 repeats product_id "P901" of line 2',
    rejected: 1,
  },
  {
    name: "a non-numeric quantity",
    text: P + "P901,a,b,ten\n",
    reason: 'line 2 has quantity_available "ten", which is not a whole number >= 0',
    rejected: 1,
  },
  {
    name: "a negative quantity",
    text: P + "P901,a,b,1\nP902,a,b,-1\n",
    reason: 'line 3 has quantity_available "-1", which is not a whole number >= 0',
    rejected: 1,
  },
  {
    name: "a fractional quantity",
    text: P + "P901,a,b,2.5\n",
    reason: 'line 2 has quantity_available "2.5", which is not a whole number >= 0',
    rejected: 1,
  },
  {
    name: "a huge quantity",
    text: P + "P901,a,b,99999999999999999999\n",
    reason: 'line 2 has quantity_available "99999999999999999999", which is larger than ' +
      "9007199254740991",
    rejected: 1,
  },
  {
    name: "an empty quantity",
    text: P + "P901,a,b,\n",
    reason: "line 2 has an empty quantity_available",
    rejected: 1,
  },
  {
    name: "invalid UTF-8 bytes",
    text: bytes(C, CUSTOMER, "C902,Jos", [0xc3, 0x28], ",1 Main St,98101,555-1,j@x.com\n"),
    reason: "line 3 contains byte 0xC3, which is not UTF-8: save the file as UTF-8",
    rejected: 1,
  },
  {
    name: "a NUL byte",
    text: C + "C901,Ann\0,1 Main St,98101,555-1,a@x.com\n" + CUSTOMER.replace("C901", "C902"),
    reason: "line 2 contains a NUL byte",
    rejected: 1,
  },
  {
    name: "a UTF-16 file with a byte order mark",
    text: utf16(P + "P901,a,b,1\n", true),
    reason: "line 1 is UTF-16 encoded: save it as UTF-8",
  },
  {
    name: "a UTF-16 file without a byte order mark",
    text: utf16(P + "P901,a,b,1\n", false),
    reason: "line 1 is UTF-16 encoded: save it as UTF-8",
  },
  { name: "a directory", path: "dir", table: "products", reason: "is a directory, not a CSV file" },
  { name: "a missing file", path: "missing", table: "products", reason: "file not found" },
  {
    name: "a rental naming a customer that does not exist",
    text: R + "R901,P000001,C000001\nR902,P000002,C999999\n",
    reason: 'line 3 has user_id "C999999", which is not in customers',
    rejected: 1,
  },
  {
    name: "a rental naming a product that does not exist",
    text: R + "R901,P999999,C000001\nR902,P000002,C000002\n",
    reason: 'line 2 has product_id "P999999", which is not in products',
    rejected: 1,
  },
];

const TABLES: TableName[] = ["customers", "products", "rentals"];

/** A database holding the seeded 10-row dataset in all three tables. */
async function filledDb(dir: string, data: string): Promise<string> {
  const db = `${dir}/t.db`;
  const store = await openStore(db);
  for (const table of TABLES) await importFile(store, `${data}/${table}.csv`);
  await store.close();
  return db;
}

function checksums(db: string): string[] {
  return TABLES.map((table) => checksum(db, table));
}

async function casePath(dir: string, c: BadCase): Promise<string> {
  if (c.path === "dir") return dir;
  if (c.path === "missing") return `${dir}/nope.csv`;
  return await writeFile(dir, c.file ?? "bad.csv", c.text!);
}

/** Data records of a case's file: the lines that are neither the header nor blank. */
function dataRows(c: BadCase): number {
  const text = typeof c.text === "string" ? c.text : new TextDecoder().decode(c.text);
  // Every row-level case has one record per line except the multi-line one.
  const lines = text.split("\n").slice(1).filter((line) => line.trim() !== "");
  return c.name.includes("spanning") ? 2 : lines.length;
}

/** Quotes a CSV field the way the rejects file does. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

Deno.test("the bad-input corpus holds at least 25 distinct inputs covering the three tables", () => {
  assert.ok(CASES.length >= 25, `${CASES.length} cases`);
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
  const texts = CASES.filter((c) => c.text !== undefined).map((c) => String(c.text));
  assert.equal(new Set(texts.filter((t) => t !== "")).size, texts.filter((t) => t !== "").length);
  for (const header of [C, P, R]) {
    assert.ok(texts.some((t) => t.startsWith(header)), header);
  }
});

Deno.test("importFile() refuses every bad input with its exact message and changes no table", async (t) => {
  await using data = await datasetDir(10);
  await using dir = await tempDir();
  const db = await filledDb(dir.path, data.path);
  const before = checksums(db);
  const store = await openStore(db);
  for (const c of CASES) {
    await t.step(c.name, async () => {
      await using files = await tempDir();
      const path = await casePath(files.path, c);
      for (const onInvalid of ["fail", "skip"] as const) {
        if (onInvalid === "skip" && c.rejected !== undefined) continue;
        await assert.rejects(
          importFile(store, path, { table: c.table, onInvalid, rejectsDir: files.path }),
          (error: Error) => {
            assert.ok(error instanceof ImportError, error.stack);
            assert.equal(error.message, `Cannot import "${path}": ${c.reason}`);
            return true;
          },
        );
        assert.deepEqual(checksums(db), before, `${onInvalid}: tables changed`);
      }
      // A refused file leaves no rejects file behind, finished or not.
      const left = [...Deno.readDirSync(files.path)].filter((e) => e.name.includes("rejects"));
      assert.deepEqual(left, []);
    });
  }
  await store.close();
});

Deno.test("a worker fed by the calling thread refuses or rejects every bad input as importFile() does", async (t) => {
  await using data = await datasetDir(10);
  await using dir = await tempDir();
  const db = await filledDb(dir.path, data.path);
  for (const c of CASES) {
    await t.step(c.name, async () => {
      await using files = await tempDir();
      const path = await casePath(files.path, c);
      const before = checksums(db); // a skip-mode import of the step before added rows
      for (const onInvalid of ["fail", "skip"] as const) {
        // A stage of one file: its worker is always fed (lib/parallel_plan.ts).
        const imported = importInWorkers([{ path, table: c.table }], {
          db,
          onInvalid,
          rejectsDir: files.path,
        });
        if (onInvalid === "skip" && c.rejected !== undefined) {
          const [report] = await imported;
          assert.equal(report.rejected, c.rejected);
          assert.equal(report.processed, dataRows(c));
          continue;
        }
        await assert.rejects(imported, (error: Error) => {
          assert.ok(error instanceof ImportError, error.stack);
          assert.equal(error.message, `Cannot import "${path}": ${c.reason}`);
          return true;
        });
        assert.deepEqual(checksums(db), before, `${onInvalid}: tables changed`);
      }
    });
  }
});

Deno.test('importFile() with onInvalid "skip" rejects exactly the bad rows and imports the rest', async (t) => {
  await using data = await datasetDir(10);
  for (const c of CASES.filter((c) => c.rejected !== undefined)) {
    await t.step(c.name, async () => {
      await using dir = await tempDir();
      const db = await filledDb(dir.path, data.path);
      const path = await casePath(dir.path, c);
      const store = await openStore(db);
      const report = await importFile(store, path, { table: c.table, onInvalid: "skip" });
      await store.close();
      const processed = dataRows(c);
      assert.equal(report.processed, processed);
      assert.equal(report.rejected, c.rejected);
      // Every accepted row has a new key, so the table grew by exactly the accepted rows.
      assert.equal(report.after - report.before, processed - c.rejected!);
      assert.equal(report.rejectsFile, `${dir.path}/bad.rejects.csv`);
      const rejects = await Deno.readTextFile(report.rejectsFile!);
      const line = Number(/^line (\d+) /.exec(c.reason)![1]);
      const reason = c.reason.replace(/^line \d+ /, "");
      assert.ok(rejects.startsWith("line,reason,"), rejects);
      assert.ok(rejects.includes(`\n${line},${csvField(reason)},`), rejects);
    });
  }
});

Deno.test("the rejects file holds the header, then line, reason and the raw row, in file order", async () => {
  await using data = await datasetDir(10);
  await using dir = await tempDir();
  const db = await filledDb(dir.path, data.path);
  const path = await writeFile(
    dir.path,
    "products.csv",
    P.replace("\n", "\r\n") +
      "P901,oak desk,office,1\r\n" +
      'P902,"pine, desk",office,-3\r\n' +
      "P903,a,b\r\n" +
      'P904,"walnut\r\ndesk",office,2\r\n' +
      "P901,again,office,4\r\n" +
      'P905,a "b",office,1\r\n' +
      "P906,last,office,0",
  );
  const store = await openStore(db);
  const report = await importFile(store, path, {
    onInvalid: "skip",
    rejectsDir: dir.path,
  });
  await store.close();
  assert.deepEqual([report.processed, report.rejected, report.after - report.before], [7, 4, 3]);
  assert.equal(
    await Deno.readTextFile(`${dir.path}/products.rejects.csv`),
    "line,reason,product_id,description,product_type,quantity_available\r\n" +
      '3,"has quantity_available ""-3"", which is not a whole number >= 0",' +
      'P902,"pine, desk",office,-3\r\n' +
      '4,"has 3 fields, expected 4",P903,a,b\r\n' +
      '7,"repeats product_id ""P901"" of line 2",P901,again,office,4\r\n' +
      '8,has a quote inside unquoted field 2,P905,a "b",office,1\r\n',
  );
});

Deno.test("rows of empty fields, as spreadsheets leave them, are no rows: skipped in both modes", async () => {
  await using data = await datasetDir(10);
  await using dir = await tempDir();
  const path = await writeFile(
    dir.path,
    "products.csv",
    P +
      ',,,\nP901,oak desk,office,1\n,,,\n"",,,\nP902,pine,office,-3\n,,,\nP903,elm,office,2\n,,,\n',
  );
  await using other = await tempDir();
  const strict = await filledDb(other.path, data.path);
  await assert.rejects(async () => {
    const store = await openStore(strict);
    try {
      await importFile(store, path);
    } finally {
      await store.close();
    }
  }, /line 6 has quantity_available "-3"/);
  const db = await filledDb(dir.path, data.path);
  const store = await openStore(db);
  const report = await importFile(store, path, { onInvalid: "skip", rejectsDir: dir.path });
  await store.close();
  assert.deepEqual([report.processed, report.rejected, report.after - report.before], [3, 1, 2]);
  assert.equal(
    await Deno.readTextFile(`${dir.path}/products.rejects.csv`),
    P.replace("\n", "").replace(/^/, "line,reason,") + "\n" +
      '6,"has quantity_available ""-3"", which is not a whole number >= 0",P902,pine,office,-3\n',
  );
});

Deno.test("valid edge cases import: a last line without a line break, a 1 MB field", async () => {
  await using data = await datasetDir(10);
  await using dir = await tempDir();
  const db = await filledDb(dir.path, data.path);
  const big = "x".repeat(1 << 20);
  const path = await writeFile(
    dir.path,
    "c.csv",
    C + `C901,"${big}",1 Main St,98101,555-1,a@x.com\n` +
      "C902,Bob,2 Oak Ave,98102,555-2,b@x.com",
  );
  const store = await openStore(db);
  const report = await importFile(store, path);
  await store.close();
  assert.deepEqual([report.processed, report.after - report.before], [2, 2]);
  const rows = snapshot(db, "customers").filter((row) => String(row[0]) >= "C9");
  assert.deepEqual(rows.map((row) => [row[0], String(row[1]).length, row[5]]), [
    ["C901", 1 << 20, "a@x.com"],
    ["C902", 3, "b@x.com"],
  ]);
});

Deno.test("run() refuses a 0-byte customers.csv by name and imports nothing", async () => {
  await using data = await datasetDir(10);
  await using dir = await tempDir();
  await writeFile(data.path, "customers.csv", "");
  await assert.rejects(
    linear.run({ dataDir: data.path, db: `${dir.path}/t.db` }),
    (error: Error) => {
      assert.equal(
        error.message,
        `Cannot import "${data.path}/customers.csv": is empty: expected a header line`,
      );
      return true;
    },
  );
});

Deno.test("skip mode keeps a good row whose key an earlier, rejected row also had", async () => {
  await using data = await datasetDir(5);
  await using dir = await tempDir();
  const store = await openStore(`${dir.path}/t.db`);
  try {
    await importFile(store, `${data.path}/customers.csv`);
    await importFile(store, `${data.path}/products.csv`);
    const path = await writeFile(
      dir.path,
      "rentals.csv",
      "rental_id,product_id,user_id\nR1,P9,C000001\nR1,P000001,C000001\nR2,P000002,x\nR2,P000002,C000002\n",
    );
    const report = await importFile(store, path, { onInvalid: "skip", rejectsDir: dir.path });
    assert.deepEqual([report.processed, report.rejected, report.after], [4, 2, 2]);
    assert.deepEqual(snapshot(`${dir.path}/t.db`, "rentals"), [
      ["R1", "P000001", "C000001"],
      ["R2", "P000002", "C000002"],
    ]);
  } finally {
    await store.close();
  }
});
