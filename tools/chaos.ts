/**
 * The chaos drill: faults injected into real imports, each outcome checked.
 * Beside `deno task crash` (SIGKILL of linear.ts in strict mode), it tries:
 *
 * 1. SIGKILL at random moments of parallel.ts (strict and skip), linear.ts
 *    (skip) and `norton import` in every mode (linear, parallel, auto; strict
 *    and skip), over a database holding other values. After each kill: every
 *    table passes `PRAGMA integrity_check` and is, as a whole, the old or the
 *    new one; in skip mode the next run's first step (recoverRejects) then
 *    leaves each new table with exactly its rejects file, each old one with
 *    none, and no `.partial` file.
 * 2. A tiny tmpfs filling up: `norton import` (linear and parallel, strict
 *    and skip) into a database and rejects folder on a tmpfs sized from 2% to
 *    200% of what the import needs. Each run must succeed whole, or fail with
 *    exit code 1 and one line (no stack trace), each table whole old or whole
 *    new, no `.partial` left.
 * 3. PostgreSQL backend terminations: linear.ts and parallel.ts into a
 *    server; the import's own backend (found by its application_name) is
 *    terminated with pg_terminate_backend during a write: its COPY, or the
 *    merge of its staged rows (the tables hold rows, so both happen), table
 *    lock included. The process must end within 60 s with exit code 1 and one
 *    line (or, past COMMIT, succeed), each table whole old or new.
 *
 * Scenarios that cannot run here are reported as skipped: the tmpfs needs
 * root (`mount`), the server needs `--pg URL` or HPN_PG_URL.
 *
 * ```sh
 * deno task chaos --rows 100000 --kills 4
 * deno task chaos --only pg --pg postgres://root@127.0.0.1:5432/test
 * ```
 *
 * @module
 */
import postgres from "postgres";
import { generateDataset } from "../lib/generate.ts";
import { importFiles } from "../lib/import_files.ts";
import { planImport } from "../lib/import_plan.ts";
import { recoverRejects, rejectsPath } from "../lib/rejects.ts";
import { getTable, type TableName } from "../lib/schema.ts";
import { openStore } from "../lib/store/open.ts";
import { tableFile } from "../lib/store/open.ts";
import { digests, drillFlags, removeIfThere, restoreTables, runChild } from "./drill.ts";
import { integrityCheck } from "./table_digest.ts";
import { V8_FLAGS } from "../lib/v8_flags.ts";

/** The outcome counts of one scenario. */
export interface ScenarioResult {
  /** What was tried. */
  name: string;
  /** Runs. */
  cases: number;
  /** SIGKILLs sent. */
  kills: number;
  /** Faults injected other than kills (a full disk, a terminated backend). */
  faults: number;
  /** Runs that ended well: whole tables, sound files, one line on failure, rejects in place. */
  sound: number;
  /** Runs that did not, each with what was wrong. */
  unsound: string[];
  /** What the runs left, counted: "customers new", "partial completed" … */
  tally: Record<string, number>;
  /** Why the scenario did not run, if it did not. */
  skipped?: string;
}

/** Options for {@linkcode chaosDrill}. */
export interface ChaosOptions {
  /** Rows per file of the datasets killed. Defaults to 100,000. */
  rows?: number;
  /** Kills per SIGKILL scenario, and terminations per PostgreSQL scenario. Defaults to 4. */
  kills?: number;
  /** PostgreSQL server for the termination scenarios; skipped without one. */
  pg?: string;
  /** Run only these parts: "kill", "disk" and/or "pg", comma-separated. Defaults to all. */
  only?: string;
  /** Called after each scenario. */
  onScenario?: (result: ScenarioResult) => void;
}

const ROOT = new URL("..", import.meta.url).pathname;
const ALL: readonly TableName[] = ["customers", "products", "rentals"];
const MAIN: readonly TableName[] = ["customers", "products"];

/** Rows the skip-mode datasets add to each file: each is rejected, none changes a table. */
const BAD_ROWS: Record<TableName, string[]> = {
  customers: ["C000003,Dup Licate,1 Main St,98101,555-1,d@x.com", "C9999991,only,three"],
  products: ["P000002,dup,office,1", "P9999991,desk,office,lots"],
  rentals: ["R000001,P000001,C000001", "R9999991,P000001,C9999999"],
};

