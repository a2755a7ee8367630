/**
 * What to do when Deno's permissions refuse something, in one line that names
 * what actually works. Deno's own message ("run again with the --allow-write
 * flag") names a flag of `deno run`, which `norton` does not take, and a task
 * cannot be given more permissions from its command line.
 *
 * @module
 */
import config from "../deno.json" with { type: "json" };
import { relative, resolve } from "node:path";
import { userFolder } from "./user_path.ts";

/** The flags of `deno task norton`, from deno.json (a static import: no read permission). */
const TASK_FLAGS = config.tasks.norton.split(" ").filter((word) => word.startsWith("--"));

/**
 * Throws one line naming what works when this process may not write `path`
 * (a file or folder it is about to create or change). On a terminal, Deno
 * asks first, as the write itself would.
 */
export function requireWrite(path: string): void {
  const descriptor = { name: "write", path } as const;
  if (Deno.permissions.querySync(descriptor).state === "granted") return;
  if (Deno.permissions.requestSync(descriptor).state === "granted") return;
  throw new Error(`Cannot write "${path}": ${writeHint(resolve(path))}`);
}

/** How to write `absolute`: the task's scope, or the `deno run` command with that permission. */
function writeHint(absolute: string): string {
  const flags = TASK_FLAGS.map((flag) =>
    flag.startsWith("--allow-write") ? `--allow-write=${absolute}` : flag
  );
  return `"deno task norton" may write only under data/; write there, or run: deno run ${
    flags.map(shellWord).join(" ")
  } ${shellWord(mainScript())} ${Deno.args.map(shellWord).join(" ")}`.trimEnd();
}

/**
 * The message of `error` with Deno's "run again with the --allow-… flag"
 * replaced by what works for `norton`; other messages unchanged.
 */
export function permissionHint(message: string): string {
  const refused = /^Requires (\w+) access to "([^"]*)", run again with the --allow-\w+ flag/
    .exec(message);
  if (refused === null) return message;
  const [, kind, target] = refused;
  if (kind === "write") return `Cannot write "${target}": ${writeHint(resolve(target))}`;
  if (kind === "env" && target.startsWith("PG")) {
    return `Cannot read the environment variable ${target}: a postgres:// database needs ` +
      `--allow-env=PG* (use "deno task norton:pg", which grants it)`;
  }
  return `This process may not ${kind === "run" ? "run" : "use"} "${target}" ` +
    `(Deno's --allow-${kind} does not cover it)`;
}

/** The running script, as the user can name it from where they stand. */
function mainScript(): string {
  const path = decodeURIComponent(new URL(Deno.mainModule).pathname);
  const near = relative(userFolder(), path);
  return near.startsWith("..") ? path : near;
}

/** `word` quoted for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
