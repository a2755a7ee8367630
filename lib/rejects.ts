/**
 * The rejects file of an import run with `onInvalid: "skip"`: every row that
 * was not imported, unchanged, with its line and the reason.
 *
 * Format (`<name>.rejects.csv`, UTF-8): the first line is `line,reason,`
 * followed by the CSV file's own header line as it was; then one line per
 * rejected record, in file order: its 1-based line number, the reason (quoted
 * as CSV), then the record's raw text exactly as read, line breaks included.
 * Dropping the first two fields of each line gives back the original rows.
 * A record that was not valid CSV (a stray quote) stays invalid here too.
 *
 * The file is written under a temporary name (`<name>.rejects.csv.*.partial`) and
 * renamed when the import commits, so a rejects file always belongs to a
 * committed import; each skip-mode import of a file replaces its rejects file.
 *
 * @module
 */
import { quoteField } from "./csv_quote.ts";
import { basename, dirname, join } from "./paths.ts";

/** Where the rejects of the CSV file `csvPath` go in the folder `dir`. */
export function rejectsPath(dir: string, csvPath: string): string {
  return join(dir, `${basename(csvPath).replace(/\.csv$/i, "")}.rejects.csv`);
}

function withNewline(raw: string): string {
  return raw.endsWith("\n") ? raw : raw + "\n";
}

const FLUSH_AT = 1 << 16;

/** Where an import in "skip" mode sends its bad rows. */
export interface Rejects {
  /** Where the rows end up, for the report. */
  readonly path: string;
  /** Rows rejected so far. */
  readonly count: number;
  /** Records the record starting at `line`, with its raw text, as rejected for `reason`. */
  add(line: number, reason: string, raw: string): Promise<void>;
  /** Keeps the rows: the import committed. */
  commit(): Promise<void>;
  /** Drops the rows: the import failed. */
  discard(): Promise<void>;
}

/** Starts the {@linkcode Rejects} of a CSV file, given where they go and its raw header line. */
export type RejectsFactory = (path: string, header: string) => Promise<Rejects>;

/** A rejects file being written; {@linkcode commit} puts it in place. */
export class RejectsFile implements Rejects {
  /** The final path of the file. */
  readonly path: string;
  #partial: string;
  #file: Deno.FsFile;
  #buffer = "";
  #count = 0;
  #encoder = new TextEncoder();

  private constructor(path: string, partial: string, file: Deno.FsFile, header: string) {
    this.path = path;
    this.#partial = partial;
    this.#file = file;
    this.#buffer = `line,reason,${withNewline(header)}`;
  }

  /** Starts the rejects file at `path`, given the CSV file's raw header line. */
  static async create(path: string, header: string): Promise<RejectsFile> {
    try {
      // A name of its own, so two imports at once never write into one file;
      // the rename on commit is atomic, and the last import to commit wins.
      const partial = await Deno.makeTempFile({
        dir: dirname(path),
        prefix: `${basename(path)}.`,
        suffix: ".partial",
      });
      const file = await Deno.open(partial, { write: true, truncate: true });
      return new RejectsFile(path, partial, file, header);
    } catch (error) {
      throw new Error(`Cannot write rejects file "${path}": ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Rows rejected so far. */
  get count(): number {
    return this.#count;
  }

  /** Records the record starting at `line`, with its raw text, as rejected for `reason`. */
  async add(line: number, reason: string, raw: string): Promise<void> {
    this.#buffer += `${line},${quoteField(reason)},${withNewline(raw)}`;
    this.#count++;
    if (this.#buffer.length >= FLUSH_AT) await this.#flush();
  }

  async #flush(): Promise<void> {
    const bytes = this.#encoder.encode(this.#buffer);
    this.#buffer = "";
    for (let written = 0; written < bytes.length;) {
      written += await this.#file.write(bytes.subarray(written));
    }
  }

  /** Writes what is left, syncs, and renames the file into place. */
  async commit(): Promise<void> {
    await this.#flush();
    await this.#file.sync();
    this.#file.close();
    await Deno.rename(this.#partial, this.path);
  }

  /** Drops the unfinished file (the import failed). */
  async discard(): Promise<void> {
    try {
      this.#file.close();
    } catch {
      // already closed by commit()
    }
    await Deno.remove(this.#partial).catch(() => {});
  }
}
