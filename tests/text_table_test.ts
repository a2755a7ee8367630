/** The aligned text tables every command prints. */
import assert from "node:assert/strict";
import { formatTable } from "../cli/text_table.ts";

Deno.test("formatTable() aligns columns, numbers to the right", () => {
  assert.equal(
    formatTable(["id", "n"], [["a", "1"], ["bcd", "22"]], { right: [1] }),
    "id    n\na     1\nbcd  22",
  );
});

Deno.test("formatTable() formats 200,000 rows (more than a call's arguments can hold)", () => {
  const rows = Array.from({ length: 200_000 }, (_, i) => [`P${i}`, String(i)]);
  const lines = formatTable(["product_id", "quantity"], rows, { right: [1] }).split("\n");
  assert.equal(lines.length, 200_001);
  assert.equal(lines.at(-1), "P199999       199999");
});
