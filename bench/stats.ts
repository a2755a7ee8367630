/**
 * Small statistics for the benchmark results: medians and the crossover size.
 *
 * @module
 */

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("Cannot take the median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
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
