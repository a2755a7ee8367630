/**
 * Progress bars on stderr for large imports: rows done, rows per second and
 * ETA, one bar per file (so parallel imports show one bar each). Drawn with
 * npm `cli-progress`, which also refuses to draw when stderr is not a terminal.
 *
 * @module
 */
// @ts-types="@types/cli-progress"
import { MultiBar, type SingleBar } from "cli-progress";
import process from "node:process";
import { estimateRows } from "../lib/estimate_rows.ts";

/** Files estimated to hold more data rows than this get a progress bar. */
export const PROGRESS_MIN_ROWS = 50_000;

const NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

interface Tracked {
  bar: SingleBar;
  total: number;
  started?: { time: number; rows: number };
}

/** One bar per tracked file, in the given order; call {@linkcode ImportProgress.stop} at the end. */
export class ImportProgress<K> {
  #bars: MultiBar;
  #tracked = new Map<K, Tracked>();

  /**
   * Draws a waiting bar for each of `files` (label and estimated rows), keyed
   * by `key`, on `stream` (stderr by default).
   */
  constructor(
    files: readonly { key: K; label: string; total: number }[],
    stream: NodeJS.WritableStream = process.stderr,
  ) {
    this.#bars = new MultiBar({
      stream,
      format:
        "{file} [{bar}] {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {remaining}",
      formatValue: (value, _options, type) =>
        type === "value" || type === "total" ? NUMBER.format(value) : String(value),
      barsize: 24,
      // Leave the terminal's modes alone, so that nothing needs restoring if the
      // process dies before stop(): a hidden cursor or line wrapping turned off
      // stayed so after Ctrl-C until `reset`. With wrapping on, cli-progress
      // cuts each bar to the terminal's width itself.
      hideCursor: false,
      linewrap: true,
    });
    const width = Math.max(...files.map((f) => f.label.length));
    for (const { key, label, total } of files) {
      const bar = this.#bars.create(total, 0, {
        file: label.padEnd(width),
        speed: "-",
        remaining: "-",
      });
      this.#tracked.set(key, { bar, total });
    }
  }

  /** Moves the bar of `key` to `rows` done; ignores untracked keys. */
  update(key: K, rows: number): void {
    const tracked = this.#tracked.get(key);
    if (tracked === undefined) return;
    const now = performance.now();
    if (tracked.started === undefined) {
      // The rate counts from the file's first batch, not from when its bar was drawn.
      tracked.started = { time: now, rows };
      tracked.bar.update(rows);
      return;
    }
    // The total is an estimate: never let the bar run past it.
    if (rows > tracked.total) tracked.bar.setTotal(tracked.total = rows);
    const rate = (rows - tracked.started.rows) / ((now - tracked.started.time) / 1000);
    const remaining = rate > 0 ? duration((tracked.total - rows) / rate) : "-";
    tracked.bar.update(rows, { speed: NUMBER.format(rate), remaining });
  }

  /** Marks `key` finished at `rows` (its true count). */
  finish(key: K, rows: number): void {
    const tracked = this.#tracked.get(key);
    if (tracked === undefined) return;
    tracked.bar.setTotal(rows);
    tracked.bar.update(rows, { remaining: "0s" });
  }

  /** Draws the bars one last time and releases the terminal. */
  stop(): void {
    this.#bars.stop();
  }
}

/** `seconds` as `42s` or `3m07s`. */
function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * Bars for the files of `files` estimated above {@linkcode PROGRESS_MIN_ROWS}
 * rows, or undefined when there is none. A file that cannot be read gets no
 * bar: its import reports the problem.
 */
export async function progressForFiles<K>(
  files: readonly { key: K; path: string }[],
): Promise<ImportProgress<K> | undefined> {
  const large: { key: K; label: string; total: number }[] = [];
  for (const { key, path } of files) {
    const total = await estimateRows(path).catch(() => 0);
    if (total > PROGRESS_MIN_ROWS) large.push({ key, label: path, total });
  }
  return large.length === 0 ? undefined : new ImportProgress(large);
}
