/**
 * Imports any number of files in an order that respects references: the
 * tables a file refers to (customers, products) are loaded in earlier stages
 * than the file itself (rentals). Within a stage, files run one after the
 * other (linear) or in one Web Worker each (parallel); a stage never holds two
 * files of one table, which would only queue on that table's write lock.
 *
 * @example
 * ```ts
 * import { importFiles, planImport } from "./import_files.ts";
 * const stages = await planImport(["data/rentals.csv", "data/customers.csv", "data/products.csv"]);
 * const reports = await importFiles(stages, { db: "data/hpnorton.db", mode: "parallel" });
 * ```
 *
 * @module
 */
import { readCsv } from "./csv.ts";
import { importFile, type ImportReport } from "./import_file.ts";
import { getTable, type Table, tableForHeader, type TableName, TABLES } from "./schema.ts";
import { openStore, type Store } from "./store/store.ts";
import { importInWorkers, type WorkerJob } from "./worker_pool.ts";
import { estimateRows } from "./estimate_rows.ts";
import { ImportError } from "./import_error.ts";
import { rejectsPath } from "./rejects.ts";

/**
 * How the files of one stage run: one after the other, one Web Worker each,
 * or "auto": parallel where it measured faster (see {@linkcode PARALLEL_FROM_ROWS}).
 */
export type ImportMode = "linear" | "parallel" | "auto";

/** The modes, for flag parsing. */
export const IMPORT_MODES: readonly ImportMode[] = ["linear", "parallel", "auto"];

/**
 * Rows per file from which parallel beat linear in `deno task bench` (the
 * crossover in bench/results.json, rounded; tests/bench_test.ts keeps the two
 * in step). Below it, starting the workers costs more than they save.
 */
export const PARALLEL_FROM_ROWS = 49_000;

/** Options for {@linkcode planImport}. */
export interface PlanOptions {
  /** The table of every file; by default each file's header tells. */
  table?: TableName;
}

/** Options for {@linkcode importFiles}. */
export interface ImportFilesOptions {
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
  /** What a bad row does: "fail" (default) or "skip" (see lib/import_file.ts). */
  onInvalid?: "fail" | "skip";
  /**
   * Stops the import: the files under way roll back, the later ones do not
   * start, and the call rejects; files already committed stay.
   */
  signal?: AbortSignal;
}

/**
 * Groups `paths` into stages to import in order: referenced tables first, at
 * most one file per table in a stage. A file whose header matches no table (or
 * that is empty or unreadable) goes into the first stage, so that its import
 * fails before any other file is written.
 */
export async function planImport(
  paths: readonly string[],
  options: PlanOptions = {},
): Promise<WorkerJob[][]> {
  const jobs: { job: WorkerJob; rank: number; repeat: number }[] = [];
  const seen = new Map<string, number>();
  for (const path of paths) {
    const table = options.table === undefined ? await headerTable(path) : getTable(options.table);
    const rank = table === undefined ? -1 : RANKS.get(table.name)!;
    const key = table?.name ?? `?${path}`;
    const repeat = seen.get(key) ?? 0;
    seen.set(key, repeat + 1);
    jobs.push({ job: { path, table: options.table }, rank, repeat });
  }
  jobs.sort((a, b) => a.rank - b.rank || a.repeat - b.repeat);
  const stages: WorkerJob[][] = [];
  let last: { rank: number; repeat: number } | undefined;
  for (const entry of jobs) {
    if (last?.rank !== entry.rank || last.repeat !== entry.repeat) stages.push([]);
    stages.at(-1)!.push(entry.job);
    last = entry;
  }
  return stages;
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
      if (await stageMode(stage, options.mode) === "parallel") {
        const imported = options.onImported;
        const done = await importInWorkers(stage, {
          db: options.db,
          since,
          onInvalid: options.onInvalid,
          onProgress: progress && ((i, rows) => progress(stage[i], rows)),
          onImported: imported && ((i, report) => imported(stage[i], report)),
          signal: options.signal,
        });
        reports.push(...done);
        continue;
      }
      store ??= await openStore(options.db);
      for (const job of stage) {
        options.signal?.throwIfAborted();
        const report = await importFile(store, job.path, {
          table: job.table,
          since,
          onInvalid: options.onInvalid,
          onProgress: progress && ((rows) => progress(job, rows)),
          signal: options.signal,
        });
        options.onImported?.(job, report);
        reports.push(report);
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

/** A table's depth in the reference graph: 0 for tables that refer to none. */
const RANKS = new Map<TableName, number>();
for (const table of TABLES) RANKS.set(table.name, rank(table));

function rank(table: Table): number {
  return Math.max(-1, ...table.references.map((r) => rank(getTable(r.table)))) + 1;
}

/** The table a file's header names, or undefined when it names none or cannot be read. */
async function headerTable(path: string): Promise<Table | undefined> {
  try {
    // keepInvalid: a bad row further down must not hide the header (and so the
    // file's place in the order); importFile deals with the row.
    for await (const batch of readCsv(path, { keepInvalid: true })) {
      return tableForHeader(batch.records[0]);
    }
  } catch {
    // importFile reports the problem with the file's name and line.
  }
  return undefined;
}
