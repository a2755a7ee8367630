/**
 * How the benchmark's reports write seconds, ratios and row counts.
 *
 * @example
 * ```ts
 * import { ratio, rows, time } from "./format.ts";
 * time(3.531); // "3.53 s"
 * time(0.081); // "81 ms"
 * ratio(1.031); // "1.03x"
 * rows(1_000_000); // "1,000,000"
 * ```
 *
 * @module
 */

/** Seconds, as seconds from 1 s up and as milliseconds below. */
export function time(seconds: number): string {
  return seconds >= 1 ? `${seconds.toFixed(2)} s` : `${Math.round(seconds * 1000)} ms`;
}

/** A ratio to two decimals. */
export function ratio(value: number): string {
  return `${value.toFixed(2)}x`;
}

/** A row count with thousands separators. */
export function rows(count: number): string {
  return count.toLocaleString("en-US");
}
