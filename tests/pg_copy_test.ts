/**
 * How rows reach PostgreSQL: the file's own CSV text when PostgreSQL reads it
 * as the importer did, rows encoded as CSV otherwise; either way the table
 * holds what SQLite holds for the same file.
 */
import assert from "node:assert/strict";
import { csvLineEnd, csvRows } from "../lib/store/pg_copy.ts";
import { generateDataset } from "../lib/generate.ts";
import { importFile } from "../lib/import_file.ts";
import { openStore } from "../lib/store/open.ts";
import { readCsv } from "../lib/csv.ts";
import type { TableName } from "../lib/schema.ts";
import { snapshot, tempDir, writeFile } from "./helpers.ts";
import { NO_PG, pgSchema, pgSnapshot } from "./pg_helpers.ts";

Deno.test("csvLineEnd() takes text whose records PostgreSQL reads as RFC 4180 does", async (t) => {
  const cases: [string, string, string | undefined][] = [
    ["LF records", "a,b\nc,d\n", "\n"],
    ["CRLF records", "a,b\r\nc,d\r\n", "\r\n"],
    ["a quoted line break in a CRLF file", 'a,"b\r\nb"\r\nc,d\r\n', "\r\n"],
    ["an LF inside quotes in a CRLF file", 'a,"b\nb"\r\nc,d\r\n', "\r\n"],
    ["a CR inside quotes in an LF file", 'a,"b\rb"\nc,d\n', "\n"],
    ["an empty line inside quotes", 'a,"b\n\nb"\nc,d\n', "\n"],
    ["doubled quotes", 'a,"b""\n""b"\nc,d\n', "\n"],
    ["a last record without a line ending", "a,b\nc,d", "\n"],
    ["LF and CRLF mixed", "a,b\r\nc,d\n", undefined],
    ["a bare CR", "a,b\rc,d\n", undefined],
    ["a blank line between records", "a,b\n\nc,d\n", undefined],
    ["a blank line first", "\na,b\n", undefined],
    ["a blank CRLF line", "a,b\r\n\r\nc,d\r\n", undefined],
    ["a record ended by LF among CRLF ones", 'a,"b\r\nb"\r\nc,d\ne,f\r\n', undefined],
    ["a bare CR after a quoted field", 'a,"b"\rc,d\n', undefined],
  ];
  for (const [name, text, expected] of cases) {
    await t.step(`${expected === undefined ? "refuses" : "takes"} ${name}`, () => {
      assert.equal(csvLineEnd(text), expected);
    });
  }
});

Deno.test("csvRows() writes RFC 4180 in the order and line ending asked for", async (t) => {
  const cases: [string, (string | number)[][], number[], "\n" | "\r\n", string][] = [
    ["plain values", [["C1", "Ann", 3]], [0, 1, 2], "\n", "C1,Ann,3\n"],
    ["another column order", [["C1", "Ann", 3]], [2, 0, 1], "\n", "3,C1,Ann\n"],
    ["CRLF", [["a", "b"], ["c", "d"]], [0, 1], "\r\n", "a,b\r\nc,d\r\n"],
    ["a comma", [["C1", "Lee, Ann"]], [0, 1], "\n", 'C1,"Lee, Ann"\n'],
    ["a quote", [["C1", 'O"Brien']], [0, 1], "\n", 'C1,"O""Brien"\n'],
    ["a line break", [["C1", "1 Main\nSt"]], [0, 1], "\r\n", 'C1,"1 Main\nSt"\r\n'],
    ["a carriage return", [["C1", "a\rb"]], [0, 1], "\n", 'C1,"a\rb"\n'],
    ["an empty field", [["C1", ""]], [0, 1], "\n", "C1,\n"],
  ];
  for (const [name, rows, order, lineEnd, expected] of cases) {
    await t.step(name, () => assert.equal(csvRows(rows, order, lineEnd), expected));
  }
});

const CUSTOMERS = "user_id,name,address,zip_code,phone_number,email";

