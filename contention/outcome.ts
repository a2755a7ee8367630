/**
 * What a contention scenario found, in one shape for every engine, and the one
 * way it is printed. Each engine's scenario (contention/sqlite.ts,
 * contention/postgres.ts) runs the same workload twice, the naive way and the
 * way this system writes, and describes each writer of each run as a
 * {@linkcode WriterOutcome}; {@linkcode designOutcome} sums a run and
 * {@linkcode judge} weighs the two runs. contention.ts prints the result with
 * {@linkcode formatOutcome} and {@linkcode verdict}, or as JSON.
 *
 * @example
 * ```ts
 * import { designOutcome, formatOutcome, judge, verdict } from "./outcome.ts";
 *
 * const writer = (name: string, committed: number, deadlocks: number, stored: number) => ({
 *   writer: name,
 *   committed,
 *   failures: deadlocks === 0 ? {} : { "deadlock (40P01)": deadlocks },
 *   stored,
 * });
 * const outcome = judge("postgres", "two imports at once", "deadlock (40P01)", {
 *   naive: designOutcome("naive", "file order", 200, 1.0, [
 *     writer("import A", 1, 0, 150),
 *     writer("import B", 0, 1, 0),
 *   ]),
 *   safe: designOutcome("safe", "key order", 200, 1.0, [
 *     writer("import A", 1, 0, 50),
 *     writer("import B", 1, 0, 150),
 *   ]),
 * });
 * console.log(formatOutcome(outcome));
 * console.log(verdict(outcome)); // Reproduced: the naive writers lost 50 of 200 rows …
 * ```
 *
 * @module
 */

/** The database engine of a scenario. */
export type Engine = "sqlite" | "postgres";

/** How the writers write: the naive way that fails, or the way this system writes. */
export type Design = "naive" | "safe";

/** Why a transaction failed: the engine's contention error, or anything else. */
export type FailureKind = "SQLITE_BUSY" | "deadlock (40P01)" | "other";

/** Failed transactions counted by why they failed. */
export type Failures = Partial<Record<FailureKind, number>>;

/** One error, as the engine's client described it. */
export interface Failure {
  /** Why, in the scenario's terms. */
  kind: FailureKind;
  /** The message, e.g. "database is locked" or "deadlock detected". */
  message: string;
  /** The client's code: node:sqlite's "ERR_SQLITE_ERROR", PostgreSQL's SQLSTATE "40P01". */
  code?: string;
  /** SQLite's result code (5 is SQLITE_BUSY), where the runtime provides it. */
  errcode?: number;
}

/** What one writer (a worker, an import) did, with its rows counted in the database. */
export interface WriterOutcome {
  /** Who, in words: "worker 1", "import A". */
  writer: string;
  /** Its transactions that committed. */
  committed: number;
  /** Its transactions that failed and were rolled back, by why. */
  failures: Failures;
  /** The first error it met. */
  firstError?: Failure;
  /**
   * Rows in the table afterwards that carry its mark: its own keys (SQLite),
   * or the rows it wrote last (PostgreSQL, where both imports write the shared
   * keys). The database is counted, not the writer's report.
   */
  stored: number;
}

/** What one design did to the shared table. */
export interface DesignOutcome {
  /** Which design. */
  design: Design;
  /** How it writes, in words. */
  how: string;
  /** Transactions committed, over all writers. */
  committed: number;
  /** Transactions failed, over all writers. */
  failed: number;
  /** The failed transactions by why they failed. */
  failures: Failures;
  /** The first error of the first writer that met one. */
  firstError?: Failure;
  /** Rows the writers together should have left in the table. */
  expected: number;
  /** Rows in the table afterwards, counted there. */
  stored: number;
  /** `expected - stored`: rows lost. */
  lost: number;
  /** Seconds from the writers' start to the last one's end. */
  seconds: number;
  /** Each writer's part. */
  writers: WriterOutcome[];
}

/** Both designs on the same workload, and the verdict. */
export interface ContentionOutcome {
  /** The database engine. */
  engine: Engine;
  /** The workload, in words. */
  title: string;
  /** The failure the naive design is there to show. */
  failure: FailureKind;
  /** The naive run. */
  naive: DesignOutcome;
  /** The system's run. */
  safe: DesignOutcome;
  /** The naive run lost rows and met {@linkcode ContentionOutcome.failure}. */
  reproduced: boolean;
  /** The system's run stored every row and no transaction failed. */
  held: boolean;
  /** Both of the above: what `deno task contention` exits 0 on. */
  ok: boolean;
}

const ENGINES: Record<Engine, string> = { sqlite: "SQLite or Deno", postgres: "PostgreSQL" };

/**
 * Sums one design's writers into its outcome.
 *
 * @example
 * ```ts
 * import { designOutcome } from "./outcome.ts";
 *
 * const run = designOutcome("naive", "BEGIN DEFERRED", 20, 0.01, [
 *   { writer: "worker 1", committed: 2, failures: {}, stored: 10 },
 *   { writer: "worker 2", committed: 0, failures: { SQLITE_BUSY: 2 }, stored: 0 },
 * ]);
 * run.lost; // 10
 * ```
 */