/** Runs every scenario in the folder `dir` (created if missing). */
export async function chaosDrill(
  dir: string,
  options: ChaosOptions = {},
): Promise<ScenarioResult[]> {
  const { rows = 100_000, kills = 4 } = options;
  await Deno.mkdir(dir, { recursive: true });
  const results: ScenarioResult[] = [];
  const report = (result: ScenarioResult) => {
    results.push(result);
    options.onScenario?.(result);
  };
  const parts = chaosParts(options.only);
  const data = await datasets(dir, rows);
  if (parts.has("kill")) {
    for (const scenario of killScenarios(dir, data)) {
      report(await killScenario(dir, data, scenario, kills));
    }
  }
  if (parts.has("disk")) { for (const result of await diskScenarios(dir)) report(result); }
  if (parts.has("pg")) {
    for (const result of await pgScenarios(dir, data, kills, options.pg)) report(result);
  }
  return results;
}

/** The parts named by `--only` ("kill,disk,pg" by default); throws a TypeError for another. */
export function chaosParts(only = "kill,disk,pg"): Set<string> {
  const parts = new Set(only.split(","));
  for (const part of parts) {
    if (!PARTS.includes(part)) {
      throw new TypeError(`Unknown --only part "${part}": expected ${PARTS.join(", ")}`);
    }
  }
  return parts;
}

const PARTS = ["kill", "disk", "pg"];

// Datasets -------------------------------------------------------------------

interface Datasets {
  /** Folder of the clean new files (seed 42). */
  clean: string;
  /** Folder of the same files with {@linkcode BAD_ROWS} added. */
  bad: string;
  /** SQLite store holding the old values (another seed, 3/4 of the keys). */
  pristine: string;
  /** Folder of the old files. */
  old: string;
}

async function datasets(dir: string, rows: number): Promise<Datasets> {
  const clean = `${dir}/new`;
  const bad = `${dir}/bad`;
  const old = `${dir}/old`;
  await generateDataset(clean, { rows, seed: 42 });
  await withBadRows(clean, bad);
  await generateDataset(old, { rows: Math.floor(rows * 3 / 4), seed: 7 });
  const pristine = `${dir}/old-db`;
  for (const table of ALL) removeIfThere(tableFile(pristine, table));
  await importFiles(await planImport(ALL.map((t) => `${old}/${t}.csv`)), {
    db: pristine,
    mode: "linear",
  });
  return { clean, bad, pristine, old };
}

/** Copies the dataset in `from` to `to`, each file followed by its {@linkcode BAD_ROWS}. */
async function withBadRows(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for (const table of ALL) {
    await Deno.copyFile(`${from}/${table}.csv`, `${to}/${table}.csv`);
    await Deno.writeTextFile(`${to}/${table}.csv`, BAD_ROWS[table].join("\n") + "\n", {
      append: true,
    });
  }
}

// 1. SIGKILL -------------------------------------------------------------------

interface KillScenario {
  name: string;
  /** The deno arguments of the import into `db`, rejects into `rejects`. */
  args: (db: string, rejects: string) => string[];
  tables: readonly TableName[];
  skip: boolean;
  /** The folder of the files imported. */
  data: string;
}

function killScenarios(dir: string, data: Datasets): KillScenario[] {
  const scoped = [`--allow-read=${ROOT},${dir}`, `--allow-write=${dir}`];
  const script = (file: string, skip: boolean): KillScenario => ({
    name: `SIGKILL ${file} (${skip ? "skip" : "strict"})`,
    args: (db) => [
      "run",
      V8_FLAGS,
      "--no-prompt",
      ...scoped,
      `${ROOT}${file}`,
      "--data-dir",
      skip ? data.bad : data.clean,
      "--db",
      db,
      ...(skip ? ["--skip-invalid"] : []),
    ],
    tables: MAIN,
    skip,
    data: skip ? data.bad : data.clean,
  });
  const norton = (mode: string, skip: boolean): KillScenario => ({
    name: `SIGKILL norton import --mode ${mode} (${skip ? "skip" : "strict"})`,
    args: (db, rejects) => [
      "run",
      V8_FLAGS,
      "--no-prompt",
      ...scoped,
      `${ROOT}cli.ts`,
      "import",
      ...ALL.map((t) => `${skip ? data.bad : data.clean}/${t}.csv`),
      "--db",
      db,
      "--mode",
      mode,
      ...(skip ? ["--skip-invalid", "--rejects-dir", rejects] : []),
    ],
    tables: ALL,
    skip,
    data: skip ? data.bad : data.clean,
  });
  return [
    script("parallel.ts", false),
    script("parallel.ts", true),
    script("linear.ts", true),
    ...["linear", "parallel", "auto"].flatMap((mode) => [norton(mode, false), norton(mode, true)]),
  ];
}