/** Files in the shapes real exports take, each valid for both stores. */
const SHAPES: { name: string; table: TableName; text: string; delimiter?: string }[] = [
  {
    name: "LF, quoted commas and quotes, empty fields",
    table: "customers",
    text: `${CUSTOMERS}\nC1,"Lee, Ann",,00001,555,a@x\nC2,"O""Brien",1 Main,,,\n`,
  },
  {
    name: "CRLF with a line break inside a quoted field, no final line ending",
    table: "customers",
    text: `${CUSTOMERS}\r\nC1,Ann,"1 Main St\r\nApt 2",1,2,a\r\nC2,Bob,2 Elm,3,4,b`,
  },
  {
    name: "columns in another order",
    table: "products",
    text:
      "quantity_available,product_id,product_type,description\n3,P1,office,desk\n0,P2,bedroom,bed\n",
  },
  {
    name: "keys with spaces around them (trimmed) and quantities with spaces and zeros",
    table: "products",
    text:
      "product_id,description,product_type,quantity_available\n P1 ,desk,office, 7\nP2,bed,bedroom,007\n",
  },
  {
    name: "blank lines after the header and between records",
    table: "customers",
    text: `${CUSTOMERS}\n\nC1,Ann,a,1,2,e\n\nC2,Bob,b,3,4,f\n\n`,
  },
  {
    name: "fields separated by semicolons, with a quoted semicolon and comma",
    table: "products",
    text:
      'product_id;description;product_type;quantity_available\nP1;"oak; 36"" wide, dark";office;3\n',
    delimiter: ";",
  },
  {
    name: "Excel's separator line before the header, CRLF, no delimiter given",
    table: "products",
    text:
      'sep=;\r\nproduct_id;description;product_type;quantity_available\r\nP1;"oak; 36"" wide";office;3\r\nP2;bed;bedroom;0\r\n',
  },
  {
    name: "a spreadsheet's empty unnamed columns at the end",
    table: "products",
    text:
      "product_id,description,product_type,quantity_available,,\nP1,desk,office,3,,\nP2,bed,bedroom,0,,\n",
  },
  {
    name: "a spreadsheet's rows of empty fields between and after the rows",
    table: "products",
    text:
      "product_id,description,product_type,quantity_available\n,,,\nP1,desk,office,3\n,,,\n,,,\nP2,bed,bedroom,0\nP3,cot,bedroom,1\n,,,\n",
  },
  {
    name: "fields separated by tabs",
    table: "products",
    text: "product_id\tdescription\tproduct_type\tquantity_available\nP1\toak, desk\toffice\t3\n",
    delimiter: "\t",
  },
  {
    name: "backslashes, tabs and text that looks like COPY's markers",
    table: "customers",
    text: `${CUSTOMERS}\nC1,\\N,"\\.",a\tb,\\,\\\\\nC2,"x\n\\.\ny",b,c,d,e\n`,
  },
];

Deno.test({
  name:
    "PostgreSQL stores what SQLite stores for the generator's export shape, into empty and full tables",
  ignore: NO_PG,
  async fn() {
    await using dir = await tempDir();
    await using pg = pgSchema();
    await generateDataset(dir.path, { rows: 3000, shape: "export" });
    const sqlite = await openStore(`${dir.path}/t.db`);
    const server = await openStore(pg.location);
    try {
      for (const round of [1, 2]) {
        for (const table of ["customers", "products"] as const) {
          const path = `${dir.path}/${table}.csv`;
          const [a, b] = [await importFile(sqlite, path), await importFile(server, path)];
          assert.deepEqual([b.processed, b.before, b.after], [a.processed, a.before, a.after]);
          assert.deepEqual(
            await pgSnapshot(pg.location, table),
            snapshot(`${dir.path}/t.db`, table),
            `${table}, round ${round}`,
          );
        }
      }
    } finally {
      await server.close();
      await sqlite.close();
    }
  },
});

Deno.test({
  name: "PostgreSQL stores what SQLite stores for files in every shape, into empty and full tables",
  ignore: NO_PG,
  async fn(t) {
    for (const { name, table, text, delimiter } of SHAPES) {
      await t.step(name, async () => {
        await using dir = await tempDir();
        await using pg = pgSchema();
        const path = await writeFile(dir.path, `${table}.csv`, text);
        const sqlite = await openStore(`${dir.path}/t.db`);
        const server = await openStore(pg.location);
        try {
          // Chunks of 32 bytes: the batches after the first go to COPY as the file's text.
          const read: typeof readCsv = (path, options) =>
            readCsv(path, { ...options, chunkSize: 32 });
          // Twice: straight into the empty table, then merged into the full one.
          for (const round of [1, 2]) {
            const [a, b] = [
              await importFile(sqlite, path, { delimiter, read }),
              await importFile(server, path, { delimiter, read }),
            ];
            assert.deepEqual([b.processed, b.before, b.after], [a.processed, a.before, a.after]);
            assert.deepEqual(
              await pgSnapshot(pg.location, table),
              snapshot(`${dir.path}/t.db`, table),
              `round ${round}`,
            );
          }
        } finally {
          await server.close();
          await sqlite.close();
        }
      });
    }
  },
});
