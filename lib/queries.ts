/**
 * The two questions the earlier system answered, as functions over a
 * {@linkcode Store}: which products can be rented, and who rented a product.
 * The CLI (`norton products`, `norton rentals`) prints what these return.
 *
 * @example
 * ```ts
 * import { openStore } from "./store/open.ts";
 * import { listAvailableProducts, listRenters } from "./queries.ts";
 * const store = await openStore("data/hpnorton");
 * const products = await listAvailableProducts(store);
 * const renters = await listRenters(store, "P000973");
 * await store.close();
 * ```
 *
 * @module
 */
import type { Customer, Product, Store } from "./store/store.ts";

export type { Customer, Product };

/** Products available for rent (quantity above 0): id, description, type and quantity, by id. */
export function listAvailableProducts(store: Store): Promise<Product[]> {
  return store.availableProducts();
}

/** Name and contact details of every customer who rented `productId`, by user_id. */
export function listRenters(store: Store, productId: string): Promise<Customer[]> {
  return store.renters(productId.trim());
}
