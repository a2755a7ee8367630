/**
 * The one import runner: linear.ts, parallel.ts and norton all run their
 * imports through {@linkcode importFiles}. It takes stages (from
 * {@linkcode planImport} in import_plan.ts, or the fixed pair of
 * {@linkcode importMainFiles}) and runs each stage's files one after the other
 * in this thread (linear) or on two threads, this one and a Web Worker
 * (parallel, worker_pool.ts).
 *
 * It loads the import routine (and with it the CSV parser and the database
 * engine) only when a stage needs it in this thread, and the worker pool only
 * when a stage runs parallel.
 *
 * @example
 * ```ts
 * import { importFiles } from "./import_files.ts";
 * import { planImport } from "./import_plan.ts";
 * const stages = await planImport(["data/rentals.csv", "data/customers.csv", "data/products.csv"]);
 * const reports = await importFiles(stages, { db: "data/hpnorton", mode: "parallel" });
 * ```
 *
 * @module
 */
import type { ImportReport, ImportResult } from "./import_report.ts";
import { ImportError } from "./import_error.ts";
import { estimateRows } from "./estimate_rows.ts";
import { rejectsPath } from "./rejects.ts";
import {
  type ImportOptions,
  type InvalidRowOptions,
  MAIN_FILES,
  mainFilePaths,
  type ReadOptions,
  resolveOptions,
} from "./run_options.ts";
import type { Store } from "./store/store.ts";
import type { WorkerJob } from "./worker_pool.ts";

/**
 * How the files of one stage run: one after the other, on two threads (this
 * one and a Web Worker), or "auto": parallel where it measured faster (see {@linkcode PARALLEL_FROM_ROWS}).
 */
export type ImportMode = "linear" | "parallel" | "auto";

/** The modes, for flag parsing. */
export const IMPORT_MODES: readonly ImportMode[] = ["linear", "parallel", "auto"];

/**
 * Rows per file from which parallel beat linear in `deno task bench` (the
 * crossover in bench/results.json, rounded; tests/bench_test.ts keeps the two
 * in step). Below it, starting the workers costs more than they save.
 */
export const PARALLEL_FROM_ROWS = 35_000;

/** Options for {@linkcode importFiles}. */
export interface ImportFilesOptions extends InvalidRowOptions, ReadOptions {
  /** The database location. */
  db: string;
  /** How each stage runs. */
  mode: ImportMode;
  /** `performance.now()` at which the clock of each report's `seconds` starts. */
  since?: number;
  /** Called after each batch of a file with its data rows read so far. */
  onProgress?: (job: WorkerJob, rows: number) => void;
  /** Called as soon as a file's import has committed. */
  onImported?: (job: WorkerJob, report: ImportReport) => void;
  /**
   * Stops the import: the files under way roll back, the later ones do not
   * start, and the call rejects; files already committed stay.
   */
  signal?: AbortSignal;
}

/** Imports the stages in order; resolves to one report per file, in the order imported. */
export async function importFiles(
  stages: readonly (readonly WorkerJob[])[],
  options: ImportFilesOptions,
): Promise<ImportReport[]> {
  const since = options.since ?? performance.now();
  const reports: ImportReport[] = [];
  const progress = options.onProgress;
  if (options.onInvalid === "skip") refuseSharedRejects(stages.flat());
  let store: Store | undefined;
  try {
    for (const stage of stages) {
      options.signal?.throwIfAborted();
      const mode = await stageMode(stage, options.mode);
      const imported = (job: WorkerJob, report: ImportReport) => {
        const withMode = { ...report, mode };
        options.onImported?.(job, withMode);
        return withMode;
      };
      if (mode === "parallel") {
        const done: ImportReport[] = [];
        const { importInWorkers } = await import("./worker_pool.ts");
        await importInWorkers(stage, {
          db: options.db,
          since,
          onInvalid: options.onInvalid,
          rejectsDir: options.rejectsDir,
          delimiter: options.delimiter,
          onProgress: progress && ((i, rows) => progress(stage[i], rows)),
          onImported: (i, report) => {
            done[i] = imported(stage[i], report);
          },
          signal: options.signal,
        });
        reports.push(...done);
        continue;
      }
      const { importFile } = await import("./import_file.ts");
      store ??= await (await import("./store/open.ts")).openStore(options.db);
      for (const job of stage) {
        options.signal?.throwIfAborted();
        const report = await importFile(store, job.path, {
          table: job.table,
          since,
          onInvalid: options.onInvalid,
          rejectsDir: options.rejectsDir,
          delimiter: options.delimiter,
          onProgress: progress && ((rows) => progress(job, rows)),
          signal: options.signal,
        });
        reports.push(imported(job, report));
      }
    }
    return reports;
  } finally {
    await store?.close();
  }
}

/**
 * Refuses, before anything is written, two files whose rejects files would
 * have the same name (`a/products.csv` and `b/products.csv`): the second
 * would replace the first's, and rejected rows would be lost.
 */
function refuseSharedRejects(jobs: readonly WorkerJob[]): void {
  const owners = new Map<string, string>();
  for (const job of jobs) {
    const name = rejectsPath(".", job.path);
    const other = owners.get(name);
    if (other !== undefined) {
      throw new ImportError(
        job.path,
        `its rejects file would replace the one of "${other}": import them in separate runs`,
      );
    }
    owners.set(name, job.path);
  }
}

/**
 * How a stage runs in `mode`. "auto" picks parallel when at least two of its
 * files are estimated at {@linkcode PARALLEL_FROM_ROWS} rows or more: with one
 * large file and small ones, a worker per file saves nothing.
 */
export async function stageMode(
  stage: readonly WorkerJob[],
  mode: ImportMode,
): Promise<"linear" | "parallel"> {
  if (mode !== "auto") return mode;
  if (stage.length < 2) return "linear";
  const rows = await Promise.all(stage.map((job) => estimateRows(job.path).catch(() => 0)));
  return rows.filter((n) => n >= PARALLEL_FROM_ROWS).length >= 2 ? "parallel" : "linear";
}

/**
 * The assignment's run: customers.csv then products.csv of the data folder, in
 * one stage run `mode`; resolves to their tuples, customers first.
 */
export async function importMainFiles(
  options: ImportOptions,
  mode: "linear" | "parallel",
): Promise<ImportResult[]> {
  const since = performance.now();
  const { dataDir, db, onInvalid, rejectsDir, onReport, signal } = resolveOptions(options);
  const paths = mainFilePaths(dataDir);
  const stage = MAIN_FILES.map((table, i) => ({ path: paths[i], table }));
  const reports = await importFiles([stage], {
    db,
    mode,
    since,
    onInvalid,
    rejectsDir,
    onImported: onReport && ((_, report) => onReport(report)),
    signal,
  });
  return reports.map(toResult);
}

/** Converts a report to the tuple `[processed, before, after, seconds]`. */
function toResult(report: ImportReport): ImportResult {
  return [report.processed, report.before, report.after, report.seconds];
}
