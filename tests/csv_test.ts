/**
 * The reader's specification (the header of lib/csv.ts) as cases: each valid
 * text with the records and lines it must give, each invalid one with its
 * exact message. Every case is read in chunk sizes from 1 byte up, so record
 * boundaries, quotes, CRLF pairs and UTF-8 sequences fall across reads.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readCsv, type ReadCsvOptions } from "../lib/csv.ts";
import { ImportError } from "../lib/import_error.ts";
import { rawTexts, tempDir, writeFile } from "./helpers.ts";

const CHUNK_SIZES = [1, 2, 3, 5, 7, 64, 1 << 18];

/** Every record with its line, read with the given options. */
async function read(path: string, options: ReadCsvOptions = {}): Promise<[number, string[]][]> {
  const out: [number, string[]][] = [];
  for await (const batch of readCsv(path, options)) {
    batch.records.forEach((record, i) => out.push([batch.lines[i], record]));
  }
  return out;
}

/** The lines of the records yielded before the reader threw (if it did), their problems, and what it threw. */
async function readUntilError(path: string, options: ReadCsvOptions) {
  const lines: number[] = [];
  const invalid = new Map<number, string>();
  try {
    for await (const batch of readCsv(path, options)) {
      lines.push(...batch.lines);
      for (const [line, reason] of batch.invalid ?? []) invalid.set(line, reason);
    }
  } catch (error) {
    return { lines, invalid, error };
  }
  return { lines, invalid, error: undefined };
}

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(
    parts.flatMap((part) => typeof part === "string" ? [...new TextEncoder().encode(part)] : part),
  );

