/// <reference lib="deno.worker" />
/**
 * A Web Worker that imports one file with its own database connection. It
 * receives a {@linkcode WorkerRequest}, may receive `"cancel"`, and answers
 * with one {@linkcode WorkerReply}.
 *
 * @module
 */
import { ImportError } from "./import_error.ts";
import { importFile } from "./import_file.ts";
import type { ImportReport } from "./import_report.ts";
import type { InvalidRowOptions, ReadOptions } from "./run_options.ts";
import type { TableName } from "./schema.ts";
import { openStore } from "./store/open.ts";

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
}

/** Sent before the reply, after each batch, when the request asked for progress. */
export interface WorkerProgress {
  /** Data rows read so far. */
  progress: number;
}

/** The worker's one answer. */
export type WorkerReply =
  | { ok: true; report: ImportReport }
  | { ok: false; message: string; file?: string; reason?: string; line?: number };

const controller = new AbortController();

self.onmessage = async (event: MessageEvent<WorkerRequest | "cancel">) => {
  if (event.data === "cancel") {
    controller.abort();
    return;
  }
  self.postMessage(await handle(event.data));
};

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  try {
    const store = await openStore(request.db);
    try {
      const report = await importFile(store, request.path, {
        table: request.table,
        since: request.since - performance.timeOrigin,
        signal: controller.signal,
        onProgress: request.progress
          ? (rows) => self.postMessage({ progress: rows } satisfies WorkerProgress)
          : undefined,
        onInvalid: request.onInvalid,
        rejectsDir: request.rejectsDir,
        delimiter: request.delimiter,
      });
      return { ok: true, report };
    } finally {
      await store.close();
    }
  } catch (error) {
    if (error instanceof ImportError) {
      return {
        ok: false,
        message: error.message,
        file: error.file,
        reason: error.reason,
        line: error.line,
      };
    }
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
