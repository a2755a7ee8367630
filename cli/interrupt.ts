/**
 * Ctrl-C during a long job. Without a listener, Deno dies on SIGINT at once:
 * the job gets no chance to roll back, stop its progress bars or say what it
 * kept. The first Ctrl-C aborts the job's signal instead, so it can stop
 * between two batches; a second one ends the process at once.
 *
 * @example
 * ```ts
 * import { interruptible } from "./interrupt.ts";
 * using interrupt = interruptible();
 * await someJob({ signal: interrupt.signal });
 * ```
 *
 * @module
 */

/** The exit code of a process stopped by Ctrl-C: 128 + SIGINT (2), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

/** A job stopped by Ctrl-C; its message says what was kept. */
export class Interrupted extends Error {
  /** `message` says what the job kept and what it rolled back. */
  constructor(message: string) {
    super(message);
    this.name = "Interrupted";
  }
}

/** Listens for Ctrl-C until disposed; `signal` aborts on the first one. */
export function interruptible(): { signal: AbortSignal; [Symbol.dispose](): void } {
  const controller = new AbortController();
  const listener = () => {
    if (!controller.signal.aborted) {
      controller.abort(new Interrupted("Interrupted"));
      return;
    }
    // The progress bars leave the terminal's modes alone (cli/progress.ts):
    // there is nothing to restore before leaving.
    Deno.exit(INTERRUPTED_EXIT_CODE);
  };
  Deno.addSignalListener("SIGINT", listener);
  return {
    signal: controller.signal,
    [Symbol.dispose]: () => Deno.removeSignalListener("SIGINT", listener),
  };
}
