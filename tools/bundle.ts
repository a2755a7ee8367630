/**
 * `deno task bundle`: writes dist/norton.js, all of `norton` in one JavaScript
 * file for machines that have Deno but not this repository. It runs every
 * command with `deno run`, the permissions of `deno task norton` and its V8
 * flag (lib/v8_flags.ts), parallel imports included (its workers run the same
 * file: see tools/bundle_entry.ts):
 *
 * ```sh
 * deno run --v8-flags=--max-semi-space-size=16 --allow-read --allow-write=data --allow-env=INIT_CWD --allow-run=deno dist/norton.js status
 * ```
 *
 * `deno bundle` works offline once its esbuild package is in Deno's cache.
 * `bench`, `profile` and `contention` run their own tasks, so they need the
 * repository.
 *
 * @module
 */
import { V8_FLAGS } from "../lib/v8_flags.ts";

/** Where the bundle goes (the folder is created if missing). */
export const OUTPUT = "dist/norton.js";

/** `deno run` with the permissions of `deno task norton`: the bundle's first line and its usage. */
export const RUN =
  `deno run ${V8_FLAGS} --allow-read --allow-write=data --allow-env=INIT_CWD --allow-run=deno`;

/** Writes the bundle to `output`; throws one line when `deno bundle` fails. */
export async function buildBundle(output: string = OUTPUT): Promise<void> {
  const bundled = await new Deno.Command("deno", {
    args: ["bundle", "--quiet", "--platform", "deno", "tools/bundle_entry.ts"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!bundled.success) {
    const reason = new TextDecoder().decode(bundled.stderr).trim().split("\n").at(-1);
    throw new Error(`Cannot bundle "${output}": deno bundle failed: ${reason}`);
  }
  const folder = output.includes("/") ? output.slice(0, output.lastIndexOf("/")) : ".";
  await Deno.mkdir(folder, { recursive: true });
  // A shebang line, so that `./dist/norton.js status` works where `env -S` does.
  const text = `#!/usr/bin/env -S ${RUN}\n${new TextDecoder().decode(bundled.stdout)}`;
  await Deno.writeTextFile(output, text, { mode: 0o755 });
}

if (import.meta.main) {
  try {
    await buildBundle(Deno.args[0]);
    console.log(
      `Built ${Deno.args[0] ?? OUTPUT}; run it with: ${RUN} ${Deno.args[0] ?? OUTPUT} --help`,
    );
  } catch (error) {
    console.error((error as Error).message);
    Deno.exitCode = 1;
  }
}
