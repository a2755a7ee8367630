/**
 * The data generator: its default shape is the bundled data, byte for byte;
 * its export shape is what a CRM export looks like, and imports completely.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readCsv } from "../lib/csv.ts";
import { generateDataset } from "../lib/generate.ts";
import { importFile } from "../lib/import_file.ts";
import { openStore } from "../lib/store/open.ts";
import { rawTexts, tempDir } from "./helpers.ts";

const FILES = ["customers.csv", "products.csv", "rentals.csv"];

Deno.test("generateDataset() writes the bundled data byte for byte in its default shape", async () => {
  await using dir = await tempDir();
  await generateDataset(dir.path, { rows: 1000, seed: 42 });
  for (const name of FILES) {
    assert.deepEqual(
      await Deno.readFile(`${dir.path}/${name}`),
      await Deno.readFile(`data/${name}`),
    );
  }
});

Deno.test("the export shape has a BOM, CRLF, other column orders, multi-line addresses and quoted descriptions", async () => {
  await using dir = await tempDir();
  const rows = 2000;
  await generateDataset(dir.path, { rows, shape: "export" });
  const headers: string[] = [];
  for (const name of FILES) {
    const bytes = await Deno.readFile(`${dir.path}/${name}`);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], name);
    const records: string[][] = [];
    for await (const batch of readCsv(`${dir.path}/${name}`, { raw: true })) {
      records.push(...batch.records);
      assert.ok(
        rawTexts(batch).every((raw) => raw.endsWith("\r\n")),
        `${name}: CRLF ends every record`,
      );
    }
    assert.equal(records.length, rows + 1, name);
    headers.push(records[0].join(","));
    const share = (column: string, test: (value: string) => boolean) => {
      const index = records[0].indexOf(column);
      return records.slice(1).filter((record) => test(record[index])).length / rows;
    };
    if (name === "customers.csv") {
      const multiLine = share("address", (address) => address.includes("\n"));
      assert.ok(multiLine > 0.15 && multiLine < 0.25, `addresses over two lines: ${multiLine}`);
    }
    if (name === "products.csv") {
      const quoted = share("description", (text) => text.includes('"') && text.includes(","));
      assert.ok(quoted > 0.2 && quoted < 0.3, `descriptions with a quote and a comma: ${quoted}`);
    }
  }
  assert.deepEqual(headers, [
    "name,email,phone_number,address,zip_code,user_id",
    "description,product_type,quantity_available,product_id",
    "user_id,product_id,rental_id",
  ]);
});

Deno.test("an export-shape dataset imports completely, references included", async () => {
  await using dir = await tempDir();
  const rows = 500;
  await generateDataset(dir.path, { rows, shape: "export" });
  const store = await openStore(`${dir.path}/t.db`);
  try {
    for (const name of FILES) {
      const report = await importFile(store, `${dir.path}/${name}`);
      assert.deepEqual([report.processed, report.after], [rows, rows], name);
    }
  } finally {
    await store.close();
  }
});
