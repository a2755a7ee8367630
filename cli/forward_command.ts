/**
 * Subcommands that hand every argument to another job: `norton NAME ARGS…`
 * calls a {@linkcode Forwardable}'s `main(ARGS)`, which (with
 * {@linkcode denoTask}) runs `deno task NAME ARGS…`, so the job parses its own
 * flags and keeps its own task's narrow permissions.
 *
 * @module
 */
import type { Command } from "commander";

/** A module run by a forwarded command. */
export interface Forwardable {
  /** Parses `args`, does the job, and sets `Deno.exitCode` on failure. */
  main(args: string[]): Promise<void> | void;
}

/** A forwarded command: its name, one-line summary and what runs it. */
export interface ForwardedCommand extends Forwardable {
  /** The subcommand, e.g. `bench`. */
  name: string;
  /** One line for `norton --help`. */
  summary: string;
}

/** Adds `command` to `program`: every argument after its name, `--help` included, goes to `main`. */
export function addForwardedCommand(program: Command, command: ForwardedCommand): Command {
  return program.command(command.name)
    .summary(command.summary)
    .description(`${command.summary}\nEvery argument is passed on: try "--help" after the name.`)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument("[args...]")
    .action(async (args: string[]) => await command.main(args));
}

/**
 * A module whose `main` runs `deno task NAME ARGS…` in the project folder, so
 * the job keeps the narrow permissions of its own task instead of `norton`
 * holding the union of every job's permissions.
 */
export function denoTask(name: string): Forwardable {
  return {
    async main(args: string[]) {
      const project = new URL("..", import.meta.url);
      try {
        const status = await new Deno.Command("deno", {
          args: ["task", "--quiet", name, ...args],
          cwd: project.protocol === "file:" ? decodeURIComponent(project.pathname) : undefined,
          stdin: "inherit",
          stdout: "inherit",
          stderr: "inherit",
        }).spawn().status;
        if (!status.success) Deno.exitCode = status.code || 1;
      } catch (error) {
        console.error(
          `Cannot run "deno task ${name}" (it needs Deno and this repository): ${
            (error as Error).message
          }`,
        );
        Deno.exitCode = 1;
      }
    },
  };
}
