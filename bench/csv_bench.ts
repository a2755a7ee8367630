/**
 * `deno task bench:micro`: the CSV reader on 100,000 customers (streamed from
 * disk, every record visited), in two groups.
 *
 * - "csv": lib/csv.ts against the parsers it was measured against, on the plain
 *   shape: papaparse (which lib/csv.ts wrapped before its own scanner),
 *   csv-parse and udsv; the measurement behind the README's choice.
 * - "shape": lib/csv.ts on the same rows written four ways: the generator's
 *   plain shape; its export shape (BOM, CRLF, a fifth of the addresses quoted
 *   over two lines, columns in another order); the export's values written
 *   plainly (LF, no BOM, schema order, the address's line break written as
 *   ", "); and the export's values with every field quoted, as many exports
 *   write them. The reader's promise is that the shape costs at most 1.3x the
 *   plain writing of the same values (rows/s = 100,000 / the time per run).
 *
 * The plain and quoted forms are written here with csv-parse reading the export,
 * so that they do not depend on the reader they measure.
 *
 * @module
 */
import { parse as csvParse } from "csv-parse";
import { createReadStream } from "node:fs";
// @ts-types="@types/papaparse"
import Papa from "papaparse";
import { inferSchema, initParser } from "udsv";
import { readCsv } from "../lib/csv.ts";
import { quoteField } from "../lib/csv_quote.ts";
import { getTable } from "../lib/schema.ts";
import { datasetFor } from "./datasets.ts";

const ROWS = 100_000;
const plain = `${await datasetFor(ROWS)}/customers.csv`;
const exported = `${await datasetFor(ROWS, "export")}/customers.csv`;
const plainValues = `${await datasetFor(ROWS, "export")}/customers.plain-values.csv`;
const quotedValues = `${await datasetFor(ROWS, "export")}/customers.quoted-values.csv`;
await rewrite(exported, plainValues, (field) => quoteField(field.replaceAll("\n", ", ")), "\n");
await rewrite(exported, quotedValues, (field) => `"${field.replaceAll('"', '""')}"`, "\r\n");

/** Writes the records of `from` to `to` in schema column order, each field through `write`. */
async function rewrite(from: string, to: string, write: (field: string) => string, eol: string) {
  const schema = getTable("customers").columns.map((column) => column.name);
  let order: number[] | undefined;
  let text = "";
  for await (const record of createReadStream(from).pipe(csvParse({ bom: true }))) {
    order ??= schema.map((name) => (record as string[]).indexOf(name));
    text += order.map((index) => write((record as string[])[index])).join(",") + eol;
  }
  await Deno.writeTextFile(to, text);
}

/** Each run reads 9 to 10 MB: a few runs are enough, and keep the task short on a busy machine. */
const RUNS = { n: 15, warmup: 3 };

async function readAll(path: string): Promise<void> {
  let rows = 0;
  for await (const batch of readCsv(path)) rows += batch.records.length;
  if (rows !== ROWS + 1) throw new Error(`read ${rows} records`);
}

Deno.bench("lib/csv.ts readCsv (with line numbers and checks)", {
  group: "csv",
  baseline: true,
  ...RUNS,
}, async () => await readAll(plain));

Deno.bench("papaparse incremental Parser (no line numbers, no checks)", {
  group: "csv",
  ...RUNS,
}, async () => {
  let rows = 0;
  const parser = new Papa.Parser({ delimiter: ",", newline: "\n" });
  let pending = "";
  const text = (await Deno.open(plain)).readable.pipeThrough(new TextDecoderStream());
  for await (const chunk of text) {
    const input = pending + chunk;
    const result = parser.parse(input, 0, true);
    rows += result.data.length;
    pending = input.slice(result.meta.cursor);
  }
  rows += parser.parse(pending, 0, false).data.length;
  if (rows !== ROWS + 1) throw new Error(`read ${rows} records`);
});

Deno.bench("csv-parse stream", { group: "csv", ...RUNS }, async () => {
  let rows = 0;
  for await (const _ of createReadStream(plain).pipe(csvParse({ bom: true }))) rows++;
  if (rows !== ROWS + 1) throw new Error(`read ${rows} records`);
});

Deno.bench("udsv incremental (loses data on malformed quotes)", {
  group: "csv",
  ...RUNS,
}, async () => {
  let rows = 0;
  let parser: ReturnType<typeof initParser> | undefined;
  const text = (await Deno.open(plain)).readable.pipeThrough(new TextDecoderStream());
  for await (const chunk of text) {
    parser ??= initParser(inferSchema(chunk));
    parser.chunk<string[]>(chunk, parser.stringArrs, () => {
      rows++;
    });
  }
  parser?.end();
  if (rows !== ROWS) throw new Error(`read ${rows} records`);
});

Deno.bench("readCsv: export values written plainly", {
  group: "shape",
  baseline: true,
  ...RUNS,
}, async () => await readAll(plainValues));

Deno.bench("readCsv: export shape (BOM, CRLF, records over two lines)", {
  group: "shape",
  ...RUNS,
}, async () => await readAll(exported));

Deno.bench("readCsv: export values, every field quoted, CRLF", {
  group: "shape",
  ...RUNS,
}, async () => await readAll(quotedValues));

Deno.bench("readCsv: plain shape (the bundled generator's)", {
  group: "shape",
  ...RUNS,
}, async () => await readAll(plain));
