/**
 * What the crash and chaos drills share: putting a database back as it was,
 * fingerprinting its tables, and running a child `deno` that may be killed.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { wholeNumber } from "../cli/whole_number.ts";
import type { TableName } from "../lib/schema.ts";
import { tableFile } from "../lib/store/open.ts";
import { digestTable } from "./table_digest.ts";

/** Copies the table files of the SQLite store `pristine` over those of `db`, without journals. */
export function restoreTables(pristine: string, db: string, tables: readonly TableName[]): void {
  Deno.mkdirSync(db, { recursive: true });
  for (const table of tables) {
    Deno.copyFileSync(tableFile(pristine, table), tableFile(db, table));
    for (const suffix of ["-wal", "-shm"]) removeIfThere(tableFile(db, table) + suffix);
  }
}

/** Removes `path` (a file or a folder and all it holds) unless it is not there. */
export function removeIfThere(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * The digest of each of `tables` in the SQLite store `db`: "absent" when its
 * file or the table in it was never created (an import that failed at open).
 */
export function digests(db: string, tables: readonly TableName[]): Record<string, string> {
  return Object.fromEntries(tables.map((table) => {
    try {
      Deno.statSync(tableFile(db, table));
      return [table, digestTable(tableFile(db, table), table)];
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || /no such table/.test(String(error))) {
        return [table, "absent"];
      }
      throw error;
    }
  }));
}

/** What a child process did. */
export interface ChildRun {
  /** Exit code; undefined when it was killed or did not end in time. */
  code: number | undefined;
  /** Standard error, decoded. */
  stderr: string;
  /** Milliseconds from start to exit. */
  ms: number;
  /** Whether it was still running when `timeoutMs` ran out (then it was killed). */
  hung: boolean;
}

/** Options for {@linkcode runChild}. */
export interface ChildOptions {
  /** SIGKILL the child this many milliseconds after it started. */
  killAfterMs?: number;
  /** SIGKILL the child, and call it hung, if it runs longer than this. Defaults to 10 minutes. */
  timeoutMs?: number;
  /** Environment variables to add. */
  env?: Record<string, string>;
  /** Called once the child is running. */
  onStart?: () => void;
}

/** Runs `deno ...args` (stdout discarded), killing it when asked or when it runs too long. */
export async function runChild(args: string[], options: ChildOptions = {}): Promise<ChildRun> {
  const started = performance.now();
  const child = new Deno.Command("deno", {
    args,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  options.onStart?.();
  let hung = false;
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // it had already ended
    }
  };
  const timers = [
    options.killAfterMs === undefined ? undefined : setTimeout(kill, options.killAfterMs),
    setTimeout(() => {
      hung = true;
      kill();
    }, options.timeoutMs ?? 600_000),
  ];
  const output = await child.output();
  for (const timer of timers) clearTimeout(timer);
  return {
    code: output.signal === null ? output.code : undefined,
    stderr: new TextDecoder().decode(output.stderr),
    ms: performance.now() - started,
    hung,
  };
}

/** A drill's flags. */
export interface DrillFlags {
  /** `--rows`: rows per file of the dataset. */
  rows: number;
  /** `--kills`: kills (or faults) per scenario. */
  kills: number;
  /** `--dir`: the drill's folder. */
  dir: string;
  /** `--pg`: a PostgreSQL server, where the drill takes one. */
  pg?: string;
  /** `--only`: which of its parts to run, where the drill has parts. */
  only?: string;
}

/**
 * Reads a drill's flags, `defaults` filling in those not given (`pg` or
 * `only` in the defaults, even undefined, means the drill takes that flag);
 * prints one line and returns undefined when one is bad.
 */
export function drillFlags(args: string[], defaults: DrillFlags): DrillFlags | undefined {
  try {
    const { values } = parseArgs({
      args,
      options: {
        rows: { type: "string", default: String(defaults.rows) },
        kills: { type: "string", default: String(defaults.kills) },
        dir: { type: "string", default: defaults.dir },
        ...("pg" in defaults ? { pg: { type: "string" } } : {}),
        ...("only" in defaults ? { only: { type: "string" } } : {}),
      },
    });
    return {
      rows: wholeNumber("--rows", values.rows, 1),
      kills: wholeNumber("--kills", values.kills, 1),
      dir: values.dir as string,
      ...("pg" in defaults ? { pg: (values.pg as string | undefined) ?? defaults.pg } : {}),
      ...("only" in defaults ? { only: (values.only as string | undefined) ?? defaults.only } : {}),
    };
  } catch (error) {
    console.error((error as Error).message);
    Deno.exitCode = 2;
    return undefined;
  }
}
