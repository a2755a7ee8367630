import assert from "node:assert/strict";
import { crashDrill } from "../tools/crash.ts";
import { tempDir } from "./helpers.ts";

// The full drill (20+ kills) is `deno task crash`; the suite runs a shorter one.
Deno.test("an import killed with SIGKILL leaves each table sound and entirely old or entirely new", async () => {
  await using dir = await tempDir();
  const { kills } = await crashDrill(dir.path, { rows: 200_000, kills: 5 });
  assert.equal(kills.length, 5);
  for (const kill of kills) {
    assert.deepEqual(kill.integrity, { customers: "ok", products: "ok" }, `at ${kill.afterMs} ms`);
    for (const [table, state] of Object.entries(kill.tables)) {
      assert.notEqual(state, "torn", `${table} at ${kill.afterMs} ms`);
    }
  }
});
