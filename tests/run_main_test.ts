/**
 * The scripts as a user runs them, in child processes with explicit
 * permissions: one-line errors, exit codes, --skip-invalid, unreadable inputs,
 * unwritable databases, and the permissions deno.json grants.
 *
 * @module
 */
import assert from "node:assert/strict";
import { tableFile } from "../lib/store/open.ts";
import { V8_FLAGS } from "../lib/v8_flags.ts";
import {
  checksum,
  datasetDir,
  runDeno,
  spawnDeno,
  taskFlags,
  tempDir,
  writeFile,
} from "./helpers.ts";

const SCRIPTS = ["linear.ts", "parallel.ts"];
const P = "product_id,description,product_type,quantity_available\n";

for (const script of SCRIPTS) {
  Deno.test(`${script} exits 1 with the one-line message of a bad row and no stack trace`, async () => {
    await using data = await datasetDir(10);
    await using dir = await tempDir();
    const products = await writeFile(data.path, "products.csv", P + "P1,a,b,1\nP2,a,b,lots\n");
    const db = `${dir.path}/t.db`;
    const run = await runDeno([
      "--allow-read",
      `--allow-write=${dir.path}`,
      script,
      "--data-dir",
      data.path,
      "--db",
      db,
    ]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.equal(
      run.stderr,
      `Cannot import "${products}": line 3 has quantity_available "lots", which is not a whole ` +
        "number >= 0\n",
    );
  });

  Deno.test(`${script} --skip-invalid imports the valid rows and names the rejects file`, async () => {
    await using data = await datasetDir(10);
    await using dir = await tempDir();
    const products = await writeFile(data.path, "products.csv", P + "P1,a,b,1\nP2,a,b,lots\n");
    const db = `${dir.path}/t.db`;
    const run = await runDeno([
      "--allow-read",
      `--allow-write=${dir.path}`,
      script,
      "--skip-invalid",
      "--json",
      "--data-dir",
      data.path,
      "--db",
      db,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).map((r: number[]) => r.slice(0, 3)), [
      [10, 0, 10],
      [2, 0, 1],
    ]);
    const rejects = `${dir.path}/products.rejects.csv`;
    assert.equal(run.stderr, `Skipped 1 row of "${products}": see "${rejects}"\n`);
    assert.equal(
      await Deno.readTextFile(rejects),
      "line,reason,product_id,description,product_type,quantity_available\n" +
        '3,"has quantity_available ""lots"", which is not a whole number >= 0",P2,a,b,lots\n',
    );
  });
}

Deno.test("an input file the process may not read is refused by name", async () => {
  await using data = await datasetDir(10);
  await using dir = await tempDir();
  const customers = `${data.path}/customers.csv`;
  await Deno.chmod(customers, 0o000);
  // Root reads any file whatever its mode; then take the read away with Deno's
  // own permission instead, which reaches the same code path.
  let osDenies = false;
  try {
    await Deno.readFile(customers);
  } catch (error) {
    osDenies = error instanceof Deno.errors.PermissionDenied;
  }
  const run = await runDeno([
    "--allow-read",
    ...(osDenies ? [] : [`--deny-read=${customers}`]),
    `--allow-write=${dir.path}`,
    "linear.ts",
    "--data-dir",
    data.path,
    "--db",
    `${dir.path}/t.db`,
  ]);
  await Deno.chmod(customers, 0o644);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, `Cannot import "${customers}": permission denied reading the file\n`);
});

