/**
 * The `norton` command, run as a subprocess with the permissions of its task
 * (writes scoped to .test-tmp instead of data).
 */
import assert from "node:assert/strict";
import config from "../deno.json" with { type: "json" };
import { estimateRows } from "../lib/estimate_rows.ts";
import { V8_FLAGS } from "../lib/v8_flags.ts";
import { PROGRESS_MIN_ROWS } from "../cli/progress.ts";
import {
  countRows,
  datasetDir,
  norton,
  runDeno,
  snapshot,
  taskFlags,
  tempDir,
  writeFile,
} from "./helpers.ts";

/** Imports the bundled data (customers, products, rentals) into a new database in `dir`. */
async function bundledDb(dir: string): Promise<string> {
  const db = `${dir}/t.db`;
  const run = await norton(
    "import",
    "data/rentals.csv",
    "data/customers.csv",
    "data/products.csv",
    "--db",
    db,
  );
  assert.equal(run.code, 0, run.stderr);
  return db;
}

Deno.test("norton --version prints the version of deno.json", async () => {
  const run = await norton("--version");
  assert.equal(run.code, 0);
  assert.equal(run.stdout.trim(), config.version);
});

/** Every command of norton's own (the forwarded ones print their script's usage). */
const COMMANDS = [
  "import",
  "check",
  "status",
  "sql",
  "export",
  "products",
  "rentals",
  "generate",
];

Deno.test("norton COMMAND --help shows usage and an example for every command", async () => {
  for (const command of COMMANDS) {
    const run = await norton(command, "--help");
    assert.equal(run.code, 0, command);
    assert.match(run.stdout, new RegExp(`^Usage: norton ${command} `), command);
    assert.match(run.stdout, new RegExp(`Examples?:\\n  deno task norton ${command}\\b`), command);
  }
  const top = await norton("--help");
  assert.equal(top.code, 0);
  for (const command of COMMANDS) {
    assert.match(top.stdout, new RegExp(`\\n  ${command} `));
  }
});

Deno.test("norton refuses unknown flags and bad values with one line and exit code 2", async () => {
  const cases: [string[], RegExp][] = [
    [["import", "--fast"], /^error: unknown option '--fast'$/],
    [["import", "--mode", "fast"], /^error: option '--mode <mode>' argument 'fast' is invalid/],
    [["import", "--table", "orders"], /argument 'orders' is invalid/],
    [["rentals"], /^error: missing required argument 'product-id'$/],
    [["generate", "--out", ".test-tmp/x", "--rows", "ten"], /argument 'ten' is invalid/],
    [["generate", "--rows", "10"], /^error: required option '--out <dir>' not specified$/],
    [["generate", "--out", ".test-tmp/x", "--shape", "odd"], /argument 'odd' is invalid/],
    [["frobnicate"], /^error: unknown command 'frobnicate'$/],
  ];
  for (const [args, message] of cases) {
    const run = await norton(...args);
    assert.equal(run.code, 2, args.join(" "));
    assert.equal(run.stdout, "", args.join(" "));
    assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    assert.match(run.stderr.trimEnd(), message);
  }
});

Deno.test("norton import prints an aligned table, one row per file, with its mode and own time", async () => {
  await using data = await datasetDir(12);
  await using dir = await tempDir();
  const db = `${dir.path}/t.db`;
  const products = `${data.path}/products.csv`;
  const customers = `${data.path}/customers.csv`;
  const run = await norton("import", products, customers, "--db", db);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  const lines = run.stdout.trimEnd().split("\n");
  const width = customers.length;
  // Seconds vary; the rest, alignment included, must be exact.
  const seconds = / {2}\d\.\d{3} s {2}( *)\d\.\d{3} s$/;
  assert.ok(lines.slice(1).every((line) => seconds.test(line)), run.stdout);
  assert.deepEqual(lines.map((line) => line.replace(seconds, "  0.000 s  $10.000 s")), [
    `${
      "file".padEnd(width)
    }  table      mode    processed  before  after  rejected     took  since start`,
    `${
      products.padEnd(width)
    }  products   linear         12       0     12         0  0.000 s      0.000 s`,
    `${customers}  customers  linear         12       0     12         0  0.000 s      0.000 s`,
  ]);
  // Each file's own time is at most the time since the start, and the second started later.
  const [first, second] = lines.slice(1).map((line) => line.match(/[\d.]+(?= s)/g)!.map(Number));
  assert.ok(first[0] <= first[1] && second[0] <= second[1] - first[0] + 0.001, run.stdout);
});