async function killScenario(
  dir: string,
  data: Datasets,
  scenario: KillScenario,
  kills: number,
): Promise<ScenarioResult> {
  const work = `${dir}/kill`;
  removeIfThere(work);
  await Deno.mkdir(work, { recursive: true });
  const db = `${work}/chaos-db`;
  const reset = () => {
    for (const entry of Deno.readDirSync(work)) removeIfThere(`${work}/${entry.name}`);
    restoreTables(data.pristine, db, ALL);
  };
  const old = digests(data.pristine, scenario.tables);

  // The control run, not killed: how long it takes, what "new" is, and the rejects it writes.
  reset();
  const control = await runChild(scenario.args(db, work));
  if (control.code !== 0) throw new Error(`${scenario.name} failed unkilled: ${control.stderr}`);
  const fresh = digests(db, scenario.tables);
  const rejects = Object.fromEntries(
    scenario.tables.map((t) => [t, readIfThere(rejectsFor(work, scenario, t))]),
  );

  const result: ScenarioResult = {
    name: scenario.name,
    cases: kills,
    kills,
    faults: 0,
    sound: 0,
    unsound: [],
    tally: {},
  };
  for (let k = 0; k < kills; k++) {
    reset();
    // One moment at random in each slice of the import, so the kills cover all of it.
    const afterMs = Math.round(control.ms * (k + Math.random()) / kills);
    await runChild(scenario.args(db, work), { killAfterMs: afterMs });
    const problems: string[] = [];
    const states: Record<string, "old" | "new"> = {};
    const now = digests(db, scenario.tables);
    for (const table of scenario.tables) {
      const integrity = integrityCheck(tableFile(db, table));
      if (integrity !== "ok") problems.push(`${table}: integrity ${integrity}`);
      if (now[table] === old[table]) states[table] = "old";
      else if (now[table] === fresh[table]) states[table] = "new";
      else problems.push(`${table} torn`);
      count(result, `${table} ${states[table] ?? "torn"}`);
    }
    if (scenario.skip) {
      problems.push(...await rejectsAfterKill(db, work, scenario, states, rejects, result));
    }
    if (problems.length === 0) result.sound++;
    else result.unsound.push(`kill at ${afterMs} ms: ${problems.join("; ")}`);
  }
  return result;
}

function rejectsFor(work: string, scenario: KillScenario, table: TableName): string {
  return rejectsPath(work, `${scenario.data}/${table}.csv`);
}

