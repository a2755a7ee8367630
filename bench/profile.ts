/**
 * `deno task profile`: real profile data. Runs the linear import (on both
 * file shapes) and the baseline under Deno's V8 profiler on the 1,000-row data
 * and on a 1,000,000-row pair (writing the Markdown reports and flame graphs
 * to docs/profile/: `linear_1M`, `linear_export_1M` …), then measures in code
 * where the linear import's time goes, phase by phase, file by file and shape
 * by shape (docs/profile/phases.json).
 *
 * @module
 */
import { importFile, type ImportTimings } from "../lib/import_file.ts";
import { MAIN_FILES } from "../lib/run_options.ts";
import { openStore } from "../lib/store/open.ts";
import { type Shape, SHAPES } from "../lib/generate.ts";
import { datasetFor, sizeLabel } from "./datasets.ts";
import { median } from "./stats.ts";
import { V8_FLAGS } from "../lib/v8_flags.ts";
import { CHUNK_SIZE } from "../lib/csv.ts";

const OUT = "docs/profile";
const SCRATCH = ".bench-tmp/profile";
const PROFILED: { name: string; script: string; shape: Shape }[] = [
  { name: "linear", script: "linear.ts", shape: "plain" },
  { name: "linear_export", script: "linear.ts", shape: "export" },
  { name: "baseline", script: "bench/baseline.ts", shape: "plain" },
];
const PROFILE_SIZES = [1_000, 1_000_000];
const PHASE_RUNS = 3;

/** Per file and phase, the median milliseconds over the runs. */
export interface PhaseReport {
  /** Rows per file. */
  rows: number;
  /** File name, e.g. customers. */
  file: string;
  /** The files' shape (lib/generate.ts). */
  shape: Shape;
  /** Reading the bytes alone (a separate pass). */
  read: number;
  /** Parsing, without the reading. */
  parse: number;
  /** Opening the table, locking it and counting its rows. */
  begin: number;
  /** Converting and checking rows. */
  validate: number;
  /** Executing the upserts. */
  insert: number;
  /** Committing. */
  commit: number;
}

async function profileRun(script: string, dataDir: string, name: string): Promise<void> {
  const dir = `${SCRATCH}/${name}`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const output = await new Deno.Command("deno", {
    args: [
      "run",
      V8_FLAGS,
      "--cpu-prof",
      `--cpu-prof-dir=${dir}`,
      "--cpu-prof-md",
      "--cpu-prof-flamegraph",
      "--allow-read",
      `--allow-write=${dir}`,
      script,
      "--data-dir",
      dataDir,
      "--db",
      `${dir}/profile.db`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`Profiling "${script}" failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  for await (const entry of Deno.readDir(dir)) {
    const extension = /\.(md|svg)$/.exec(entry.name)?.[1];
    if (extension !== undefined) {
      await Deno.copyFile(`${dir}/${entry.name}`, `${OUT}/${name}.${extension}`);
    }
  }
  console.log(`${OUT}/${name}.md, ${OUT}/${name}.svg`);
}

async function readOnly(path: string): Promise<number> {
  const started = performance.now();
  using file = await Deno.open(path);
  const buffer = new Uint8Array(CHUNK_SIZE);
  while (await file.read(buffer) !== null) { /* the bytes alone */ }
  return performance.now() - started;
}

/** Measures the phases of the linear import of `rows` rows per file in `shape`. */
export async function measurePhases(
  rows: number,
  shape: Shape = "plain",
  runs = PHASE_RUNS,
): Promise<PhaseReport[]> {
  const dataDir = await datasetFor(rows, shape);
  const samples = new Map<string, { read: number[]; timings: ImportTimings[] }>();
  for (let run = 0; run < runs; run++) {
    const dir = `${SCRATCH}/phases`;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.mkdir(dir, { recursive: true });
    const store = await openStore(`${dir}/phases.db`);
    try {
      for (const file of MAIN_FILES) {
        const path = `${dataDir}/${file}.csv`;
        const read = await readOnly(path);
        const timings: ImportTimings = { parse: 0, begin: 0, validate: 0, insert: 0, commit: 0 };
        await importFile(store, path, { table: file, timings });
        const entry = samples.get(file) ?? { read: [], timings: [] };
        entry.read.push(read);
        entry.timings.push(timings);
        samples.set(file, entry);
      }
    } finally {
      await store.close();
    }
  }
  return [...samples].map(([file, { read, timings }]) => {
    const phase = (key: keyof ImportTimings) => median(timings.map((t) => t[key]));
    const readMs = median(read);
    return {
      rows,
      file,
      shape,
      read: readMs,
      parse: Math.max(0, phase("parse") - readMs),
      begin: phase("begin"),
      validate: phase("validate"),
      insert: phase("insert"),
      commit: phase("commit"),
    };
  });
}

/** Profiles and measures phases; `--help` prints what it writes. */
export async function main(args: string[] = Deno.args): Promise<void> {
  if (args.includes("--help") || args.includes("-h")) {
    return console.log(
      "Usage: deno task profile\nProfiles linear.ts (both file shapes) and bench/baseline.ts at 1,000 and " +
        "1,000,000 rows per file (docs/profile/*.md, *.svg) and measures the import's phases on both " +
        "shapes (docs/profile/phases.json).",
    );
  }
  if (args.length > 0) {
    console.error(`Unknown arguments "${args.join(" ")}": try --help`);
    Deno.exitCode = 2;
    return;
  }
  await Deno.mkdir(OUT, { recursive: true });
  for (const rows of PROFILE_SIZES) {
    for (const { name, script, shape } of PROFILED) {
      await profileRun(script, await datasetFor(rows, shape), `${name}_${sizeLabel(rows)}`);
    }
  }
  const phases: PhaseReport[] = [];
  for (const rows of PROFILE_SIZES) {
    for (const shape of SHAPES) phases.push(...await measurePhases(rows, shape));
  }
  const rounded = phases.map((p) =>
    Object.fromEntries(
      Object.entries(p).map(([k, v]) => [k, typeof v === "number" ? Math.round(v * 10) / 10 : v]),
    )
  );
  await Deno.writeTextFile(`${OUT}/phases.json`, JSON.stringify(rounded, null, 2) + "\n");
  console.table(rounded);
  await Deno.remove(SCRATCH, { recursive: true }).catch(() => {});
}

if (import.meta.main) await main();
