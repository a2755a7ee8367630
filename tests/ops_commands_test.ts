/**
 * The ops commands through the CLI, as child processes, on SQLite and on
 * PostgreSQL: `norton status`, `norton sql`, `norton export` and
 * `norton check`, with `--delimiter` and header names in any case.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { TableName } from "../lib/schema.ts";
import { type DenoRun, nortonAt, runDeno, snapshot, tempDir, writeFile } from "./helpers.ts";
import { NO_PG, pgSchema, pgSnapshot } from "./pg_helpers.ts";

const BUNDLED = ["data/customers.csv", "data/products.csv", "data/rentals.csv"];
const P = "product_id,description,product_type,quantity_available\n";

/** A database of one engine for one test; `await using` removes it. */
interface Place {
  location: string;
  [Symbol.asyncDispose](): Promise<void>;
}

const ENGINES = [
  {
    name: "SQLite",
    ignore: false,
    async place(): Promise<Place> {
      const dir = await tempDir();
      return {
        location: `${dir.path}/db`,
        [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose](),
      };
    },
    rows: (location: string, table: TableName) => Promise.resolve(snapshot(location, table)),
  },
  {
    name: "PostgreSQL",
    ignore: NO_PG,
    place: (): Promise<Place> => Promise.resolve(pgSchema()),
    rows: pgSnapshot,
  },
];

/** The bundled CSV file of `table`: its data rows, split on commas outside quotes. */
async function bundled(table: TableName): Promise<string[][]> {
  const text = await Deno.readTextFile(`data/${table}.csv`);
  return text.trimEnd().split("\n").slice(1).map((line) =>
    line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.filter((f) => f !== "").map((f) =>
      f.replace(/,$/, "").replace(/^"(.*)"$/, "$1").replaceAll('""', '"')
    )
  );
}

function ok(run: DenoRun, what: string): DenoRun {
  assert.equal(run.code, 0, `${what}: ${run.stderr}`);
  return run;
}

