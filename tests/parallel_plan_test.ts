import assert from "node:assert/strict";
import { planParallel } from "../lib/parallel_plan.ts";

const customers = { rows: 1_000_000, bytes: 92_000_000 };
const products = { rows: 1_000_000, bytes: 35_000_000 };

Deno.test("planParallel() gives the worker the largest file, fed when the other is much smaller", () => {
  const fewProducts = { rows: 10_000, bytes: 350_000 };
  assert.deepEqual(planParallel([customers, fewProducts]), { worker: 0, fed: true });
  assert.deepEqual(planParallel([fewProducts, customers]), { worker: 1, fed: true });
});

Deno.test("planParallel() lets each thread parse its own file on the benchmark's pair", () => {
  // Measured: feeding made this thread the critical path (1.12x the time at 1,000,000 rows).
  assert.deepEqual(planParallel([customers, products]), { worker: 0, fed: false });
  assert.deepEqual(planParallel([products, customers]), { worker: 1, fed: false });
  assert.deepEqual(planParallel([{ rows: 1000, bytes: 89_000 }, { rows: 1000, bytes: 35_000 }]), {
    worker: 0,
    fed: false,
  });
});

Deno.test("planParallel() lets each thread parse its own file when the files are alike", () => {
  assert.deepEqual(planParallel([customers, customers]), { worker: 0, fed: false });
  assert.deepEqual(planParallel([products, { rows: 900_000, bytes: 31_000_000 }]), {
    worker: 0,
    fed: false,
  });
});

Deno.test("planParallel() feeds the worker of a stage's only file: parsing and SQLite overlap", () => {
  assert.deepEqual(planParallel([products]), { worker: 0, fed: true });
  assert.deepEqual(planParallel([{ rows: 0, bytes: 0 }]), { worker: 0, fed: true });
});
