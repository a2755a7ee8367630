/**
 * The PostgreSQL rounds of `deno task bench`: the store's imports paired, in
 * the same rounds, with what a user would otherwise type into psql. Each
 * variant gets a schema of its own, rebuilt before each run (not timed):
 *
 * - `psql_copy`: psql's `\copy` of both files into the store's empty tables;
 * - `linear_pg`, `parallel_pg`: linear.ts and parallel.ts into empty tables;
 * - `psql_upsert`: into full tables (both files loaded beforehand), per file
 *   one transaction of `\copy` into a temporary table and one
 *   `INSERT … ON CONFLICT DO UPDATE` (every key updated): the native upsert;
 * - `linear_pg_full`: linear.ts into the same full tables.
 *
 * The targets of issue 15, as ratios of medians in one run: `linear_pg` at
 * most 1.3x `psql_copy`; `linear_pg_full` at most 1.1x `psql_upsert`;
 * `parallel_pg` at most 0.6x `linear_pg` from 300,000 rows per file. See
 * docs/postgresql.md for what they measured and why.
 *
 * @module
 */
import { getTable, quoteIdent, type Table, TABLES } from "../lib/schema.ts";
import { createTableSql } from "../lib/store/postgres.ts";
import { type Shape, SHAPES } from "../lib/generate.ts";
import { datasetFor } from "./datasets.ts";
import type { BenchResults, BenchRun, PgRatios } from "./results.ts";
import { paired } from "./stats.ts";
import { ratio, time } from "./format.ts";
import { V8_FLAGS } from "../lib/v8_flags.ts";

/** A server to benchmark on, and the psql that reaches it. */
export interface PgServer {
  /** The server's URL (postgres://USER@HOST:PORT/DATABASE). */
  url: string;
  /** The psql executable. */
  psql: string;
}

/** One measured run of a round: the process to time and what to do before it (not timed). */
export interface PgRun {
  /** The variant's name in results.json. */
  name: string;
  /** The command to time. */
  argv: string[];
  /** Text for its standard input. */
  stdin?: string;
  /** Brings the variant's schema to its starting state. */
  prepare(): Promise<void>;
}

/** The files of a dataset, in the order linear.ts imports them. */
const FILES = ["customers", "products"].map(getTable);

/** The variants with the same starting state share a preparation. */
const FRESH = ["psql_copy", "linear_pg", "parallel_pg"];
const FULL = ["psql_upsert", "linear_pg_full"];

/** The server at `url` when `psql` reaches it, or undefined (with a note). */
export async function reachablePg(
  url: string,
  psql: string | undefined,
): Promise<PgServer | undefined> {
  if (psql !== undefined) {
    const check = await new Deno.Command(psql, {
      args: ["-X", url, "-c", "SELECT 1"],
      stdout: "null",
      stderr: "null",
    }).output().catch(() => undefined);
    if (check?.success) return { url, psql };
  }
  console.error(`No PostgreSQL at "${url}" (or no psql): benchmarking SQLite only`);
  return undefined;
}

/**
 * The PostgreSQL runs of one round at `rows` rows per file, on both shapes of
 * the generator's files (the export shape's variants are named with `_export`),
 * in schemas named after `round` (alternate `reverse` between rounds, so that
 * no variant always runs right after another).
 */
export async function pgRuns(
  pg: PgServer,
  rows: number,
  round: string,
  reverse = false,
): Promise<PgRun[]> {
  const runs: PgRun[] = [];
  for (const shape of SHAPES) {
    const dataDir = await datasetFor(rows, shape);
    for (const run of await shapeRuns(pg, dataDir, `${round}_${shape}`)) {
      runs.push({ ...run, name: variantName(run.name, shape) });
    }
  }
  return reverse ? runs.reverse() : runs;
}

/** A variant's name in results.json: the export shape's carry `_export`. */
function variantName(name: string, shape: Shape): string {
  return shape === "plain" ? name : `${name}_${shape}`;
}

