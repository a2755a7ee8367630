import assert from "node:assert/strict";
import { DOCUMENTS, renderBlocks, withBlocks } from "../bench/doc_blocks.ts";
import { renderFindings } from "../bench/findings.ts";
import type { BenchResults } from "../bench/results.ts";
import { crossover, median, paired, roundCrossover } from "../bench/stats.ts";
import { targetGrid } from "../bench/targets.ts";
import { PARALLEL_FROM_ROWS } from "../lib/import_files.ts";

Deno.test("median() takes the middle value, or the mean of the middle two", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /no values/);
});

Deno.test("paired() takes the median of each round's ratio, skipping rounds without both or with 0", () => {
  const run = (variant: string, round: number, seconds: number, cpuSeconds: number | null) => ({
    variant,
    rows: 10,
    round,
    seconds,
    cpuSeconds,
  });
  const runs = [
    run("a", 0, 2, 1),
    run("b", 0, 4, 2),
    run("a", 1, 3, 0.5),
    run("b", 1, 3, 0),
    run("a", 2, 9, null),
    run("b", 2, 1, null),
    run("a", 3, 5, 1), // no "b" in round 3
  ];
  assert.equal(paired(runs, 10, "a", "b"), 1); // rounds 0-2: 0.5, 1, 9
  assert.equal(paired(runs, 10, "a", "b", "cpuSeconds"), 0.5); // round 0 only
  assert.equal(paired(runs, 20, "a", "b"), null);
});

Deno.test("targetGrid() states each target's value per shape and whether it was met", () => {
  const runs = [0, 1, 2].flatMap((round) => [
    { variant: "floor", rows: 1_000, round, seconds: 0.02, cpuSeconds: 0.02, peakRssMiB: 30 },
    { variant: "linear", rows: 1_000, round, seconds: 0.04, cpuSeconds: 0.04, peakRssMiB: 50 },
    {
      variant: "linear_export",
      rows: 1_000,
      round,
      seconds: 0.06,
      cpuSeconds: 0.06,
      peakRssMiB: 50,
    },
  ]);
  const grid = targetGrid({ sizes: [1_000], runs, summary: [] } as unknown as BenchResults);
  assert.deepEqual(grid[1], [
    "1,000-row pair, linear / Deno start-up floor",
    "2.00x",
    "3.00x",
    "<= 2.50x",
    "met/missed",
  ]);
  // Not measured: a dash, and no verdict.
  assert.deepEqual(grid[3].slice(1), ["-", "-", "<= 1.00x", "-"]);
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

Deno.test("README.md and the docs quote exactly the tables bench/doc_blocks.ts renders from bench/results.json", async () => {
  const results = JSON.parse(await Deno.readTextFile("bench/results.json")) as BenchResults;
  const blocks = renderBlocks(results);
  for (const [path, names] of Object.entries(DOCUMENTS)) {
    const text = await Deno.readTextFile(path);
    for (const name of names) {
      assert.ok(text.includes(`<!-- results:${name} -->\n`), `${path} lacks the ${name} block`);
      assert.ok(
        text.includes(`\n<!-- /results:${name} -->`),
        `${path} lacks the ${name} block's end`,
      );
    }
    assert.equal(text, withBlocks(text, blocks), `${path}: run deno task findings`);
  }
});

Deno.test("withBlocks() replaces what lies between a block's markers and nothing else", () => {
  const text = "intro\n<!-- results:targets -->\nold\n<!-- /results:targets -->\n" +
    "<!-- results:other -->\nkept\n<!-- /results:other -->\nend\n";
  assert.equal(
    withBlocks(text, { targets: "| new |", postgres: "unused" }),
    "intro\n<!-- results:targets -->\n\n| new |\n\n<!-- /results:targets -->\n" +
      "<!-- results:other -->\nkept\n<!-- /results:other -->\nend\n",
  );
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
