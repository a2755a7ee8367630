/**
 * Imports a stage's files in parallel on two threads: one Web Worker does the
 * SQLite work of the largest file, and the calling thread imports the others,
 * parsing the worker's file for it when that balances the load (the plan is
 * lib/parallel_plan.ts's). The first failure cancels the rest (each import
 * rolls back unless it already committed) and is what the caller sees; no
 * worker outlives the call.
 *
 * @module
 */
import type { ImportReport } from "./import_file.ts";
import type { TableName } from "./schema.ts";
import { estimateRows } from "./estimate_rows.ts";
import { planParallel } from "./parallel_plan.ts";
import { packBatch, transferables } from "./batch_transfer.ts";
import {
  FEED_AHEAD,
  fromFailure,
  toFailure,
  type WorkerFeed,
  type WorkerProgress,
  type WorkerReply,
  type WorkerRequest,
  type WorkerWants,
} from "./worker_protocol.ts";
import type { ReadCsvOptions } from "./csv.ts";

/** One file for a worker. */
export interface WorkerJob {
  /** The CSV file. */
  path: string;
  /** Its table; by default known from the header. */
  table?: TableName;
}

/** Options for {@linkcode importInWorkers}. */
export interface WorkersOptions {
  /** The database location. */
  db: string;
  /** `performance.now()` at which the clock of each report's `seconds` starts. */
  since?: number;
  /** Called with the job's index and its data rows read so far, after each batch. */
  onProgress?: (job: number, rows: number) => void;
  /** What a bad row does: "fail" (default) or "skip" (see lib/import_file.ts). */
  onInvalid?: "fail" | "skip";
  /** Folder of the rejects files in "skip" mode. */
  rejectsDir?: string;
}

const WORKER_URL = new URL("./import_worker.ts", import.meta.url);

/** Imports every job, in parallel as planned; resolves to the reports in job order. */
export async function importInWorkers(
  jobs: readonly WorkerJob[],
  options: WorkersOptions,
): Promise<ImportReport[]> {
  const since = options.since ?? performance.now();
  const sizes = await Promise.all(jobs.map(async (job) => ({
    rows: await estimateRows(job.path).catch(() => 0),
    bytes: await Deno.stat(job.path).then((info) => info.size, () => 0),
  })));
  const plan = planParallel(sizes);
  const reports: ImportReport[] = new Array(jobs.length);
  let failure: unknown;
  const here = new AbortController();
  const worker = new WorkerImport(jobs[plan.worker], plan.fed, {
    ...options,
    since: performance.timeOrigin + since,
    onProgress: options.onProgress && ((rows) => options.onProgress!(plan.worker, rows)),
  });
  const fail = (error: unknown) => {
    if (failure !== undefined) return;
    failure = error;
    worker.cancel();
    here.abort(error);
  };
  const elsewhere = worker.done.then(
    (report) => reports[plan.worker] = report,
    fail,
  );
  try {
    const others = jobs.map((job, i) => ({ job, i })).filter(({ i }) => i !== plan.worker);
    if (others.length > 0) {
      // Loaded only here: a stage of one file never opens the store in this thread.
      const { importFile } = await import("./import_file.ts");
      const { openStore } = await import("./store/open.ts");
      const store = await openStore(options.db);
      try {
        for (const { job, i } of others) {
          reports[i] = await importFile(store, job.path, {
            table: job.table,
            since,
            signal: here.signal,
            onInvalid: options.onInvalid,
            rejectsDir: options.rejectsDir,
            onProgress: options.onProgress && ((rows) => options.onProgress!(i, rows)),
          });
        }
      } finally {
        await store.close();
      }
    }
  } catch (error) {
    fail(error);
  }
  // Wait for the worker's answer, so that no transaction is left open when it ends.
  await elsewhere;
  await worker.terminate();
  if (failure !== undefined) throw failure;
  return reports;
}

/** One file imported by a worker, fed by this thread or reading the file itself. */
class WorkerImport {
  /** Settles with the worker's report or its error. */
  readonly done: Promise<ImportReport>;
  #worker = new Worker(WORKER_URL, { type: "module" });
  #feeder: Feeder | undefined;

  constructor(
    job: WorkerJob,
    fed: boolean,
    options: Omit<WorkersOptions, "onProgress" | "since"> & {
      since: number;
      onProgress?: (rows: number) => void;
    },
  ) {
    this.done = new Promise<ImportReport>((resolve, reject) => {
      const worker = this.#worker;
      worker.onmessage = (event: MessageEvent<WorkerReply | WorkerProgress | WorkerWants>) => {
        const data = event.data;
        if ("progress" in data) options.onProgress?.(data.progress);
        else if ("read" in data) this.#feeder = new Feeder(worker, job.path, data.read);
        else if ("took" in data) this.#feeder?.took(data.took);
        else if ("stop" in data) this.#feeder?.stop();
        else if (data.ok) resolve(data.report);
        else reject(fromFailure(data));
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
      worker.postMessage(
        {
          path: job.path,
          table: job.table,
          db: options.db,
          since: options.since,
          progress: options.onProgress !== undefined,
          onInvalid: options.onInvalid,
          rejectsDir: options.rejectsDir,
          fed,
        } satisfies WorkerRequest,
      );
    });
  }

  /** Asks the worker to stop; it rolls back and answers with its error. */
  cancel(): void {
    this.#feeder?.stop();
    this.#worker.postMessage("cancel");
  }

  /** Ends the worker, once this thread has stopped reading its file. */
  async terminate(): Promise<void> {
    this.#feeder?.stop();
    await this.#feeder?.finished;
    this.#worker.terminate();
  }
}

/** Reads a file in this thread and sends its batches to a fed worker, `FEED_AHEAD` at most ahead. */
class Feeder {
  /** Settles when the file is closed. */
  readonly finished: Promise<void>;
  #worker: Worker;
  #ahead = 0;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(worker: Worker, path: string, options: ReadCsvOptions) {
    this.#worker = worker;
    this.finished = this.#run(path, options);
  }

  took(count: number): void {
    this.#ahead -= count;
    this.#wake?.();
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  #send(feed: WorkerFeed, transfer: ArrayBuffer[] = []): void {
    if (!this.#stopped) this.#worker.postMessage(feed, transfer);
  }

  async #run(path: string, options: ReadCsvOptions): Promise<void> {
    try {
      const { readCsv } = await import("./csv.ts");
      for await (const batch of readCsv(path, options)) {
        while (this.#ahead >= FEED_AHEAD && !this.#stopped) {
          await new Promise<void>((resolve) => this.#wake = resolve);
        }
        if (this.#stopped) return;
        const packed = packBatch(batch);
        this.#send({ batch: packed }, transferables(packed));
        this.#ahead++;
      }
      this.#send({ end: true });
    } catch (error) {
      this.#send({ failure: toFailure(error) });
    }
  }
}
