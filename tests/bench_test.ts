import assert from "node:assert/strict";
import { renderFindings } from "../bench/findings.ts";
import type { BenchResults } from "../bench/results.ts";
import { crossover, median, roundCrossover } from "../bench/stats.ts";
import { PARALLEL_FROM_ROWS } from "../lib/import_files.ts";

Deno.test("median() takes the middle value, or the mean of the middle two", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /no values/);
});

Deno.test("crossover() interpolates in log(size) where the ratio falls below 1", () => {
  assert.equal(crossover([{ size: 1_000, ratio: 2 }, { size: 10_000, ratio: 1.5 }]), undefined);
  // Halfway between 1.5 and 0.5 in the ratio is halfway in log10: 10^3.5.
  assert.equal(
    crossover([{ size: 1_000, ratio: 1.5 }, { size: 10_000, ratio: 0.5 }]),
    Math.round(10 ** 3.5),
  );
  assert.equal(crossover([{ size: 1_000, ratio: 0.9 }]), 1_000);
});

Deno.test("findings.txt is exactly what bench/findings.ts renders from bench/results.json", async () => {
  const results = JSON.parse(await Deno.readTextFile("bench/results.json")) as BenchResults;
  assert.equal(await Deno.readTextFile("findings.txt"), renderFindings(results));
});

Deno.test("--mode auto switches to parallel at the crossover measured in bench/results.json", async () => {
  const results = JSON.parse(await Deno.readTextFile("bench/results.json")) as BenchResults;
  assert.ok(results.crossoverRows !== null, "the benchmark found no crossover");
  // Two significant digits: the constant is a rounded reading of the measurement.
  assert.equal(PARALLEL_FROM_ROWS, roundCrossover(results.crossoverRows));
});

Deno.test("deno task bench writes aside, leaving the committed results alone unless --force", async () => {
  const committed = ["bench/results.json", "docs/scaling.svg", "findings.txt"];
  const before = await Promise.all(committed.map((path) => Deno.readTextFile(path)));
  const output = await new Deno.Command("deno", {
    args: ["task", "--quiet", "bench", "10", "--runs", "1", "--no-pg"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const after = await Promise.all(committed.map((path) => Deno.readTextFile(path)));
  assert.deepEqual(after, before);
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.match(stdout, /wrote \.bench-tmp\/results\.json, .*--force replaces them\)\n$/);
  const aside = JSON.parse(await Deno.readTextFile(".bench-tmp/results.json")) as BenchResults;
  assert.deepEqual(aside.sizes, [10]);
});