function readIfThere(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Runs what the next import of each file runs first (recoverRejects), then
 * checks that each new table has exactly its rejects file, each old one none,
 * and that no partial file is left.
 */
async function rejectsAfterKill(
  db: string,
  work: string,
  scenario: KillScenario,
  states: Record<string, "old" | "new">,
  expected: Record<string, string | undefined>,
  result: ScenarioResult,
): Promise<string[]> {
  const problems: string[] = [];
  // Which tables a kill left a partial rejects file for, before the next run settles them.
  const partials = new Set(
    [...Deno.readDirSync(work)].filter((e) => e.name.endsWith(".partial"))
      .map((e) => scenario.tables.find((t) => e.name.includes(`.${t}.`))),
  );
  for (const table of scenario.tables) {
    if (partials.has(table)) {
      count(result, `partial ${states[table] === "new" ? "completed" : "removed"} (${table})`);
    }
  }
  const store = await openStore(db);
  try {
    for (const table of scenario.tables) {
      await recoverRejects(store, getTable(table), rejectsFor(work, scenario, table));
    }
  } finally {
    await store.close();
  }
  for (const table of scenario.tables) {
    const found = readIfThere(rejectsFor(work, scenario, table));
    if (states[table] === "new" && found !== expected[table]) {
      problems.push(
        `${table} committed but its rejects file is ${found === undefined ? "missing" : "wrong"}`,
      );
    }
    if (states[table] === "old" && found !== undefined) {
      problems.push(`${table} not committed but a rejects file is in place`);
    }
  }
  const left = [...Deno.readDirSync(work)].filter((e) => e.name.endsWith(".partial"));
  if (left.length > 0) problems.push(`${left.length} .partial file(s) left`);
  return problems;
}

function count(result: ScenarioResult, what: string): void {
  result.tally[what] = (result.tally[what] ?? 0) + 1;
}

// 2. A full disk -----------------------------------------------------------------

async function diskScenarios(dir: string): Promise<ScenarioResult[]> {
  const small = await datasets(`${dir}/small`, 5_000);
  const work = `${dir}/disk`;
  removeIfThere(work);
  await Deno.mkdir(work, { recursive: true });
  const mounted = await run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", work]);
  if (mounted) await run("umount", [work]);
  const skipped = mounted ? undefined : "cannot mount a tmpfs here (needs root and mount)";
  const results: ScenarioResult[] = [];
  for (const mode of ["linear", "parallel"]) {
    for (const skip of [false, true]) {
      const name = `tmpfs full, norton import --mode ${mode} (${skip ? "skip" : "strict"})`;
      const result: ScenarioResult = {
        name,
        cases: 0,
        kills: 0,
        faults: 0,
        sound: 0,
        unsound: [],
        tally: {},
        skipped,
      };
      results.push(result);
      if (skipped !== undefined) continue;
      const files = ALL.map((t) => `${skip ? small.bad : small.clean}/${t}.csv`);
      const args = (db: string) => [
        "run",
        V8_FLAGS,
        "--no-prompt",
        `--allow-read=${ROOT},${dir}`,
        `--allow-write=${dir}`,
        `${ROOT}cli.ts`,
        "import",
        ...files,
        "--db",
        db,
        "--mode",
        mode,
        ...(skip ? ["--skip-invalid"] : []),
      ];
      // What the import needs: the size of its folder after a run on a real disk.
      const control = `${dir}/disk-control`;
      removeIfThere(control);
      await Deno.mkdir(control);
      const done = await runChild(args(`${control}/db`));
      if (done.code !== 0) throw new Error(`${name} failed on a real disk: ${done.stderr}`);
      const fresh = digests(`${control}/db`, ALL);
      const needed = sizeOf(control);
      for (const share of [0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1, 1.3, 2]) {
        const kib = Math.max(64, Math.ceil(needed * share / 1024));
        if (!await run("mount", ["-t", "tmpfs", "-o", `size=${kib}k`, "tmpfs", work])) {
          throw new Error(`cannot mount a tmpfs of ${kib} KiB on ${work}`);
        }
        try {
          const outcome = await runChild(args(`${work}/db`), { timeoutMs: 120_000 });
          result.cases++;
          // Room to look: even reading a WAL database writes its -shm file.
          await run("mount", ["-o", "remount,size=64m", work]);
          if (outcome.code !== 0) result.faults++;
          const said = outcome.stderr.trim().replace(/".*?"/g, "…").replace(/\d+/g, "N");
          count(result, outcome.code === 0 ? "imported" : `exit ${outcome.code}: ${said}`);
          const problems = checkEnding(outcome, digests(`${work}/db`, ALL), fresh);
          for (const table of ALL) {
            try {
              const integrity = integrityCheck(tableFile(`${work}/db`, table));
              if (integrity !== "ok") problems.push(`${table}: integrity ${integrity}`);
            } catch {
              // no file: nothing to check
            }
          }
          const left = [...Deno.readDirSync(work)].filter((e) => e.name.endsWith(".partial"));
          if (left.length > 0) problems.push(`${left.length} .partial file(s) left`);
          if (outcome.code === 0 && skip) {
            const missing = ALL.filter((_, i) =>
              readIfThere(rejectsPath(work, files[i])) === undefined
            );
            if (missing.length > 0) problems.push(`no rejects file for ${missing.join(", ")}`);
          }
          if (problems.length === 0) result.sound++;
          else result.unsound.push(`${kib} KiB: ${problems.join("; ")}`);
        } finally {
          if (!await run("umount", [work])) await run("umount", ["-l", work]);
        }
      }
    }
  }
  return results;
}

/** Bytes of the files in the folder `dir` and its folders. */
function sizeOf(dir: string): number {
  let size = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    size += entry.isDirectory ? sizeOf(path) : Deno.statSync(path).size;
  }
  return size;
}

