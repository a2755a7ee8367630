/**
 * Paths as the user typed them, from where the user stands. `deno task` runs
 * a task in the folder of deno.json, not where it was started, and passes that
 * folder in `INIT_CWD`: `cd data/t && deno task norton import x.csv` means
 * `data/t/x.csv`. Reading `INIT_CWD` needs `--allow-env=INIT_CWD`; without it
 * (or outside a task) paths mean what they mean to the process.
 *
 * @module
 */
import { isAbsolute, relative, resolve } from "node:path";

/** The folder the user started the command in: `INIT_CWD` under `deno task`, else the process's. */
export function userFolder(): string {
  const granted =
    Deno.permissions.querySync({ name: "env", variable: "INIT_CWD" }).state === "granted";
  return (granted ? Deno.env.get("INIT_CWD") : undefined) || Deno.cwd();
}

/**
 * `path`, typed by the user, as a path for this process: unchanged when it is
 * absolute or the user stands where the process runs; otherwise resolved from
 * the user's folder, relative to the process's folder when inside it (so
 * messages stay short) and absolute when not.
 */
export function userPath(path: string): string {
  const from = userFolder();
  const cwd = Deno.cwd();
  if (isAbsolute(path) || from === cwd) return path;
  const absolute = resolve(from, path);
  const inside = relative(cwd, absolute);
  return inside.startsWith("..") || isAbsolute(inside) ? absolute : inside;
}
