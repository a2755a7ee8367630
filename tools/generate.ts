/**
 * `deno task generate --rows N --out DIR [--seed S] [--shape plain|export]`: the seeded data
 * generator, which is `norton generate` (one parser for its flags).
 *
 * @module
 */
import { main } from "../cli.ts";

if (import.meta.main) await main(["generate", ...Deno.args]);
