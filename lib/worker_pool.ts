/**
 * Runs imports in Web Workers, one per file, all launched at once. The first
 * failure cancels the others (each rolls back unless it already committed)
 * and is what the caller sees; no worker outlives the call.
 *
 * @module
 */
import { ImportError } from "./import_error.ts";
import type { ImportReport } from "./import_report.ts";
import type { InvalidRowOptions, ReadOptions } from "./run_options.ts";
import type { TableName } from "./schema.ts";
import type { WorkerProgress, WorkerReply, WorkerRequest } from "./import_worker.ts";

/** One file for a worker. */
export interface WorkerJob {
  /** The CSV file. */
  path: string;
  /** Its table; by default known from the header. */
  table?: TableName;
}

/** Options for {@linkcode importInWorkers}. */
export interface WorkersOptions extends InvalidRowOptions, ReadOptions {
  /** The database location. */
  db: string;
  /** `performance.now()` at which the clock of each report's `seconds` starts. */
  since?: number;
  /** Called with the job's index and its data rows read so far, after each batch. */
  onProgress?: (job: number, rows: number) => void;
  /** Cancels every worker (each rolls back unless it already committed). */
  signal?: AbortSignal;
  /** Called with the job's index and its report as soon as that job has committed. */
  onImported?: (job: number, report: ImportReport) => void;
}

/**
 * The module each worker runs: import_worker.ts beside this file, or, in the
 * single-file bundle (dist/norton.js), the copy of it embedded there (see
 * tools/bundle.ts), which the bundle names with {@linkcode useWorkerModule}.
 */
let workerModule: string | URL = new URL("./import_worker.ts", import.meta.url);

/** Makes every later worker run the module at `url` instead of import_worker.ts. */
export function useWorkerModule(url: string | URL): void {
  workerModule = url;
}

/** Imports every job in its own worker, simultaneously; resolves to the reports in job order. */
export async function importInWorkers(
  jobs: readonly WorkerJob[],
  options: WorkersOptions,
): Promise<ImportReport[]> {
  const since = performance.timeOrigin + (options.since ?? performance.now());
  const workers = jobs.map(() => new Worker(workerModule, { type: "module" }));
  const cancel = () => {
    for (const worker of workers) worker.postMessage("cancel");
  };
  options.signal?.addEventListener("abort", cancel, { once: true });
  try {
    const replies = jobs.map((job, i) =>
      new Promise<WorkerReply>((resolve) => {
        const worker = workers[i];
        worker.onmessage = (event: MessageEvent<WorkerReply | WorkerProgress>) => {
          if ("progress" in event.data) {
            options.onProgress?.(i, event.data.progress);
            return;
          }
          if (event.data.ok) options.onImported?.(i, event.data.report);
          resolve(event.data);
        };
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          resolve({ ok: false, message: event.message });
        };
        const request: WorkerRequest = {
          ...job,
          db: options.db,
          since,
          progress: options.onProgress !== undefined,
          onInvalid: options.onInvalid,
          rejectsDir: options.rejectsDir,
          delimiter: options.delimiter,
        };
        worker.postMessage(request);
      })
    );
    // On the first failure or the caller's signal, ask every worker to stop;
    // then wait for every answer so that no transaction is left open when the
    // workers are terminated.
    let failure: WorkerReply | undefined;
    for (const reply of replies) {
      reply.then((r) => {
        if (!r.ok && failure === undefined) {
          failure = r;
          cancel();
        }
      });
    }
    const settled = await Promise.all(replies);
    if (failure !== undefined && !failure.ok) throw toError(failure);
    return settled.map((reply) => (reply as { ok: true; report: ImportReport }).report);
  } finally {
    options.signal?.removeEventListener("abort", cancel);
    for (const worker of workers) worker.terminate();
  }
}

function toError(reply: Extract<WorkerReply, { ok: false }>): Error {
  if (reply.file !== undefined && reply.reason !== undefined) {
    return new ImportError(reply.file, reply.reason, { line: reply.line });
  }
  return new Error(reply.message);
}
