/**
 * The V8 flag every import runs with: `deno task linear`, `parallel`,
 * `norton` and their `:pg` forms, the benchmark's and the profiler's runs,
 * the bundle's first line and the compiled binary.
 *
 * V8 sizes each runtime's young generation (where every parsed field is born
 * and, after its batch is written, dies) beyond 16 MiB a semi-space by default
 * here (32 MiB set explicitly measured the same as the default), and a
 * parallel import runs two runtimes, one per thread. Capped at 16 MiB,
 * paired with the default in one session (1,000,000 rows per file, medians of
 * 5-7 whole runs): peak memory of parallel 316 -> 262 MiB (generator shape)
 * and 350 -> 274 MiB (export shape), linear 171 -> 142 MiB, linear into
 * PostgreSQL 196 -> 150 MiB, with the same or less time (linear 4.21 -> 3.77 s
 * and 4.01 -> 3.81 s, parallel 2.26 -> 2.28 s and 2.53 -> 2.46 s, linear into
 * PostgreSQL 3.21 -> 3.09 s; 1,000 rows unchanged). At 8 MiB the scavenger
 * runs so often that linear took 1.0-1.1x as long; memory fell no further.
 *
 * Deno reads V8 flags from its command line (or DENO_V8_FLAGS), not from
 * deno.json, so the tasks there spell this out too (tests/v8_flags_test.ts
 * checks that they do).
 *
 * @example
 * ```ts
 * import { V8_FLAGS } from "./v8_flags.ts";
 * const argv = ["deno", "run", V8_FLAGS, "--allow-read", "linear.ts"];
 * ```
 *
 * @module
 */

/** Deno's option carrying the V8 flags of an import. */
export const V8_FLAGS = "--v8-flags=--max-semi-space-size=16";
