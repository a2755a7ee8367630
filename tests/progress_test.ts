/** Progress of large imports: the row estimate and the bars drawn on a stand-in terminal. */
import assert from "node:assert/strict";
import { estimateRows } from "../lib/estimate_rows.ts";
import { ImportProgress } from "../cli/progress.ts";
import { datasetDir, tempDir, writeFile } from "./helpers.ts";

Deno.test("estimateRows() counts the data rows of a small file exactly", async () => {
  await using dir = await tempDir();
  assert.equal(await estimateRows(await writeFile(dir.path, "a.csv", "h\n1\n2\n3\n")), 3);
  assert.equal(await estimateRows(await writeFile(dir.path, "b.csv", "h\n1\n2")), 2);
  assert.equal(await estimateRows(await writeFile(dir.path, "c.csv", "")), 0);
});

Deno.test("estimateRows() estimates a large file within 10% from its first 64 KiB", async () => {
  await using data = await datasetDir(5000);
  for (const name of ["customers", "products", "rentals"]) {
    const estimate = await estimateRows(`${data.path}/${name}.csv`);
    assert.ok(Math.abs(estimate - 5000) < 500, `${name}: ${estimate}`);
  }
});

/** A terminal stand-in that keeps what is written to it. */
function fakeTerminal() {
  return {
    written: "",
    isTTY: true,
    columns: 60,
    write(text: string, callback?: () => void): boolean {
      this.written += text;
      callback?.();
      return true;
    },
  };
}

Deno.test("progress bars leave the cursor and line wrapping alone, so a kill cannot break the terminal", () => {
  const terminal = fakeTerminal();
  const progress = new ImportProgress(
    [{ key: 1, label: "customers.csv", total: 100_000 }, { key: 2, label: "p.csv", total: 90_000 }],
    terminal as unknown as NodeJS.WritableStream,
  );
  progress.update(1, 10_000);
  progress.update(1, 20_000);
  progress.finish(2, 90_000);
  progress.stop();
  assert.match(terminal.written, /customers\.csv \[/);
  // ESC[?7l turns line wrapping off, ESC[?25l hides the cursor.
  assert.ok(!terminal.written.includes("\x1b[?7l"), "line wrapping turned off");
  assert.ok(!terminal.written.includes("\x1b[?25l"), "cursor hidden");
  const lines = terminal.written.split(new RegExp("\r?\n|\x1b\\[\\d*[A-Za-z]"));
  assert.ok(
    lines.every((line) => line.length <= terminal.columns),
    "a bar wider than the terminal",
  );
});
