/**
 * `norton`, the one command for HP Norton's import jobs: imports, the two
 * queries of the earlier system and the data generator. A thin layer over lib/:
 * every command calls the same functions as the scripts and the tests.
 *
 * Exit codes: 0 success, 1 failure (e.g. a refused file), 2 bad usage.
 *
 * @example
 * ```sh
 * deno task norton import data/customers.csv data/products.csv data/rentals.csv --mode parallel
 * deno task norton rentals P000973 --json
 * ```
 *
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { addForwardedCommand, denoTask, type ForwardedCommand } from "./cli/forward_command.ts";
import { generateDataset, type Shape, SHAPES } from "./lib/generate.ts";
import type { ImportReport } from "./lib/import_report.ts";
import { IMPORT_MODES, importFiles, type ImportMode } from "./lib/import_files.ts";
import { planImport } from "./lib/import_plan.ts";
import { progressForFiles } from "./cli/progress.ts";
import { type Customer, listAvailableProducts, listRenters, type Product } from "./lib/queries.ts";
import { DEFAULT_DB } from "./lib/run_options.ts";
import { rejectedNote } from "./cli/run_main.ts";
import { getTable, type TableName, TABLES } from "./lib/schema.ts";
import { openStore } from "./lib/store/open.ts";
import type { Store } from "./lib/store/store.ts";
import { formatTable, red, useColor } from "./cli/text_table.ts";
import { VERSION } from "./cli/version.ts";
import { wholeNumber } from "./cli/whole_number.ts";

/** What `norton import` loads when given no file. */
const DEFAULT_FILES = ["data/customers.csv", "data/products.csv"];

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
    .addHelpText("after", examples("norton import", "norton rentals P000973 --json"));

  program.command("import")
    .summary("import CSV files into the database")
    .description(
      "Import CSV files; each file's table comes from its header, or from --table. Rentals are " +
        "imported after the customers and products they refer to, in both modes. Each file is one " +
        "transaction: a file with a bad row is refused whole; files imported before it stay.",
    )
    .argument("[files...]", `CSV files (default: ${DEFAULT_FILES.join(" ")})`)
    .addOption(
      new Option(
        "--mode <mode>",
        "linear: one file after another; parallel: one worker per file; auto: parallel for large files",
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
    .option(
      "--rejects-dir <dir>",
      "with --skip-invalid: the folder of the rejects files (default: the database's folder)",
    )
    .addOption(jsonOption("print JSON (one object per file) instead of a table"))
    .addHelpText(
      "after",
      examples(
        "norton import",
        "norton import export.csv --skip-invalid",
        "norton import data/customers.csv data/products.csv data/rentals.csv --mode parallel",
        "norton import export.csv --table products --db data/test.db --json",
      ),
    )
    .action(importCommand);

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
    .requiredOption("--out <dir>", "folder to write (created if missing)")
    .option("--rows <n>", "rows per file", wholeArgument, 1000)
    .option("--seed <n>", "seed: the same seed and rows give the same bytes", wholeArgument, 42)
    .addOption(
      new Option(
        "--shape <shape>",
        "plain (as the bundled data) or export (BOM, CRLF, multi-line quoted addresses, other column order)",
      ).choices(SHAPES).default("plain"),
    )
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
    Deno.exitCode = 1;
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
  },
): Promise<void> {
  const paths = files.length > 0 ? files : DEFAULT_FILES;
  const stages = await planImport(paths, { table: options.table });
  const progress = options.json || !Deno.stderr.isTerminal()
    ? undefined
    : await progressForFiles(stages.flat().map((job) => ({ key: job, path: job.path })));
  let reports;
  try {
    reports = await importFiles(stages, {
      db: options.db,
      mode: options.mode,
      onInvalid: options.skipInvalid ? "skip" : "fail",
      rejectsDir: options.rejectsDir,
      onProgress: progress && ((job, rows) => progress.update(job, rows)),
      onImported: (job, report) => progress?.finish(job, report.processed),
    });
  } finally {
    progress?.stop();
  }
  print(reports, REPORT_VIEW, options.json);
  for (const report of reports.filter((r) => r.rejected > 0)) console.error(rejectedNote(report));
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

async function generateCommand(
  options: { out: string; rows: number; seed: number; shape: Shape; json?: boolean },
) {
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
      if (!await store.hasTable(getTable(table))) {
        throw new Error(`Database "${db}" has no ${table}: import them first with "norton import"`);
      }
    }
    return await query(store);
  } finally {
    await store.close();
  }
}

/** How rows of one kind print as a table: column heads, cells, right-aligned columns. */
interface View<T> {
  head: string[];
  cells: (row: T) => string[];
  right: number[];
}

const REPORT_VIEW: View<ImportReport> = {
  head: ["file", "table", "processed", "before", "after", "seconds", "rejected"],
  cells: (r) => [
    r.file,
    r.table,
    String(r.processed),
    String(r.before),
    String(r.after),
    r.seconds.toFixed(3),
    String(r.rejected),
  ],
  right: [2, 3, 4, 5, 6],
};

const PRODUCT_VIEW: View<Product> = {
  head: ["product_id", "description", "product_type", "quantity_available"],
  cells: (p) => [p.product_id, p.description, p.product_type, String(p.quantity_available)],
  right: [3],
};

const CUSTOMER_VIEW: View<Customer> = {
  head: ["user_id", "name", "address", "zip_code", "phone_number", "email"],
  cells: (c) => [c.user_id, c.name, c.address, c.zip_code, c.phone_number, c.email],
  right: [],
};

/** Prints `rows` as JSON, or as a table through `view`. */
function print<T>(rows: T[], view: View<T>, json = false): void {
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const color = useColor(Deno.stdout);
  console.log(formatTable(view.head, rows.map(view.cells), { right: view.right, color }));
}

function dbOption(): Option {
  return new Option("--db <path>", "database location").default(DEFAULT_DB);
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

/** One line for a failure; a denied permission says what the task may do. */
function failureMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/^Requires (read|write) access/.test(message)) {
    return `${message.split("\n")[0]} (deno task norton writes only under data/)`;
  }
  return message.split("\n")[0];
}

if (import.meta.main) await main();
