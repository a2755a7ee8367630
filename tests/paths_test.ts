import assert from "node:assert/strict";
import { basename, dirname, join } from "../lib/paths.ts";
import { rejectsFolder } from "../lib/store/open.ts";

Deno.test("dirname(), basename() and join() agree with POSIX paths", () => {
  assert.equal(dirname("data/hpnorton"), "data");
  assert.equal(dirname("hpnorton.db"), ".");
  assert.equal(dirname("/hpnorton.db"), "/");
  assert.equal(dirname("/a/b/c.csv"), "/a/b");
  assert.equal(basename("/a/b/c.csv"), "c.csv");
  assert.equal(basename("c.csv"), "c.csv");
  assert.equal(join("data", "x.csv"), "data/x.csv");
  assert.equal(join("/", "x.csv"), "/x.csv");
});

Deno.test("rejectsFolder() is the database file's folder, or the current folder for a server URL", () => {
  assert.equal(rejectsFolder("data/hpnorton"), "data");
  assert.equal(rejectsFolder("postgres://root@127.0.0.1:5432/test?schema=x"), ".");
});