for (const engine of ENGINES) {
  Deno.test({
    name: `${engine.name}: norton status shows each table's rows, place, size and last import`,
    ignore: engine.ignore,
    async fn() {
      await using at = await engine.place();
      const norton = (...args: string[]) => nortonAt(at.location, ...args);
      const empty = JSON.parse(ok(await norton("status", "--json"), "status").stdout);
      assert.deepEqual(
        empty.map((s: { table: string; rows: number; lastImport: unknown }) => [
          s.table,
          s.rows,
          s.lastImport,
        ]),
        [["customers", 0, null], ["products", 0, null], ["rentals", 0, null]],
      );
      // Asking created nothing.
      if (engine.name === "SQLite") {
        assert.throws(() => Deno.statSync(at.location), Deno.errors.NotFound);
      }
      const started = new Date().toISOString();
      ok(await norton("import", ...BUNDLED), "import");
      await using dir = await tempDir();
      const bad = await writeFile(dir.path, "products.csv", P + "P1,a,b,1\nP2,a,b,lots\n");
      assert.equal((await norton("import", bad)).code, 1);
      ok(await norton("import", bad, "--skip-invalid", "--rejects-dir", dir.path), "skip");

      const status = JSON.parse(ok(await norton("status", "--json"), "status").stdout);
      assert.deepEqual(status.map((s: { table: string; rows: number }) => [s.table, s.rows]), [
        ["customers", 1000],
        ["products", 1001],
        ["rentals", 1000],
      ]);
      const [customers, products] = status;
      assert.deepEqual(
        { ...customers.lastImport, at: undefined, seconds: undefined },
        {
          file: "data/customers.csv",
          processed: 1000,
          rejected: 0,
          at: undefined,
          seconds: undefined,
        },
      );
      assert.ok(customers.lastImport.at >= started, customers.lastImport.at);
      assert.ok(customers.lastImport.seconds > 0);
      assert.ok(customers.bytes > 0);
      assert.match(customers.where, /customers/);
      // The refused import left no record; the skip-mode one counts its rejected row.
      assert.deepEqual([products.lastImport.file, products.lastImport.processed], [bad, 2]);
      assert.equal(products.lastImport.rejected, 1);

      const table = ok(await norton("status"), "status").stdout.trimEnd().split("\n");
      assert.match(
        table[0],
        /^table +rows +size +last import +file +processed +rejected +took +where$/,
      );
      assert.match(
        table[1],
        /^customers +1000 +[\d.]+ (B|KiB|MiB) +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC +data\/customers\.csv +1000 +0 +[\d.]+ s +\S/,
      );
      assert.equal(table.length, 4);
    },
  });

  Deno.test({
    name:
      `${engine.name}: norton sql joins the three tables by name, as a table or JSON, and only reads`,
    ignore: engine.ignore,
    async fn() {
      await using at = await engine.place();
      const norton = (...args: string[]) => nortonAt(at.location, ...args);
      ok(await norton("import", ...BUNDLED), "import");
      const [customers, products, rentals] = await Promise.all(
        (["customers", "products", "rentals"] as const).map(bundled),
      );
      const typeOf = new Map(products.map((p) => [p[0], p[2]]));
      const names = new Map(customers.map((c) => [c[0], c[1]]));
      const expected = new Map<string, number>();
      for (const [, product, user] of rentals) {
        if (!names.has(user)) continue;
        const type = typeOf.get(product)!;
        expected.set(type, (expected.get(type) ?? 0) + 1);
      }
      const query = "SELECT p.product_type AS type, COUNT(*) AS rentals FROM rentals r " +
        "JOIN customers c ON c.user_id = r.user_id " +
        "JOIN products p ON p.product_id = r.product_id GROUP BY p.product_type ORDER BY type";
      const json = JSON.parse(ok(await norton("sql", query, "--json"), "sql").stdout);
      assert.deepEqual(json, [...expected].sort().map(([type, n]) => ({ type, rentals: n })));
      const table = ok(await norton("sql", query), "sql").stdout.trimEnd().split("\n");
      assert.equal(table[0], "type        rentals");
      assert.equal(table.length, expected.size + 1);

      const refusals: [string, string][] = [
        ["DELETE FROM rentals", "it would write, and norton sql only reads"],
        ["UPDATE products SET quantity_available = 0", "it would write, and norton sql only reads"],
        [
          "SELECT 1; DELETE FROM rentals",
          "it holds more than one statement: run them one at a time",
        ],
      ];
      for (const [statement, reason] of refusals) {
        const refused = await norton("sql", statement);
        assert.equal(refused.code, 1, statement);
        assert.equal(refused.stderr, `Cannot run the query: ${reason}\n`);
      }
      assert.equal((await engine.rows(at.location, "rentals")).length, 1000);
      const typo = await norton("sql", "SELECT * FROM rentalz");
      assert.equal(typo.code, 1);
      assert.match(typo.stderr, /^Cannot run the query: .*rentalz.*\n$/);

      if (engine.name === "SQLite") {
        // With every permission Deno allows ATTACH: the same answer without copying.
        const attached = await runDeno([
          "--allow-all",
          "cli.ts",
          "sql",
          query,
          "--json",
          "--db",
          at.location,
        ]);
        assert.deepEqual(JSON.parse(ok(attached, "sql -A").stdout), json);
      }
    },
  });

  Deno.test({
    name: `${engine.name}: norton export writes RFC 4180 CSV, and importing it gives the same rows`,
    ignore: engine.ignore,
    async fn() {
      await using at = await engine.place();
      await using copy = await engine.place();
      await using dir = await tempDir();
      const norton = (...args: string[]) => nortonAt(at.location, ...args);
      ok(await norton("import", ...BUNDLED), "import");
      const stdout = ok(await norton("export", "customers"), "export").stdout;
      assert.ok(stdout.startsWith("user_id,name,address,zip_code,phone_number,email\r\n"));
      assert.ok(stdout.endsWith("\r\n"));
      assert.equal(stdout.split("\r\n").length, 1002);
      assert.match(stdout, /\r\nC\d+,[^,\r\n]+,"[^"\r\n]*, [^"\r\n]*",/); // an address with a comma, quoted

      const files = [];
      for (const table of ["customers", "products", "rentals"] as const) {
        const out = `${dir.path}/exports/${table}.csv`; // the folder is created
        ok(await norton("export", table, "--out", out), `export ${table}`);
        files.push(out);
      }
      const again = await norton("export", "products", "--out", files[1]);
      assert.equal(again.code, 1);
      assert.equal(
        again.stderr,
        `Cannot write "${files[1]}": it exists; choose another name, or add --force\n`,
      );
      ok(await norton("export", "products", "--out", files[1], "--force"), "export --force");

      ok(await nortonAt(copy.location, "import", ...files), "import the exports");
      for (const table of ["customers", "products", "rentals"] as const) {
        assert.deepEqual(
          await engine.rows(copy.location, table),
          await engine.rows(at.location, table),
          table,
        );
      }
    },
  });

  Deno.test({
    name:
      `${engine.name}: norton check lists every problem of every file with its line, and writes nothing`,
    ignore: engine.ignore,
    async fn() {
      await using at = await engine.place();
      await using dir = await tempDir();
      const norton = (...args: string[]) => nortonAt(at.location, ...args);
      const products = await writeFile(
        dir.path,
        "products.csv",
        P +
          "P1,desk,office,2\nP2,chair,office,lots\nP1,lamp,office,1\nP3,sofa,livingroom\nP4,bed,bedroom,1\n",
      );
      const rentals = await writeFile(
        dir.path,
        "rentals.csv",
        "rental_id,product_id,user_id\nR1,P1,C000001\nR2,P9,C000001\nR3,P4,C999999\n",
      );
      const odd = await writeFile(dir.path, "odd.csv", "sku,name\n1,x\n");
      ok(await norton("import", "data/customers.csv"), "import customers");
      const before = await engine.rows(at.location, "products");

      const run = await norton("check", rentals, products, odd, "--json");
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), [
        { file: odd, line: 1, reason: 'has header "sku,name", which matches no table\'s columns' },
        {
          file: products,
          line: 3,
          reason: 'has quantity_available "lots", which is not a whole number >= 0',
        },
        { file: products, line: 4, reason: 'repeats product_id "P1" of line 2' },
        { file: products, line: 5, reason: "has 3 fields, expected 4" },
        // P1 and P4 come from products.csv, checked first; C000001 from the database.
        { file: rentals, line: 3, reason: 'has product_id "P9", which is not in products' },
        { file: rentals, line: 4, reason: 'has user_id "C999999", which is not in customers' },
      ]);
      assert.equal(run.stderr, "Checked 3 files: 6 problems in 3 files\n");
      const table = (await norton("check", products)).stdout.trimEnd().split("\n");
      assert.deepEqual(table.slice(0, 2).map((line) => line.replace(/ +/g, " ")), [
        "file line problem",
        `${products} 3 has quantity_available "lots", which is not a whole number >= 0`,
      ]);
      // Nothing written: no rejects file, the table as it was.
      assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name).sort(), [
        "odd.csv",
        "products.csv",
        "rentals.csv",
      ]);
      assert.deepEqual(await engine.rows(at.location, "products"), before);

      const clean = await norton("check", ...BUNDLED);
      assert.equal(clean.code, 0, clean.stderr);
      assert.equal(clean.stdout, "");
      assert.equal(clean.stderr, "Checked 3 files: no problems\n");
    },
  });
}

