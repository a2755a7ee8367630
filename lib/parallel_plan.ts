/**
 * Which thread does what when a stage's files are imported in parallel on two
 * cores. A table's rows must all go through its one connection, so each file's
 * SQLite work is one serial job; the parsing is not tied to it. The largest
 * file's SQLite work goes to a worker; the calling thread imports the other
 * files, and also parses the largest file for the worker ("feeds" it) when
 * that balances the two threads better than letting the worker parse its own.
 *
 * Feeding pays where the calling thread would otherwise idle: a stage's only
 * file (rentals; 1,000,000 customers alone: fed 0.93x linear's time, the
 * worker reading its own 1.04x) or one much larger than the others. On the
 * benchmark's pair (customers 92 MB, products 35 MB, 1,000,000 rows each) it
 * does not: the calling thread, parsing both, became the critical path.
 *
 * @example
 * ```ts
 * import { planParallel } from "./parallel_plan.ts";
 * const plan = planParallel([{ rows: 1e6, bytes: 92e6 }, { rows: 1e6, bytes: 35e6 }]);
 * console.log(plan); // { worker: 0, fed: false }
 * ```
 *
 * @module
 */

/** What the plan needs to know of a file. */
export interface FileSize {
  /** Estimated data rows. */
  rows: number;
  /** Size in bytes. */
  bytes: number;
}

/** The plan: the file whose SQLite work a worker does, and whether this thread parses it. */
export interface ParallelPlan {
  /** Index of the file the worker imports; this thread imports every other one. */
  worker: number;
  /** This thread reads and parses the worker's file and sends it the records. */
  fed: boolean;
}

// Nanoseconds per row and per byte, from the phases of the linear import at
// 1,000,000 rows per file (bench/profile.ts's measurePhases on a busy 2-core
// machine; plain shape: customers 92 MB, parse 1,007 ms, the rest 4,384 ms;
// products 35 MB, parse 481 ms, the rest 2,408 ms). Only their ratios matter.
const PARSE = { row: 165, byte: 9.2 };
const REST = { row: 1219, byte: 34.4 };
// Sending parsed batches, in units of parsing them: packing, the copy and the
// garbage on this thread, and unpacking on the worker's. Traced, packing alone
// was a third of the parsing; but whole processes measured more (2026-12-04,
// 4 paired rounds, 1,000,000 rows per file): fed used 0.85 s more CPU than
// each thread reading its own file on the plain pair (1.9x customers' parse)
// and 0.16 s more on the export pair, and took 1.12x and 1.04x its time (at
// 1,000 rows: 79 against 68 ms, medians of 21). SEND is set from those runs,
// so the plan picks what they measured faster on both pairs and on one file.
const SEND = 1.6;
const RECEIVE = 0.1;

function parseCost(file: FileSize): number {
  return file.rows * PARSE.row + file.bytes * PARSE.byte;
}

function restCost(file: FileSize): number {
  return file.rows * REST.row + file.bytes * REST.byte;
}

/**
 * Plans a stage of `files` (at least one): the largest goes to the worker,
 * fed unless that makes the longer of the two threads' shares (the time the
 * stage takes) longer: this thread's share is then the other files plus the
 * parsing and sending of the worker's. On a tie the worker is fed, so that it
 * does not load the parser.
 */
export function planParallel(files: readonly FileSize[]): ParallelPlan {
  const total = files.map((file) => parseCost(file) + restCost(file));
  const worker = total.indexOf(Math.max(...total));
  const others = total.reduce((sum, cost, i) => i === worker ? sum : sum + cost, 0);
  const parse = parseCost(files[worker]);
  const fedLongest = Math.max(
    others + parse * (1 + SEND),
    restCost(files[worker]) + parse * RECEIVE,
  );
  const ownLongest = Math.max(others, total[worker]);
  return { worker, fed: fedLongest <= ownLongest };
}
