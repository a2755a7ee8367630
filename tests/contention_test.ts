import assert from "node:assert/strict";
import { main, runContention } from "../contention.ts";
import {
  type ContentionOutcome,
  designOutcome,
  formatOutcome,
  judge,
  verdict,
} from "../contention/outcome.ts";
import { runDeno, tempDir } from "./helpers.ts";

Deno.test("runContention() naive writers fail with SQLITE_BUSY and the database holds fewer rows than sent", async () => {
  await using dir = await tempDir();
  const { naive } = await runContention({ workers: 2, transactions: 4, rows: 25, dir: dir.path });
  assert.equal(naive.expected, 2 * 4 * 25);
  assert.equal(naive.firstError?.kind, "SQLITE_BUSY", JSON.stringify(naive.firstError));
  assert.equal(naive.firstError?.message, "database is locked");
  assert.equal(naive.firstError?.code, "ERR_SQLITE_ERROR");
  if (naive.firstError?.errcode !== undefined) assert.equal(naive.firstError.errcode & 0xff, 5);
  // Every worker but one loses the first round, whatever the timing.
  assert.ok(naive.failed >= 1);
  assert.deepEqual(naive.failures, { SQLITE_BUSY: naive.failed });
  assert.ok(naive.stored < naive.expected);
  assert.equal(naive.lost, naive.expected - naive.stored);
  // The database, not the workers, decides: each committed transaction is there whole.
  assert.equal(naive.stored, naive.committed * 25);
  assert.equal(naive.writers.reduce((sum, w) => sum + w.stored, 0), naive.stored);
});

Deno.test("runContention() with more workers still lets only one win the first round", async () => {
  await using dir = await tempDir();
  const { naive } = await runContention({ workers: 4, transactions: 1, rows: 10, dir: dir.path });
  assert.equal(naive.committed, 1);
  assert.equal(naive.failed, 3);
  assert.equal(naive.stored, 10);
  assert.deepEqual(naive.writers.map((w) => w.stored).sort(), [0, 0, 0, 10]);
});

Deno.test("runContention() writers using the store's BEGIN IMMEDIATE on the same file store every row", async () => {
  await using dir = await tempDir();
  const outcome = await runContention({ workers: 3, transactions: 4, rows: 25, dir: dir.path });
  const { safe } = outcome;
  assert.equal(safe.expected, 3 * 4 * 25);
  assert.equal(safe.stored, safe.expected);
  assert.equal(safe.lost, 0);
  assert.equal(safe.failed, 0);
  assert.deepEqual(safe.failures, {});
  assert.equal(safe.firstError, undefined);
  assert.deepEqual(safe.writers.map((w) => w.stored), [100, 100, 100]);
  assert.equal(outcome.engine, "sqlite");
  assert.equal(outcome.reproduced, true);
  assert.equal(outcome.held, true);
  assert.equal(outcome.ok, true);
  assert.match(
    verdict(outcome),
    /^Reproduced: the naive writers lost [\d,]+ of 300 rows to SQLITE_BUSY; this system's writers waited their turn and stored all 300\.$/,
  );
});

Deno.test("runContention() removes its database files and prints both designs side by side", async () => {
  await using dir = await tempDir();
  const outcome = await runContention({ workers: 2, transactions: 2, rows: 5, dir: dir.path });
  assert.deepEqual(await Array.fromAsync(Deno.readDir(dir.path)), []);
  const text = formatOutcome(outcome);
  assert.match(text, /^SQLite, one shared database file: 2 workers x 2 transactions x 5 rows/);
  assert.match(text, /\nfailed +\d+ SQLITE_BUSY +none\n/);
  assert.match(text, /first error +"database is locked" \(ERR_SQLITE_ERROR/);
  assert.match(text, /rows in the database +\d+ of 20 +20 of 20/);
  assert.match(text, /writes +BEGIN DEFERRED.*BEGIN IMMEDIATE/);
  assert.match(
    text,
    /\nworker 2 +\d committed, \d failed, \d+ rows +2 committed, 0 failed, 10 rows$/,
  );
});

Deno.test("runContention() refuses fewer than two workers", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    runContention({ workers: 1, dir: dir.path }),
    new RangeError('Invalid workers "1": expected a whole number >= 2'),
  );
});

Deno.test("verdict() names what failed when the failure was not reproduced", () => {
  const run = (design: "naive" | "safe") =>
    designOutcome(design, "", 10, 0, [
      { writer: "worker 1", committed: 1, failures: {}, stored: 5 },
      { writer: "worker 2", committed: 1, failures: {}, stored: 5 },
    ]);
  const outcome = judge("sqlite", "", "SQLITE_BUSY", { naive: run("naive"), safe: run("safe") });
  assert.deepEqual([outcome.reproduced, outcome.held, outcome.ok], [false, true, false]);
  assert.equal(
    verdict(outcome),
    "Contention check failed: the naive writers lost nothing, so the failure was not " +
      "reproduced (has SQLite or Deno changed how it locks?)",
  );
});

