/**
 * The messages between lib/worker_pool.ts and the worker it starts
 * (lib/import_worker.ts), apart from both so that neither loads the other.
 *
 * The caller posts a {@linkcode WorkerRequest}, may post `"cancel"`, and gets
 * {@linkcode WorkerProgress} messages and then one {@linkcode WorkerReply}. A
 * fed worker also asks for records ({@linkcode WorkerWants}) and is sent them
 * ({@linkcode WorkerFeed}).
 *
 * @module
 */
import { ImportError } from "./import_error.ts";
import type { ImportReport } from "./import_report.ts";
import type { PackedBatch } from "./batch_transfer.ts";
import type { InvalidRowOptions, ReadOptions } from "./run_options.ts";
import type { TableName } from "./schema.ts";

/** What the worker is asked to import. */
export interface WorkerRequest extends InvalidRowOptions, ReadOptions {
  /** The CSV file. */
  path: string;
  /** Its table. */
  table?: TableName;
  /** The database location. */
  db: string;
  /** Epoch milliseconds (`timeOrigin + now()`) at which the caller's clock started. */
  since: number;
  /** Post a {@linkcode WorkerProgress} after each batch. */
  progress?: boolean;
  /** The caller reads the file and sends its records ({@linkcode WorkerFeed}). */
  fed?: boolean;
}

/** Sent before the reply, after each batch, when the request asked for progress. */
export interface WorkerProgress {
  /** Data rows read so far. */
  progress: number;
}

/**
 * What a fed worker tells its caller: `took` says that many more batches were
 * taken off its queue (so the caller may send as many more); `stop` says no
 * more are wanted. The caller starts sending at once, read as importFile
 * would read (`readOptions` in lib/import_file.ts), so that the first batches
 * are waiting when the worker has started.
 */
export type WorkerWants = { took: number } | { stop: true };

/**
 * Batches a fed worker may have waiting: enough that it never waits while its
 * caller is busy with a batch of its own file, few enough that memory stays
 * flat (each is one chunk of the file, 64 KiB by default). The worker says
 * `took` once per half of them: a message per batch cost the worker's thread
 * 155 ms of the 1,000,000-row customers import (docs/profile/). Measured with
 * 64 KiB chunks, that file imported alone (medians of 6, 2026-12-05): 4 ahead
 * 2.00 s and 171 MiB, 8: 1.97 s, 169 MiB; 16: 1.95 s, 186 MiB; 32: 1.92 s,
 * 203 MiB. More buys 1-3% of the time for 17-34 MiB.
 */
export const FEED_AHEAD = 8;

/** What the caller sends a fed worker: the next batch, the end, or the reader's failure. */
export type WorkerFeed =
  | { batch: PackedBatch }
  | { end: true }
  | { failure: Failure };

/** A failure as it crosses the worker boundary: an {@linkcode ImportError}'s parts, or a message. */
export interface Failure {
  message: string;
  file?: string;
  reason?: string;
  line?: number;
}

/** The worker's one answer. */
export type WorkerReply = { ok: true; report: ImportReport } | ({ ok: false } & Failure);

/** `error` as a {@linkcode Failure}, to post. */
export function toFailure(error: unknown): Failure {
  if (error instanceof ImportError) {
    return { message: error.message, file: error.file, reason: error.reason, line: error.line };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The error a {@linkcode Failure} stands for, on the receiving side. */
export function fromFailure(failure: Failure): Error {
  if (failure.file !== undefined && failure.reason !== undefined) {
    return new ImportError(failure.file, failure.reason, { line: failure.line });
  }
  return new Error(failure.message);
}
