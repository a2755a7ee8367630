/**
 * Runs jobs in Web Workers, one worker per job, all launched at once. The
 * first failure asks the others to stop (an import rolls back unless it
 * already committed) and is what the caller sees; every worker's answer is
 * awaited and no worker outlives the call.
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
import { ImportError } from "./import_error.ts";
import type { ImportReport } from "./import_report.ts";
import type { InvalidRowOptions, ReadOptions } from "./run_options.ts";
import type { TableName } from "./schema.ts";
import type { WorkerProgress, WorkerReply, WorkerRequest } from "./import_worker.ts";

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
  /** Called with the job's index and each note its worker posts before answering. */
  onNote?: (job: number, note: Note) => void;
  /** Called with the job's index and its worker's answer as soon as it arrives. */
  onAnswer?: (job: number, answer: A | Failed<A>) => void;
  /** Asks every worker to stop, as a failure does, when aborted. */
  signal?: AbortSignal;
  /** The error to throw for the first failure. */
  toError: (failure: Failed<A>) => Error;
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
  const cancel = () => {
    for (const worker of workers) worker.postMessage("cancel");
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
      })
    );
    // On the first failure or the caller's signal, ask every worker to stop;
    // then wait for every answer so that no transaction is left open when the
    // workers are terminated.
    let failure: Failed<A> | undefined;
    for (const answer of answers) {
      answer.then((a) => {
        if (!a.ok && failure === undefined) {
          failure = a as Failed<A>;
          cancel();
        }
      });
    }
    const settled = await Promise.all(answers);
    if (failure !== undefined) throw options.toError(failure);
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

/** Imports every job in its own worker, simultaneously; resolves to the reports in job order. */
export async function importInWorkers(
  jobs: readonly WorkerJob[],
  options: WorkersOptions,
): Promise<ImportReport[]> {
  const since = performance.timeOrigin + (options.since ?? performance.now());
  const { onProgress } = options;
  const requests = jobs.map((job): WorkerRequest => ({
    ...job,
    db: options.db,
    since,
    progress: onProgress !== undefined,
    onInvalid: options.onInvalid,
    rejectsDir: options.rejectsDir,
    delimiter: options.delimiter,
  }));
  const { onImported } = options;
  const answers = await inWorkers<WorkerRequest, WorkerReply, WorkerProgress>(
    importWorker,
    requests,
    {
      onNote: onProgress && ((i, note) => onProgress(i, note.progress)),
      onAnswer: onImported && ((i, answer) => answer.ok && onImported(i, answer.report)),
      signal: options.signal,
      toError,
    },
  );
  return answers.map((answer) => answer.report);
}

function toError(reply: Extract<WorkerReply, { ok: false }>): Error {
  if (reply.file !== undefined && reply.reason !== undefined) {
    return new ImportError(reply.file, reply.reason, { line: reply.line });
  }
  return new Error(reply.message);
}