Deno.test("norton import --json reports what the database holds, rentals last", async () => {
  await using data = await datasetDir(20);
  await using dir = await tempDir();
  const db = `${dir.path}/t.db`;
  await writeFile(
    data.path,
    "extra.csv",
    "user_id,name,address,zip_code,phone_number,email\n" +
      "C000001,Changed,1 St,00001,555,a@b.c\nC999999,New,2 St,00002,556,b@b.c\n",
  );
  await norton("import", `${data.path}/customers.csv`, "--db", db);
  for (const mode of ["linear", "parallel"]) {
    const files = ["rentals", "extra", "products"].map((n) => `${data.path}/${n}.csv`);
    const run = await norton("import", ...files, "--mode", mode, "--db", db, "--json");
    assert.equal(run.code, 0, run.stderr);
    const reports = JSON.parse(run.stdout);
    assert.deepEqual(reports.map((r: { table: string }) => r.table), [
      "customers",
      "products",
      "rentals",
    ]);
    for (const report of reports) {
      assert.equal(report.after, countRows(db, report.table));
      assert.equal(typeof report.seconds, "number");
      assert.ok(report.took <= report.seconds);
      assert.equal(report.mode, mode);
    }
    assert.deepEqual(reports[0].after, 21);
  }
  assert.equal(snapshot(db, "customers").find((row) => row[0] === "C000001")?.[1], "Changed");
});