/** The runs of one round on the dataset in `dataDir`, in schemas named after `round`. */
async function shapeRuns(pg: PgServer, dataDir: string, round: string): Promise<PgRun[]> {
  const copies = await Promise.all(FILES.map((table) => copyCommand(table, dataDir)));
  const schemaOf = (name: string) => `${round}_${name}`;
  const create = (schema: string) =>
    [`CREATE SCHEMA ${quoteIdent(schema)};`, ...TABLES.map((t) => `${createTableSql(t, schema)};`)]
      .join("\n");
  const load = (schema: string) =>
    FILES.map((table, i) => `\\copy ${qualified(schema, table)} ${copies[i]}`).join("\n");
  // Every variant starts from the store's tables already created: psql's
  // \copy does not create them, and the store finds them as it would in use.
  const fresh = (schema: string) => () => psql(pg, `${drop(schema)}\n${create(schema)}`);
  const full = (schema: string) => () =>
    psql(
      pg,
      `${drop(schema)}\n${create(schema)}\n${load(schema)}\n` +
        `VACUUM ANALYZE ${FILES.map((table) => qualified(schema, table)).join(", ")};`,
    );
  const store = (script: string, schema: string): string[] => {
    const location = new URL(pg.url);
    location.searchParams.set("schema", schema);
    return [
      "deno",
      "run",
      V8_FLAGS,
      "--allow-read",
      "--allow-env=PG*",
      `--allow-net=${location.host}`,
      script,
      "--data-dir",
      dataDir,
      "--db",
      location.href,
    ];
  };
  return [
    {
      name: "psql_copy",
      argv: psqlArgv(pg),
      stdin: load(schemaOf("psql_copy")),
      prepare: fresh(schemaOf("psql_copy")),
    },
    {
      name: "linear_pg",
      argv: store("linear.ts", schemaOf("linear_pg")),
      prepare: fresh(schemaOf("linear_pg")),
    },
    {
      name: "parallel_pg",
      argv: store("parallel.ts", schemaOf("parallel_pg")),
      prepare: fresh(schemaOf("parallel_pg")),
    },
    {
      name: "psql_upsert",
      argv: psqlArgv(pg),
      stdin: FILES.map((table, i) => nativeUpsert(schemaOf("psql_upsert"), table, copies[i]))
        .join("\n"),
      prepare: full(schemaOf("psql_upsert")),
    },
    {
      name: "linear_pg_full",
      argv: store("linear.ts", schemaOf("linear_pg_full")),
      prepare: full(schemaOf("linear_pg_full")),
    },
  ];
}

/** Drops the schemas of `round`. */
export async function dropPgSchemas(pg: PgServer, round: string): Promise<void> {
  const schemas = SHAPES.flatMap((shape) =>
    [...FRESH, ...FULL].map((name) => drop(`${round}_${shape}_${name}`))
  );
  await psql(pg, schemas.join("\n"));
}

/** The paired ratios at each size and shape in `runs` (those without PostgreSQL runs left out). */
export function pgRatios(runs: readonly BenchRun[]): PgRatios[] {
  const ratios: PgRatios[] = [];
  for (const shape of SHAPES) {
    const name = (variant: string) => variantName(variant, shape);
    const sizes = new Set(runs.filter((r) => r.variant === name("linear_pg")).map((r) => r.rows));
    for (const rows of sizes) {
      ratios.push({
        rows,
        shape,
        fresh: paired(runs, rows, name("linear_pg"), name("psql_copy")),
        full: paired(runs, rows, name("linear_pg_full"), name("psql_upsert")),
        parallel: paired(runs, rows, name("parallel_pg"), name("linear_pg")),
      });
    }
  }
  return ratios;
}

/** How findings.txt writes seconds, ratios and row counts. */
export interface FindingsFormat {
  /** Seconds, e.g. "3.53 s" or "81 ms". */
  time(seconds: number): string;
  /** A ratio, e.g. "1.03x". */
  ratio(value: number): string;
  /** A row count, e.g. "1,000,000". */
  rows(count: number): string;
}

/**
 * The PostgreSQL section of findings.txt: median seconds of the store's
 * variants, psql's and SQLite's linear import, then the paired ratios against
 * their targets. No lines when the results hold no PostgreSQL run.
 */
export function pgFindings(results: BenchResults, format: FindingsFormat): string[] {
  const present = (variant: string) => results.summary.some((s) => s.variant === variant);
  if (!present("linear_pg")) return [];
  const lines = [
    "",
    "POSTGRESQL AGAINST PSQL ON THE SAME SERVER (median seconds; linear is SQLite's, plain shape)",
  ];
  for (const shape of SHAPES) {
    const variants = [...FRESH, ...FULL].map((v) => variantName(v, shape)).filter(present);
    if (variants.length === 0) continue;
    if (shape === "plain" && present("linear")) variants.unshift("linear");
    const grid = [[`rows (${shape})`, ...variants]];
    for (const rows of results.sizes) {
      grid.push([
        format.rows(rows),
        ...variants.map((variant) => {
          const found = results.summary.find((s) => s.variant === variant && s.rows === rows);
          return found === undefined ? "-" : format.time(found.medianSeconds);
        }),
      ]);
    }
    const widths = grid[0].map((_, c) => Math.max(...grid.map((row) => row[c].length)));
    lines.push(
      ...grid.map((row) => "  " + row.map((cell, c) => cell.padStart(widths[c])).join("  ")),
    );
  }
  const targets: [keyof Omit<PgRatios, "rows" | "shape">, string][] = [
    ["fresh", "into empty tables linear takes {} psql's \\copy (target 1.3x)"],
    [
      "full",
      "into full tables, every key updated, {} the native \\copy + INSERT ... ON CONFLICT (target 1.1x)",
    ],
    ["parallel", "parallel takes {} linear's time (target 0.6x from 300,000 rows per file)"],
  ];
  // Results written before shapes were measured have neither `postgres` nor export runs.
  for (const ratios of results.postgres ?? pgRatios(results.runs)) {
    const said = targets.flatMap(([key, text]) => {
      const value = ratios[key];
      return value === null ? [] : [text.replace("{}", format.ratio(value))];
    });
    lines.push(
      `- ${format.rows(ratios.rows)} rows per file, ${ratios.shape ?? "plain"} shape ` +
        `(medians of each round's ratio): ${said.join("; ")}.`,
    );
  }
  return lines;
}

