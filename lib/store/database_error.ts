/**
 * Turns a failure to open or write a database file into one plain sentence
 * naming the file, instead of SQLite's or Deno's bare wording.
 *
 * @module
 */
import { dirname } from "../paths.ts";

/** Options for {@linkcode databaseError}. */
export interface DatabaseErrorOptions {
  /** The file opened fine but refused a write transaction. */
  writing?: boolean;
}

/** The error to throw when the database file at `path` failed with `error`. */
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
  if (/unable to open database file/.test(message)) {
    const folder = dirname(path);
    let exists = true;
    try {
      exists = Deno.statSync(folder).isDirectory;
    } catch {
      exists = false;
    }
    return exists
      ? `unable to open the file: check that the folder "${folder}" is writable`
      : `the folder "${folder}" does not exist`;
  }
  if (/readonly database/.test(message)) {
    return `the file or its folder is read-only (SQLite also writes "${path}-wal" beside it)`;
  }
  return message;
}
