import assert from "node:assert/strict";
import { generateDataset } from "../lib/generate.ts";
import { importFiles, PARALLEL_FROM_ROWS, stageMode } from "../lib/import_files.ts";
import { planImport } from "../lib/import_plan.ts";
import { countRows, datasetDir, tempDir, writeFile } from "./helpers.ts";

Deno.test("planImport() puts rentals after the customers and products they refer to", async () => {
  await using data = await datasetDir(5);
  const [c, p, r] = ["customers", "products", "rentals"].map((n) => `${data.path}/${n}.csv`);
  const stages = await planImport([r, p, c]);
  assert.deepEqual(stages.map((stage) => stage.map((job) => job.path)), [[p, c], [r]]);
});

Deno.test("planImport() never puts two files of one table in one stage", async () => {
  await using data = await datasetDir(5);
  const c = `${data.path}/customers.csv`;
  const p = `${data.path}/products.csv`;
  const again = await writeFile(data.path, "more.csv", await Deno.readTextFile(c));
  const stages = await planImport([c, again, p]);
  assert.deepEqual(stages.map((stage) => stage.map((job) => job.path)), [[c, p], [again]]);
});

Deno.test("planImport() puts a file of unknown or missing table first, and --table decides", async () => {
  await using data = await datasetDir(5);
  const r = `${data.path}/rentals.csv`;
  const odd = await writeFile(data.path, "odd.csv", "a,b\n1,2\n");
  const stages = await planImport([r, odd, `${data.path}/missing.csv`]);
  assert.deepEqual(stages.map((stage) => stage.map((job) => job.path)), [
    [odd, `${data.path}/missing.csv`],
    [r],
  ]);
  const forced = await planImport([odd], { table: "products" });
  assert.deepEqual(forced, [[{ path: odd, table: "products" }]]);
});

for (const mode of ["linear", "parallel"] as const) {
  Deno.test(`importFiles() in ${mode} mode imports every stage and reports progress per file`, async () => {
    await using data = await datasetDir(30);
    await using dir = await tempDir();
    const db = `${dir.path}/t.db`;
    const names = ["rentals", "customers", "products"];
    const stages = await planImport(names.map((n) => `${data.path}/${n}.csv`));
    const progress = new Map<string, number>();
    const imported: string[] = [];
    const reports = await importFiles(stages, {
      db,
      mode,
      onProgress: (job, rows) => progress.set(job.path, rows),
      onImported: (job) => imported.push(job.path),
    });
    assert.deepEqual(reports.map((r) => r.table), ["customers", "products", "rentals"]);
    assert.deepEqual(reports.map((r) => [r.processed, r.before, r.after]), [
      [30, 0, 30],
      [30, 0, 30],
      [30, 0, 30],
    ]);
    assert.equal(countRows(db, "rentals"), 30);
    // In commit order, which in parallel mode need not be the order of the reports.
    assert.deepEqual(imported.toSorted(), reports.map((r) => r.file).toSorted());
    assert.deepEqual([...progress.values()], [30, 30, 30]);
  });
}

Deno.test("stageMode() keeps linear and parallel, and auto goes parallel only for two large files", async () => {
  await using dir = await tempDir();
  const rows = PARALLEL_FROM_ROWS + 100;
  await generateDataset(dir.path, { rows });
  const large = [`${dir.path}/customers.csv`, `${dir.path}/products.csv`].map((path) => ({ path }));
  const small = [{ path: "data/customers.csv" }, { path: "data/products.csv" }];
  assert.equal(await stageMode(small, "parallel"), "parallel");
  assert.equal(await stageMode(large, "linear"), "linear");
  assert.equal(await stageMode(small, "auto"), "linear");
  assert.equal(await stageMode(large, "auto"), "parallel");
  assert.equal(await stageMode([large[0], small[1]], "auto"), "linear");
  assert.equal(await stageMode([large[0]], "auto"), "linear");
});

Deno.test("planImport() places a file by its header even when a later row is bad", async () => {
  await using data = await datasetDir(5);
  const rentals = await writeFile(
    data.path,
    "rentals.csv",
    'rental_id,product_id,user_id\nR1,P000001,C000001\nR2,P0"2,C000002\n',
  );
  const customers = `${data.path}/customers.csv`;
  const stages = await planImport([rentals, customers]);
  assert.deepEqual(stages.map((stage) => stage.map((job) => job.path)), [[customers], [rentals]]);
});

Deno.test("importFiles() in skip mode refuses two files whose rejects files would collide", async () => {
  await using a = await datasetDir(3);
  await using b = await datasetDir(3);
  await using dir = await tempDir();
  const db = `${dir.path}/t.db`;
  const stages = await planImport([`${a.path}/products.csv`, `${b.path}/products.csv`]);
  await assert.rejects(
    importFiles(stages, { db, mode: "linear", onInvalid: "skip" }),
    /products\.csv": its rejects file would replace the one of ".*products\.csv"/,
  );
  assert.equal(countRows(db, "products"), 0);
});

Deno.test("linear.ts starts without the worker pool, the CSV reader or a database engine: each loads when a stage needs it", async () => {
  const { modules } = await moduleGraph("linear.ts");
  const atStart = new Set<string>();
  const visit = (specifier: string) => {
    if (atStart.has(specifier)) return;
    atStart.add(specifier);
    const module = modules.find((m) => m.specifier === specifier);
    for (const dep of module?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) visit(dep.code.specifier);
    }
  };
  visit(new URL("../linear.ts", import.meta.url).href);
  const lazy = ["lib/worker_pool.ts", "lib/csv.ts", "lib/store/sqlite.ts", "lib/store/postgres.ts"];
  for (const path of lazy) {
    const specifier = new URL(`../${path}`, import.meta.url).href;
    assert.ok(modules.some((m) => m.specifier === specifier), `${path} is in the graph`);
    assert.ok(!atStart.has(specifier), `${path} loads at start`);
  }
});

interface GraphModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** `deno info --json` of `script`: every module, static and dynamic imports alike. */
async function moduleGraph(script: string): Promise<{ modules: GraphModule[] }> {
  const output = await new Deno.Command("deno", {
    args: ["info", "--json", script],
    cwd: new URL("..", import.meta.url),
    stderr: "inherit",
  }).output();
  assert.ok(output.success, `deno info ${script} failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}