/**
 * The PostgreSQL rounds against issue 15's targets as a grid of cells,
 * headings first: per size and shape, a row into empty tables (against psql's
 * `\\copy`, with parallel) and one into full tables (against the native
 * upsert); times are medians, ratios the medians of each round's ratio.
 */
export function pgGrid(results: BenchResults): string[][] {
  const seconds = (variant: string, rows: number) => {
    const found = results.summary.find((s) => s.variant === variant && s.rows === rows);
    return found === undefined ? "-" : time(found.medianSeconds);
  };
  const verdict = (value: number | null, bound: number, applies = true) =>
    value === null
      ? "-"
      : `${ratio(value)}${applies ? ` ${value <= bound ? "met" : "missed"}` : ""}`;
  const grid = [[
    "rows per file",
    "shape",
    "into",
    "psql",
    "linear",
    "linear / psql (target)",
    "parallel",
    "parallel / linear (0.6x from 300,000)",
  ]];
  for (const r of results.postgres ?? pgRatios(results.runs)) {
    const name = (variant: string) => variantName(variant, r.shape);
    grid.push([
      r.rows.toLocaleString("en-US"),
      r.shape,
      "empty tables",
      `\\copy ${seconds(name("psql_copy"), r.rows)}`,
      seconds(name("linear_pg"), r.rows),
      `${verdict(r.fresh, 1.3)} (1.3x)`,
      seconds(name("parallel_pg"), r.rows),
      verdict(r.parallel, 0.6, r.rows >= 300_000),
    ], [
      r.rows.toLocaleString("en-US"),
      r.shape,
      "full tables, every key updated",
      `native ${seconds(name("psql_upsert"), r.rows)}`,
      seconds(name("linear_pg_full"), r.rows),
      `${verdict(r.full, 1.1)} (1.1x)`,
      "",
      "",
    ]);
  }
  return grid;
}

/** `table` qualified with `schema`. */
function qualified(schema: string, table: Table): string {
  return `${quoteIdent(schema)}.${quoteIdent(table.name)}`;
}

function drop(schema: string): string {
  return `DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE;`;
}

/**
 * What follows `\copy TABLE` for the file of `table` in `dataDir`: the
 * header's columns (the export shape has them in another order) and the
 * source. Column names are checked against the schema, never taken raw.
 */
async function copyCommand(table: Table, dataDir: string): Promise<string> {
  const path = `${dataDir}/${table.name}.csv`;
  using file = await Deno.open(path);
  const head = new Uint8Array(4096);
  const read = await file.read(head) ?? 0;
  const line = new TextDecoder().decode(head.subarray(0, read)).split("\n")[0];
  const columns = line.replace(/\r$/, "").split(",").map((name) => {
    const column = table.columns.find((c) => c.name === name.trim());
    if (column === undefined) throw new Error(`"${path}" has an unknown column "${name}"`);
    return quoteIdent(column.name);
  });
  return `(${columns.join(", ")}) FROM '${path.replaceAll("'", "''")}' (FORMAT csv, HEADER true)`;
}

/** The native upsert of one file: `\copy` into a temporary table, one INSERT … ON CONFLICT. */
function nativeUpsert(schema: string, table: Table, copy: string): string {
  const staging = quoteIdent(`native_${table.name}`);
  const updates = table.columns.slice(1).map((c) =>
    `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`
  );
  return [
    "BEGIN;",
    `CREATE TEMPORARY TABLE ${staging} (LIKE ${qualified(schema, table)}) ON COMMIT DROP;`,
    `\\copy ${staging} ${copy}`,
    `INSERT INTO ${qualified(schema, table)} SELECT * FROM ${staging} ` +
    `ON CONFLICT (${quoteIdent(table.key)}) DO UPDATE SET ${updates.join(", ")};`,
    "COMMIT;",
  ].join("\n");
}

function psqlArgv(pg: PgServer): string[] {
  return [pg.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", pg.url];
}

/** Runs `script` in psql (preparation, not timed); throws with psql's message on failure. */
async function psql(pg: PgServer, script: string): Promise<void> {
  const [command, ...args] = psqlArgv(pg);
  const child = new Deno.Command(command, {
    args,
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const output = await child.output();
  if (!output.success) {
    throw new Error(`psql failed: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
}