/** What is wrong with how a run ended: exit 0 with every table new, or 1 with one line and whole tables. */
function checkEnding(
  outcome: { code: number | undefined; stderr: string; hung: boolean },
  now: Record<string, string>,
  fresh: Record<string, string>,
  old: Record<string, string> = {},
): string[] {
  if (outcome.hung) return ["did not end in time"];
  const problems: string[] = [];
  const lines = outcome.stderr.trim().split("\n").filter((line) => line !== "");
  if (outcome.code === 0) {
    for (const table of Object.keys(now)) {
      if (now[table] !== fresh[table]) problems.push(`exit 0 but ${table} is not the new table`);
    }
    return problems;
  }
  if (outcome.code !== 1) problems.push(`exit code ${outcome.code ?? "none (killed)"}`);
  if (lines.length !== 1) {
    problems.push(`${lines.length} lines on stderr: ${lines.slice(0, 3).join(" | ")}`);
  }
  if (lines.some((line) => /^\s+at |Uncaught|error: /.test(line))) problems.push("a stack trace");
  for (const table of Object.keys(now)) {
    const whole = now[table] === fresh[table] || now[table] === (old[table] ?? EMPTY) ||
      now[table] === "absent";
    if (!whole) problems.push(`${table} torn`);
  }
  return problems;
}

