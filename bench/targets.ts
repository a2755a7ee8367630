/**
 * The performance targets of issue 13 and their values in a benchmark's
 * results, each a ratio of two variants measured in the same round (or a
 * median peak memory): findings.txt prints them, and README.md and
 * docs/performance.md quote them (doc_blocks.ts).
 *
 * @example
 * ```ts
 * import { targetGrid } from "./targets.ts";
 * const results = JSON.parse(await Deno.readTextFile("bench/results.json"));
 * console.table(targetGrid(results));
 * ```
 *
 * @module
 */
import { ratio, rows } from "./format.ts";
import type { BenchResults } from "./results.ts";
import { median, paired } from "./stats.ts";

/** One target of issue 13, measured on each shape (null where the shape was not run). */
interface Target {
  measure: string;
  plain: number | null;
  export: number | null;
  /** The bound the value must not exceed (or, with `below`, must stay under). */
  bound: number;
  below?: boolean;
  /** How values and the bound are written. */
  unit: "x" | "floors" | "MiB";
}

function formatTarget(value: number, unit: Target["unit"]): string {
  if (unit === "x") return ratio(value);
  if (unit === "MiB") return `${Math.round(value)} MiB`;
  return `${value >= 0 ? "+" : ""}${value.toFixed(2)}`;
}

/**
 * The median over the rounds of (`over` − `under`) / `floor`, all measured in
 * the same round: what `over` adds to `under`, in Deno start-ups.
 */
function addedFloors(results: BenchResults, size: number, over: string, under: string) {
  const at = (variant: string) =>
    new Map(
      results.runs.filter((r) => r.rows === size && r.variant === variant)
        .map((r) => [r.round, r.seconds]),
    );
  const [a, b, floor] = [at(over), at(under), at("floor")];
  const each = [...a].filter(([round]) => b.has(round) && floor.has(round))
    .map(([round, s]) => (s - b.get(round)!) / floor.get(round)!);
  return each.length === 0 ? null : median(each);
}

/** The targets of issue 13 with their values in `results`. */
function targets(results: BenchResults): Target[] {
  const small = results.sizes[0];
  const large = results.sizes.at(-1)!;
  const pair = (rows: number, over: string, under: string) =>
    paired(results.runs, rows, over, under);
  const memory = (variant: string) =>
    results.summary.find((s) => s.variant === variant && s.rows === large)?.medianPeakRssMiB ??
      null;
  const [s, l] = [rows(small), rows(large)];
  return [
    {
      measure: `${s}-row pair, linear / Deno start-up floor`,
      plain: pair(small, "linear", "floor"),
      export: pair(small, "linear_export", "floor"),
      bound: 2.5,
      unit: "x",
    },
    {
      measure: `${s}-row pair, parallel - linear, in floors`,
      plain: addedFloors(results, small, "parallel", "linear"),
      export: addedFloors(results, small, "parallel_export", "linear_export"),
      bound: 1,
      unit: "floors",
    },
    {
      measure: `${l}-row pair, linear / sqlite3 shell`,
      plain: pair(large, "linear", "sqlite3"),
      export: pair(large, "linear_export", "sqlite3_export"),
      bound: 1,
      unit: "x",
    },
    {
      measure: `${l}-row pair, parallel / linear`,
      plain: pair(large, "parallel", "linear"),
      export: pair(large, "parallel_export", "linear_export"),
      bound: 0.6,
      unit: "x",
    },
    {
      measure: `${l}-row pair, peak memory linear`,
      plain: memory("linear"),
      export: memory("linear_export"),
      bound: 200,
      below: true,
      unit: "MiB",
    },
    {
      measure: `${l}-row pair, peak memory parallel`,
      plain: memory("parallel"),
      export: memory("parallel_export"),
      bound: 300,
      below: true,
      unit: "MiB",
    },
    {
      // "At the speed of strict mode": within the 5% that separates two runs of one variant here.
      measure: `${l}-row pair, --skip-invalid / strict, clean file`,
      plain: pair(large, "linear_skip", "linear"),
      export: null,
      bound: 1.05,
      unit: "x",
    },
    {
      measure: `${l}-row pair, --skip-invalid 10% rejected / strict clean`,
      plain: pair(large, "linear_skip_dirty", "linear"),
      export: null,
      bound: 1.2,
      unit: "x",
    },
  ];
}

/**
 * The targets of issue 13 as a grid of cells, headings first: each measure's
 * value on each shape, its bound and whether it was met.
 */
export function targetGrid(results: BenchResults): string[][] {
  const met = (t: Target, value: number | null) =>
    value === null ? [] : [(t.below ? value < t.bound : value <= t.bound) ? "met" : "missed"];
  const grid = [["measure", "plain", "export", "target", "plain/export"]];
  for (const t of targets(results)) {
    grid.push([
      t.measure,
      t.plain === null ? "-" : formatTarget(t.plain, t.unit),
      t.export === null ? "-" : formatTarget(t.export, t.unit),
      `${t.below ? "<" : "<="} ${formatTarget(t.bound, t.unit)}`,
      [...met(t, t.plain), ...met(t, t.export)].join("/") || "-",
    ]);
  }
  return grid;
}
