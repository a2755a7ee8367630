/**
 * Helpers for the tests: temporary folders inside the project (so that the
 * test task's `--allow-write` can stay scoped), CSV files and table snapshots.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import config from "../deno.json" with { type: "json" };
import type { CsvBatch } from "../lib/csv.ts";
import { generateDataset } from "../lib/generate.ts";
import { rawRecord } from "../lib/raw_records.ts";
import { quoteIdent, type TableName } from "../lib/schema.ts";
import { tableFile } from "../lib/store/open.ts";
import { digestTable } from "../tools/table_digest.ts";

/** The folder every test's temporary files live under (git-ignored). */
export const TEST_TMP = ".test-tmp";

/** The raw text of every record of `batch` (read with `raw: true`), in order. */
export function rawTexts(batch: CsvBatch): string[] {
  return batch.records.map((_, i) => rawRecord(batch, i));
}

/** A fresh temporary folder, removed by `using`. */
export async function tempDir(): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  await Deno.mkdir(TEST_TMP, { recursive: true });
  const path = await Deno.makeTempDir({ dir: TEST_TMP });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** A temporary folder holding the seeded dataset of `rows` rows per file. */
export async function datasetDir(rows = 50) {
  const dir = await tempDir();
  await generateDataset(dir.path, { rows });
  return dir;
}

/** Writes `text` to `dir/name` and returns the path. */
export async function writeFile(
  dir: string,
  name: string,
  text: string | Uint8Array,
): Promise<string> {
  const path = `${dir}/${name}`;
  if (typeof text === "string") await Deno.writeTextFile(path, text);
  else await Deno.writeFile(path, text);
  return path;
}

/** Every row of `table` in key order, read straight from its file (none if there is no file). */
export function snapshot(db: string, table: TableName): unknown[][] {
  try {
    Deno.statSync(tableFile(db, table));
  } catch {
    return [];
  }
  const database = new DatabaseSync(tableFile(db, table), { readOnly: true });
  try {
    const rows = database.prepare(`SELECT * FROM ${quoteIdent(table)} ORDER BY 1`).all();
    return rows.map((row) => Object.values(row as Record<string, unknown>));
  } finally {
    database.close();
  }
}

/** The row count of `table`, read straight from the database file. */
export function countRows(db: string, table: TableName): number {
  return snapshot(db, table).length;
}

/** A SHA-256 of every row of `table` in key order: equal checksums mean byte-equal tables. */
export function checksum(db: string, table: TableName): string {
  return digestTable(tableFile(db, table), table);
}

/** What a child `deno` process did. */
export interface DenoRun {
  /** Exit code. */
  code: number;
  /** Standard output, decoded. */
  stdout: string;
  /** Standard error, decoded. */
  stderr: string;
}

/** Options for {@linkcode spawnDeno} and {@linkcode runDeno}. */
export interface SpawnOptions {
  /** Kills the child when aborted (a guard against a child that would hang). */
  signal?: AbortSignal;
  /** Environment variables to add (NO_COLOR=1 is always set). */
  env?: Record<string, string>;
  /** The child's working folder (default: this process's). */
  cwd?: string;
}

/** Starts `deno run --no-prompt ...args` in a child process with piped output (needs --allow-run=deno). */
export function spawnDeno(args: string[], options: SpawnOptions = {}): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args: ["run", "--no-prompt", ...args],
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
    signal: options.signal,
    cwd: options.cwd,
  }).spawn();
}

/** What `child` did, once it has ended. */
export async function ended(child: Deno.ChildProcess): Promise<DenoRun> {
  const output = await child.output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

/** A folder on a tmpfs of its own, unmounted and removed by `using`. */
export interface TinyDisk {
  /** The mount point. */
  path: string;
  /** Unmounts the tmpfs and removes the folder. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Mounts a tmpfs of `kib` KiB in a fresh temporary folder, for disk-full tests;
 * undefined where that is not possible (not root, no `mount`, or the test's
 * permissions lack `--allow-run=mount,umount`), so those tests can skip.
 */
export async function tinyDisk(kib: number): Promise<TinyDisk | undefined> {
  const dir = await tempDir();
  const run = async (command: string, args: string[]) => {
    try {
      const { success } = await new Deno.Command(command, {
        args,
        stdout: "null",
        stderr: "null",
      }).output();
      return success;
    } catch {
      return false;
    }
  };
  if (!await run("mount", ["-t", "tmpfs", "-o", `size=${kib}k`, "tmpfs", dir.path])) {
    await dir[Symbol.asyncDispose]();
    return undefined;
  }
  return {
    path: dir.path,
    async [Symbol.asyncDispose]() {
      // Lazily if a file on it is still open: the folder must go either way.
      if (!await run("umount", [dir.path])) await run("umount", ["-l", dir.path]);
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** Fills the file system holding `dir` (with `dir/filler`) until about `kib` KiB are free. */
export async function fillDisk(dir: string, kib: number): Promise<void> {
  const file = await Deno.open(`${dir}/filler`, { write: true, create: true });
  const page = new Uint8Array(4096);
  try {
    while (true) await file.write(page);
  } catch (error) {
    if (!(error instanceof Error && /No space left/.test(error.message))) throw error;
  } finally {
    file.close();
  }
  const size = (await Deno.stat(`${dir}/filler`)).size;
  await Deno.truncate(`${dir}/filler`, Math.max(0, size - kib * 1024));
}

/** The environment variable `name`, or undefined when unset or when the test may not read it. */
export function grantedEnv(name: string): string | undefined {
  const granted = Deno.permissions.querySync({ name: "env", variable: name }).state === "granted";
  return granted ? Deno.env.get(name) : undefined;
}

/**
 * Runs `norton` (cli.ts) in a child process with its task's permissions, its
 * writes scoped to .test-tmp instead of data/.
 */
export function norton(...args: string[]): Promise<DenoRun> {
  return runDeno([
    "--allow-read",
    "--allow-write=.test-tmp",
    "--allow-run=deno",
    "cli.ts",
    ...args,
  ]);
}

/**
 * Runs `norton ARGS --db LOCATION`, with PostgreSQL's permissions (as `deno
 * task norton:pg` grants them) when the location is a server's.
 */
export function nortonAt(location: string, ...args: string[]): Promise<DenoRun> {
  const server = /^postgres(ql)?:/.test(location)
    ? ["--allow-env=PG*", `--allow-net=${new URL(location).host}`]
    : [];
  return runDeno([
    "--allow-read",
    "--allow-write=.test-tmp",
    "--allow-run=deno",
    ...server,
    "cli.ts",
    ...args,
    "--db",
    location,
  ]);
}

/** Runs `deno run --no-prompt ...args` in a child process (needs --allow-run=deno). */
export function runDeno(args: string[], options: SpawnOptions = {}): Promise<DenoRun> {
  return ended(spawnDeno(args, options));
}

/** The command line of a deno.json task. */
export function taskCommand(name: string): string {
  const task = (config.tasks as Record<string, string | { command: string }>)[name];
  return typeof task === "string" ? task : task.command;
}

/** The flags of a deno.json task, e.g. ["--allow-read", "--allow-write=data"]. */
export function taskFlags(name: string): string[] {
  return taskCommand(name).split(" ").filter((word) => word.startsWith("-"));
}
