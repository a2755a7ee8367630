/**
 * Builds `bin/norton`, the single-binary `norton` for ops machines without
 * Deno: `deno task compile`. The binary carries the worker module, the
 * permissions of `deno task norton` (read anywhere, write only under `data/`)
 * and its V8 flag (lib/v8_flags.ts).
 *
 * `deno compile` joins the program to Deno's runtime, `denort`, which it
 * downloads from dl.deno.land unless `DENORT_BIN` names a local copy. Where
 * that download is impossible, this script says so in one line, with what
 * works instead (`deno task bundle`, or supplying a denort), and exits 1.
 *
 * @module
 */

import { V8_FLAGS } from "../lib/v8_flags.ts";

/** Where the binary is written. */
const OUTPUT = "bin/norton";

/** The arguments of `deno compile`: the narrowest permissions that run every command. */
const COMPILE_ARGS = [
  "compile",
  V8_FLAGS,
  "--allow-read",
  "--allow-write=data",
  "--allow-env=INIT_CWD",
  "--allow-run=deno",
  "--include",
  "lib/import_worker.ts",
  "--output",
  OUTPUT,
  "cli.ts",
];

async function compile(): Promise<number> {
  const denort = Deno.env.get("DENORT_BIN");
  if (denort !== undefined && !(await isFile(denort))) {
    console.error(`Cannot compile "${OUTPUT}": DENORT_BIN "${denort}" is not a file`);
    return 1;
  }
  const output = await new Deno.Command("deno", {
    args: COMPILE_ARGS,
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const errors = new TextDecoder().decode(output.stderr);
  if (output.success) {
    await Deno.stderr.write(output.stderr);
    console.log(`Built ${OUTPUT}`);
    return 0;
  }
  if (
    denort === undefined && errors.includes("error sending request") && errors.includes("denort")
  ) {
    const zip = `denort-${Deno.build.target}.zip`;
    console.error(
      `Cannot compile "${OUTPUT}": deno compile could not download Deno's runtime (denort ` +
        `${Deno.version.deno}) from dl.deno.land; "deno task bundle" builds dist/norton.js for ` +
        `machines with Deno, or fetch https://dl.deno.land/release/v${Deno.version.deno}/${zip} ` +
        `where you can, unzip it and run: DENORT_BIN=/path/to/denort deno task compile`,
    );
  } else {
    await Deno.stderr.write(output.stderr);
  }
  return 1;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

if (import.meta.main) Deno.exitCode = await compile();
