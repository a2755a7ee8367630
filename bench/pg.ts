/**
 * SQLite against PostgreSQL, linear and parallel, on the same data: each run
 * imports customers.csv and products.csv into an empty database (a fresh
 * SQLite file set, a fresh PostgreSQL schema) and takes the larger `seconds` of
 * the two tuples. Prints the median of the runs per data folder, store and mode.
 *
 * ```sh
 * deno run --allow-read --allow-write=data/large '--allow-env=PG*' --allow-net=127.0.0.1:5432 \
 *   bench/pg.ts --runs 3 data data/large/100000
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import * as linear from "../linear.ts";
import * as parallel from "../parallel.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "3" },
    pg: { type: "string", default: "postgres://root@127.0.0.1:5432/test" },
    scratch: { type: "string", default: "data/large/bench" },
  },
});
const runs = Number(values.runs);
const MODES = { linear: linear.run, parallel: parallel.run };

function median(xs: number[]): number {
  const sorted = xs.toSorted((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One run into a fresh database; returns the module's wall time in seconds. */
async function once(
  run: typeof linear.run,
  dataDir: string,
  store: "sqlite" | "postgres",
): Promise<number> {
  if (store === "sqlite") {
    await Deno.mkdir(values.scratch, { recursive: true });
    const dir = await Deno.makeTempDir({ dir: values.scratch });
    try {
      return Math.max(...(await run({ dataDir, db: `${dir}/bench.db` })).map((r) => r[3]));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  const schema = `bench_${crypto.randomUUID().slice(0, 8)}`;
  const url = new URL(values.pg);
  url.searchParams.set("schema", schema);
  try {
    return Math.max(...(await run({ dataDir, db: url.href })).map((r) => r[3]));
  } finally {
    const sql = postgres(values.pg, { max: 1, onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end();
  }
}

console.log("data\tmode\tsqlite_s\tpostgres_s\tpostgres/sqlite");
for (const dataDir of positionals) {
  for (const [mode, run] of Object.entries(MODES)) {
    const times: Record<"sqlite" | "postgres", number[]> = { sqlite: [], postgres: [] };
    // Alternate the stores so that a slow moment of the machine hits both.
    for (let i = 0; i < runs; i++) {
      for (const store of ["sqlite", "postgres"] as const) {
        times[store].push(await once(run, dataDir, store));
      }
    }
    const s = median(times.sqlite);
    const p = median(times.postgres);
    console.log(`${dataDir}\t${mode}\t${s.toFixed(3)}\t${p.toFixed(3)}\t${(p / s).toFixed(2)}`);
  }
}
