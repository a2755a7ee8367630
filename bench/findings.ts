/**
 * Writes findings.txt from bench/results.json, so that every number in the
 * findings is one the benchmark measured (tests/bench_test.ts checks that
 * the committed findings.txt is exactly what this renders).
 *
 * @module
 */
import { pgFindings } from "./postgres.ts";
import type { BenchResults, BenchSummary } from "./results.ts";
import { sizeLabel } from "./datasets.ts";
import { paired, roundCrossover } from "./stats.ts";
import { ratio, rows, time } from "./format.ts";
import { targetGrid } from "./targets.ts";
import { writeBlocks } from "./doc_blocks.ts";

/** What a profiled function is, in words, where the name alone says little. */
const KNOWN: { fn: string; where: RegExp; what: string }[] = [
  { fn: "run", where: /native/, what: "SQLite executing statements" },
  { fn: "exec", where: /native/, what: "SQLite committing and checkpointing" },
  { fn: "run", where: /baseline/, what: "the baseline's own per-row loop" },
  { fn: "__onRecord", where: /api\/index/, what: "csv-parse building a row object" },
  { fn: "parse", where: /api\/index/, what: "csv-parse reading characters" },
  // papaparse was the reader until lib/csv.ts scanned for itself; results.json may predate that.
  { fn: "Parser.parse", where: /papaparse/, what: "papaparse splitting fields" },
  { fn: "scan", where: /lib\/csv/, what: "the CSV reader splitting fields" },
  { fn: "upsert", where: /store\/sqlite/, what: "binding rows to statements" },
  { fn: "find", where: /lib\/csv/, what: "the CSV reader finding quotes and line ends" },
  { fn: "readCsv", where: /lib\/csv/, what: "the CSV reader building rows" },
  { fn: "(garbage collector)", where: /native/, what: "garbage collection" },
];

function spot(s: { fn: string; where: string; percent: number }): string {
  const known = KNOWN.find((k) => k.fn === s.fn && k.where.test(s.where));
  return `${known?.what ?? `${s.fn} (${s.where})`} ${s.percent}%`;
}

/** Why the two threads do not finish together, from the measured phases (plain shape). */
function unequal(results: BenchResults, size: number): string {
  const total = (file: string) => {
    const p = results.phases.find((phase) =>
      phase.rows === size && phase.file === file && phase.shape === "plain"
    );
    return p === undefined ? 0 : p.read + p.parse + p.begin + p.validate + p.insert + p.commit;
  };
  const customers = total("customers");
  const products = total("products");
  if (customers === 0 || products === 0) return "the two files are unequal";
  return `the two files are unequal (linearly, customers take ${
    time(customers / 1000)
  } and products ${
    time(products / 1000)
  }), so the customers worker finishes last and its import is the floor`;
}

/** A measured crossover, to the two significant digits it can claim. */
function about(count: number): string {
  return rows(roundCrossover(count));
}

/** The table of targets, then the same pairs in CPU time. */
function targetLines(results: BenchResults): string[] {
  const grid = targetGrid(results);
  const widths = grid[0].map((_, c) => Math.max(...grid.map((row) => row[c].length)));
  const lines = grid.map((row) =>
    "  " + row.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
      .join("  ")
  );
  const large = results.sizes.at(-1)!;
  const cpu = (over: string, under: string) => {
    const value = paired(results.runs, large, over, under, "cpuSeconds");
    return value === null ? "-" : ratio(value);
  };
  lines.push(
    `- In CPU time (user + system, every thread) at ${
      rows(large)
    } rows per file, the same pairs: ` +
      `linear / sqlite3 ${cpu("linear", "sqlite3")} plain, ${
        cpu("linear_export", "sqlite3_export")
      } export; parallel / linear ${cpu("parallel", "linear")} plain, ${
        cpu("parallel_export", "linear_export")
      } export; --skip-invalid / strict ${cpu("linear_skip", "linear")} clean, ${
        cpu("linear_skip_dirty", "linear")
      } with 10% rejected.`,
  );
  return lines;
}

