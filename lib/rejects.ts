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
 * The promise: an import never commits without its rejected rows on disk, and
 * never reports failure once it has committed; a kill at any moment leaves
 * nothing that the next run does not complete or clean. The life of the file,
 * in order:
 *
 * 1. Create: the rows are written to `<name>.rejects.csv.<table>.<token>.partial`
 *    beside the final name (`<token>` random, so imports at once never share a
 *    file). The writer holds an exclusive lock on it (flock, released by the
 *    kernel when the process dies) for its whole life: another run can tell a
 *    live file from a leftover. A folder at the final name refuses the import
 *    here, before anything is written.
 * 2. Seal, inside the import's transaction, just before COMMIT: the rest is
 *    written, the file and its folder are fsynced, and the transaction records
 *    `<token>` as the owner of the final name ({@linkcode Writer.markRejects}).
 *    If any of it fails (a full disk), the import fails and rolls back.
 * 3. Commit, after the import's COMMIT: the rename to the final name. If
 *    that fails (a folder appeared there), the import has committed and does
 *    not fail: its report names the partial file, which holds the rows, and
 *    what went wrong.
 * 4. Recover, when the next import of the same file into the same table starts
 *    (in either mode): a leftover partial file whose lock can be taken belongs
 *    to a run that is gone. If the database names its token as the owner, that
 *    run was killed between COMMIT and rename: the rename is completed.
 *    Otherwise it never committed, and the file is removed. A newer committed
 *    import owns the name in the database, so an older leftover never replaces
 *    its rejects: the last import to commit wins. (Step 3 checks the same
 *    before its rename, for imports of one file that run at once.)
 *
 * @module
 */
import { quoteField } from "./csv_quote.ts";
import { osReason } from "./os_error.ts";
import { basename, dirname, join } from "./paths.ts";
import type { Table, TableName } from "./schema.ts";
import type { Store, Writer } from "./store/store.ts";

/** Where the rejects of the CSV file `csvPath` go in the folder `dir`. */
export function rejectsPath(dir: string, csvPath: string): string {
  return join(dir, `${basename(csvPath).replace(/\.csv$/i, "")}.rejects.csv`);
}

function withNewline(raw: string): string {
  return raw.endsWith("\n") ? raw : raw + "\n";
}

/** The error for an operating-system failure on the rejects file `path`. */
function rejectsError(path: string, error: unknown): Error {
  return new Error(`Cannot write rejects file "${path}": ${osReason(error)}`, { cause: error });
}

/**
 * The name under which the database records the owner of the rejects file
 * `path`: its folder's real path, so that two spellings of one folder agree.
 */
async function ownerName(path: string): Promise<string> {
  return join(await Deno.realPath(dirname(path)), basename(path));
}

/** The partial files of `path` for `table` start with this. */
function partialPrefix(path: string, table: TableName): string {
  return `${basename(path)}.${table}.`;
}

const FLUSH_AT = 1 << 16;

const NEWER =
  "an import of the same file committed after this one: its rejects file is the one kept";

/** Where the rows of a committed import's rejects are. */
export interface Published {
  /** The file holding the rejected rows: the final name, or the partial one if the rename failed. */
  path: string;
  /** Why the rows are not under the final name, when they are not. */
  problem?: string;
}

/**
 * Where an import in "skip" mode sends its bad rows: a {@linkcode RejectsFile}
 * by default, or anything with this life (norton check collects them).
 */
export interface Rejects {
  /** Where the rows end up, for the report. */
  readonly path: string;
  /** Rows rejected so far. */
  readonly count: number;
  /** Records the record starting at `line`, with its raw text, as rejected for `reason`. */
  add(line: number, reason: string, raw: string): Promise<void>;
  /**
   * Inside the import's transaction, just before COMMIT: makes the rows
   * durable and records, through `writer`, that this import owns them.
   */
  seal(writer: Writer): Promise<void>;
  /** After COMMIT: keeps the rows and says where they are. Never throws: the import committed. */
  commit(): Promise<Published>;
  /** Drops the rows: the import did not commit. */
  discard(): Promise<void>;
  /**
   * After a COMMIT that failed: whether it took effect nonetheless (then the
   * caller goes on to {@linkcode Rejects.commit}). Drops the rows if it did
   * not; leaves them for the next run when that cannot be told.
   */
  settle(): Promise<boolean>;
}

/** The import that rejects belong to: the store that records their owner, and the table. */
export interface RejectsOwner {
  /** The store imported into. */
  store: Pick<Store, "rejectsMark">;
  /** The table imported into. */
  table: Table;
}

/** Starts the {@linkcode Rejects} of a CSV file, given where they go, its raw header line and its import. */
export type RejectsFactory = (
  path: string,
  header: string,
  owner: RejectsOwner,
) => Promise<Rejects>;

/** A rejects file being written; see the module's documentation for its life. */
export class RejectsFile implements Rejects {
  /** The final path of the file. */
  readonly path: string;
  #partial: string;
  #token: string;
  #owner: string;
  #import: RejectsOwner;
  #file: Deno.FsFile;
  #buffer = "";
  #count = 0;
  #encoder = new TextEncoder();

