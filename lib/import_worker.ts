/// <reference lib="deno.worker" />
/**
 * A Web Worker that imports one file with its own database connection. It
 * receives a `WorkerRequest`, may receive `"cancel"`, and answers with one
 * `WorkerReply` (lib/worker_protocol.ts).
 *
 * A fed worker (`fed: true`) does not read the file: it imports the batches
 * the thread that started it sends, so that its thread does only the table's
 * checks and SQLite work and never loads the CSV parser (see
 * lib/worker_pool.ts).
 *
 * @module
 */
import { importFile } from "./import_file.ts";
import type { CsvBatch } from "./csv.ts";
import { unpackBatch } from "./batch_transfer.ts";
import { openStore } from "./store/open.ts";
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

/** The batches the caller sends, in order, handed to importFile as a reader's would be. */
class FeedQueue {
  #queue: WorkerFeed[] = [];
  #wake: (() => void) | undefined;
  #cancelled = false;

  push(feed: WorkerFeed): void {
    this.#queue.push(feed);
    this.#wake?.();
  }

  /** Ends a wait for a batch that will not come (the import is being cancelled). */
  cancel(): void {
    this.#cancelled = true;
    this.#wake?.();
  }

  async #next(): Promise<WorkerFeed | undefined> {
    while (this.#queue.length === 0 && !this.#cancelled) {
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    return this.#queue.shift();
  }

  /** Yields the batches the caller sends, as they come. */
  async *read(): AsyncGenerator<CsvBatch> {
    let ended = false;
    let taken = 0;
    try {
      while (true) {
        const feed = await this.#next();
        controller.signal.throwIfAborted();
        if (feed === undefined || "end" in feed) break;
        if ("failure" in feed) {
          ended = true; // the caller's reader has stopped by itself
          throw fromFailure(feed.failure);
        }
        if (++taken === FEED_AHEAD / 2) {
          self.postMessage({ took: taken } satisfies WorkerWants);
          taken = 0;
        }
        yield unpackBatch(feed.batch);
      }
      ended = true;
    } finally {
      if (!ended) self.postMessage({ stop: true } satisfies WorkerWants);
    }
  }
}

const controller = new AbortController();
const fed = new FeedQueue();

self.onmessage = async (event: MessageEvent<WorkerRequest | WorkerFeed | "cancel">) => {
  const data = event.data;
  if (data === "cancel") {
    controller.abort();
    fed.cancel();
  } else if ("path" in data) {
    self.postMessage(await handle(data));
  } else {
    fed.push(data);
  }
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
        read: request.fed ? () => fed.read() : undefined,
      });
      return { ok: true, report };
    } finally {
      await store.close();
    }
  } catch (error) {
    return { ok: false, ...toFailure(error) };
  }
}
