/**
 * The shape of bench/results.json: what `deno task bench` (run.ts) writes and
 * the chart (chart.ts) and findings (findings.ts) read. Apart from the runner
 * so that readers of results do not import it.
 *
 * @module
 */
import type { PhaseReport } from "./profile.ts";

/** One measured process. */
export interface BenchRun {
  variant: string;
  rows: number;
  round: number;
  /** Wall time. */
  seconds: number;
  /** User plus system CPU time of the process and its threads (null without `time`). */
  cpuSeconds: number | null;
  peakRssMiB: number | null;
}

/** Medians of one variant at one size. */
export interface BenchSummary {
  variant: string;
  rows: number;
  runs: number;
  medianSeconds: number;
  minSeconds: number;
  maxSeconds: number;
  medianPeakRssMiB: number | null;
  medianCpuSeconds: number | null;
  /** Median seconds over linear's median seconds at the same size. */
  ratioToLinear: number;
  /** Data rows per second over both files (rows × 2 / median seconds). */
  rowsPerSecond: number;
}

/** The whole results file. */
export interface BenchResults {
  date: string;
  machine: Record<string, string | number>;
  sizes: number[];
  runs: BenchRun[];
  summary: BenchSummary[];
  /** Rows per file above which parallel beats linear (interpolated), or null. */
  crossoverRows: number | null;
  /** Where the linear import's time goes, per phase and file (medians, ms). */
  phases: PhaseReport[];
  /** The top functions of each committed profile (docs/profile/*.md), by name. */
  hotSpots: Record<string, { fn: string; where: string; percent: number }[]>;
  /** The PostgreSQL store against psql, per size (bench/postgres.ts); absent without a server. */
  postgres?: PgRatios[];
}

/** The paired ratios at one size: medians over the rounds of each round's ratio. */
export interface PgRatios {
  /** Rows per file. */
  rows: number;
  /** The files' shape (lib/generate.ts). */
  shape: "plain" | "export";
  /** `linear_pg` over `psql_copy`: into empty tables (target: at most 1.3). */
  fresh: number | null;
  /** `linear_pg_full` over `psql_upsert`: into full tables (target: at most 1.1). */
  full: number | null;
  /** `parallel_pg` over `linear_pg` (target: at most 0.6 from 300,000 rows per file). */
  parallel: number | null;
}
