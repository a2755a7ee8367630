import assert from "node:assert/strict";
import { readCsv } from "../lib/csv.ts";
import { importFile } from "../lib/import_file.ts";
import { listAvailableProducts, listRenters } from "../lib/queries.ts";
import { openStore } from "../lib/store/open.ts";
import type { Store } from "../lib/store/store.ts";
import { tempDir } from "./helpers.ts";

/** The data rows of a bundled CSV file, as objects keyed by its header. */
async function rowsOf(path: string): Promise<Record<string, string>[]> {
  const records: string[][] = [];
  for await (const batch of readCsv(path)) records.push(...batch.records);
  const [header, ...rows] = records;
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
}

async function bundledStore(db: string): Promise<Store> {
  const store = await openStore(db);
  for (const name of ["customers", "products", "rentals"]) {
    await importFile(store, `data/${name}.csv`);
  }
  return store;
}

Deno.test("listAvailableProducts() returns exactly the bundled products with a quantity above 0", async () => {
  await using dir = await tempDir();
  const store = await bundledStore(`${dir.path}/t.db`);
  const products = await listAvailableProducts(store);
  await store.close();
  const expected = (await rowsOf("data/products.csv"))
    .filter((p) => Number(p.quantity_available) > 0)
    .map((p) => ({ ...p, quantity_available: Number(p.quantity_available) }));
  assert.ok(expected.length > 0 && expected.length < 1000);
  assert.deepEqual(products.map((p) => ({ ...p })), expected);
});

Deno.test("listRenters() returns the contact details of everyone who rented a product", async () => {
  await using dir = await tempDir();
  const store = await bundledStore(`${dir.path}/t.db`);
  const rentals = await rowsOf("data/rentals.csv");
  const customers = await rowsOf("data/customers.csv");
  // The product rented most often in the bundled rentals.
  const counts = new Map<string, number>();
  for (const r of rentals) counts.set(r.product_id, (counts.get(r.product_id) ?? 0) + 1);
  const [productId] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  const renterIds = new Set(
    rentals.filter((r) => r.product_id === productId).map((r) => r.user_id),
  );
  const expected = customers.filter((c) => renterIds.has(c.user_id))
    .sort((a, b) => a.user_id < b.user_id ? -1 : 1);
  assert.ok(expected.length > 1);

  const renters = await listRenters(store, productId);
  const nobody = await listRenters(store, "P999999");
  await store.close();
  assert.deepEqual(renters.map((c) => ({ ...c })), expected);
  assert.deepEqual(nobody, []);
});
