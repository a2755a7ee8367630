/**
 * A batch of CSV records in the form that crosses a worker boundary cheaply.
 *
 * `postMessage` of a {@linkcode CsvBatch} as it is (an array of arrays of
 * strings) makes the structured clone write and then re-create every string
 * and every array one by one. Packed, a batch is one string holding every
 * field end to end and one typed array of sizes: the string is copied in one
 * piece and the typed arrays are transferred, not copied. Measured on the
 * 1,000,000-row customers file sent to a worker: 650-700 ms of the sender's
 * CPU and 510-530 ms of the receiver's as arrays, 260-370 ms and 200-270 ms
 * packed (bench/, on a busy 2-core machine).
 *
 * @example
 * ```ts
 * import { packBatch, unpackBatch } from "./batch_transfer.ts";
 * const packed = packBatch({ records: [["C1", "Ann"]], lines: [2] });
 * // worker.postMessage(packed, transferables(packed)) on one side, then:
 * console.log(unpackBatch(packed).records); // [["C1", "Ann"]]
 * ```
 *
 * @module
 */
import type { CsvBatch } from "./csv.ts";
import { rawRecord } from "./raw_records.ts";

/** A {@linkcode CsvBatch}, packed by {@linkcode packBatch}. */
export interface PackedBatch {
  /** Every field of every record end to end, each record's raw text after its fields when kept. */
  text: string;
  /** Per record: its field count, then the length of each field (then of its raw text). */
  sizes: Int32Array<ArrayBuffer>;
  /** The line where each record starts. */
  lines: Float64Array<ArrayBuffer>;
  /** Whether each record's raw text follows its fields in {@linkcode text}. */
  raw: boolean;
  /** The batch's invalid records (few, so sent as they are). */
  invalid?: Map<number, string>;
}

/** Packs `batch` for `postMessage` (see the module doc). */
export function packBatch(batch: CsvBatch): PackedBatch {
  const { records, raw } = batch;
  let count = records.length * (raw === undefined ? 1 : 2);
  for (const record of records) count += record.length;
  const sizes = new Int32Array(count);
  // One join, not `+=` field by field: the rope that builds made the next
  // scavenges of this thread's heap copy it, up to 5x the garbage collection
  // time of reading the file alone (traced with --v8-flags=--trace-gc).
  const parts: string[] = new Array(count - records.length);
  let at = 0;
  let part = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    sizes[at++] = record.length;
    for (const field of record) {
      sizes[at++] = field.length;
      parts[part++] = field;
    }
    if (raw !== undefined) {
      const text = rawRecord(batch, i);
      sizes[at++] = text.length;
      parts[part++] = text;
    }
  }
  const packed: PackedBatch = {
    text: parts.join(""),
    sizes,
    lines: Float64Array.from(batch.lines),
    raw: raw !== undefined,
  };
  if (batch.invalid !== undefined) packed.invalid = batch.invalid;
  return packed;
}

/** The buffers of `packed` that `postMessage` can transfer instead of copying. */
export function transferables(packed: PackedBatch): Transferable[] {
  return [packed.sizes.buffer, packed.lines.buffer];
}

/** The batch that {@linkcode packBatch} packed. */
export function unpackBatch(packed: PackedBatch): CsvBatch {
  const { text, sizes } = packed;
  const records: string[][] = new Array(packed.lines.length);
  // Each record's raw text stays where it is in the packed text.
  const spans: number[] | undefined = packed.raw ? new Array(2 * records.length) : undefined;
  let at = 0;
  let offset = 0;
  for (let i = 0; i < records.length; i++) {
    const width = sizes[at++];
    const record: string[] = new Array(width);
    for (let c = 0; c < width; c++) {
      const end = offset + sizes[at++];
      record[c] = text.substring(offset, end);
      offset = end;
    }
    records[i] = record;
    if (spans !== undefined) {
      const end = offset + sizes[at++];
      spans[2 * i] = offset;
      spans[2 * i + 1] = end;
      offset = end;
    }
  }
  const batch: CsvBatch = { records, lines: Array.from(packed.lines) };
  if (spans !== undefined) batch.raw = { text, spans };
  if (packed.invalid !== undefined) batch.invalid = packed.invalid;
  return batch;
}