Deno.test("readCsv() reads every valid shape exactly, with the line each record starts on", async (t) => {
  await using dir = await tempDir();
  const cases: { name: string; text: string | Uint8Array; expected: [number, string[]][] }[] = [
    {
      name: "quoted fields with commas, doubled quotes and newlines",
      text: 'a,b\n1,"x, ""y""\nz"\n2,3\n',
      expected: [[1, ["a", "b"]], [2, ["1", 'x, "y"\nz']], [4, ["2", "3"]]],
    },
    {
      name: "CRLF line ends, keeping CRLF inside quotes",
      text: 'a,b\r\n1,"x\r\ny"\r\n2,3\r\n',
      expected: [[1, ["a", "b"]], [2, ["1", "x\r\ny"]], [4, ["2", "3"]]],
    },
    {
      name: "a CRLF inside the first quoted field does not make the file CRLF",
      text: '"a\r\na","b"\nc,d\n',
      expected: [[1, ["a\r\na", "b"]], [3, ["c", "d"]]],
    },
    {
      name: "an LF inside the first quoted field does not make a CRLF file LF",
      text: '"a\na",b\r\nc,d\r\n',
      expected: [[1, ["a\na", "b"]], [3, ["c", "d"]]],
    },
    {
      name: "records after a first field holding CRLF are not merged",
      text: '"a\r\na",b\nc,d\ne,f\ng,h\ni,j\n',
      expected: [
        [1, ["a\r\na", "b"]],
        [3, ["c", "d"]],
        [4, ["e", "f"]],
        [5, ["g", "h"]],
        [6, ["i", "j"]],
      ],
    },
    {
      name: "a header ending in LF and rows ending in CRLF",
      text: "user_id,email\nC1,ann@example.com\r\nC2,bob@example.com\r\n",
      expected: [
        [1, ["user_id", "email"]],
        [2, ["C1", "ann@example.com"]],
        [3, ["C2", "bob@example.com"]],
      ],
    },
    {
      name: "a UTF-8 byte order mark is dropped",
      text: "\ufeffa,b\n1,2\n",
      expected: [[1, ["a", "b"]], [2, ["1", "2"]]],
    },
    {
      name: "a U+FEFF after the start is text",
      text: "a,\ufeffb\n",
      expected: [[1, ["a", "\ufeffb"]]],
    },
    {
      name: "a U+FFFD written as UTF-8 is text",
      text: "a,b\nJos\ufffd,\ufffd\n",
      expected: [[1, ["a", "b"]], [2, ["Jos\ufffd", "\ufffd"]]],
    },
    {
      name: "characters of 2, 3 and 4 bytes, split across chunks",
      text: 'é,€\n😀,"ʤ\n😀"\n',
      expected: [[1, ["é", "€"]], [2, ["😀", "ʤ\n😀"]]],
    },
    {
      name: "blank lines (LF and CRLF) are skipped but counted",
      text: "a,b\n1,2\n\n\r\n3,4\n\n",
      expected: [[1, ["a", "b"]], [2, ["1", "2"]], [5, ["3", "4"]]],
    },
    {
      name: 'a line holding only "" is a record of one empty field',
      text: 'a\n""\n\nb\n',
      expected: [[1, ["a"]], [2, [""]], [4, ["b"]]],
    },
    {
      name: "empty fields, quoted and not",
      text: ',,\n"",,""\n',
      expected: [[1, ["", "", ""]], [2, ["", "", ""]]],
    },
    {
      name: "spaces around fields are kept",
      text: " a , b \n",
      expected: [[1, [" a ", " b "]]],
    },
    {
      name: "a CR inside quotes is text",
      text: '"a\rb",c\r\n',
      expected: [[1, ["a\rb", "c"]]],
    },
    {
      name: "a last line without a line break",
      text: "a,b\n1,2",
      expected: [[1, ["a", "b"]], [2, ["1", "2"]]],
    },
    {
      name: "a quoted last field without a line break",
      text: 'a,b\n1,"2"',
      expected: [[1, ["a", "b"]], [2, ["1", "2"]]],
    },
    {
      name: "a file of blank lines only has no records",
      text: "\n\r\n\n",
      expected: [],
    },
    {
      name: "Excel's separator line declares the delimiter, and the header is line 2",
      text: "sep=;\r\na;b\r\n1,5;2\r\n",
      expected: [[2, ["a", "b"]], [3, ["1,5", "2"]]],
    },
    {
      name: "a separator line after a byte order mark, ending in LF",
      text: "\ufeffsep=|\na|b\n",
      expected: [[2, ["a", "b"]]],
    },
    {
      name: "a separator line alone is no record",
      text: "sep=;",
      expected: [],
    },
    {
      name: "a first line only like a separator line is a record",
      text: "sep=;x\nsep=\n",
      expected: [[1, ["sep=;x"]], [2, ["sep="]]],
    },
    {
      name: "a separator line after the first line is a record",
      text: "a\nsep=;\n",
      expected: [[1, ["a"]], [2, ["sep=;"]]],
    },
  ];
  for (const { name, text, expected } of cases) {
    await t.step(name, async () => {
      const path = await writeFile(dir.path, "case.csv", text);
      for (const chunkSize of CHUNK_SIZES) {
        assert.deepEqual(await read(path, { chunkSize }), expected, `chunk size ${chunkSize}`);
      }
    });
  }

  await t.step("raw keeps each record's text with its own line break", async () => {
    const path = await writeFile(dir.path, "raw.csv", 'a,b\r\n"x\ny",2\n\n3,4');
    for (const chunkSize of CHUNK_SIZES) {
      const raw: string[] = [];
      for await (const batch of readCsv(path, { chunkSize, raw: true })) {
        raw.push(...rawTexts(batch));
      }
      assert.deepEqual(raw, ["a,b\r\n", '"x\ny",2\n', "3,4"], `chunk size ${chunkSize}`);
    }
  });
});

