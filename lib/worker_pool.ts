/**
 * Runs jobs in Web Workers, one worker per job, all launched at once, beside
 * work of the calling thread. The first failure asks the others to stop (an
 * import rolls back unless it already committed) and is what the caller sees;
 * every worker's answer is awaited and no worker outlives the call.
 *
 * One pool serves both users: {@linkcode importInWorkers} (the parallel
 * import) and the contention demonstration (contention/sqlite.ts) call
 * {@linkcode inWorkers}. Being generic costs the import nothing measurable:
 * the same messages cross the same boundary (one more function call per
 * progress message, a few per file) and the module imports nothing more.
 * Measured: parallel.ts on the 1,000-row data/, 60 rounds rotating this pool,
 * the hand-written import pool it replaced and a second copy of that one: a
 * median 615 ms against 618 ms and 629 ms, a difference smaller than the
 * one between the two identical copies (a shared 2-core machine under load).
 *
 * @module
 */
import type { ImportReport } from "./import_report.ts";
import { type InvalidRowOptions, readOptions } from "./run_options.ts";
import type { TableName } from "./schema.ts";
import type { ReadCsvOptions } from "./csv.ts";
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

/**
 * A worker's one answer: a message with `ok` (any other message it posts
 * before is a note, such as progress). A worker receives its request, then
 * possibly `"cancel"` once another worker has failed.
 */
export type Answer = { ok: true } | { ok: false; message: string };

/** The failed answers of `A`, and the one the pool makes of a worker's uncaught error. */
export type Failed<A extends Answer> = Extract<A, { ok: false }> | { ok: false; message: string };

/** Options for {@linkcode inWorkers}. */
export interface PoolOptions<A extends Answer, Note> {
  /**
   * Called with the job's index and each note its worker posts before
   * answering, and a function that posts a message back to that worker.
   */
  onNote?: (
    job: number,
    note: Note,
    post: (message: unknown, transfer?: Transferable[]) => void,
  ) => void;
  /** Called with each job's index and a function posting to its worker, once its request is posted. */
  onStart?: (job: number, post: (message: unknown, transfer?: Transferable[]) => void) => void;
  /** The error to throw for the first failure of a worker. */
  toError: (failure: Failed<A>) => Error;
  /**
   * Work of the calling thread while the workers run: its failure stops them,
   * and a worker's failure aborts `signal` (its error is then the one thrown).
   */
  alongside?: (signal: AbortSignal) => Promise<void>;
}

/**
 * Posts each request to a worker of its own from `url`, all at once; resolves
 * to their answers in request order, or throws the first failure once every
 * worker has answered.
 *
 * @example
 * ```ts ignore
 * const url = new URL("./my_worker.ts", import.meta.url);
 * const answers = await inWorkers<Request, Reply>(url, [{ part: 1 }, { part: 2 }], {
 *   toError: (failure) => new Error(failure.message),
 * });
 * ```
 */
