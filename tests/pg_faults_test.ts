/**
 * The PostgreSQL store when the server fails it: a connection lost in the
 * middle of a COPY (as a server restart, a fail-over or an idle-transaction
 * timeout would do) and rows the server refuses in the middle of a COPY.
 * Every such import must end in one line naming the database, with nothing
 * half-written and nothing left running.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { getTable } from "../lib/schema.ts";
import { openStore } from "../lib/store/open.ts";
import { datasetDir } from "./helpers.ts";
import { NO_PG, PG_URL, pgSchema, pgSnapshot } from "./pg_helpers.ts";

/** Long enough for a COPY to be caught under way, short enough to generate quickly. */
const ROWS = 200_000;

/** A child process that outlives this is hung: it is killed and the test fails. */
const HANG_SECONDS = 60;

/** `promise`, or a rejection if it has not settled within {@linkcode HANG_SECONDS}. */
async function unlessHung<T>(promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("hung")), HANG_SECONDS * 1000);
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

for (const script of ["linear.ts", "parallel.ts"]) {
  Deno.test({
    name: `${script} exits 1 with one line when the server ends its connection mid-COPY`,
    ignore: NO_PG,
    async fn() {
      await using data = await datasetDir(ROWS);
      await using pg = pgSchema();
      // The import's backend is found by its application_name (libpq's
      // PGAPPNAME, which the driver honours), as an operator would find it.
      const app = `hpn_lost_${crypto.randomUUID().slice(0, 8)}`;
      const child = new Deno.Command("deno", {
        args: [
          "run",
          "--allow-read",
          "--allow-env=PG*",
          `--allow-net=${new URL(PG_URL!).host}`,
          script,
          "--data-dir",
          data.path,
          "--db",
          pg.location,
        ],
        env: { PGAPPNAME: app, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let exited = false;
      const output = child.output().finally(() => exited = true);
      const hang = setTimeout(() => child.kill("SIGKILL"), HANG_SECONDS * 1000);
      const admin = postgres(PG_URL!, { max: 1, onnotice: () => {} });
      try {
        // One backend only: in parallel.ts the other worker must be ended by the pool.
        let terminated = 0;
        while (terminated === 0 && !exited) {
          const rows = await admin`
            SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
            WHERE application_name = ${app} AND state = 'active' AND query LIKE 'COPY%'
            LIMIT 1`;
          terminated = rows.filter((row) => row.done).length;
          if (terminated === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const { code, stderr } = await output;
        const text = new TextDecoder().decode(stderr);
        assert.equal(terminated, 1, `the import ended before its COPY could be interrupted`);
        assert.equal(code, 1, text);
        assert.match(
          text,
          /^Cannot write to database "postgres:\/\/[^"\n]+": the connection to the server was lost; the import was rolled back\n$/,
        );
        const left = await admin`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${app}`;
        assert.equal(left[0].n, 0, "a connection of the import outlived it");
      } finally {
        clearTimeout(hang);
        await admin.end();
      }
      // Each table whole-old (empty) or whole-new, never part of a file.
      for (const table of ["customers", "products"] as const) {
        const rows = (await pgSnapshot(pg.location, table)).length;
        assert.ok(rows === 0 || rows === ROWS, `${table} holds ${rows} rows`);
      }
    },
  });
}

Deno.test({
  name: "A row the server refuses mid-COPY fails the write with the server's reason, not a hang",
  ignore: NO_PG,
  async fn(t) {
    await using pg = pgSchema();
    const products = getTable("products");
    const store = await openStore(pg.location);
    try {
      const good = [["P1", "oak desk", "office", 1]];
      // A NUL cannot be stored in text: the server refuses it while reading the COPY data.
      const bad = [["P2", "oak\u0000desk", "office", 1]];
      for (const into of ["an empty table", "a table with rows"]) {
        await t.step(`into ${into}`, async () => {
          const before = await pgSnapshot(pg.location, "products");
          await assert.rejects(
            unlessHung(store.write(products, async (writer) => {
              await writer.upsert(good);
              await writer.upsert(bad);
            })),
            /^Error: Cannot write to database "postgres:\/\/[^"]+": invalid byte sequence/,
          );
          assert.deepEqual(await pgSnapshot(pg.location, "products"), before);
          // The store goes on: the next write commits.
          await store.write(products, (writer) => Promise.resolve(writer.upsert(good)));
        });
      }
    } finally {
      await store.close();
    }
  },
});
