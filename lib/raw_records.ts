/**
 * The raw text of the records of a {@linkcode CsvBatch}, as --skip-invalid
 * writes a refused record to the rejects file: kept as offsets into one text
 * per batch, and sliced only for the records that need it.
 *
 * In a module of its own so that a worker fed records by another thread (and
 * which so never loads the reader, lib/csv.ts) can still name them.
 *
 * @example
 * ```ts
 * import { readCsv } from "./csv.ts";
 * import { rawRecord } from "./raw_records.ts";
 * for await (const batch of readCsv("data/products.csv", { raw: true })) {
 *   console.log(JSON.stringify(rawRecord(batch, 0))); // "product_id,description,…\n"
 *   break;
 * }
 * ```
 *
 * @module
 */
import type { CsvBatch } from "./csv.ts";

/** Where the raw text of a batch's records lies (see {@linkcode CsvBatch.raw}). */
export interface RawRecords {
  /** Text holding every record of the batch. */
  text: string;
  /** Start and end of each record in {@linkcode text}, two numbers a record. */
  spans: number[];
}

/**
 * The raw text of record `i` of `batch`, with its line break; `batch` must
 * have been read with `raw: true` (or unpacked from such a batch).
 */
export function rawRecord(batch: CsvBatch, i: number): string {
  const raw = batch.raw;
  if (raw === undefined) throw new TypeError("rawRecord(): the batch was read without raw");
  return raw.text.slice(raw.spans[2 * i], raw.spans[2 * i + 1]);
}
