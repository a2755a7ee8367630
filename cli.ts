/**
 * `norton`, the one command for HP Norton's import jobs: imports and checks of
 * CSV files, the database's status, read-only SQL, exports, the two queries of
 * the earlier system and the data generator. A thin layer over lib/: every
 * command calls the same functions as the scripts and the tests, and prints
 * through cli/views.ts.
 *
 * Exit codes: 0 success, 1 failure (e.g. a refused file), 2 bad usage, 130
 * interrupted (Ctrl-C: the file under way rolled back, committed ones stay).
 *
 * @example
 * ```sh
 * deno task norton import data/customers.csv data/products.csv data/rentals.csv --mode parallel
 * deno task norton status
 * deno task norton sql "SELECT COUNT(*) FROM rentals JOIN customers USING (user_id)"
 * ```
 *
 * @module
 */
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { addForwardedCommand, denoTask, type ForwardedCommand } from "./cli/forward_command.ts";
import { generateDataset, type Shape, SHAPES } from "./lib/generate.ts";
import type { ImportReport } from "./lib/import_report.ts";
import { IMPORT_MODES, importFiles, type ImportMode } from "./lib/import_files.ts";
import { planImport } from "./lib/import_plan.ts";
import { progressForFiles } from "./cli/progress.ts";
import {
  Interrupted,
  INTERRUPTED_EXIT_CODE,
  interruptedNote,
  interruptible,
} from "./cli/interrupt.ts";
import { listAvailableProducts, listRenters } from "./lib/queries.ts";
import { DEFAULT_DB } from "./lib/run_options.ts";
import { rejectedNote } from "./cli/run_main.ts";
import { getTable, type TableName, TABLES } from "./lib/schema.ts";
import { isServerLocation, openStore } from "./lib/store/open.ts";
import type { Store } from "./lib/store/store.ts";
import { red, useColor } from "./cli/text_table.ts";
import {
  CUSTOMER_VIEW,
  print,
  PROBLEM_VIEW,
  PRODUCT_VIEW,
  queryView,
  REPORT_VIEW,
  STATUS_VIEW,
  type TableStatus,
} from "./cli/views.ts";
import { checkFiles } from "./lib/check_files.ts";
import { tableCsv } from "./lib/export_table.ts";
import { VERSION } from "./cli/version.ts";
import { permissionHint, requireWrite } from "./cli/permission_hint.ts";
import { userPath } from "./cli/user_path.ts";
import { dirname } from "./lib/paths.ts";
import { wholeNumber } from "./cli/whole_number.ts";

/** What `norton import` loads when given no file: the bundled exports, rentals when present. */
const DEFAULT_FILES = ["data/customers.csv", "data/products.csv"];
const DEFAULT_RENTALS = "data/rentals.csv";

/**
 * Commands that run another job with every argument after their name (see
 * cli/forward_command.ts): each runs its own `deno task`, with that task's
 * permissions and flags.
 */
const FORWARDED: readonly ForwardedCommand[] = [
  {
    name: "contention",
    summary: "show SQLITE_BUSY under concurrent writers, and the design that avoids it",
    ...denoTask("contention"),
  },
  {
    name: "profile",
    summary: "profile the linear import and the baseline (writes docs/profile/)",
    ...denoTask("profile"),
  },
  {
    name: "bench",
    summary: "benchmark baseline, linear, parallel and sqlite3 across sizes (bench/results.json)",
    ...denoTask("bench"),
  },
];

