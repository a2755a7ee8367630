/**
 * The few path operations the toolkit needs. Importing `node:path` instead
 * costs about 8 ms of start-up on a thread that has not loaded Node's
 * compatibility layer yet (parallel.ts's main thread), a third of Deno's own.
 *
 * @module
 */

const SEPARATOR = /[\\/]/;

/** The folder part of `path` ("." when there is none). */
export function dirname(path: string): string {
  const parts = path.split(SEPARATOR);
  if (parts.length === 1) return ".";
  const folder = parts.slice(0, -1).join("/");
  return folder === "" ? "/" : folder;
}

/** The last part of `path`. */
export function basename(path: string): string {
  return path.split(SEPARATOR).at(-1) ?? path;
}

/** `folder` and `name` joined with one separator. */
export function join(folder: string, name: string): string {
  return folder.endsWith("/") ? folder + name : `${folder}/${name}`;
}
