/**
 * The datasets the benchmarks and the profile use: the bundled 1,000-row data
 * and seeded larger sets under the git-ignored `data/large/`, generated on
 * first use with the same generator and seed as the bundled files, in either
 * shape (`data/large/100000`, `data/large/export-100000`), and a "dirty" copy
 * of the plain files with a tenth of their rows bad (`data/large/dirty-100000`).
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
  if (!await exists(`${dir}/products.csv`)) {
    console.error(`Generating ${rows} rows per file in ${dir}`);
    await generateDataset(dir, { rows, shape });
  }
  return dir;
}

/**
 * The folder holding the plain dataset of `rows` rows per file with one data
 * row in ten made bad, half of them repeating the key of the row before (the
 * case that makes the key check leave its fast path) and half with one field
 * too many; deriving it if missing. An import with --skip-invalid rejects
 * exactly those rows: a tenth of each file.
 *
 * @example
 * ```ts
 * const dir = await dirtyDatasetFor(1_000); // "data/large/dirty-1000"
 * ```
 */
export async function dirtyDatasetFor(rows: number): Promise<string> {
  const dir = `data/large/dirty-${rows}`;
  if (await exists(`${dir}/products.csv`)) return dir;
  const source = await datasetFor(rows);
  console.error(`Writing ${rows} rows per file, a tenth of them bad, in ${dir}`);
  await Deno.mkdir(dir, { recursive: true });
  for (const name of ["customers", "products"]) {
    // The plain shape writes one record per line (no quoted line breaks), so lines are records.
    const lines = (await Deno.readTextFile(`${source}/${name}.csv`)).split("\n");
    let previousKey = "";
    for (let i = 1; i < lines.length; i++) {
      if (lines[i] === "") continue;
      const comma = lines[i].indexOf(",");
      const key = lines[i].slice(0, comma);
      if (i % 20 === 10) lines[i] = previousKey + lines[i].slice(comma);
      else if (i % 20 === 0) lines[i] += ",extra";
      previousKey = key;
    }
    await Deno.writeTextFile(`${dir}/${name}.csv.tmp`, lines.join("\n"));
    await Deno.rename(`${dir}/${name}.csv.tmp`, `${dir}/${name}.csv`);
  }
  return dir;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Formats a row count for names and labels: 1k, 10k, 1M. */
export function sizeLabel(rows: number): string {
  return rows >= 1_000_000 ? `${rows / 1_000_000}M` : `${rows / 1_000}k`;
}