export function designOutcome(
  design: Design,
  how: string,
  expected: number,
  seconds: number,
  writers: WriterOutcome[],
): DesignOutcome {
  const failures: Failures = {};
  for (const writer of writers) {
    for (const [kind, n] of Object.entries(writer.failures) as [FailureKind, number][]) {
      failures[kind] = (failures[kind] ?? 0) + n;
    }
  }
  const stored = sum(writers.map((w) => w.stored));
  return {
    design,
    how,
    committed: sum(writers.map((w) => w.committed)),
    failed: failed(failures),
    failures,
    firstError: writers.find((w) => w.firstError !== undefined)?.firstError,
    expected,
    stored,
    lost: expected - stored,
    seconds,
    writers,
  };
}

/**
 * Weighs the two runs: the failure is reproduced when the naive run lost rows
 * and met `failure`; the design held when its run lost nothing.
 *
 * @example
 * ```ts
 * import { designOutcome, judge } from "./outcome.ts";
 *
 * const run = designOutcome("safe", "BEGIN IMMEDIATE", 0, 0, []);
 * judge("sqlite", "nothing", "SQLITE_BUSY", { naive: run, safe: run }).ok; // false
 * ```
 */
export function judge(
  engine: Engine,
  title: string,
  failure: FailureKind,
  runs: { naive: DesignOutcome; safe: DesignOutcome },
): ContentionOutcome {
  const { naive, safe } = runs;
  const reproduced = naive.lost > 0 && (naive.failures[failure] ?? 0) > 0;
  const held = safe.lost === 0 && safe.failed === 0;
  return { engine, title, failure, naive, safe, reproduced, held, ok: reproduced && held };
}

/**
 * The title, then the two designs side by side, then one writer per line.
 *
 * @example
 * ```ts ignore
 * console.log(formatOutcome(await runSqliteContention()));
 * ```
 */
export function formatOutcome(outcome: ContentionOutcome): string {
  const { naive, safe } = outcome;
  const both = (label: string, show: (run: DesignOutcome) => string): string[] => [
    label,
    show(naive),
    show(safe),
  ];
  const rows = [
    ["", "naive", "this system"],
    both("writes", (run) => run.how),
    both("committed", (run) => `${n(run.committed)} of ${n(run.committed + run.failed)}`),
    both("failed", (run) => kinds(run.failures)),
    both("rows in the database", (run) => `${n(run.stored)} of ${n(run.expected)}`),
    both("rows lost", (run) => n(run.lost)),
    both("first error", (run) => error(run.firstError)),
    both("seconds", (run) => run.seconds.toFixed(3)),
    ...naive.writers.map((w, i) => [w.writer, part(w), part(safe.writers[i])]),
  ];
  const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c].length)));
  return [
    outcome.title,
    "",
    ...rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`.trimEnd()),
  ].join("\n");
}

/**
 * One line on what the outcome shows; for a failed check, what went wrong.
 *
 * @example
 * ```ts ignore
 * const outcome = await runSqliteContention();
 * (outcome.ok ? console.log : console.error)(verdict(outcome));
 * ```
 */
export function verdict(outcome: ContentionOutcome): string {
  const { naive, safe, failure } = outcome;
  if (outcome.ok) {
    return `Reproduced: the naive writers lost ${n(naive.lost)} of ${n(naive.expected)} rows ` +
      `to ${failure}; this system's writers waited their turn and stored all ${n(safe.expected)}.`;
  }
  const problems = [];
  if (!outcome.reproduced) {
    problems.push(
      naive.firstError !== undefined && (naive.failures[failure] ?? 0) === 0
        ? `the naive writers failed with "${naive.firstError.message}", not ${failure}`
        : "the naive writers lost nothing, so the failure was not reproduced " +
          `(has ${ENGINES[outcome.engine]} changed how it locks?)`,
    );
  }
  if (!outcome.held) {
    problems.push(
      `this system's writers lost ${n(safe.lost)} rows in ${n(safe.failed)} failed transactions` +
        (safe.firstError === undefined ? "" : `: "${safe.firstError.message}"`),
    );
  }
  return `Contention check failed: ${problems.join("; and ")}`;
}

function part(w: WriterOutcome): string {
  return `${n(w.committed)} committed, ${n(failed(w.failures))} failed, ${n(w.stored)} rows`;
}

function kinds(failures: Failures): string {
  const entries = Object.entries(failures);
  return entries.length === 0 ? "none" : entries.map(([kind, k]) => `${n(k)} ${kind}`).join(", ");
}

function error(f: Failure | undefined): string {
  if (f === undefined) return "none";
  const codes = [f.code, f.errcode === undefined ? undefined : `errcode ${f.errcode}`]
    .filter((c) => c !== undefined);
  return codes.length === 0 ? `"${f.message}"` : `"${f.message}" (${codes.join(", ")})`;
}

function failed(failures: Failures): number {
  return sum(Object.values(failures));
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function n(value: number): string {
  return value.toLocaleString("en-US");
}
