/**
 * `deno task bench:micro`: the CSV parsers compared on the 100,000-row
 * customers file (streamed from disk, every record visited). This is the
 * measurement behind the README's choice of papaparse.
 *
 * @module
 */
import { parse as csvParse } from "csv-parse";
import { createReadStream } from "node:fs";
import { inferSchema, initParser } from "udsv";
import { readCsv } from "../lib/csv.ts";
import { datasetFor } from "./datasets.ts";

const path = `${await datasetFor(100_000)}/customers.csv`;

Deno.bench("lib/csv.ts readCsv (papaparse, with line numbers and checks)", {
  group: "csv",
  baseline: true,
}, async () => {
  let rows = 0;
  for await (const batch of readCsv(path)) rows += batch.records.length;
  if (rows !== 100_001) throw new Error(`read ${rows} records`);
});

Deno.bench("csv-parse stream", { group: "csv" }, async () => {
  let rows = 0;
  for await (const _ of createReadStream(path).pipe(csvParse({ bom: true }))) rows++;
  if (rows !== 100_001) throw new Error(`read ${rows} records`);
});

Deno.bench("udsv incremental (loses data on malformed quotes)", { group: "csv" }, async () => {
  let rows = 0;
  let parser: ReturnType<typeof initParser> | undefined;
  const text = (await Deno.open(path)).readable.pipeThrough(new TextDecoderStream());
  for await (const chunk of text) {
    parser ??= initParser(inferSchema(chunk));
    parser.chunk<string[]>(chunk, parser.stringArrs, () => {
      rows++;
    });
  }
  parser?.end();
  if (rows !== 100_000) throw new Error(`read ${rows} records`);
});