Deno.test("norton import with no file imports the bundled customers, products and rentals", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/db`;
  const run = await norton("import", "--db", db, "--json");
  assert.equal(run.code, 0, run.stderr);
  const reports = JSON.parse(run.stdout);
  assert.deepEqual(reports.map((r: { file: string }) => r.file), [
    "data/customers.csv",
    "data/products.csv",
    "data/rentals.csv",
  ]);
  assert.equal(countRows(db, "customers"), 1000);
  assert.equal(countRows(db, "rentals"), 1000);
  // The location is a folder with one SQLite file per table, each opening to its table.
  assert.deepEqual(
    [...Deno.readDirSync(db)].map((e) => e.name).filter((n) => n.endsWith(".db")).sort(),
    [
      "customers.db",
      "products.db",
      "rentals.db",
    ],
  );

  // Where there is no data/rentals.csv, the two others.
  await Deno.mkdir(`${dir.path}/data`);
  for (const name of ["customers.csv", "products.csv"]) {
    await Deno.copyFile(`data/${name}`, `${dir.path}/data/${name}`);
  }
  const two = await runDeno(
    [`--allow-read`, `--allow-write=.`, `${Deno.cwd()}/cli.ts`, "import", "--json"],
    { cwd: dir.path },
  );
  assert.equal(two.code, 0, two.stderr);
  assert.deepEqual(JSON.parse(two.stdout).map((r: { table: string }) => r.table), [
    "customers",
    "products",
  ]);
});

Deno.test("norton import exits 1 with the file and line on a bad file, leaving its table unchanged", async () => {
  await using data = await datasetDir(10);
  await using dir = await tempDir();
  const db = `${dir.path}/t.db`;
  await norton("import", `${data.path}/products.csv`, "--db", db);
  const before = snapshot(db, "products");
  const bad = await writeFile(
    data.path,
    "bad.csv",
    "product_id,description,product_type,quantity_available\nP1,desk,office,3\nP2,chair,office,lots\n",
  );
  for (const mode of ["linear", "parallel"]) {
    const run = await norton("import", bad, "--mode", mode, "--db", db);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.equal(
      run.stderr,
      `Cannot import "${bad}": line 3 has quantity_available "lots", which is not a whole number >= 0\n`,
    );
    assert.deepEqual(snapshot(db, "products"), before);
  }
  const missing = await norton("import", `${data.path}/none.csv`, "--db", db);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `Cannot import "${data.path}/none.csv": file not found\n`);
});

Deno.test("norton products lists the bundled products available for rent", async () => {
  await using dir = await tempDir();
  const db = await bundledDb(dir.path);
  const json = await norton("products", "--available", "--db", db, "--json");
  assert.equal(json.code, 0, json.stderr);
  const products = JSON.parse(json.stdout) as { product_id: string; quantity_available: number }[];
  const csv = (await Deno.readTextFile("data/products.csv")).trimEnd().split("\n").slice(1);
  const available = csv.filter((line) => !line.endsWith(",0")).map((line) => line.split(",")[0]);
  assert.deepEqual(products.map((p) => p.product_id), available);
  assert.ok(products.every((p) => p.quantity_available > 0));

  const table = await norton("products", "--db", db);
  const lines = table.stdout.trimEnd().split("\n");
  assert.match(lines[0], /^product_id {2}description +product_type +quantity_available$/);
  assert.equal(lines.length, available.length + 1);
});

Deno.test("norton rentals lists the customers who rented a product", async () => {
  await using dir = await tempDir();
  const db = await bundledDb(dir.path);
  const rentals = (await Deno.readTextFile("data/rentals.csv")).trimEnd().split("\n").slice(1)
    .map((line) => line.split(","));
  const productId = rentals[0][1];
  const renters = [...new Set(rentals.filter((r) => r[1] === productId).map((r) => r[2]))].sort();

  const json = await norton("rentals", productId, "--db", db, "--json");
  assert.equal(json.code, 0, json.stderr);
  const customers = JSON.parse(json.stdout) as Record<string, string>[];
  assert.deepEqual(customers.map((c) => c.user_id), renters);
  for (const customer of customers) {
    const row = snapshot(db, "customers").find((r) => r[0] === customer.user_id);
    assert.deepEqual(Object.values(customer), row);
  }

  const table = await norton("rentals", productId, "--db", db);
  const lines = table.stdout.trimEnd().split("\n");
  assert.match(lines[0], /^user_id {2}name +address +zip_code +phone_number +email$/);
  assert.equal(lines.length, renters.length + 1);

  const nobody = await norton("rentals", "P999999", "--db", db);
  assert.equal(nobody.code, 0);
  assert.equal(nobody.stderr, 'No customer rented product "P999999"\n');
});

Deno.test("norton products and rentals exit 1 on a database that was never imported", async () => {
  await using dir = await tempDir();
  for (const args of [["products"], ["rentals", "P000001"]]) {
    const run = await norton(...args, "--db", `${dir.path}/none.db`);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^Database ".*none\.db" has no \w+: import them first with "norton import"\n$/,
    );
  }
});

Deno.test("norton import draws no progress bar when stderr is not a terminal", async () => {
  await using dir = await tempDir();
  const generated = await norton("generate", "--rows", "60000", "--out", dir.path, "--json");
  assert.equal(generated.code, 0, generated.stderr);
  const customers = `${dir.path}/customers.csv`;
  assert.deepEqual(JSON.parse(generated.stdout)[0], customers);
  // The file is large enough for a bar on a terminal.
  assert.ok(await estimateRows(customers) > PROGRESS_MIN_ROWS);
  const run = await norton("import", customers, "--db", `${dir.path}/t.db`);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  assert.equal(run.stdout.trimEnd().split("\n").length, 2);
});

Deno.test("norton bench, profile and contention run their own deno task with their flags", async () => {
  const help = await norton("bench", "--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: deno task bench \[SIZE…\] \[--runs N\]/);
  const bad = await norton("profile", "--bogus");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown arguments "--bogus"/);
  const contention = await norton("contention", "--workers", "1");
  assert.equal(contention.code, 2);
});

Deno.test("norton import --skip-invalid imports the valid rows and counts the rejected ones", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/t.db`;
  const file = await writeFile(
    dir.path,
    "products.csv",
    "product_id,description,product_type,quantity_available\nP1,desk,office,2\nP2,chair,office,-1\n",
  );
  const run = await norton("import", file, "--db", db, "--skip-invalid", "--json");
  assert.equal(run.code, 0, run.stderr);
  const [report] = JSON.parse(run.stdout);
  assert.deepEqual([report.processed, report.after, report.rejected], [2, 1, 1]);
  assert.match(run.stderr, /Skipped 1 row of ".*products\.csv": see ".*products\.rejects\.csv"/);
  assert.equal(countRows(db, "products"), 1);
});

Deno.test("norton import --rejects-dir writes the rejects file into that folder", async () => {
  await using dir = await tempDir();
  const file = await writeFile(
    dir.path,
    "products.csv",
    "product_id,description,product_type,quantity_available\nP1,desk,office,2\nP2,chair,office,-1\n",
  );
  const rejects = `${dir.path}/rejects`;
  await Deno.mkdir(rejects);
  for (const mode of ["linear", "parallel"]) {
    const db = `${dir.path}/${mode}.db`;
    const args = ["--db", db, "--skip-invalid", "--rejects-dir", rejects, "--mode", mode];
    const ok = await norton("import", file, ...args);
    assert.equal(ok.code, 0, ok.stderr);
    const text = await Deno.readTextFile(`${rejects}/products.rejects.csv`);
    assert.match(text, /P2,chair,office,-1/);
    await Deno.remove(`${rejects}/products.rejects.csv`);
  }
});

