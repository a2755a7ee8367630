/**
 * Writes findings.txt from bench/results.json, so that every number in the
 * findings is one the benchmark measured (tests/bench_test.ts checks that
 * the committed findings.txt is exactly what this renders).
 *
 * @module
 */
import type { BenchResults, BenchSummary } from "./results.ts";
import { sizeLabel } from "./datasets.ts";
import { roundCrossover } from "./stats.ts";

function time(seconds: number): string {
  return seconds >= 1 ? `${seconds.toFixed(2)} s` : `${Math.round(seconds * 1000)} ms`;
}

function ratio(value: number): string {
  return `${value.toFixed(2)}x`;
}

function rows(count: number): string {
  return count.toLocaleString("en-US");
}

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
  { fn: "upsert", where: /sqlite_store/, what: "binding rows to statements" },
  { fn: "(garbage collector)", where: /native/, what: "garbage collection" },
];

function spot(s: { fn: string; where: string; percent: number }): string {
  const known = KNOWN.find((k) => k.fn === s.fn && k.where.test(s.where));
  return `${known?.what ?? `${s.fn} (${s.where})`} ${s.percent}%`;
}

/** Why the two workers do not finish together, from the measured phases. */
function unequal(results: BenchResults, size: number): string {
  const total = (file: string) => {
    const p = results.phases.find((phase) => phase.rows === size && phase.file === file);
    return p === undefined ? 0 : p.read + p.parse + p.begin + p.validate + p.insert + p.commit;
  };
  const customers = total("customers");
  const products = total("products");
  if (customers === 0 || products === 0) return "the two files are unequal";
  return `the two files are unequal (linearly, customers take ${
    time(customers / 1000)
  } and products ${time(products / 1000)}), so the customers worker finishes last`;
}

/** A measured crossover, to the two significant digits it can claim. */
function about(count: number): string {
  return rows(roundCrossover(count));
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
  const linearSpots = results.hotSpots[`linear_${sizeLabel(large)}`] ?? [];
  if (linearSpots.length > 0) {
    bullet(
      `The new linear import at ${sizeLabel(large)} rows: ${
        linearSpots.slice(0, 4).map(spot).join(", ")
      } (docs/profile/linear_${
        sizeLabel(large)
      }.md and .svg): the database's own work now dominates.`,
    );
  }
  for (const phase of results.phases.filter((p) => p.rows === large)) {
    const total = phase.read + phase.parse + phase.begin + phase.validate + phase.insert +
      phase.commit;
    bullet(
      `Phases of the linear import of ${phase.file} (${rows(phase.rows)} rows, ${
        time(total / 1000)
      }): read ${Math.round(phase.read)} ms, parse ${Math.round(phase.parse)} ms, validate ${
        Math.round(phase.validate)
      } ms, insert ${Math.round(phase.insert)} ms, commit ${
        Math.round(phase.commit)
      } ms. SQLite's insert and commit are ${
        Math.round(((phase.insert + phase.commit) / total) * 100)
      }% of it.`,
    );
  }

  lines.push("", "LINEAR AGAINST PARALLEL (median seconds, ratio to linear)");
  const header = ["rows", "baseline", "linear", "parallel", "par/lin", "sqlite3"];
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
    } ms more) because each Web Worker starts its own JavaScript runtime and loads the parser.`,
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
    }). It cannot reach 0.5x on 2 cores: ${
      unequal(results, large)
    }, and both workers compete with SQLite's disk writes and the garbage collector for the same two cores.`,
  );
  const shell = at("sqlite3", large);
  if (shell !== undefined) {
    bullet(
      `Against the sqlite3 shell's own .import of the same files into the same schema (C code, no validation): linear takes ${
        ratio(linearLarge.medianSeconds / shell.medianSeconds)
      } its time at ${rows(large)} rows (${time(linearLarge.medianSeconds)} against ${
        time(shell.medianSeconds)
      }), while also checking every key, quantity and quote and naming the line of any bad row.`,
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

  const pgLarge = at("linear_pg", large);
  const pgParallelLarge = at("parallel_pg", large);
  if (pgLarge !== undefined && pgParallelLarge !== undefined) {
    lines.push("", "SQLITE AGAINST POSTGRESQL ON THE SAME MACHINE (median seconds)");
    const head = ["rows", "linear", "parallel", "linear_pg", "parallel_pg"];
    const grid = [head];
    for (const size of sizes) {
      grid.push([
        rows(size),
        ...["linear", "parallel", "linear_pg", "parallel_pg"].map((v) => {
          const found = at(v, size);
          return found === undefined ? "-" : time(found.medianSeconds);
        }),
      ]);
    }
    const w = head.map((_, c) => Math.max(...grid.map((r) => r[c].length)));
    for (const row of grid) lines.push("  " + row.map((cell, c) => cell.padStart(w[c])).join("  "));
    bullet(
      `On one machine the PostgreSQL store takes ${
        ratio(pgLarge.medianSeconds / linearLarge.medianSeconds)
      } SQLite's time linearly at ${rows(large)} rows (${time(pgLarge.medianSeconds)} against ${
        time(linearLarge.medianSeconds)
      }): it pays for the protocol, a staging copy and the server's own log.`,
    );
    bullet(
      `But its writers do not queue on a file lock: parallel on PostgreSQL takes ${
        ratio(pgParallelLarge.medianSeconds / pgLarge.medianSeconds)
      } its linear time at ${rows(large)} rows, and many machines can load it at once.`,
    );
  }

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
  console.log("findings.txt");
}
