/**
 * `deno task bench:keys`: what strict mode's repeat check costs on 1,000,000
 * rows, and whether lib/key_check.ts should skip building its table while the
 * keys ascend. Writes bench/key_check.json.
 *
 * The keys are read from a generated customers.csv with the reader, so they
 * are the strings an import sees, in file order. Over the same keys, paired
 * in each round (the order of the variants rotates, the machine is shared):
 *
 * - `compare only`: the shortcut before KeyCheck existed: each key compared
 *   with the last, nothing stored (it then had to read the file again at the
 *   first key out of order);
 * - `append while ascending`: KeyCheck as it is: keys and lines stored, the
 *   table built only at the first key out of order;
 * - `table from the start`: KeyCheck made to build its table at once, by a
 *   first key that sorts after every other (one long key);
 * - `table, shuffled keys`: the same keys in random order (an export sorted
 *   by something else).
 *
 * Then, for scale, the whole strict import of the file into SQLite.
 *
 * @module
 */
import { readCsv } from "../lib/csv.ts";
import { generateDataset } from "../lib/generate.ts";
import { importFile } from "../lib/import_file.ts";
import { KeyCheck } from "../lib/key_check.ts";
import { openStore } from "../lib/store/open.ts";
import { median } from "./stats.ts";

const ROWS = 1_000_000;
const ROUNDS = 7;
const DIR = "data/large/key_check";
const RESULT = new URL("./key_check.json", import.meta.url);

/** One way of checking a stream of keys; returns the keys it saw as repeats (to use the result). */
type Variant = (batches: string[][]) => number;

const VARIANTS: Record<string, Variant> = {
  "compare only": (batches) => {
    let last = "";
    let outOfOrder = 0;
    for (const keys of batches) {
      for (const key of keys) {
        if (key.length > last.length || (key.length === last.length && key > last)) last = key;
        else outOfOrder++;
      }
    }
    return outOfOrder;
  },
  "append while ascending": (batches) => check(new KeyCheck(), batches),
  "table from the start": (batches) => {
    const keys = new KeyCheck();
    keys.add("~".repeat(64), 1); // every later key is shorter, so out of order
    return check(keys, batches);
  },
};

function check(keys: KeyCheck, batches: string[][]): number {
  let repeats = 0;
  let line = 2;
  for (const batch of batches) {
    for (const key of batch) if (keys.add(key, line++) !== undefined) repeats++;
  }
  return repeats;
}

async function keysOf(path: string): Promise<string[][]> {
  const batches: string[][] = [];
  for await (const batch of readCsv(path)) batches.push(batch.records.map((record) => record[0]));
  batches[0].shift(); // the header
  return batches;
}

function shuffled(batches: string[][]): string[][] {
  const keys = batches.flat();
  let seed = 7;
  for (let i = keys.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  const size = batches[0].length;
  return Array.from(
    { length: Math.ceil(keys.length / size) },
    (_, i) => keys.slice(i * size, (i + 1) * size),
  );
}

await generateDataset(DIR, { rows: ROWS });
const csv = `${DIR}/customers.csv`;

const ordered = await keysOf(csv);
const random = shuffled(ordered);
const runs: Record<string, number[]> = {};
const names = [...Object.keys(VARIANTS), "table, shuffled keys"];
for (let round = 0; round < ROUNDS; round++) {
  for (let v = 0; v < names.length; v++) {
    const name = names[(v + round) % names.length];
    const keys = name === "table, shuffled keys" ? random : ordered;
    const variant = VARIANTS[name] ?? VARIANTS["table from the start"];
    const started = performance.now();
    variant(keys);
    (runs[name] ??= []).push(performance.now() - started);
  }
}
const importMs: number[] = [];
for (let round = 0; round < 3; round++) {
  const fresh = await Deno.makeTempDir({ dir: DIR });
  const store = await openStore(`${fresh}/t.db`);
  const started = performance.now();
  await importFile(store, csv);
  importMs.push(performance.now() - started);
  await store.close();
  await Deno.remove(fresh, { recursive: true });
}

const medians = Object.fromEntries(names.map((name) => [name, Math.round(median(runs[name]))]));
const result = {
  rows: ROWS,
  rounds: ROUNDS,
  medianMs: medians,
  runsMs: Object.fromEntries(names.map((name) => [name, runs[name].map(Math.round)])),
  strictImportMedianMs: Math.round(median(importMs)),
  ratioTableToAppend: +(medians["table from the start"] / medians["append while ascending"])
    .toFixed(2),
};
await Deno.writeTextFile(RESULT, JSON.stringify(result, null, 2) + "\n");
console.log(JSON.stringify(result, null, 2));
