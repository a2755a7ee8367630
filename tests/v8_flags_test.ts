import assert from "node:assert/strict";
import config from "../deno.json" with { type: "json" };
import { V8_FLAGS } from "../lib/v8_flags.ts";
import { RUN } from "../tools/bundle.ts";
import { taskCommand } from "./helpers.ts";

Deno.test("every task that runs an import, and the bundle's first line, carry the V8 flag of lib/v8_flags.ts", () => {
  const tasks = Object.keys(config.tasks)
    .filter((name) => /\b(linear|parallel|cli)\.ts\b/.test(taskCommand(name)));
  assert.deepEqual(
    tasks.sort(),
    ["linear", "linear:pg", "norton", "norton:pg", "parallel", "parallel:pg"],
  );
  for (const name of tasks) {
    const command = taskCommand(name);
    assert.ok(command.startsWith(`deno run ${V8_FLAGS} `), `task ${name}: ${command}`);
  }
  assert.ok(RUN.startsWith(`deno run ${V8_FLAGS} `), RUN);
});
