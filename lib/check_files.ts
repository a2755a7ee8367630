/**
 * Checking CSV files without writing anything: every problem of every file
 * (not just the first), each with its file, line and reason.
 *
 * The rules are the import's own because the check is the import routine
 * (lib/import_file.ts) run in "skip" mode against a store that writes nothing:
 * each bad row is reported where an import would reject it, and a problem of
 * the file itself (a header that names no table, UTF-16) where an import
 * would refuse the file. A reference (a rental's product and customer) is
 * found when a file checked before it in the same run has the key (files are
 * checked in the import's order) or when the database has it.
 *
 * @example
 * ```ts
 * import { checkFiles } from "./check_files.ts";
 * import { openStore } from "./store/open.ts";
 * const store = await openStore("data/hpnorton");
 * const problems = await checkFiles(["data/rentals.csv"], store);
 * await store.close();
 * ```
 *
 * @module
 */
import { importFile } from "./import_file.ts";
import { ImportError } from "./import_error.ts";
import { planImport } from "./import_plan.ts";
import type { Rejects } from "./rejects.ts";
import type { ReadOptions } from "./run_options.ts";
import { type Table, type TableName, TABLES } from "./schema.ts";
import type { Store, Writer } from "./store/store.ts";

/** One problem found by {@linkcode checkFiles}. */
export interface Problem {
  /** The CSV file. */
  file: string;
  /** 1-based line of the record, or undefined for a problem of the whole file. */
  line?: number;
  /** What is wrong, in the words of the import's messages. */
  reason: string;
}

/** Options for {@linkcode checkFiles}. */
export interface CheckOptions extends ReadOptions {
  /** The table of every file; by default each file's header tells. */
  table?: TableName;
}

/** Tables whose keys other tables refer to: only their keys are kept between files. */
const REFERENCED = new Set(TABLES.flatMap((table) => table.references.map((r) => r.table)));

/**
 * Checks `paths` as `norton import` would import them into `database`, which
 * is only read (for references); resolves to every problem, file by file in
 * the import's order, line by line.
 */
export async function checkFiles(
  paths: readonly string[],
  database: Pick<Store, "location" | "missing">,
  options: CheckOptions = {},
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const store = new CheckingStore(database);
  const jobs = (await planImport(paths, options)).flat();
  for (const job of jobs) {
    const found: Problem[] = [];
    try {
      await importFile(store, job.path, {
        table: job.table,
        delimiter: options.delimiter,
        onInvalid: "skip",
        rejects: (path) => Promise.resolve(collector(path, job.path, found)),
      });
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      found.push({ file: error.file, line: error.line, reason: error.reason });
    }
    problems.push(...found);
  }
  return problems;
}

/** A store that writes nothing: it keeps the keys a later file may refer to, and reads the rest. */
class CheckingStore implements Pick<Store, "location" | "write" | "rejectsMark"> {
  readonly location: string;
  #database: Pick<Store, "missing">;
  #keys = new Map<TableName, Set<string>>();

  constructor(database: Pick<Store, "location" | "missing">) {
    this.location = database.location;
    this.#database = database;
  }

  /** None: a check collects its rejected rows, so it owns no rejects file. */
  rejectsMark(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  write<T>(table: Table, body: (writer: Writer) => Promise<T>): Promise<T> {
    const keys = REFERENCED.has(table.name) ? this.#keysOf(table.name) : undefined;
    return body({
      upsert: (rows) => {
        if (keys !== undefined) { for (const row of rows) keys.add(row[0] as string); }
      },
      missing: async (reference, wanted) => {
        const checked = this.#keys.get(reference.table);
        const unknown = checked === undefined ? wanted : wanted.filter((k) => !checked.has(k));
        return unknown.length === 0 ? [] : await this.#database.missing(reference, unknown);
      },
      // Nothing is written, so the table holds nothing new and logs nothing.
      count: () => Promise.resolve(0),
      record: () => {},
      markRejects: () => {},
    });
  }

  #keysOf(table: TableName): Set<string> {
    let keys = this.#keys.get(table);
    if (keys === undefined) this.#keys.set(table, keys = new Set());
    return keys;
  }
}

/** Rejects that become problems of `file` in `found` instead of lines of a rejects file. */
function collector(path: string, file: string, found: Problem[]): Rejects {
  return {
    path,
    get count() {
      return found.length;
    },
    add: (line, reason) => {
      found.push({ file, line, reason });
      return Promise.resolve();
    },
    // Nothing to make durable or to rename: the problems are the result.
    seal: () => Promise.resolve(),
    commit: () => Promise.resolve({ path }),
    discard: () => Promise.resolve(),
    settle: () => Promise.resolve(false),
  };
}