  private constructor(
    path: string,
    partial: string,
    token: string,
    owner: string,
    file: Deno.FsFile,
    header: string,
    of: RejectsOwner,
  ) {
    this.path = path;
    this.#partial = partial;
    this.#token = token;
    this.#owner = owner;
    this.#import = of;
    this.#file = file;
    this.#buffer = `line,reason,${withNewline(header)}`;
  }

  /**
   * Starts the rejects file at `path` of the import `of`, given the CSV
   * file's raw header line.
   */
  static async create(path: string, header: string, of: RejectsOwner): Promise<RejectsFile> {
    try {
      const existing = await Deno.stat(path).catch((error) => {
        if (error instanceof Deno.errors.NotFound) return undefined;
        throw error;
      });
      if (existing?.isDirectory) throw new Error("it is a folder");
      const owner = await ownerName(path);
      while (true) {
        const token = randomToken();
        const partial = join(
          dirname(path),
          `${partialPrefix(path, of.table.name)}${token}.partial`,
        );
        const file = await Deno.open(partial, { read: true, write: true, createNew: true });
        await file.lock(true);
        // A recovery that took the lock between our open and our lock has
        // removed the file: take another name.
        if (await sameFile(partial, file)) {
          return new RejectsFile(path, partial, token, owner, file, header, of);
        }
        file.close();
      }
    } catch (error) {
      throw rejectsError(path, error);
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
    try {
      for (let written = 0; written < bytes.length;) {
        written += await this.#file.write(bytes.subarray(written));
      }
    } catch (error) {
      throw rejectsError(this.path, error);
    }
  }

  /**
   * Before COMMIT, inside the import's transaction: writes what is left,
   * makes the file durable, and records this import as the owner of the name.
   */
  async seal(writer: Writer): Promise<void> {
    await this.#flush();
    try {
      await this.#file.sync();
      // The file's name lives in its folder: without this, a power cut could
      // lose the name of a file whose rows are safely on disk.
      using folder = await Deno.open(dirname(this.#partial), { read: true });
      await folder.sync();
    } catch (error) {
      throw rejectsError(this.path, error);
    }
    await writer.markRejects(this.#owner, this.#token);
  }

  /** Whether the import that sealed this file is the last to have committed one. */
  async #owns(): Promise<boolean> {
    const { store, table } = this.#import;
    return await store.rejectsMark(table, this.#owner) === this.#token;
  }

  /**
   * After COMMIT: renames the file into place, unless another import of the
   * same file committed since (its rejects file wins, as its rows did).
   */
  async commit(): Promise<Published> {
    try {
      if (!await this.#owns().catch(() => true)) {
        await Deno.remove(this.#partial);
        return { path: this.path, problem: NEWER };
      }
      await Deno.rename(this.#partial, this.path);
      return { path: this.path };
    } catch (error) {
      // Left under its partial name and owned in the database: the next run completes it.
      const problem = `could not rename it to "${this.path}": ${osReason(error)}`;
      return { path: this.#partial, problem };
    } finally {
      this.#file.close();
    }
  }

  async discard(): Promise<void> {
    await Deno.remove(this.#partial).catch(() => {});
    this.#file.close();
  }

  async settle(): Promise<boolean> {
    const committed = await this.#owns().catch(() => undefined);
    if (committed === false) await this.discard();
    if (committed === undefined) this.#file.close(); // the next run settles it
    return committed === true;
  }
}

/**
 * Completes or removes the leftover partial files of the rejects file `path`
 * of imports into `table` (step 4 in the module's documentation). Best effort:
 * what it cannot settle now stays for a later run, and the import goes on.
 */
export async function recoverRejects(
  store: Pick<Store, "rejectsMark">,
  table: Table,
  path: string,
): Promise<void> {
  const folder = dirname(path);
  const prefix = partialPrefix(path, table.name);
  const leftovers: { partial: string; token: string }[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (!entry.isFile || !entry.name.startsWith(prefix)) continue;
      const token = /^([0-9a-f]+)\.partial$/.exec(entry.name.slice(prefix.length))?.[1];
      if (token !== undefined) leftovers.push({ partial: join(folder, entry.name), token });
    }
  } catch {
    return; // no folder, or not readable: nothing of ours can be there
  }
  if (leftovers.length === 0) return;
  const owner = await store.rejectsMark(table, await ownerName(path));
  for (const { partial, token } of leftovers) {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(partial, { read: true });
    } catch {
      continue; // another run settled it first
    }
    try {
      if (!await file.tryLock(true)) continue; // being written
      if (!await sameFile(partial, file)) continue; // settled by another run before we locked
      if (token === owner) await Deno.rename(partial, path);
      else await Deno.remove(partial);
    } catch {
      // Left for a later run.
    } finally {
      file.close();
    }
  }
}

/** Whether the name `path` still refers to the open `file`. */
async function sameFile(path: string, file: Deno.FsFile): Promise<boolean> {
  try {
    const [named, open] = await Promise.all([Deno.stat(path), file.stat()]);
    return named.ino === open.ino && named.dev === open.dev;
  } catch {
    return false;
  }
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
