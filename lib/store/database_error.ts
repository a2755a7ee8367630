/**
 * Turns a failure to open or write a database file into one plain sentence
 * naming the file and what is actually wrong with it, instead of SQLite's or
 * Deno's bare wording. SQLite says "unable to open database file" for a
 * folder, a broken link or a missing folder alike, and "disk I/O error" for a
 * full disk or a folder where its journal goes; and node:sqlite does not pass
 * on SQLite's extended error code. So on a failure the paths themselves are
 * looked at, and the first thing found wrong is named.
 *
 * @module
 */
import { osReason } from "../os_error.ts";
import { dirname, join } from "../paths.ts";

/** Options for {@linkcode databaseError}. */
export interface DatabaseErrorOptions {
  /** The file opened fine but refused a write transaction. */
  writing?: boolean;
}

/**
 * The error to throw when the database file at `path` failed with `error`.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { databaseError } from "./database_error.ts";
 * try {
 *   new DatabaseSync("missing/t.db");
 * } catch (error) {
 *   console.log(databaseError("missing/t.db", error).message);
 *   // Cannot open database "missing/t.db": the folder "missing" does not exist
 * }
 * ```
 */
export function databaseError(
  path: string,
  error: unknown,
  options: DatabaseErrorOptions = {},
): Error {
  const action = options.writing ? "write to" : "open";
  return new Error(`Cannot ${action} database "${path}": ${reason(path, error)}`, {
    cause: error,
  });
}

function reason(path: string, error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return "this process may not write there (the task's --allow-write does not cover it)";
  }
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  // Creating the store's folder failed: a file has its name, or its parent is missing.
  if (error instanceof Deno.errors.AlreadyExists) {
    return `"${dirname(path)}" is a file: a SQLite location is a folder, one file per table`;
  }
  if (error instanceof Deno.errors.NotFound) {
    return `the folder "${dirname(dirname(path))}" does not exist`;
  }
  const message = error instanceof Error ? error.message : String(error);
  const odd = oddPath(path);
  if (odd !== undefined) return odd;
  if (/unable to open database file/.test(message)) {
    const folder = dirname(path);
    return isFolder(folder)
      ? `unable to open the file: check that the folder "${folder}" is writable`
      : `the folder "${folder}" does not exist`;
  }
  if (
    /database or disk is full/.test(message) || /disk I\/O error/.test(message) && diskFull(path)
  ) {
    return "the disk is full";
  }
  if (/readonly database/.test(message)) {
    return `the file or its folder is read-only (SQLite also writes "${path}-wal" beside it)`;
  }
  return message;
}

/** What is wrong with the path itself, if anything: a folder, a broken link, a folder beside it. */
function oddPath(path: string): string | undefined {
  try {
    const info = Deno.lstatSync(path);
    if (info.isSymlink) {
      const target = Deno.readLinkSync(path);
      try {
        Deno.statSync(path);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) {
          return `it is a link to "${target}", which cannot be followed: ${osReason(error)}`;
        }
        const folder = dirname(target.startsWith("/") ? target : join(dirname(path), target));
        return isFolder(folder)
          ? `it is a link to "${target}", which does not exist`
          : `it is a link to "${target}", whose folder "${folder}" does not exist`;
      }
      // SQLite follows the link: its journal files sit beside the target.
      return oddPath(Deno.realPathSync(path));
    }
    if (info.isDirectory) return "it is a folder, not a database file";
  } catch {
    // Not there (SQLite creates it), or not ours to look at: nothing odd to tell.
  }
  for (const suffix of ["-wal", "-shm", "-journal"]) {
    if (isFolder(path + suffix)) return `"${path}${suffix}" beside it is a folder, not a file`;
  }
  return undefined;
}

function isFolder(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Whether the disk holding `path` has no room left: SQLite reports some full
 * disks (its shared-memory file cannot grow) only as "disk I/O error". Deno
 * has no statfs, so a page is written and synced in the folder to see.
 */
function diskFull(path: string): boolean {
  let probe: string | undefined;
  try {
    probe = Deno.makeTempFileSync({ dir: dirname(path), prefix: ".space-probe-" });
    using file = Deno.openSync(probe, { write: true });
    file.writeSync(new Uint8Array(64 * 1024));
    file.syncSync();
    return false;
  } catch (error) {
    return error instanceof Error && /No space left on device|os error 28/.test(error.message);
  } finally {
    if (probe !== undefined) Deno.removeSync(probe);
  }
}