Deno.test("norton reads paths from where the user stands (INIT_CWD, set by deno task)", async () => {
  await using dir = await tempDir();
  await writeFile(dir.path, "x.csv", await Deno.readTextFile("data/products.csv"));
  const run = await runDeno([
    "--allow-read",
    "--allow-write=.test-tmp",
    "--allow-env=INIT_CWD",
    "cli.ts",
    "import",
    "x.csv",
    "--db",
    "t.db",
    "--json",
  ], { env: { INIT_CWD: `${Deno.cwd()}/${dir.path}` } });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout)[0].file, `${dir.path}/x.csv`);
  assert.equal(countRows(`${dir.path}/t.db`, "products"), 1000);
  assert.ok(taskFlags("norton").includes("--allow-env=INIT_CWD"));
});

Deno.test("when norton may not write somewhere, it names a command that can, and that command works", async () => {
  await using dir = await tempDir();
  const out = `${Deno.cwd()}/${dir.path}/out`;
  const run = await runDeno([
    "--allow-read",
    `--allow-write=${dir.path}/elsewhere`,
    "cli.ts",
    "generate",
    "--rows",
    "3",
    "--out",
    out,
  ]);
  assert.equal(run.code, 1);
  const [, command] = /; write there, or run: deno run (.*)\n$/.exec(run.stderr) ?? [];
  assert.equal(
    run.stderr,
    `Cannot write "${out}": "deno task norton" may write only under data/; write there, or run: ` +
      `deno run ${command}\n`,
  );
  assert.equal(run.stderr.split("\n").length, 2);
  const again = await runDeno(command.split(" "));
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await Deno.readTextFile(`${out}/products.csv`).then((t) => t.split("\n").length), 5);
});

Deno.test("norton on postgres:// without the network permission names the command that has it", async () => {
  const cases = [
    ["postgres://root@127.0.0.1:5432/test", "deno task norton:pg"],
    [
      "postgres://root@127.0.0.1:5433/test",
      `deno run ${V8_FLAGS} --allow-read --allow-write=data '--allow-env=INIT_CWD,PG*' ` +
      "--allow-run=deno --allow-net=127.0.0.1:5433 cli.ts",
    ],
  ];
  for (const [location, command] of cases) {
    const run = await norton("import", "--mode", "parallel", "--db", location);
    assert.equal(run.code, 1, location);
    const host = new URL(location).host;
    assert.equal(
      run.stderr,
      `Cannot open database "${location}": this process may not connect to ${host}; ` +
        `run: ${command} import --mode parallel --db ${location}\n`,
    );
  }
  assert.ok(taskFlags("norton:pg").includes("--allow-net=127.0.0.1:5432"));
});

Deno.test("norton generate refuses to replace CSV files (the bundled data) unless --force", async () => {
  const bundled = await Deno.readTextFile("data/customers.csv");
  const refused = await norton("generate", "--rows", "3", "--out", "data");
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    'Cannot write "data": it already holds customers.csv, products.csv, rentals.csv; ' +
      "choose another folder, or add --force to replace them\n",
  );
  assert.equal(await Deno.readTextFile("data/customers.csv"), bundled);

  await using dir = await tempDir();
  await writeFile(dir.path, "products.csv", "mine\n");
  const partly = await norton("generate", "--rows", "3", "--out", dir.path);
  assert.equal(partly.code, 1);
  assert.match(partly.stderr, /it already holds products\.csv;/);
  assert.equal(await Deno.readTextFile(`${dir.path}/products.csv`), "mine\n");
  const forced = await norton("generate", "--rows", "3", "--out", dir.path, "--force");
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal((await Deno.readTextFile(`${dir.path}/products.csv`)).split("\n").length, 5);
});

Deno.test("norton import --mode parallel lists the files in the plan's order, whichever commits first", async () => {
  await using big = await datasetDir(20_000);
  await using small = await datasetDir(10);
  await using dir = await tempDir();
  // The small products file commits long before the large customers file.
  const files = [`${big.path}/customers.csv`, `${small.path}/products.csv`];
  const run = await norton(
    "import",
    ...files,
    "--mode",
    "parallel",
    "--db",
    `${dir.path}/db`,
    "--json",
  );
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).map((r: { file: string }) => r.file), files);
});
