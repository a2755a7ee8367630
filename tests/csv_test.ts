import assert from "node:assert/strict";
import { readCsv } from "../lib/csv.ts";
import { tempDir, writeFile } from "./helpers.ts";

/** Every record with its line, read with a given chunk size. */
async function read(path: string, chunkSize?: number): Promise<[number, string[]][]> {
  const out: [number, string[]][] = [];
  for await (const batch of readCsv(path, { chunkSize })) {
    batch.records.forEach((record, i) => out.push([batch.lines[i], record]));
  }
  return out;
}

Deno.test("readCsv()", async (t) => {
  await using dir = await tempDir();
  const cases: { name: string; text: string; expected: [number, string[]][] }[] = [
    {
      name: "reads quoted fields with commas, doubled quotes and newlines",
      text: 'a,b\n1,"x, ""y""\nz"\n2,3\n',
      expected: [[1, ["a", "b"]], [2, ["1", 'x, "y"\nz']], [4, ["2", "3"]]],
    },
    {
      name: "reads CRLF line ends, keeping CRLF inside quotes",
      text: 'a,b\r\n1,"x\r\ny"\r\n2,3\r\n',
      expected: [[1, ["a", "b"]], [2, ["1", "x\r\ny"]], [4, ["2", "3"]]],
    },
    {
      name: "drops a UTF-8 byte order mark",
      text: "\ufeffa,b\n1,2\n",
      expected: [[1, ["a", "b"]], [2, ["1", "2"]]],
    },
    {
      name: "skips blank lines but counts them",
      text: "a,b\n1,2\n\n3,4\n",
      expected: [[1, ["a", "b"]], [2, ["1", "2"]], [4, ["3", "4"]]],
    },
    {
      name: "reads a last line without a line break",
      text: "a,b\n1,2",
      expected: [[1, ["a", "b"]], [2, ["1", "2"]]],
    },
  ];
  for (const { name, text, expected } of cases) {
    await t.step(name, async () => {
      const path = await writeFile(dir.path, "case.csv", text);
      // Tiny chunks put record boundaries, quotes and CRLF pairs across reads.
      for (const chunkSize of [1, 2, 3, 5, 7, 64, 1 << 18]) {
        assert.deepEqual(await read(path, chunkSize), expected, `chunk size ${chunkSize}`);
      }
    });
  }

  const bad: { name: string; text: string | Uint8Array; error: RegExp }[] = [
    {
      name: "an unterminated quote",
      text: 'a,b\n1,2\n3,"x\n4,5\n',
      error: /line 3 has a quoted field that is never closed/,
    },
    {
      name: "text after a closing quote",
      text: 'a,b\n1,"x"y\n',
      error: /line 2 has text after the closing quote/,
    },
    {
      name: "a quote inside an unquoted field",
      text: 'a,b\n1,2\n1,x"y\n',
      error: /line 3 has a quote inside unquoted field 2/,
    },
    { name: "a NUL byte", text: "a,b\n1,\0\n", error: /line 2 contains a NUL byte/ },
    {
      name: "invalid UTF-8",
      text: new Uint8Array([0x61, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0xff, 0x0a]),
      error: /line 2 contains bytes that are not valid UTF-8/,
    },
    {
      name: "a UTF-16 file",
      text: new Uint8Array([0xff, 0xfe, 0x61, 0, 0x2c, 0, 0x62, 0]),
      error: /is UTF-16 encoded/,
    },
  ];
  for (const { name, text, error } of bad) {
    await t.step(`rejects ${name}, naming the file and line`, async () => {
      const path = await writeFile(dir.path, "bad.csv", text);
      for (const chunkSize of [1, 3, 1 << 18]) {
        await assert.rejects(read(path, chunkSize), (e: Error) => {
          assert.match(e.message, /^Cannot import ".*bad\.csv": /);
          assert.match(e.message, error);
          return true;
        });
      }
    });
  }

  await t.step("rejects a missing file and a directory by name", async () => {
    await assert.rejects(
      read(`${dir.path}/nope.csv`),
      /Cannot import ".*nope\.csv": file not found/,
    );
    await assert.rejects(read(dir.path), /is a directory/);
  });
});

Deno.test("readCsv() with a delimiter splits on it, and keeps it inside quotes and its checks", async () => {
  await using dir = await tempDir();
  const path = await writeFile(dir.path, "semi.csv", 'a;b\n1,5;"x; y"\n2;"q""r"\n');
  const records: string[][] = [];
  for await (const batch of readCsv(path, { delimiter: ";" })) records.push(...batch.records);
  assert.deepEqual(records, [["a", "b"], ["1,5", "x; y"], ["2", 'q"r']]);
  const stray = await writeFile(dir.path, "stray.csv", 'a;b\n1;x"y\n');
  await assert.rejects(async () => {
    for await (const _ of readCsv(stray, { delimiter: ";" })) { /* read to the end */ }
  }, /line 2 has a quote inside unquoted field 2/);
  await assert.rejects(async () => {
    for await (const _ of readCsv(path, { delimiter: '"' })) { /* refused before reading */ }
  }, /Invalid delimiter/);
});