export async function inWorkers<Request, A extends Answer, Note = never>(
  url: URL,
  requests: readonly Request[],
  options: PoolOptions<A, Note>,
): Promise<Extract<A, { ok: true }>[]> {
  const workers = requests.map(() => new Worker(url, { type: "module" }));
  const here = new AbortController();
  let failure: Error | undefined;
  const fail = (error: Error) => {
    if (failure !== undefined) return;
    failure = error;
    for (const worker of workers) worker.postMessage("cancel");
    here.abort(error);
  };
  try {
    const answers = requests.map((request, i) =>
      new Promise<A | Failed<A>>((resolve) => {
        const worker = workers[i];
        const post = (message: unknown, transfer: Transferable[] = []) =>
          worker.postMessage(message, transfer);
        worker.onmessage = (event: MessageEvent<A | Note>) => {
          if (isAnswer(event.data)) resolve(event.data as A);
          else options.onNote?.(i, event.data as Note, post);
        };
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          resolve({ ok: false, message: event.message });
        };
        worker.postMessage(request);
        options.onStart?.(i, post);
      })
    );
    // On the first failure, ask the others to stop; then wait for every answer
    // so that no transaction is left open when the workers are terminated.
    for (const answer of answers) {
      answer.then((a) => {
        if (!a.ok) fail(options.toError(a as Failed<A>));
      });
    }
    const alongside = options.alongside?.(here.signal).catch(fail);
    const settled = await Promise.all(answers);
    await alongside;
    if (failure !== undefined) throw failure;
    return settled as Extract<A, { ok: true }>[];
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

function isAnswer(data: unknown): boolean {
  return typeof data === "object" && data !== null && "ok" in data;
}

/** One file for an import worker. */
export interface WorkerJob {
  /** The CSV file. */
  path: string;
  /** Its table; by default known from the header. */
  table?: TableName;
}

/** Options for {@linkcode importInWorkers}. */
export interface WorkersOptions extends InvalidRowOptions {
  /** The database location. */
  db: string;
  /** `performance.now()` at which the clock of each report's `seconds` starts. */
  since?: number;
  /** Called with the job's index and its data rows read so far, after each batch. */
  onProgress?: (job: number, rows: number) => void;
}

const IMPORT_WORKER_URL = new URL("./import_worker.ts", import.meta.url);

/**
 * Imports a stage's jobs on two threads (see lib/parallel_plan.ts): a worker
 * imports the largest file, fed its records by this thread or reading them
 * itself, while this thread imports the others; resolves to the reports in
 * job order.
 */
export async function importInWorkers(
  jobs: readonly WorkerJob[],
  options: WorkersOptions,
): Promise<ImportReport[]> {
  const since = options.since ?? performance.now();
  const { onProgress } = options;
  const plan = planParallel(
    await Promise.all(jobs.map(async (job) => ({
      rows: await estimateRows(job.path).catch(() => 0),
      bytes: await Deno.stat(job.path).then((info) => info.size, () => 0),
    }))),
  );
  const job = jobs[plan.worker];
  const request: WorkerRequest = {
    ...job,
    db: options.db,
    since: performance.timeOrigin + since,
    progress: onProgress !== undefined,
    onInvalid: options.onInvalid,
    rejectsDir: options.rejectsDir,
    fed: plan.fed,
  };
  const reports: ImportReport[] = new Array(jobs.length);
  const here = jobs.flatMap((other, i) => i === plan.worker ? [] : [{ job: other, i }]);
  // Sent from the start: the worker finds its first batches waiting when it has started.
  let feeder: Feeder | undefined;
  try {
    const [answer] = await inWorkers<WorkerRequest, WorkerReply, WorkerProgress | WorkerWants>(
      IMPORT_WORKER_URL,
      [request],
      {
        onStart: (_, post) => {
          if (plan.fed) feeder = new Feeder(post, job.path, readOptions(options.onInvalid));
        },
        onNote: (_, note) => {
          if ("progress" in note) onProgress?.(plan.worker, note.progress);
          else if ("took" in note) feeder?.took(note.took);
          else feeder?.stop();
        },
        toError: fromFailure,
        alongside: here.length === 0 ? undefined : async (signal) => {
          // Loaded only here: a stage of one file loads no import routine in this thread.
          const { importFile } = await import("./import_file.ts");
          const store = await (await import("./store/open.ts")).openStore(options.db);
          try {
            for (const { job, i } of here) {
              reports[i] = await importFile(store, job.path, {
                table: job.table,
                since,
                signal,
                onInvalid: options.onInvalid,
                rejectsDir: options.rejectsDir,
                onProgress: onProgress && ((rows) => onProgress(i, rows)),
              });
            }
          } finally {
            await store.close();
          }
        },
      },
    );
    reports[plan.worker] = answer.report;
    return reports;
  } finally {
    feeder?.stop();
    await feeder?.finished;
  }
}

/** Reads a file in this thread and posts its batches to a fed worker, `FEED_AHEAD` at most ahead. */
class Feeder {
  /** Settles when the file is closed. */
  readonly finished: Promise<void>;
  #post: (message: WorkerFeed, transfer?: Transferable[]) => void;
  #ahead = 0;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(
    post: (message: WorkerFeed, transfer?: Transferable[]) => void,
    path: string,
    options: ReadCsvOptions,
  ) {
    this.#post = post;
    this.finished = this.#run(path, options);
  }

  /** The worker took `count` more batches. */
  took(count: number): void {
    this.#ahead -= count;
    this.#wake?.();
  }

  /** The worker wants no more (or is gone). */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  #send(feed: WorkerFeed, transfer: Transferable[] = []): void {
    if (!this.#stopped) this.#post(feed, transfer);
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
