import assert from "node:assert/strict";
import { main, runContention } from "../contention.ts";
import { formatContention, isBusyError, verdict } from "../contention/sqlite.ts";
import { tempDir } from "./helpers.ts";

Deno.test("runContention() naive writers fail with SQLITE_BUSY and the database holds fewer rows than sent", async () => {
  await using dir = await tempDir();
  const { naive } = await runContention({ workers: 2, transactions: 4, rows: 25, dir: dir.path });
  assert.equal(naive.sent, 2 * 4 * 25);
  assert.ok(isBusyError(naive.firstError), JSON.stringify(naive.firstError));
  assert.equal(naive.firstError?.message, "database is locked");
  assert.equal(naive.firstError?.code, "ERR_SQLITE_ERROR");
  if (naive.firstError?.errcode !== undefined) assert.equal(naive.firstError.errcode & 0xff, 5);
  // Every worker but one loses the first round, whatever the timing.
  assert.ok(naive.failed >= 1);
  assert.ok(naive.stored < naive.sent);
  assert.equal(naive.missing, naive.sent - naive.stored);
  // The database, not the workers, decides: each committed transaction is there whole.
  assert.equal(naive.stored, naive.committed * 25);
  assert.equal(naive.workers.reduce((sum, w) => sum + w.stored, 0), naive.stored);
});

Deno.test("runContention() with more workers still lets only one win the first round", async () => {
  await using dir = await tempDir();
  const { naive } = await runContention({ workers: 4, transactions: 1, rows: 10, dir: dir.path });
  assert.equal(naive.committed, 1);
  assert.equal(naive.failed, 3);
  assert.equal(naive.stored, 10);
  assert.deepEqual(naive.workers.map((w) => w.stored).sort(), [0, 0, 0, 10]);
});

Deno.test("runContention() writers using the store's BEGIN IMMEDIATE on the same file store every row", async () => {
  await using dir = await tempDir();
  const outcome = await runContention({ workers: 3, transactions: 4, rows: 25, dir: dir.path });
  const { safe } = outcome;
  assert.equal(safe.sent, 3 * 4 * 25);
  assert.equal(safe.stored, safe.sent);
  assert.equal(safe.missing, 0);
  assert.equal(safe.failed, 0);
  assert.equal(safe.firstError, undefined);
  assert.deepEqual(safe.workers.map((w) => w.stored), [100, 100, 100]);
  assert.equal(outcome.reproduced, true);
  assert.equal(outcome.ok, true);
  assert.match(verdict(outcome), /^Reproduced: the naive writers lost [\d,]+ of 300 rows/);
});

Deno.test("runContention() removes its database files and prints both designs side by side", async () => {
  await using dir = await tempDir();
  const outcome = await runContention({ workers: 2, transactions: 2, rows: 5, dir: dir.path });
  assert.deepEqual(await Array.fromAsync(Deno.readDir(dir.path)), []);
  const text = formatContention(outcome);
  assert.match(text, /first error +"database is locked" \(ERR_SQLITE_ERROR/);
  assert.match(text, /rows in the database +\d+ of 20 +20 of 20/);
  assert.match(text, /BEGIN DEFERRED.*BEGIN IMMEDIATE/);
});

Deno.test("runContention() refuses fewer than two workers", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    runContention({ workers: 1, dir: dir.path }),
    new RangeError('Invalid workers "1": expected a whole number >= 2'),
  );
});

Deno.test("verdict() names what failed when the failure was not reproduced", () => {
  const design = {
    how: "",
    sent: 10,
    stored: 10,
    missing: 0,
    committed: 2,
    failed: 0,
    seconds: 0,
    workers: [],
  };
  const text = verdict({
    engine: "sqlite",
    workers: 2,
    transactions: 1,
    rows: 5,
    naive: { design: "naive", ...design },
    safe: { design: "safe", ...design },
    reproduced: false,
    safeLostNothing: true,
    ok: false,
  });
  assert.match(text, /^Contention check failed: the naive writers lost nothing/);
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
