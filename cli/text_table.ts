/**
 * Aligned text tables for terminal output, and the colour rule every command
 * follows: colour only when the stream is a terminal and `NO_COLOR` is unset.
 *
 * @module
 */

/** Options for {@linkcode formatTable}. */
export interface FormatTableOptions {
  /** Indexes of the columns to right-align (numbers); the others are left-aligned. */
  right?: readonly number[];
  /** Print the header in bold (only when writing to a colour terminal). */
  color?: boolean;
}

/** Formats `rows` under `head` as aligned columns separated by two spaces. */
export function formatTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: FormatTableOptions = {},
): string {
  // A loop, not Math.max(...rows): spreading 200,000 rows into one call
  // overflows the stack ("Maximum call stack size exceeded").
  const widths = head.map((h) => h.length);
  for (const row of rows) {
    for (let c = 0; c < widths.length; c++) widths[c] = Math.max(widths[c], row[c].length);
  }
  const right = head.map((_, c) => options.right?.includes(c) ?? false);
  const format = (cells: readonly string[]) =>
    cells.map((cell, c) => right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))
      .join("  ").trimEnd();
  const header = format(head);
  return [options.color ? bold(header) : header, ...rows.map(format)].join("\n");
}

/** Whether output to `stream` may be coloured: a terminal, and `NO_COLOR` unset. */
export function useColor(stream: { isTerminal(): boolean }): boolean {
  // Deno.noColor reads NO_COLOR at start-up and needs no --allow-env.
  return !Deno.noColor && stream.isTerminal();
}

/** `text` in bold (ANSI). */
export function bold(text: string): string {
  return `\x1b[1m${text}\x1b[22m`;
}

/** `text` in red (ANSI). */
export function red(text: string): string {
  return `\x1b[31m${text}\x1b[39m`;
}
