import assert from "node:assert/strict";
import { packBatch, transferables, unpackBatch } from "../lib/batch_transfer.ts";
import type { CsvBatch } from "../lib/csv.ts";
import { rawTexts } from "./helpers.ts";

Deno.test("a packed batch unpacks to the same records, lines, raw text and invalid rows", async (t) => {
  const cases: Record<string, CsvBatch> = {
    "plain records": {
      records: [["C1", "Ann", "1 Main St"], ["C2", "Bo", "2 Oak"]],
      lines: [2, 3],
    },
    "empty fields and records of other widths": {
      records: [["", ""], ["only"], ["a", "", "c", "d"]],
      lines: [2, 3, 5],
    },
    "text beyond ASCII, quotes and line breaks inside fields": {
      records: [["Zoë 😀", 'say "hi"', "a\r\nb"], ["ü", "", "\uFEFF"]],
      lines: [7, 9],
    },
    "raw text kept for a rejects file, and invalid rows": {
      records: [["P1", "desk"], ["P2", 'ch"air']],
      lines: [2, 3],
      raw: { text: 'P1,desk\nP2,ch"air\r\n', spans: [0, 8, 8, 19] },
      invalid: new Map([[3, "has a quote inside unquoted field 2"]]),
    },
    "no records": { records: [], lines: [] },
  };
  for (const [name, batch] of Object.entries(cases)) {
    await t.step(name, () => {
      const packed = packBatch(batch);
      // What the worker receives: a structured clone, the typed arrays transferred.
      const received = structuredClone(packed, { transfer: transferables(packed) });
      const { raw, ...unpacked } = unpackBatch(received);
      const { raw: sent, ...rest } = batch;
      assert.deepEqual(unpacked, rest);
      // The raw text arrives as offsets into the packed text: compare what they name.
      assert.deepEqual(raw && rawTexts({ ...unpacked, raw }), sent && rawTexts(batch));
      assert.equal(packed.sizes.byteLength, 0, "the sizes were transferred, not copied");
    });
  }
});

Deno.test("a line number beyond 32 bits survives packing", () => {
  const batch = { records: [["x"]], lines: [2 ** 33 + 1] };
  assert.deepEqual(unpackBatch(packBatch(batch)).lines, [2 ** 33 + 1]);
});
