/**
 * Property tests of the reader, seeded and bounded (a few hundred small files):
 *
 * - records written by an independent CSV writer (papaparse's `unparse`, no
 *   part of the reader) come back exactly, with their lines and raw text,
 *   whatever the chunk size, line ends (LF or CRLF, per record), blank lines,
 *   byte order mark and quoting;
 * - any text at all, valid or not, gives the same records or the same refusal
 *   in every chunk size, and a refusal is always an ImportError with a line.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
// @ts-types="@types/papaparse"
import Papa from "papaparse";
import { readCsv } from "../lib/csv.ts";
import { ImportError } from "../lib/import_error.ts";
import { rawTexts, tempDir, writeFile } from "./helpers.ts";

const SEED = 20_251_130;

/** Characters that stress a CSV reader, and plain ones. */
const UNITS = ["a", "b", " ", "\t", ",", '"', "\n", "\r", "é", "😀", "\ufeff", "\ufffd"];

const field = fc.string({ unit: fc.constantFrom(...UNITS), maxLength: 8 });
const end = fc.constantFrom("\n", "\r\n");
const entry = fc.record({
  fields: fc.array(field, { minLength: 1, maxLength: 5 }),
  end,
  blanks: fc.array(end, { maxLength: 2 }),
});
const file = fc.record({
  entries: fc.array(entry, { minLength: 1, maxLength: 12 }),
  bom: fc.boolean(),
  quoteAll: fc.boolean(),
  finalBreak: fc.boolean(),
  chunkSize: fc.integer({ min: 1, max: 48 }),
});

Deno.test("readCsv() reads back exactly what an independent writer wrote, in any chunk size", async () => {
  await using dir = await tempDir();
  await fc.assert(
    fc.asyncProperty(file, async ({ entries, bom, quoteAll, finalBreak, chunkSize }) => {
      let text = bom ? "\ufeff" : "";
      const lines: number[] = [];
      const raw: string[] = [];
      entries.forEach(({ fields, end, blanks }, i) => {
        text += blanks.join("");
        // A record of one empty field written bare would be a blank line.
        const quotes = quoteAll || (fields.length === 1 && fields[0] === "");
        const record = Papa.unparse([fields], { quotes }) +
          (i < entries.length - 1 || finalBreak ? end : "");
        lines.push(text.split("\n").length);
        raw.push(record);
        text += record;
      });
      const path = await writeFile(dir.path, "written.csv", text);
      const read = { records: [] as string[][], lines: [] as number[], raw: [] as string[] };
      for await (const batch of readCsv(path, { chunkSize, raw: true })) {
        read.records.push(...batch.records);
        read.lines.push(...batch.lines);
        read.raw.push(...rawTexts(batch));
      }
      assert.deepEqual(read, { records: entries.map((e) => e.fields), lines, raw });
    }),
    { seed: SEED, numRuns: 300 },
  );
});

const encoder = new TextEncoder();
/** Pieces of any file: text that stresses a reader, a NUL, and bytes that are not UTF-8. */
const piece = fc.constantFrom(
  ...[...UNITS, "\0", '""', "\r\n"].map((unit) => encoder.encode(unit)),
  new Uint8Array([0xff]),
  new Uint8Array([0xc3]),
  new Uint8Array([0xe2, 0x82]),
);
const anyFile = fc.record({
  pieces: fc.array(piece, { maxLength: 40 }),
  chunkSize: fc.integer({ min: 1, max: 16 }),
  keepInvalid: fc.boolean(),
});

/** What reading `path` gives: every record with its line and problem, or the refusal. */
async function outcome(path: string, chunkSize: number, keepInvalid: boolean) {
  const records: [number, string[], string | undefined][] = [];
  try {
    for await (const batch of readCsv(path, { chunkSize, keepInvalid })) {
      batch.records.forEach((record, i) => {
        const line = batch.lines[i];
        records.push([line, record, batch.invalid?.get(line)]);
      });
    }
    return { records };
  } catch (error) {
    assert.ok(error instanceof ImportError, String(error));
    assert.ok(error.line !== undefined && error.line >= 1, error.message);
    return { records, error: error.message };
  }
}

Deno.test("readCsv() gives any text, valid or not, the same records or refusal in every chunk size", async () => {
  await using dir = await tempDir();
  await fc.assert(
    fc.asyncProperty(anyFile, async ({ pieces, chunkSize, keepInvalid }) => {
      const bytes = new Uint8Array(pieces.flatMap((p) => [...p]));
      const path = await writeFile(dir.path, "any.csv", bytes);
      assert.deepEqual(
        await outcome(path, chunkSize, keepInvalid),
        await outcome(path, 1 << 18, keepInvalid),
      );
    }),
    { seed: SEED, numRuns: 300 },
  );
});