Deno.test("norton import and check read ';'-separated files whose header names differ in case and spaces", async () => {
  await using dir = await tempDir();
  const file = await writeFile(
    dir.path,
    "export.csv",
    " Product_ID ;Description; PRODUCT_TYPE ;Quantity_Available\r\n" +
      'P1;desk, oak;office;2\r\nP2;"chair; red";office;0\r\n',
  );
  const customers = await writeFile(
    dir.path,
    "people.csv",
    "USER_ID;Name;Address;Zip_Code;Phone_Number;Email\nC1;Al;1 St;1;5;a@x\n",
  );
  const checked = await nortonAt(`${dir.path}/db`, "check", file, customers, "--delimiter", ";");
  assert.equal(checked.stderr, "Checked 2 files: no problems\n");
  for (const mode of ["linear", "parallel"]) {
    const db = `${dir.path}/${mode}`;
    const run = await nortonAt(db, "import", file, customers, "--delimiter", ";", "--mode", mode);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(snapshot(db, "products"), [["P1", "desk, oak", "office", 2], [
      "P2",
      "chair; red",
      "office",
      0,
    ]]);
    assert.equal(snapshot(db, "customers").length, 1);
  }
  const commas = await nortonAt(`${dir.path}/db`, "check", file, "--json");
  assert.equal(commas.code, 1);
  assert.deepEqual(
    JSON.parse(commas.stdout)[0].reason,
    'has header " Product_ID ;Description; ' +
      "PRODUCT_TYPE ;Quantity_Available\", which matches no table's columns; its fields seem " +
      'separated by ";"',
  );
  const bad = await nortonAt(`${dir.path}/db`, "import", file, "--delimiter", ";;");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /'--delimiter <char>' argument ';;' is invalid/);
});

Deno.test("norton import and check take the delimiter from Excel's sep= line, without --delimiter", async () => {
  await using dir = await tempDir();
  const file = await writeFile(
    dir.path,
    "excel.csv",
    "\ufeffsep=;\r\nproduct_id;description;product_type;quantity_available\r\n" +
      'P1;desk, oak;office;2\r\nP2;"chair; red";office;x\r\n',
  );
  const checked = await nortonAt(`${dir.path}/db`, "check", file, "--json");
  assert.deepEqual(JSON.parse(checked.stdout).map((p: { line: number }) => p.line), [4]);
  for (const mode of ["linear", "parallel"]) {
    const db = `${dir.path}/${mode}`;
    const run = await nortonAt(db, "import", file, "--skip-invalid", "--mode", mode);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(snapshot(db, "products"), [["P1", "desk, oak", "office", 2]]);
  }
  const other = await nortonAt(`${dir.path}/db`, "import", file, "--delimiter", ",");
  assert.equal(other.code, 1);
  assert.equal(
    other.stderr,
    `Cannot import "${file}": line 1 declares the delimiter ";" (sep=;), but the delimiter given is ","\n`,
  );
});

Deno.test("norton sql on a location that holds no table says so instead of answering nothing", async () => {
  await using dir = await tempDir();
  const location = `${dir.path}/typo`;
  const run = await nortonAt(location, "sql", "SELECT COUNT(*) FROM customers");
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr,
    `Database "${location}" holds no table: import them first with "norton import"\n`,
  );
});
