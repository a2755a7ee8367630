/**
 * Writes a seeded dataset: `deno task generate --rows 100000 --out data/large/100k`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { generateDataset } from "../lib/generate.ts";

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rows: { type: "string", default: "1000" },
      out: { type: "string", default: "data" },
      seed: { type: "string", default: "42" },
    },
  });
  const rows = Number(values.rows);
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(rows) || rows < 0) {
    console.error(`Invalid --rows "${values.rows}": expected a whole number >= 0`);
    Deno.exitCode = 2;
  } else {
    for (const path of await generateDataset(values.out, { rows, seed })) {
      console.log(path);
    }
  }
}
