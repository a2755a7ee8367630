import assert from "node:assert/strict";
import { V8_FLAGS } from "../lib/v8_flags.ts";
import { RUN } from "../tools/bundle.ts";

/** The tasks of deno.json whose command runs an import's entry point. */
async function importTasks(): Promise<[string, string][]> {
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  return Object.entries(config.tasks as Record<string, string | { command: string }>)
    .map(([name, task]): [string, string] => [name, typeof task === "string" ? task : task.command])
    .filter(([, command]) => /\b(linear|parallel|cli)\.ts\b/.test(command));
}

Deno.test("every task that runs an import, and the bundle's first line, carry the V8 flag of lib/v8_flags.ts", async () => {
  const tasks = await importTasks();
  assert.deepEqual(
    tasks.map(([name]) => name).sort(),
    ["linear", "linear:pg", "norton", "norton:pg", "parallel", "parallel:pg"],
  );
  for (const [name, command] of tasks) {
    assert.ok(command.startsWith(`deno run ${V8_FLAGS} `), `task ${name}: ${command}`);
  }
  assert.ok(RUN.startsWith(`deno run ${V8_FLAGS} `), RUN);
});