Deno.test("an import into a database it may not write fails in one line and changes nothing", async () => {
  await using data = await datasetDir(10);
  await using dir = await tempDir();
  const db = `${dir.path}/t.db`;
  const ok = await runDeno([
    "--allow-read",
    `--allow-write=${dir.path}`,
    "linear.ts",
    "--data-dir",
    data.path,
    "--db",
    db,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  await writeFile(
    data.path,
    "customers.csv",
    "user_id,name,address,zip_code,phone_number,email\nC000001,New Name,1 St,1,555-1,n@x.com\n",
  );
  const before = [checksum(db, "customers"), checksum(db, "products")];
  // Root ignores file modes, so the database is made read-only the way Deno
  // sees it: --allow-write does not cover its folder.
  const run = await runDeno([
    "--allow-read",
    `--allow-write=${data.path}`,
    "linear.ts",
    "--data-dir",
    `${data.path}`,
    "--db",
    db,
  ]);
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr,
    `Cannot open database "${tableFile(db, "customers")}": this process may not write there ` +
      "(the task's --allow-write does not cover it)\n",
  );
  assert.deepEqual([checksum(db, "customers"), checksum(db, "products")], before);
});

Deno.test("an import into a folder that does not exist fails in one line and creates nothing", async () => {
  await using data = await datasetDir(5);
  await using dir = await tempDir();
  const db = `${dir.path}/missing/t.db`;
  const run = await runDeno([
    "--allow-read",
    `--allow-write=${dir.path}`,
    "parallel.ts",
    "--data-dir",
    data.path,
    "--db",
    db,
  ]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    new RegExp(
      `^Cannot open database ".*/missing/t\\.db/(customers|products)\\.db": the folder ".*/missing" does not exist\n$`,
    ),
  );
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
});

Deno.test("linear and parallel tasks need no network, subprocess or environment access", async () => {
  await using data = await datasetDir(20);
  await using dir = await tempDir();
  for (const script of SCRIPTS) {
    const flags = taskFlags(script.replace(".ts", ""));
    assert.deepEqual(flags, [V8_FLAGS, "--allow-read", "--allow-write=data"], script);
    // The task's own flags, with the write scope moved from data/ to a temporary folder.
    const run = await runDeno([
      ...flags.map((flag) => flag.replace("=data", `=${dir.path}`)),
      "--deny-net",
      "--deny-run",
      "--deny-env",
      "--deny-sys",
      "--deny-ffi",
      script,
      "--json",
      "--data-dir",
      data.path,
      "--db",
      `${dir.path}/${script}.db`,
    ]);
    assert.equal(run.stderr, "", script);
    assert.deepEqual(JSON.parse(run.stdout).map((r: number[]) => r.slice(0, 3)), [
      [20, 0, 20],
      [20, 0, 20],
    ]);
  }
});

Deno.test("a PostgreSQL server outside --allow-net fails in one line naming the flag to add", async () => {
  const location = "postgres://root@127.0.0.1:5433/test";
  for (const script of SCRIPTS) {
    const run = await runDeno([
      "--allow-read",
      "--allow-env=PG*",
      "--allow-net=127.0.0.1:5432",
      script,
      "--db",
      location,
    ]);
    assert.equal(run.code, 1, script);
    assert.equal(
      run.stderr,
      `Cannot open database "${location}": this process may not connect to 127.0.0.1:5433 ` +
        "(add --allow-net=127.0.0.1:5433 to the deno run command, or to the task's " +
        "--allow-net in deno.json)\n",
      script,
    );
  }
});

Deno.test("a postgres:// address that answers but is not PostgreSQL fails in one line, without reconnecting", async () => {
  for (const behaviour of ["garbage", "close"]) {
    const server = spawnDeno(["--allow-net=127.0.0.1", "tools/not_postgres.ts", behaviour]);
    const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let printed = "";
    while (!printed.includes("\n")) printed += (await reader.read()).value;
    const port = printed.split("\n")[0];
    const location = `postgres://root@127.0.0.1:${port}/test`;
    try {
      for (const script of [...SCRIPTS, "cli.ts"]) {
        const args = script === "cli.ts" ? ["products"] : [];
        const run = await runDeno([
          "--allow-read",
          "--allow-env=PG*",
          `--allow-net=127.0.0.1:${port}`,
          script,
          ...args,
          "--db",
          location,
        ], { signal: AbortSignal.timeout(30_000) }); // it used to hang: fail instead
        assert.equal(run.code, 1, `${behaviour} ${script}`);
        assert.equal(
          run.stderr,
          `Cannot open database "${location}": the server at 127.0.0.1:${port} ${
            behaviour === "garbage"
              ? "does not answer as PostgreSQL"
              : "closed the connection without answering"
          }\n`,
          `${behaviour} ${script}`,
        );
      }
    } finally {
      server.kill();
      await server.status;
    }
    // One connection per store (parallel.ts opens one per worker), no retry loop.
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      printed += chunk.value;
    }
    const connections = printed.split("\n").filter((line) => line === "connection").length;
    assert.ok(connections <= 4, `${behaviour}: ${connections} connections`);
  }
});