Deno.test("verdict() names a naive failure of the wrong kind and a design that did not hold", () => {
  const other = { kind: "other" as const, message: "disk I/O error" };
  const outcome = judge("sqlite", "", "SQLITE_BUSY", {
    naive: designOutcome("naive", "", 10, 0, [
      { writer: "worker 1", committed: 1, failures: {}, stored: 5 },
      { writer: "worker 2", committed: 0, failures: { other: 1 }, firstError: other, stored: 0 },
    ]),
    safe: designOutcome("safe", "", 10, 0, [
      { writer: "worker 1", committed: 1, failures: {}, stored: 5 },
      { writer: "worker 2", committed: 0, failures: { other: 1 }, firstError: other, stored: 0 },
    ]),
  });
  assert.deepEqual([outcome.reproduced, outcome.held, outcome.ok], [false, false, false]);
  assert.equal(
    verdict(outcome),
    'Contention check failed: the naive writers failed with "disk I/O error", not SQLITE_BUSY; ' +
      'and this system\'s writers lost 5 rows in 1 failed transactions: "disk I/O error"',
  );
});

/** A PostgreSQL outcome as contention/postgres.ts reports one, built by hand. */
function pgOutcome(): ContentionOutcome {
  const kind = "deadlock (40P01)" as const;
  const deadlock = { kind, message: "deadlock detected", code: "40P01" };
  return judge("postgres", "PostgreSQL, one table: 2 imports", kind, {
    naive: designOutcome("naive", "file order", 200, 1.25, [
      { writer: "import A", committed: 1, failures: {}, stored: 150 },
      {
        writer: "import B",
        committed: 0,
        failures: { [kind]: 1 },
        firstError: deadlock,
        stored: 0,
      },
    ]),
    safe: designOutcome("safe", "key order", 200, 0.5, [
      { writer: "import A", committed: 1, failures: {}, stored: 50 },
      { writer: "import B", committed: 1, failures: {}, stored: 150 },
    ]),
  });
}

Deno.test("formatOutcome() prints a PostgreSQL outcome in the same table as SQLite's", () => {
  const outcome = pgOutcome();
  assert.equal(outcome.ok, true);
  assert.equal(
    formatOutcome(outcome),
    `PostgreSQL, one table: 2 imports

                      naive                            this system
writes                file order                       key order
committed             1 of 2                           2 of 2
failed                1 deadlock (40P01)               none
rows in the database  150 of 200                       200 of 200
rows lost             50                               0
first error           "deadlock detected" (40P01)      none
seconds               1.250                            0.500
import A              1 committed, 0 failed, 150 rows  1 committed, 0 failed, 50 rows
import B              0 committed, 1 failed, 0 rows    1 committed, 0 failed, 150 rows`,
  );
  assert.equal(
    verdict(outcome),
    "Reproduced: the naive writers lost 50 of 200 rows to deadlock (40P01); " +
      "this system's writers waited their turn and stored all 200.",
  );
});

/** Runs contention's `main(args)`; returns its exit code and what it printed on stderr. */
async function mainErrors(args: string[]): Promise<{ code: number; stderr: string }> {
  const errors: string[] = [];
  const original = console.error;
  console.error = (message: string) => errors.push(message);
  try {
    await main(args);
    return { code: Deno.exitCode, stderr: errors.join("\n") };
  } finally {
    console.error = original;
    Deno.exitCode = 0;
  }
}

Deno.test("contention main() rejects a bad flag with exit code 2 and the usage", async () => {
  const { code, stderr } = await mainErrors(["--workers", "1"]);
  assert.equal(code, 2);
  assert.match(stderr, /^Invalid --workers "1": expected a whole number >= 2\n\nUsage:/);
});

Deno.test("contention main() refuses a --db that is not a postgres:// location", async () => {
  const { code, stderr } = await mainErrors(["--db", "data/hpnorton"]);
  assert.equal(code, 2);
  assert.match(stderr, /^Invalid --db "data\/hpnorton": expected a postgres:\/\/ location/);
});

Deno.test("contention.ts prints both designs, then the verdict, and exits 0 with the task's permissions", async () => {
  const { code, stdout, stderr } = await runDeno([
    "--allow-read=contention,lib,.contention",
    "--allow-write=.contention",
    "contention.ts",
    "--transactions",
    "2",
    "--rows",
    "5",
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^SQLite, one shared database file: 2 workers x 2 transactions x 5 rows/);
  assert.match(stdout, /\nrows in the database +\d+ of 20 +20 of 20\n/);
  assert.match(
    stdout,
    /\n\nReproduced: the naive writers lost \d+ of 20 rows to SQLITE_BUSY; this system's writers waited their turn and stored all 20\.\n$/,
  );
});
