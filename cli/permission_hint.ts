/**
 * What to do when Deno's permissions refuse something, in one line that names
 * what actually works. Deno's own message ("run again with the --allow-write
 * flag") names a flag of `deno run`, which `norton` does not take, and a task
 * cannot be given more permissions from its command line: the line names the
 * task that has the permission, or the `deno run` command that grants it.
 *
 * @module
 */
import config from "../deno.json" with { type: "json" };
import { relative, resolve } from "node:path";
import { userFolder } from "./user_path.ts";

type Task = "norton" | "norton:pg";

/**
 * Throws one line naming what works when this process may not write `path`
 * (a file or folder it is about to create or change). On a terminal, Deno
 * asks first, as the write itself would.
 */
export function requireWrite(path: string): void {
  const descriptor = { name: "write", path } as const;
  if (Deno.permissions.querySync(descriptor).state === "granted") return;
  if (Deno.permissions.requestSync(descriptor).state === "granted") return;
  throw new Error(writeRefused(path));
}

/**
 * `message` (one line) with Deno's "run again with the --allow-… flag", or the
 * store's "add --allow-net=…", replaced by what works for `norton`; any other
 * message unchanged.
 */
export function permissionHint(message: string): string {
  const refused = /^Requires (\w+) access to "([^"]*)", run again with the --allow-\w+ flag/
    .exec(message);
  if (refused?.[1] === "write") return writeRefused(refused[2]);
  if (refused?.[1] === "env" && refused[2].startsWith("PG")) {
    return `Cannot read the environment variable ${refused[2]}: a postgres:// database needs ` +
      `--allow-env=PG*; run: ${command("norton:pg")}`;
  }
  if (refused !== null) {
    return `This process may not use "${refused[2]}" (Deno's --allow-${refused[1]} does not ` +
      "cover it)";
  }
  const net = /^(.*: this process may not connect to (\S+)) \(add --allow-net.*\)$/.exec(message);
  if (net !== null) {
    return `${net[1]}; run: ${command("norton:pg", `--allow-net=${net[2]}`)}`;
  }
  return message;
}

function writeRefused(path: string): string {
  return `Cannot write "${path}": "deno task norton" may write only under data/; write there, ` +
    `or run: ${command("norton", `--allow-write=${resolve(path)}`)}`;
}

/**
 * The command that runs this invocation again: `deno task TASK ARGS` when the
 * task has what is needed, else `deno run` with the task's flags, `flag`
 * replacing the task's flag of the same kind.
 */
function command(task: Task, flag?: string): string {
  const args = Deno.args.map(shellWord).join(" ");
  const flags = config.tasks[task].split(" ").map((word) => word.replace(/^'(.*)'$/, "$1"))
    .filter((word) => word.startsWith("-"));
  const kind = flag?.split("=")[0];
  if (flag === undefined || flags.includes(flag)) return `deno task ${task} ${args}`;
  const granted = [...flags.filter((word) => word.split("=")[0] !== kind), flag];
  return `deno run ${granted.map(shellWord).join(" ")} ${shellWord(mainScript())} ${args}`;
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