/** Builds the `norton` program; it never exits the process (commander errors are thrown). */
export function createProgram(): Command {
  const program = new Command("norton")
    .description("Import HP Norton's CSV exports into the database and query it.")
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help for a command")
    .addHelpCommand(false)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      getOutHasColors: () => useColor(Deno.stdout),
      getErrHasColors: () => useColor(Deno.stderr),
      outputError: (text, write) =>
        write(useColor(Deno.stderr) ? `${red(text.trimEnd())}\n` : text),
    })
    .addHelpText(
      "after",
      examples("norton import", "norton status", `norton sql "SELECT COUNT(*) FROM rentals"`),
    );

  program.command("import")
    .summary("import CSV files into the database")
    .description(
      "Import CSV files; each file's table comes from its header, or from --table. Rentals are " +
        "imported after the customers and products they refer to, in both modes. Each file is one " +
        "transaction: a file with a bad row is refused whole; files imported before it stay.",
    )
    .argument(
      "[files...]",
      `CSV files (default: ${DEFAULT_FILES.join(" ")}, and ${DEFAULT_RENTALS} when present)`,
    )
    .addOption(
      new Option(
        "--mode <mode>",
        "linear: one file after another; parallel: two threads at once; auto: parallel for large files",
      )
        .choices(IMPORT_MODES).default("auto"),
    )
    .addOption(dbOption())
    .addOption(
      new Option("--table <name>", "import every file into this table, whatever its header")
        .choices(TABLES.map((t) => t.name)),
    )
    .option(
      "--skip-invalid",
      "import the valid rows; write each bad one, with its line and reason, to <name>.rejects.csv",
    )
    .addOption(
      new Option(
        "--rejects-dir <dir>",
        "with --skip-invalid: the folder of the rejects files (default: the database's folder)",
      ).argParser(userPath),
    )
    .addOption(delimiterOption())
    .addOption(jsonOption("print JSON (one object per file) instead of a table"))
    .addHelpText(
      "after",
      examples(
        "norton import",
        "norton import export.csv --skip-invalid",
        "norton import data/customers.csv data/products.csv data/rentals.csv --mode parallel",
        "norton import export.csv --table products --db data/test --json",
        "norton import spreadsheet.csv --delimiter ';'",
      ),
    )
    .action(importCommand);

  program.command("check")
    .summary("check CSV files without importing them: every problem, with its line")
    .description(
      "Check CSV files by the import's own rules without writing anything, and list every " +
        "problem of every file (not just the first) with its line. References (a rental's " +
        "product and customer) are looked up in the files checked before it and in --db. " +
        "Exits 1 when there is any problem.",
    )
    .argument("<files...>", "CSV files")
    .addOption(dbOption())
    .addOption(
      new Option("--table <name>", "check every file as this table, whatever its header")
        .choices(TABLES.map((t) => t.name)),
    )
    .addOption(delimiterOption())
    .addOption(jsonOption("print JSON (an array of {file, line, reason}) instead of a table"))
    .addHelpText(
      "after",
      examples(
        "norton check data/customers.csv data/products.csv data/rentals.csv",
        "norton check export.csv --delimiter ';' --json",
      ),
    )
    .action(checkCommand);

  program.command("status")
    .summary("show each table's rows, size, place and last import")
    .description(
      "Show each table's rows, where it lives, its size and its last import (when, from which " +
        "file, rows processed and rejected, how long), as the import recorded it.",
    )
    .addOption(dbOption())
    .addOption(jsonOption("print JSON (an array with one object per table) instead of a table"))
    .addHelpText(
      "after",
      examples(
        "norton status",
        "norton:pg status --db postgres://root@127.0.0.1:5432/test --json",
      ),
    )
    .action(statusCommand);

  program.command("sql")
    .summary("run a read-only SQL query over customers, products and rentals")
    .description(
      "Run one read-only SQL statement in which the tables customers, products and rentals are " +
        "addressable by name, joins included. A statement that would write is refused. On SQLite, " +
        "the tables a query names beside the largest are copied into memory first (Deno allows " +
        "no ATTACH under a task's permissions): seconds per million rows.",
    )
    .argument("<query>", "one SQL statement, quoted for the shell")
    .addOption(dbOption())
    .addOption(jsonOption("print JSON (an array of row objects) instead of a table"))
    .addHelpText(
      "after",
      examples(
        `norton sql "SELECT product_type, COUNT(*) AS rentals FROM rentals JOIN products ` +
          `USING (product_id) GROUP BY product_type"`,
        `norton sql "SELECT c.name, r.rental_id FROM rentals r JOIN customers c ` +
          `USING (user_id) WHERE r.product_id = 'P000973'" --json`,
      ),
    )
    .action(sqlCommand);

  program.command("export")
    .summary("write a table as CSV (RFC 4180, with its header)")
    .description(
      "Write a table as CSV (RFC 4180: a header line, fields quoted where needed, CRLF line ends), " +
        "in key order, to stdout or to --out. Importing it into an empty database gives the " +
        "same rows.",
    )
    .addArgument(new Argument("<table>", "the table").choices(TABLES.map((t) => t.name)))
    .addOption(dbOption())
    .addOption(
      new Option("--out <file>", "write to this file instead of stdout (its folder is created)")
        .argParser(userPath),
    )
    .option("--force", "replace the --out file if it exists")
    .addHelpText(
      "after",
      examples(
        "norton export customers > customers.csv",
        "norton export rentals --out data/rentals-backup.csv",
      ),
    )
    .action(exportCommand);

  program.command("products")
    .summary("list the products available for rent")
    .description("List the products available for rent (quantity above 0).")
    .option("--available", "products available for rent, quantity above 0 (also the default)")
    .addOption(dbOption())
    .addOption(jsonOption("print JSON (an array of products) instead of a table"))
    .addHelpText("after", examples("norton products --available", "norton products --json"))
    .action(productsCommand);

  program.command("rentals")
    .summary("list the customers who rented a product")
    .description("List the name and contact details of every customer who rented a product.")
    .argument("<product-id>", "the product, e.g. P000973")
    .addOption(dbOption())
    .addOption(jsonOption("print JSON (an array of customers) instead of a table"))
    .addHelpText("after", examples("norton rentals P000973", "norton rentals P000973 --json"))
    .action(rentalsCommand);

  program.command("generate")
    .summary("write a seeded dataset of CSV files")
    .description("Write a seeded dataset: customers.csv, products.csv and rentals.csv.")
    .addOption(
      new Option("--out <dir>", "folder to write (created if missing)").makeOptionMandatory()
        .argParser(userPath),
    )
    .option("--rows <n>", "rows per file", wholeArgument, 1000)
    .option("--seed <n>", "seed: the same seed and rows give the same bytes", wholeArgument, 42)
    .addOption(
      new Option(
        "--shape <shape>",
        "plain (as the bundled data) or export (BOM, CRLF, multi-line quoted addresses, other column order)",
      ).choices(SHAPES).default("plain"),
    )
    .option("--force", "replace the CSV files the folder already holds")
    .addOption(jsonOption("print the written paths as a JSON array"))
    .addHelpText(
      "after",
      examples(
        "norton generate --rows 100000 --out data/large/100000",
        "norton generate --rows 100000 --shape export --out data/large/export-100000",
      ),
    )
    .action(generateCommand);

  for (const command of FORWARDED) addForwardedCommand(program, command);
  return program;
}

