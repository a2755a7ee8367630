/**
 * Runs jobs in Web Workers, one worker per job, all launched at once, beside
 * work of the calling thread (the parallel import's plan: lib/parallel_plan.ts). The first failure asks the others to stop (an
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
import { csvOptions, type InvalidRowOptions, type ReadOptions } from "./run_options.ts";
import type { TableName } from "./schema.ts";
import type { ReadCsvOptions } from "./csv.ts";
import type { Store } from "./store/store.ts";
import { estimateRows } from "./estimate_rows.ts";
import { planParallel } from "./parallel_plan.ts";
import { isServerLocation } from "./store/open.ts";
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

/** Posts a message to one worker. */
export type Post = (message: unknown, transfer?: Transferable[]) => void;

/** Options for {@linkcode inWorkers}. */
export interface PoolOptions<A extends Answer, Note> {
  /** Called with each job's index and a function posting to its worker, once its request is posted. */
  onStart?: (job: number, post: Post) => void;
  /** Called with the job's index and each note its worker posts before answering. */
  onNote?: (job: number, note: Note) => void;
  /** Called with the job's index and its worker's answer as soon as it arrives. */
  onAnswer?: (job: number, answer: A | Failed<A>) => void;
  /** Asks every worker to stop, as a failure does, when aborted. */
  signal?: AbortSignal;
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
  const cancel = () => {
    for (const worker of workers) worker.postMessage("cancel");
    here.abort(options.signal?.reason);
  };
  let failure: Error | undefined;
  const fail = (error: Error) => {
    if (failure !== undefined) return;
    failure = error;
    cancel();
  };
  options.signal?.addEventListener("abort", cancel, { once: true });
  try {
    const answers = requests.map((request, i) =>
      new Promise<A | Failed<A>>((resolve) => {
        const worker = workers[i];
        worker.onmessage = (event: MessageEvent<A | Note>) => {
          if (!isAnswer(event.data)) return options.onNote?.(i, event.data as Note);
          options.onAnswer?.(i, event.data as A);
          resolve(event.data as A);
        };
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          resolve({ ok: false, message: event.message });
        };
        worker.postMessage(request);
        options.onStart?.(i, (message, transfer = []) => worker.postMessage(message, transfer));
      })
    );
    // On the first failure or the caller's signal, ask every worker (and the
    // calling thread's work) to stop; then wait for every answer so that no
    // transaction is left open when the workers are terminated.
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
    options.signal?.removeEventListener("abort", cancel);
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
export interface WorkersOptions extends InvalidRowOptions, ReadOptions {
  /** The database location. */
  db: string;
  /** `performance.now()` at which the clock of each report's `seconds` starts. */
  since?: number;
  /** Called with the job's index and its data rows read so far, after each batch. */
  onProgress?: (job: number, rows: number) => void;
  /** Called with the job's index and its report as soon as that job has committed. */
  onImported?: (job: number, report: ImportReport) => void;
  /** Cancels every worker (each rolls back unless it already committed). */
  signal?: AbortSignal;
}

/**
 * The module each import worker runs: import_worker.ts beside this file, or,
 * in the one-file bundle (dist/norton.js), the bundle itself, which names
 * itself with {@linkcode useWorkerModule} (see tools/bundle_entry.ts).
 */
let importWorker = new URL("./import_worker.ts", import.meta.url);

/** Makes every later import worker run the module at `url` instead of import_worker.ts. */
export function useWorkerModule(url: URL): void {
  importWorker = url;
}

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
  const { onProgress, onImported } = options;
  const planned = planParallel(
    await Promise.all(jobs.map(async (job) => ({
      rows: await estimateRows(job.path).catch(() => 0),
      bytes: await Deno.stat(job.path).then((info) => info.size, () => 0),
    }))),
  );
  // A server does each table's database work in a process of its own: a fed
  // worker would only write the records it is sent as CSV again, where one
  // reading its own file sends the file's text. Measured, 1,000,000 rows per
  // file on PostgreSQL, the client's CPU time: fed 5.8-6.4 s, each thread
  // reading its own file 3.3-3.6 s (linear.ts 2.7-4.3 s).
  const plan = isServerLocation(options.db) ? { ...planned, fed: false } : planned;
  const job = jobs[plan.worker];
  const request: WorkerRequest = {
    ...job,
    db: options.db,
    since: performance.timeOrigin + since,
    progress: onProgress !== undefined,
    onInvalid: options.onInvalid,
    rejectsDir: options.rejectsDir,
    delimiter: options.delimiter,
    fed: plan.fed,
  };
  const reports: ImportReport[] = new Array(jobs.length);
  const here = jobs.flatMap((other, i) => i === plan.worker ? [] : [{ job: other, i }]);
  let feeder: Feeder | undefined;
  try {
    const [answer] = await inWorkers<WorkerRequest, WorkerReply, WorkerProgress | WorkerWants>(
      importWorker,
      [request],
      {
        // Sent from the start: the worker finds its first batches waiting when it has started.
        onStart: (_, post) => {
          if (!plan.fed) return;
          feeder = new Feeder(post, job.path, csvOptions(options.onInvalid, options.delimiter));
        },
        onNote: (_, note) => {
          if ("progress" in note) onProgress?.(plan.worker, note.progress);
          else if ("took" in note) feeder?.took(note.took);
          else feeder?.stop();
        },
        onAnswer: onImported &&
          ((_, answer) => answer.ok && onImported(plan.worker, answer.report)),
        signal: options.signal,
        toError: fromFailure,
        alongside: here.length === 0 ? undefined : async (signal) => {
          // The worker's queue first: this thread's own imports block it in
          // SQLite calls (a commit waits for the disk), and a worker left
          // without batches then waits too.
          await feeder?.full();
          // Loaded only here: a stage of one file loads no import routine in this thread.
          const { importFile } = await import("./import_file.ts");
          const store = await (await import("./store/open.ts")).openStore(options.db);
          try {
            for (const { job, i } of here) {
              reports[i] = await importFile(feeder ? paced(store, feeder) : store, job.path, {
                table: job.table,
                since,
                signal,
                onInvalid: options.onInvalid,
                rejectsDir: options.rejectsDir,
                delimiter: options.delimiter,
                onProgress: onProgress && ((rows) => onProgress(i, rows)),
              });
              onImported?.(i, reports[i]);
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

/**
 * `store` whose writes wait, before each batch, until `feeder` has filled the
 * worker's queue. Without it this thread took turns: one chunk of its own file
 * (parsed, checked and written in one go, tens of milliseconds), then one of
 * the worker's, which the worker had written long before; the worker, the
 * longer job, then sat idle for two thirds of the time this thread was busy
 * (per-thread CPU sampled every 0.5 s).
 */
function paced(store: Store, feeder: Feeder): Pick<Store, "location" | "write" | "rejectsMark"> {
  return {
    location: store.location,
    rejectsMark: (table, file) => store.rejectsMark(table, file),
    write: (table, body, signal) =>
      store.write(table, (writer) =>
        body({
          ...writer,
          upsert: async (rows, csv) => {
            await feeder.full();
            return writer.upsert(rows, csv);
          },
        }), signal),
  };
}

/** Reads a file in this thread and posts its batches to a fed worker, `FEED_AHEAD` at most ahead. */
class Feeder {
  /** Settles when the file is closed. */
  readonly finished: Promise<void>;
  #post: Post;
  #ahead = 0;
  #done = false;
  #stopped = false;
  #wake: (() => void) | undefined;
  #fullWaiters: (() => void)[] = [];

  constructor(post: Post, path: string, options: ReadCsvOptions) {
    this.#post = post;
    this.finished = this.#run(path, options).finally(() => {
      this.#done = true;
      this.#filled();
    });
  }

  /** Settles once the worker's queue is full, or nothing more will be sent. */
  full(): Promise<void> {
    if (this.#done || this.#stopped || this.#ahead >= FEED_AHEAD) return Promise.resolve();
    return new Promise((resolve) => this.#fullWaiters.push(resolve));
  }

  #filled(): void {
    for (const resolve of this.#fullWaiters.splice(0)) resolve();
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
    this.#filled();
  }

  #send(feed: WorkerFeed, transfer: Transferable[] = []): void {
    if (!this.#stopped) this.#post(feed, transfer);
  }

  async #run(path: string, options: ReadCsvOptions): Promise<void> {
    try {
      const { readCsv } = await import("./csv.ts");
      for await (const batch of readCsv(path, options)) {
        while (this.#ahead >= FEED_AHEAD && !this.#stopped) {
          this.#filled();
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