/** The digest of a table with no rows (SHA-256 of nothing). */
const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Runs `command` quietly; whether it succeeded. */
async function run(command: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

// 3. PostgreSQL backend terminations ---------------------------------------------------

async function pgScenarios(
  dir: string,
  data: Datasets,
  terminations: number,
  url: string | undefined,
): Promise<ScenarioResult[]> {
  const names = ["linear.ts", "parallel.ts"];
  const results = names.map((file): ScenarioResult => ({
    name: `PostgreSQL backend terminated during COPY or merge, ${file} (strict)`,
    cases: 0,
    kills: 0,
    faults: 0,
    sound: 0,
    unsound: [],
    tally: {},
  }));
  const skip = (reason: string) => {
    for (const result of results) result.skipped = reason;
    return results;
  };
  if (url === undefined) return skip("no server: pass --pg URL or set HPN_PG_URL");
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
  } catch (error) {
    await sql.end({ timeout: 0 });
    return skip(`cannot reach ${url}: ${(error as Error).message}`);
  }
  try {
    for (const [i, file] of names.entries()) {
      const result = results[i];
      const args = (location: string) => [
        "run",
        V8_FLAGS,
        "--no-prompt",
        `--allow-read=${ROOT},${dir}`,
        "--allow-env=PG*",
        `--allow-net=${new URL(url!).host}`,
        `${ROOT}${file}`,
        "--data-dir",
        data.clean,
        "--db",
        location,
      ];
      let old: Record<string, string> | undefined;
      let fresh: Record<string, string> | undefined;
      // When the control run was seen writing (milliseconds from its start).
      let copying = { from: 0, to: 0 };
      for (let k = -1; k < terminations; k++) {
        const schema = `chaos_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
        const location = withSchema(url!, schema);
        try {
          await importFiles([MAIN.map((t) => ({ path: `${data.old}/${t}.csv`, table: t }))], {
            db: location,
            mode: "linear",
          });
          old ??= await pgDigests(sql, schema);
          const app = `hpn-chaos-${schema}`;
          if (k === -1) {
            // The control run: what "new" is, and when it writes.
            const seen = watchCopies(sql, app);
            const control = await runChild(args(location), { env: { PGAPPNAME: app } });
            copying = await seen.stop();
            if (control.code !== 0) {
              throw new Error(`${file} into PostgreSQL failed: ${control.stderr}`);
            }
            fresh = await pgDigests(sql, schema);
            continue;
          }
          result.cases++;
          // A moment at random in each slice of the control run's writes; the
          // import's backend is terminated the first time it is seen writing
          // from then on.
          const afterMs = Math.round(
            copying.from + (copying.to - copying.from) * (k + Math.random()) / terminations,
          );
          const watcher = watchCopies(sql, app, afterMs);
          const outcome = await runChild(args(location), {
            env: { PGAPPNAME: app },
            timeoutMs: 60_000,
          });
          const terminated = (await watcher.stop()).terminated;
          if (terminated) result.faults++;
          count(result, outcome.hung ? "hung" : `exit ${outcome.code}`);
          const problems = terminated
            ? checkEnding(outcome, await pgDigests(sql, schema), fresh!, old)
            : checkEnding(outcome, await pgDigests(sql, schema), fresh!);
          const what = `${terminated ? "terminated" : "not terminated"} after ${afterMs} ms`;
          if (problems.length === 0) result.sound++;
          else result.unsound.push(`${what}: ${problems.join("; ")}`);
        } finally {
          await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        }
      }
    }
  } finally {
    await sql.end();
  }
  return results;
}

/**
 * Watches the backends of application `app` every few milliseconds: notes
 * when one runs a write (a COPY, the merge's LOCK TABLE or INSERT), and with
 * `terminateAfterMs`, terminates the first seen running one from that moment
 * on. `stop` ends the watch.
 */
function watchCopies(sql: postgres.Sql, app: string, terminateAfterMs?: number) {
  const started = performance.now();
  const seen = { from: Infinity, to: 0, terminated: false };
  let stopped = false;
  const watching = (async () => {
    while (!stopped && !seen.terminated) {
      const copying = await sql`
        SELECT pid FROM pg_stat_activity
        WHERE application_name = ${app} AND state = 'active'
          AND (query ILIKE 'COPY%' OR query ILIKE 'LOCK TABLE%' OR query ILIKE 'INSERT INTO%')`;
      const at = performance.now() - started;
      if (copying.length > 0) {
        seen.from = Math.min(seen.from, at);
        seen.to = at;
        if (terminateAfterMs !== undefined && at >= terminateAfterMs) {
          await sql`SELECT pg_terminate_backend(${copying[0].pid})`;
          seen.terminated = true;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await watching;
      return {
        from: Number.isFinite(seen.from) ? seen.from : 0,
        to: seen.to,
        terminated: seen.terminated,
      };
    },
  };
}

function withSchema(url: string, schema: string): string {
  const location = new URL(url);
  location.searchParams.set("schema", schema);
  return location.href;
}

async function pgDigests(sql: postgres.Sql, schema: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const table of MAIN) {
    const key = getTable(table).key;
    const [{ digest }] = await sql.unsafe(
      `SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY "${key}" COLLATE "C"), '')) AS digest ` +
        `FROM "${schema}"."${table}" t`,
    );
    found[table] = digest;
  }
  return found;
}

// The command line ------------------------------------------------------------------

const options = import.meta.main
  ? drillFlags(Deno.args, {
    rows: 100_000,
    kills: 4,
    dir: "data/large/chaos",
    only: undefined,
    pg: Deno.permissions.querySync({ name: "env", variable: "HPN_PG_URL" }).state === "granted"
      ? Deno.env.get("HPN_PG_URL")
      : undefined,
  })
  : undefined;
let valid = options !== undefined;
try {
  chaosParts(options?.only);
} catch (error) {
  console.error((error as Error).message);
  Deno.exitCode = 2;
  valid = false;
}
if (options !== undefined && valid) {
  const results = await chaosDrill(options.dir, {
    ...options,
    onScenario: (r) => {
      const counts = r.skipped ?? `${r.cases} cases, ${r.kills} kills, ${r.faults} faults: ` +
          `${r.sound} sound, ${r.unsound.length} not`;
      console.log(`${r.name}: ${counts}`);
      for (const [what, n] of Object.entries(r.tally)) console.log(`  ${n} × ${what}`);
      for (const problem of r.unsound) console.log(`  ${problem}`);
    },
  });
  const total = (key: "cases" | "kills" | "faults" | "sound") =>
    results.reduce((sum, r) => sum + r[key], 0);
  const unsound = results.reduce((sum, r) => sum + r.unsound.length, 0);
  console.log(
    `${total("cases")} cases, ${total("kills")} kills, ${total("faults")} faults: ` +
      `${total("sound")} sound, ${unsound} not; ${
        results.filter((r) => r.skipped).length
      } scenarios skipped`,
  );
  if (unsound > 0) Deno.exitCode = 1;
}
