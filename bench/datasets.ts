/**
 * The datasets the benchmarks and the profile use: the bundled 1,000-row data
 * and seeded larger sets under the git-ignored `data/large/`, generated on
 * first use with the same generator and seed as the bundled files, in either
 * shape (`data/large/100000`, `data/large/export-100000`).
 *
 * @module
 */
import { generateDataset, type Shape } from "../lib/generate.ts";

/** The sizes (rows per file) of the scaling benchmark. */
export const SIZES = [1_000, 10_000, 100_000, 1_000_000] as const;

/**
 * The folder holding the dataset of `rows` rows per file in `shape`,
 * generating it if missing.
 */
export async function datasetFor(rows: number, shape: Shape = "plain"): Promise<string> {
  if (rows === 1_000 && shape === "plain") return "data";
  const dir = shape === "plain" ? `data/large/${rows}` : `data/large/${shape}-${rows}`;
  try {
    await Deno.stat(`${dir}/products.csv`);
  } catch {
    console.error(`Generating ${rows} rows per file in ${dir}`);
    await generateDataset(dir, { rows, shape });
  }
  return dir;
}

/** Formats a row count for names and labels: 1k, 10k, 1M. */
export function sizeLabel(rows: number): string {
  return rows >= 1_000_000 ? `${rows / 1_000_000}M` : `${rows / 1_000}k`;
}