Deno.test("readCsv() refuses an invalid file at its first bad line, with the exact message", async (t) => {
  await using dir = await tempDir();
  const cases: {
    name: string;
    text: string | Uint8Array;
    reason: string;
    /** The reason concerns one record: keepInvalid keeps it and names it. */
    record?: true;
  }[] = [
    {
      name: "an unterminated quote",
      text: 'a,b\n1,2\n3,"x\n4,5\n',
      reason: "line 3 has a quoted field that is never closed",
    },
    {
      name: "text after a closing quote",
      text: 'a,b\n1,"x"y\n',
      reason: "line 2 has text after the closing quote of a quoted field",
    },
    {
      name: "spaces after a closing quote",
      text: 'user_id,name\nC1,"Ann Lee"   \nC2,Bob\n',
      reason: "line 2 has text after the closing quote of a quoted field",
    },
    {
      name: "a tab after a closing quote",
      text: 'a,b\n1,"x"\t,y\n',
      reason: "line 2 has text after the closing quote of a quoted field",
    },
    {
      name: "a no-break space after a closing quote",
      text: 'a,b\n1,"x"\u00a0\n',
      reason: "line 2 has text after the closing quote of a quoted field",
    },
    {
      name: "a lone CR after a closing quote",
      text: 'a,b\n1,"x"\r2,3\n',
      reason: "line 2 has text after the closing quote of a quoted field",
    },
    {
      name: "a UTF-16 file with a byte order mark",
      text: new Uint8Array([0xff, 0xfe, 0x61, 0, 0x2c, 0, 0x62, 0]),
      reason: "line 1 is UTF-16 encoded: save it as UTF-8",
    },
    {
      name: "a UTF-16 big-endian file without a byte order mark",
      text: new Uint8Array([0, 0x61, 0, 0x2c, 0, 0x62, 0, 0x0a]),
      reason: "line 1 is UTF-16 encoded: save it as UTF-8",
    },
    {
      name: "a quote inside an unquoted field",
      text: 'a,b\n1,2\n1,x"y\n',
      reason: "line 3 has a quote inside unquoted field 2",
      record: true,
    },
    {
      name: "a quote before the opening quote",
      text: 'a,b\n1, "x"\n',
      reason: "line 2 has a quote inside unquoted field 2",
      record: true,
    },
    {
      name: "a lone CR in an unquoted field",
      text: "a,b\n1,x\ry\n",
      reason: "line 2 has a carriage return not followed by a line feed in unquoted field 2",
      record: true,
    },
    {
      name: "a file with CR line ends only",
      text: "a,b\r1,2\r",
      reason: "line 1 has a carriage return not followed by a line feed in unquoted field 2",
      record: true,
    },
    {
      name: "a NUL byte",
      text: "a,b\n1,\0\n",
      reason: "line 2 contains a NUL byte",
      record: true,
    },
    {
      name: "invalid UTF-8",
      text: bytes("a,b\n1,", [0xff], "\n"),
      reason: "line 2 contains byte 0xFF, which is not UTF-8: save the file as UTF-8",
      record: true,
    },
    {
      name: "invalid UTF-8 in a record spanning lines, named where the record starts",
      text: bytes('a,b\n1,"x\ny', [0xc3, 0x28], '"\n'),
      reason: "line 2 contains byte 0xC3, which is not UTF-8: save the file as UTF-8",
      record: true,
    },
    {
      name: "a UTF-8 sequence cut short by the end of the file",
      text: bytes("a,b\n1,", [0xe2, 0x82]),
      reason: "line 2 contains bytes 0xE2 0x82, which are not UTF-8: save the file as UTF-8",
      record: true,
    },
    {
      name: "a record problem before a file problem",
      text: 'a,b\n1,x"y\n2,"z\n',
      reason: "line 2 has a quote inside unquoted field 2",
      record: true,
    },
    {
      name: "a file problem before a record problem",
      text: 'a,b\n1,"x"y\n2,\0\n',
      reason: "line 2 has text after the closing quote of a quoted field",
    },
    {
      name: "bad UTF-8 after a NUL",
      text: bytes("a,b\n1,\0\n2,", [0xff], "\n"),
      reason: "line 2 contains a NUL byte",
      record: true,
    },
  ];
  for (const { name, text, reason, record } of cases) {
    await t.step(`refuses ${name}`, async () => {
      const path = await writeFile(dir.path, "bad.csv", text);
      const line = Number(/^line (\d+) /.exec(reason)![1]);
      for (const chunkSize of CHUNK_SIZES) {
        const { lines, error } = await readUntilError(path, { chunkSize });
        assert.ok(error instanceof ImportError, `chunk size ${chunkSize}: ${error}`);
        assert.equal(error.message, `Cannot import "${path}": ${reason}`);
        // Every record before the bad line came first, so that a caller can
        // refuse an earlier line for a reason of its own.
        assert.deepEqual(lines, lines.filter((n) => n < line), `chunk size ${chunkSize}`);
        if (record) {
          // keepInvalid keeps the record and names its problem instead.
          const kept = await readUntilError(path, { chunkSize, keepInvalid: true });
          assert.ok(kept.lines.includes(line), `chunk size ${chunkSize}`);
          assert.equal(kept.invalid.get(line), reason.replace(/^line \d+ /, ""));
        }
      }
    });
  }

  await t.step("yields the records before a refusal first", async () => {
    const path = await writeFile(dir.path, "late.csv", 'a,b\n1,2\n\n3,"x"y\n');
    for (const chunkSize of CHUNK_SIZES) {
      const { lines, error } = await readUntilError(path, { chunkSize });
      assert.deepEqual(lines, [1, 2], `chunk size ${chunkSize}`);
      assert.match(String(error), /line 4 has text after the closing quote/);
    }
  });

  await t.step("keepInvalid keeps a record with a problem of its own and names it", async () => {
    const path = await writeFile(
      dir.path,
      "keep.csv",
      bytes('a,b\n1,x"y\n2,\0\n3,', [0xff], "\n4,x\ry\n5,ok\n"),
    );
    for (const chunkSize of CHUNK_SIZES) {
      const records: string[][] = [];
      const invalid = new Map<number, string>();
      for await (const batch of readCsv(path, { chunkSize, keepInvalid: true })) {
        records.push(...batch.records);
        for (const [line, reason] of batch.invalid ?? []) invalid.set(line, reason);
      }
      assert.deepEqual(records, [
        ["a", "b"],
        ["1", 'x"y'],
        ["2", "\0"],
        ["3", "\ufffd"],
        ["4", "x\ry"],
        ["5", "ok"],
      ]);
      assert.deepEqual([...invalid], [
        [2, "has a quote inside unquoted field 2"],
        [3, "contains a NUL byte"],
        [4, "contains byte 0xFF, which is not UTF-8: save the file as UTF-8"],
        [5, "has a carriage return not followed by a line feed in unquoted field 2"],
      ]);
    }
  });

  await t.step("refuses a missing file and a directory by name", async () => {
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

Deno.test("readCsv() takes the delimiter of a separator line, and refuses another one given", async () => {
  await using dir = await tempDir();
  const path = await writeFile(dir.path, "sep.csv", "sep=;\na;b\n1;2\n");
  for (const delimiter of [undefined, ";"]) {
    const batches = [];
    for await (const batch of readCsv(path, { delimiter })) batches.push(batch);
    assert.deepEqual(batches.map((b) => [b.records, b.text, b.delimiter]), [
      [[["a", "b"], ["1", "2"]], "a;b\n1;2\n", ";"],
    ]);
  }
  await assert.rejects(
    async () => {
      for await (const _ of readCsv(path, { delimiter: "\t" })) { /* refused at line 1 */ }
    },
    (error: Error) => {
      assert.equal(
        error.message,
        `Cannot import "${path}": line 1 declares the delimiter ";" (sep=;), but the delimiter given is "\\t"`,
      );
      return true;
    },
  );
});

Deno.test("readCsv() lets the event loop run (Ctrl-C, progress) while it reads a long file", async () => {
  await using dir = await tempDir();
  // 4,001 records of 4 bytes, read 8 bytes at a time: about 2,000 reads.
  const path = await writeFile(dir.path, "long.csv", "a,b\n" + "1,2\n".repeat(4000));
  // A message to this thread is delivered, as a signal is, by a turn of the event loop.
  const { port1, port2 } = new MessageChannel();
  let batches = 0;
  let deliveredAt: number | undefined;
  port2.onmessage = () => deliveredAt = batches;
  try {
    for await (const _ of readCsv(path, { chunkSize: 8 })) {
      // Sent once reading is under way: opening the file alone turns the loop.
      if (++batches === 1) port1.postMessage("now");
    }
  } finally {
    port1.close();
    port2.close();
  }
  assert.ok(
    deliveredAt !== undefined && deliveredAt < batches,
    `delivered at batch ${deliveredAt} of ${batches}`,
  );
});

Deno.test("readCsv() reads a pipe without blocking its thread while the pipe is empty", async () => {
  const child = new Deno.Command("deno", {
    args: [
      "eval",
      `import { readCsv } from "${new URL("../lib/csv.ts", import.meta.url)}";
      // Due long after the reader has opened the pipe and started waiting on it.
      setTimeout(() => console.log("waiting"), 300);
      const records = [];
      for await (const batch of readCsv("/dev/stdin", { chunkSize: 4 })) records.push(...batch.records);
      console.log(JSON.stringify(records));`,
    ],
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  const timeout = setTimeout(() => child.kill(), 20_000);
  try {
    // The timer runs while the reader waits on the empty pipe: its thread is free.
    while (!output.includes("waiting\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      output += value;
    }
    assert.match(output, /^waiting\n/, "the child's thread was blocked on the pipe");
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode('a,b\n1,"x\ny"\n2,3'));
    await writer.close();
    for (let part = await lines.read(); !part.done; part = await lines.read()) output += part.value;
    assert.deepEqual(JSON.parse(output.slice("waiting\n".length)), [
      ["a", "b"],
      ["1", "x\ny"],
      ["2", "3"],
    ]);
    assert.equal((await child.status).code, 0);
  } finally {
    clearTimeout(timeout);
  }
});
