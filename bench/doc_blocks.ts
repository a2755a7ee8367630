/**
 * The tables that README.md and the docs quote from bench/results.json,
 * written between markers by `deno task bench --force` and `deno task
 * findings`, so that no document quotes a measured number from memory
 * (tests/bench_test.ts checks that each is in step with results.json).
 *
 * A block is the lines between `<!-- results:NAME -->` and
 * `<!-- /results:NAME -->`; the text around the markers is the author's.
 *
 * @example
 * ```ts
 * import { renderBlocks, withBlocks } from "./doc_blocks.ts";
 * const text = await Deno.readTextFile("docs/performance.md");
 * await Deno.writeTextFile("docs/performance.md", withBlocks(text, renderBlocks(results)));
 * ```
 *
 * @module
 */
import { targetGrid } from "./targets.ts";
import { pgGrid } from "./postgres.ts";
import type { BenchResults } from "./results.ts";

/** The generated blocks, by name. */
export type Blocks = Record<"targets" | "postgres", string>;

/** The documents that quote results.json, and the blocks each holds. */
export const DOCUMENTS: Record<string, (keyof Blocks)[]> = {
  "README.md": ["targets"],
  "docs/performance.md": ["targets"],
  "docs/postgresql.md": ["postgres"],
};

/** `grid` (headings first) as a Markdown table, numbers right-aligned. */
function markdown(grid: string[][]): string {
  const numeric = grid[0].map((_, c) =>
    grid.slice(1).every((row) => /^([-+<\d\\]|native|$)/.test(row[c]))
  );
  const widths = grid[0].map((_, c) => Math.max(3, ...grid.map((row) => row[c].length)));
  const line = (row: string[]) =>
    `| ${
      row.map((cell, c) => numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])).join(
        " | ",
      )
    } |`;
  const rule = `| ${
    widths.map((w, c) => numeric[c] ? "-".repeat(w - 1) + ":" : "-".repeat(w)).join(" | ")
  } |`;
  return [line(grid[0]), rule, ...grid.slice(1).map(line)].join("\n");
}

/** The blocks' text for `results`. */
export function renderBlocks(results: BenchResults): Blocks {
  const from = `From bench/results.json (${
    results.date.slice(0, 10)
  }); paired ratios, medians of each round's.`;
  return {
    targets: `${markdown(targetGrid(results))}\n\n${from}`,
    postgres: `${markdown(pgGrid(results))}\n\n${from}`,
  };
}

/** `text` with each of its blocks (start and end marker present) replaced by `blocks`' text. */
export function withBlocks(text: string, blocks: Blocks): string {
  return text.replace(
    /(<!-- results:(\w+) -->\n)[\s\S]*?(<!-- \/results:\2 -->)/g,
    (whole, start: string, name: string, end: string) =>
      // Blank lines around the table, as deno fmt writes Markdown.
      name in blocks ? `${start}\n${blocks[name as keyof Blocks]}\n\n${end}` : whole,
  );
}

/** Rewrites the blocks of every document in {@linkcode DOCUMENTS} from `results`. */
export async function writeBlocks(results: BenchResults): Promise<string[]> {
  const blocks = renderBlocks(results);
  for (const path of Object.keys(DOCUMENTS)) {
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, withBlocks(text, blocks));
  }
  return Object.keys(DOCUMENTS);
}
