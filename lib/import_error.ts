/**
 * The one error type of an import: it knows the file, the 1-based line (the
 * header is line 1) and the reason, and its message says all three.
 *
 * @module
 */

/** Options for {@linkcode ImportError}. */
export interface ImportErrorOptions {
  /** 1-based line where the offending record starts; omitted for file-level problems. */
  line?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** A refused import: `Cannot import "data/products.csv": line 17 has 3 fields, expected 4`. */
export class ImportError extends Error {
  /** The file that was refused. */
  readonly file: string;
  /** 1-based line of the offending record, when one is to blame. */
  readonly line: number | undefined;
  /** What was wrong, in plain words. */
  readonly reason: string;

  /** Creates the error for `file`, with `reason` and, where known, the line. */
  constructor(file: string, reason: string, options: ImportErrorOptions = {}) {
    const where = options.line === undefined ? "" : `line ${options.line} `;
    super(`Cannot import "${file}": ${where}${reason}`, { cause: options.cause });
    this.name = "ImportError";
    this.file = file;
    this.line = options.line;
    this.reason = reason;
  }
}
