import assert from "node:assert/strict";
import { createProgram } from "../cli.ts";
import { addForwardedCommand } from "../cli/forward_command.ts";

Deno.test("a forwarded command passes every argument after its name, --help included, to main", async () => {
  const received: string[][] = [];
  const program = createProgram();
  addForwardedCommand(program, {
    name: "replay",
    summary: "run the benchmarks",
    main: (args: string[]) => void received.push(args),
  });
  await program.parseAsync(["replay", "--rows", "10", "--db", "x.db", "-V", "--help", "extra"], {
    from: "user",
  });
  await program.parseAsync(["replay"], { from: "user" });
  assert.deepEqual(received, [["--rows", "10", "--db", "x.db", "-V", "--help", "extra"], []]);
});