/** The findings text for `results`. */
export function renderFindings(results: BenchResults): string {
  const at = (variant: string, size: number): BenchSummary | undefined =>
    results.summary.find((s) => s.variant === variant && s.rows === size);
  const need = (variant: string, size: number): BenchSummary => {
    const found = at(variant, size);
    if (found === undefined) throw new Error(`results.json lacks ${variant} at ${size} rows`);
    return found;
  };
  const sizes = results.sizes;
  const small = sizes[0];
  const large = sizes.at(-1)!;
  const m = results.machine;
  const lines: string[] = [];
  const bullet = (text: string) => lines.push(`- ${text}`);

  lines.push(
    "HP Norton import toolkit: findings and recommendation",
    "=====================================================",
    "",
    `Written by bench/findings.ts from bench/results.json (${results.date.slice(0, 10)}).`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Deno ${m.deno}, SQLite ${m.sqlite}.`,
    "Times are medians of whole-process runs, variants alternated round by round; ratios",
    "compare medians from the same run. Rows are per file (customers and products each).",
    "The export shape is a CRM's: BOM, CRLF, other column order, a fifth of addresses on two lines.",
    "",
    "TARGETS (issue 13; medians of each round's ratio, both variants measured in that round)",
    ...targetLines(results),
    "",
    "WHAT THE PROFILE SHOWS (docs/profile/)",
  );
  const baselineSpots = results.hotSpots[`baseline_${sizeLabel(large)}`] ?? [];
  if (baselineSpots.length > 0) {
    bullet(
      `The existing import logic (bench/baseline.ts: whole file in memory, csv-parse into objects, one INSERT per row) at ${
        sizeLabel(large)
      } rows spends its time in: ${
        baselineSpots.slice(0, 4).map(spot).join(", ")
      } (docs/profile/baseline_${sizeLabel(large)}.md).`,
    );
  }
  for (const [name, shape] of [["linear", "plain"], ["linear_export", "export"]]) {
    const linearSpots = results.hotSpots[`${name}_${sizeLabel(large)}`] ?? [];
    if (linearSpots.length === 0) continue;
    bullet(
      `The new linear import at ${sizeLabel(large)} rows, ${shape} shape: ${
        linearSpots.slice(0, 4).map(spot).join(", ")
      } (docs/profile/${name}_${sizeLabel(large)}.md and .svg).`,
    );
  }
  for (const phase of results.phases.filter((p) => p.rows === large)) {
    const total = phase.read + phase.parse + phase.begin + phase.validate + phase.insert +
      phase.commit;
    bullet(
      `Phases of the linear import of ${phase.file}, ${phase.shape} shape (${
        rows(phase.rows)
      } rows, ${time(total / 1000)}): read ${Math.round(phase.read)} ms, parse ${
        Math.round(phase.parse)
      } ms, validate ${Math.round(phase.validate)} ms, insert ${
        Math.round(phase.insert)
      } ms, commit ${Math.round(phase.commit)} ms. SQLite's insert and commit are ${
        Math.round(((phase.insert + phase.commit) / total) * 100)
      }% of it.`,
    );
  }

  lines.push("", "LINEAR AGAINST PARALLEL (median seconds, ratio to linear)");
  const header = [
    "rows",
    "baseline",
    "linear",
    "parallel",
    "par/lin",
    "sqlite3",
    "linear_export",
    "parallel_export",
    "sqlite3_export",
  ];
  const table = [header];
  for (const size of sizes) {
    const cell = (variant: string) => {
      const s = at(variant, size);
      return s === undefined ? "-" : time(s.medianSeconds);
    };
    table.push([
      rows(size),
      cell("baseline"),
      cell("linear"),
      cell("parallel"),
      ratio(need("parallel", size).ratioToLinear),
      cell("sqlite3"),
      cell("linear_export"),
      cell("parallel_export"),
      cell("sqlite3_export"),
    ]);
  }
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const row of table) {
    lines.push("  " + row.map((cell, c) => cell.padStart(widths[c])).join("  "));
  }

  lines.push("", "FINDINGS");
  const baselineSmall = need("baseline", small);
  const baselineLarge = need("baseline", large);
  bullet(
    `The existing logic takes ${
      ratio(baselineLarge.ratioToLinear)
    } the new linear import's time at ${rows(large)} rows (${
      time(baselineLarge.medianSeconds)
    } against ${time(need("linear", large).medianSeconds)}) and ${
      ratio(baselineSmall.ratioToLinear)
    } at ${rows(small)} rows, on the same hardware: rewriting the import is the big win.`,
  );
  const floor = need("floor", small);
  const linearSmall = need("linear", small);
  const parallelSmall = need("parallel", small);
  bullet(
    `At today's size (${rows(small)} records) the whole linear import takes ${
      time(linearSmall.medianSeconds)
    }, ${ratio(linearSmall.medianSeconds / floor.medianSeconds)} Deno's bare start-up of ${
      time(floor.medianSeconds)
    }: it is already "almost instantaneous". Parallel takes ${time(parallelSmall.medianSeconds)} (${
      Math.round((parallelSmall.medianSeconds - linearSmall.medianSeconds) * 1000)
    } ms more) because its worker starts a JavaScript runtime of its own and loads the import's code again.`,
  );
  if (results.crossoverRows !== null) {
    bullet(
      `Crossover: parallel beats linear above about ${
        about(results.crossoverRows)
      } rows per file (interpolated between the measured sizes; see docs/scaling.svg).`,
    );
  } else {
    bullet("Parallel did not beat linear at any measured size.");
  }
  const parallelLarge = need("parallel", large);
  const linearLarge = need("linear", large);
  bullet(
    `At ${rows(large)} rows per file parallel takes ${
      ratio(parallelLarge.ratioToLinear)
    } linear's time (${time(parallelLarge.medianSeconds)} against ${
      time(linearLarge.medianSeconds)
    }): a worker imports customers while the calling thread imports products. It cannot reach 0.5x on 2 cores: ${
      unequal(results, large)
    }, and the two threads compete with SQLite's disk writes and the garbage collector for the same two cores. Letting the calling thread parse customers for the worker as well (lib/parallel_plan.ts) measured slower on this pair, so the plan keeps it for a file imported alone.`,
  );
  const shell = at("sqlite3", large);
  if (shell !== undefined) {
    bullet(
      `Against the sqlite3 shell's own .import of the same files into the same schema (C code, no validation): linear takes ${
        ratio(linearLarge.medianSeconds / shell.medianSeconds)
      } its time at ${rows(large)} rows (${time(linearLarge.medianSeconds)} against ${
        time(shell.medianSeconds)
      }; ratio of medians, the paired ratios are in TARGETS), while also checking every key, quantity and quote and naming the line of any bad row.`,
    );
  }
  if (linearLarge.medianPeakRssMiB !== null && parallelLarge.medianPeakRssMiB !== null) {
    bullet(
      `Memory at ${rows(large)} rows: linear peaks at ${
        Math.round(linearLarge.medianPeakRssMiB)
      } MiB and parallel at ${
        Math.round(parallelLarge.medianPeakRssMiB)
      } MiB (two runtimes); the existing logic peaks at ${
        Math.round(baselineLarge.medianPeakRssMiB ?? 0)
      } MiB because it reads whole files into memory.`,
    );
  }

  lines.push(...pgFindings(results, { time, ratio, rows }));

  lines.push("", "RECOMMENDATION TO MANAGEMENT");
  bullet(
    "Adopt the new import (linear.ts) now. It is the change that removes the waiting, needs no new hardware and no new moving parts.",
  );
  bullet(
    results.crossoverRows !== null
      ? `Do not switch to parallel for today's files: it is slower below about ${
        about(results.crossoverRows)
      } rows per file. Use it for exports above that size (the ops CLI's default --mode auto does this by itself), where it saves ${
        Math.round((1 - parallelLarge.ratioToLinear) * 100)
      }% of the time at ${rows(large)} rows.`
      : "Do not switch to parallel: it was not faster at any measured size.",
  );
  bullet(
    "What parallel costs: more code (workers, cancellation, progress across threads), more memory, and a storage layout of one SQLite file per table (so two imports never wait for each other's lock) — which gives up foreign keys across tables (checked in code instead) and one-file backups (back up the three files together).",
  );
  bullet(
    "Contention is designed out, not retried: one file per table, and BEGIN IMMEDIATE with a 60 s busy timeout wherever two imports meet on one table (contention.ts shows the failure this prevents).",
  );
  bullet(
    "Keep SQLite while one machine does the imports: it is the fastest here and needs no server. Move to the PostgreSQL store (--db postgres://...) when several application servers must load one shared database at once: a SQLite file allows one writer and lives on one machine.",
  );
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  const results = JSON.parse(await Deno.readTextFile("bench/results.json")) as BenchResults;
  await Deno.writeTextFile("findings.txt", renderFindings(results));
  console.log(["findings.txt", ...await writeBlocks(results)].join(", "));
}