/** Runs `norton` with `args`; sets `Deno.exitCode` to 1 on failure and 2 on bad usage. */
export async function main(args: string[] = Deno.args): Promise<void> {
  try {
    await createProgram().parseAsync(args, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the help, the version or the one-line error.
      Deno.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = failureMessage(error);
    console.error(useColor(Deno.stderr) ? red(message) : message);
    Deno.exitCode = error instanceof Interrupted ? INTERRUPTED_EXIT_CODE : 1;
  }
}

async function importCommand(
  files: string[],
  options: {
    mode: ImportMode;
    db: string;
    table?: TableName;
    json?: boolean;
    skipInvalid?: boolean;
    rejectsDir?: string;
    delimiter?: string;
  },
): Promise<void> {
  using interrupt = interruptible();
  const paths = files.length > 0 ? files.map(userPath) : await defaultFiles();
  const stages = await planImport(paths, { table: options.table, delimiter: options.delimiter });
  const jobs = stages.flat();
  const progress = options.json || !Deno.stderr.isTerminal()
    ? undefined
    : await progressForFiles(jobs.map((job) => ({ key: job, path: job.path })));
  // Each committed file's report at its place in the plan, whatever order they committed in.
  const done: ImportReport[] = [];
  try {
    await importFiles(stages, {
      db: options.db,
      mode: options.mode,
      onInvalid: options.skipInvalid ? "skip" : "fail",
      rejectsDir: options.rejectsDir,
      delimiter: options.delimiter,
      onProgress: progress && ((job, rows) => progress.update(job, rows)),
      onImported: (job, report) => {
        done[jobs.indexOf(job)] = report;
        progress?.finish(job, report.processed);
      },
      signal: interrupt.signal,
    });
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
  } finally {
    progress?.stop();
  }
  const committed = done.filter((report) => report !== undefined);
  if (committed.length > 0 || options.json) print(committed, REPORT_VIEW, options.json);
  for (const report of committed.filter((r) => r.rejected > 0)) console.error(rejectedNote(report));
  if (interrupt.signal.aborted) {
    throw new Interrupted(
      interruptedNote(jobs.map((job) => job.path), committed.map((report) => report.file)),
    );
  }
}

async function defaultFiles(): Promise<string[]> {
  const rentals = await existing(".", [DEFAULT_RENTALS]);
  return [...DEFAULT_FILES, ...rentals];
}

async function productsCommand(options: { db: string; json?: boolean }): Promise<void> {
  const products = await withStore(options.db, ["products"], listAvailableProducts);
  print(products, PRODUCT_VIEW, options.json);
}

async function rentalsCommand(productId: string, options: { db: string; json?: boolean }) {
  const customers = await withStore(
    options.db,
    ["rentals", "customers"],
    (store) => listRenters(store, productId),
  );
  if (customers.length === 0 && !options.json) {
    console.error(`No customer rented product "${productId}"`);
    return;
  }
  print(customers, CUSTOMER_VIEW, options.json);
}

async function checkCommand(
  files: string[],
  options: { db: string; table?: TableName; delimiter?: string; json?: boolean },
): Promise<void> {
  const paths = files.map(userPath);
  const problems = await withStore(
    options.db,
    [],
    (store) => checkFiles(paths, store, { table: options.table, delimiter: options.delimiter }),
  );
  if (problems.length > 0 || options.json) print(problems, PROBLEM_VIEW, options.json);
  const bad = new Set(problems.map((problem) => problem.file)).size;
  const checked = paths.length === 1 ? "1 file" : `${paths.length} files`;
  console.error(
    problems.length === 0
      ? `Checked ${checked}: no problems`
      : `Checked ${checked}: ${plural(problems.length, "problem")} in ${plural(bad, "file")}`,
  );
  if (problems.length > 0) Deno.exitCode = 1;
}

async function statusCommand(options: { db: string; json?: boolean }): Promise<void> {
  const tables = await withStore(options.db, [], async (store) => {
    const status: TableStatus[] = [];
    for (const table of TABLES) {
      // A SQLite table never imported has no file; counting it would create one.
      const imported = await store.hasTable(table);
      const { where, bytes } = await store.tableInfo(table);
      status.push({
        table: table.name,
        rows: imported ? await store.count(table) : 0,
        where,
        bytes,
        lastImport: (imported ? await store.lastImport(table) : undefined) ?? null,
      });
    }
    return status;
  });
  print(tables, STATUS_VIEW, options.json);
}

async function sqlCommand(query: string, options: { db: string; json?: boolean }): Promise<void> {
  const result = await withStore(options.db, [], async (store) => {
    // A mistyped --db would answer every query with no rows: say so instead.
    const imported = await Promise.all(TABLES.map((table) => store.hasTable(table)));
    if (!imported.includes(true)) throw noTables(options.db);
    return await store.query(query);
  });
  print(result.rows, queryView(result), options.json);
}

async function exportCommand(
  name: TableName,
  options: { db: string; out?: string; force?: boolean },
): Promise<void> {
  const table = getTable(name);
  await withStore(options.db, [name], async (store) => {
    const text = ReadableStream.from(tableCsv(store, table)).pipeThrough(new TextEncoderStream());
    if (options.out === undefined) {
      try {
        await text.pipeTo(Deno.stdout.writable, { preventClose: true });
      } catch (error) {
        // The reader stopped early (`norton export customers | head`): not a failure.
        if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
      }
      return;
    }
    await writeFileSafely(options.out, text, options.force);
  });
}

/**
 * Writes `bytes` to `path` through a temporary file renamed at the end, so a
 * failure leaves no half-written file; refuses to replace one unless `force`.
 */
async function writeFileSafely(
  path: string,
  bytes: ReadableStream<Uint8Array>,
  force = false,
): Promise<void> {
  if (!force && (await existing(".", [path])).length > 0) {
    throw new Error(`Cannot write "${path}": it exists; choose another name, or add --force`);
  }
  requireWrite(path);
  const partial = `${path}.partial`;
  requireWrite(partial);
  await Deno.mkdir(dirname(path), { recursive: true });
  const file = await Deno.open(partial, { write: true, create: true, truncate: true });
  try {
    await bytes.pipeTo(file.writable);
    await Deno.rename(partial, path);
  } catch (error) {
    await Deno.remove(partial).catch(() => {});
    throw error;
  }
}

/** `count` and `noun`, plural when it is not 1. */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

async function generateCommand(
  options: {
    out: string;
    rows: number;
    seed: number;
    shape: Shape;
    json?: boolean;
    force?: boolean;
  },
) {
  // `--out data` would silently have replaced the bundled exports.
  const names = TABLES.map((table) => `${table.name}.csv`);
  const present = options.force ? [] : await existing(options.out, names);
  if (present.length > 0) {
    throw new Error(
      `Cannot write "${options.out}": it already holds ${present.join(", ")}; ` +
        "choose another folder, or add --force to replace them",
    );
  }
  requireWrite(options.out);
  const { rows, seed, shape } = options;
  const paths = await generateDataset(options.out, { rows, seed, shape });
  console.log(options.json ? JSON.stringify(paths) : paths.join("\n"));
}

/** Runs `query` on the store at `db`, refusing a database whose `tables` were never imported. */
async function withStore<T>(
  db: string,
  tables: TableName[],
  query: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(db);
  try {
    // A query on a table never imported would create it empty: say what to do instead.
    for (const table of tables) {
      if (!await store.hasTable(getTable(table))) throw noTables(db, table);
    }
    return await query(store);
  } finally {
    await store.close();
  }
}

/** The error for a database without `table`, or without any table. */
function noTables(db: string, table?: TableName): Error {
  const what = table === undefined ? "holds no table" : `has no ${table}`;
  return new Error(`Database "${db}" ${what}: import them first with "norton import"`);
}

/** Which of the files `names` the folder `dir` holds. */
async function existing(dir: string, names: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const name of names) {
    try {
      await Deno.lstat(`${dir}/${name}`);
      found.push(name);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return found;
}

function dbOption(): Option {
  return new Option("--db <path>", "database location").default(DEFAULT_DB)
    .argParser((value) => isServerLocation(value) ? value : userPath(value));
}

function delimiterOption(): Option {
  return new Option(
    "--delimiter <char>",
    "the character between fields: ',' (default, or as a sep= first line says), ';', tab …",
  )
    .argParser(delimiterArgument);
}

/** Commander's parser of --delimiter: one character, `tab` or `\t` for a tab. */
function delimiterArgument(text: string): string {
  const delimiter = text === "tab" || text === "\\t" ? "\t" : text;
  if (delimiter.length !== 1 || /["\r\n]/.test(delimiter)) {
    throw new InvalidArgumentError("expected one character, not a quote or line break");
  }
  return delimiter;
}

function jsonOption(description: string): Option {
  return new Option("--json", description);
}

/** Commander's argument parser for whole numbers (it prints the message after "error: "). */
function wholeArgument(text: string): number {
  try {
    return wholeNumber("value", text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function examples(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? "s" : ""}:\n${
    lines.map((l) => `  deno task ${l}`).join("\n")
  }`;
}

/** One line for a failure; a denied permission says what works instead. */
function failureMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return permissionHint(message.split("\n")[0]);
}

if (import.meta.main) await main();
