/**
 * The operating system's words for a failure, without what Deno appends.
 *
 * @module
 */

/**
 * An error's message without the operation and path that Deno appends
 * ("Is a directory (os error 21): rename 'a' -> 'b'" gives "Is a directory
 * (os error 21)"), for messages that name the file themselves.
 *
 * @example
 * ```ts
 * import { osReason } from "./os_error.ts";
 * try {
 *   Deno.readFileSync("missing.csv");
 * } catch (error) {
 *   console.log(`Cannot read "missing.csv": ${osReason(error)}`);
 * }
 * ```
 */
export function osReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/(\(os error \d+\)): .*$/s, "$1");
}
