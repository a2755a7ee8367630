/**
 * Ctrl-C during a long job. Without a listener, Deno dies on SIGINT at once:
 * the job gets no chance to roll back, stop its progress bars or say what it
 * kept. The first Ctrl-C aborts the job's signal instead, so it can stop
 * between two batches; a second one ends the process at once.
 *
 * Under `deno task`, one Ctrl-C arrives twice: the terminal sends it to the
 * whole process group, and the task runner forwards the one it got. A second
 * SIGINT within {@linkcode SAME_CTRL_C_MS} of the first is that copy, not a
 * second Ctrl-C (taking it for one ended parallel imports without a word).
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

/**
 * The one line an interrupted import ends with: which of `files` (paths, in
 * the import's order) committed, and which did not, their tables unchanged.
 */
export function interruptedNote(files: readonly string[], committed: readonly string[]): string {
  const kept = new Set(committed);
  const others = files.filter((path) => !kept.has(path));
  const list = (paths: readonly string[]) => paths.map((path) => `"${path}"`).join(", ");
  return `Interrupted: ${
    kept.size === 0
      ? "no file was committed"
      : `committed ${list(files.filter((f) => kept.has(f)))}`
  }; ${
    others.length === 0
      ? "every file had committed"
      : `not imported (rolled back or not started): ${list(others)}`
  }`;
}

/** Milliseconds within which a second SIGINT is the same Ctrl-C (see the module comment). */
export const SAME_CTRL_C_MS = 1_000;

/** Listens for Ctrl-C until disposed; `signal` aborts on the first one. */
export function interruptible(): { signal: AbortSignal; [Symbol.dispose](): void } {
  const controller = new AbortController();
  let first = 0;
  const listener = () => {
    if (!controller.signal.aborted) {
      first = performance.now();
      controller.abort(new Interrupted("Interrupted"));
      return;
    }
    if (performance.now() - first < SAME_CTRL_C_MS) return;
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
