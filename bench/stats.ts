/**
 * Small statistics for the benchmark results: medians, paired ratios and the
 * crossover size.
 *
 * @module
 */
import type { BenchRun } from "./results.ts";

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("Cannot take the median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The median over the rounds of `over`'s measure divided by `under`'s in the
 * same round, at `rows` rows per file: a ratio that a noisy neighbour slowing
 * one round hurts on both sides. Null when no round has both.
 *
 * @example
 * ```ts
 * const runs = [
 *   { variant: "a", rows: 10, round: 0, seconds: 2, cpuSeconds: 1 },
 *   { variant: "b", rows: 10, round: 0, seconds: 4, cpuSeconds: 1 },
 * ];
 * paired(runs, 10, "a", "b"); // 0.5
 * ```
 */
export function paired(
  runs: readonly Pick<BenchRun, "variant" | "rows" | "round" | "seconds" | "cpuSeconds">[],
  rows: number,
  over: string,
  under: string,
  measure: "seconds" | "cpuSeconds" = "seconds",
): number | null {
  const at = (variant: string) =>
    new Map(
      runs.filter((r) => r.rows === rows && r.variant === variant && r[measure] !== null)
        .map((r) => [r.round, r[measure]!]),
    );
  const [a, b] = [at(over), at(under)];
  // A round whose `under` measured 0 (CPU time below time's 10 ms resolution) has no ratio.
  const each = [...a].filter(([round]) => (b.get(round) ?? 0) > 0)
    .map(([round, s]) => s / b.get(round)!);
  return each.length === 0 ? null : median(each);
}

/**
 * Where `ratio(size)` crosses 1, interpolated linearly in log(size) between
 * the two measured sizes around the first crossing; undefined if it never does.
 */
export function crossover(points: readonly { size: number; ratio: number }[]): number | undefined {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (a.ratio >= 1 && b.ratio < 1) {
      const t = (a.ratio - 1) / (a.ratio - b.ratio);
      return Math.round(Math.exp(Math.log(a.size) + t * (Math.log(b.size) - Math.log(a.size))));
    }
  }
  return points.length > 0 && points[0].ratio < 1 ? points[0].size : undefined;
}

/** A measured crossover to the two significant digits it can claim (32,990 -> 33,000). */
export function roundCrossover(rows: number): number {
  return Number(rows.toPrecision(2));
}
