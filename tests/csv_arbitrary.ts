/**
 * Random CSV files for the property tests (fast-check arbitraries): valid
 * files of each table in any column order, LF or CRLF, with or without a BOM
 * and a last line break, quoting where needed and sometimes where not; and
 * the same files mutated, row by row (a field too many or too few, an empty
 * key, a bad quantity, a repeated key, a reference to nothing, a stray quote,
 * invalid UTF-8, a NUL byte, a blank line, a line that is only `""`, a
 * spreadsheet's row of empty fields (`,,,`), a space after a closing quote) or as a whole (text after a closing quote, a quote
 * never closed). Text holds U+FFFD too: written in the file, it is data.
 *
 * @module
 */
import fc from "fast-check";
import { ORACLE_TABLES } from "./csv_oracle.ts";

/** Keys the base database holds (see {@linkcode BASE_KEYS}) and a few it does not. */
const KEYS: Record<string, string[]> = {
  customers: ["C1", "C2", "C3", "C4", "C5", " C2", "C3 "],
  products: ["P1", "P2", "P3", "P4", "P5", " P1 "],
  rentals: ["R1", "R2", "R3", "R4", "R5", "R2 "],
};

/** The keys of the base tables every generated file is imported on top of. */
export const BASE_KEYS = { customers: ["C1", "C2", "C3"], products: ["P1", "P2", "P3"] };

const REFERENCED: Record<string, string[]> = {
  user_id: ["C1", "C2", "C3", " C1", "C9"],
  product_id: ["P1", "P2", "P3", "P3 ", "P9"],
};

/** Characters of text fields: the delimiter, quotes, line breaks, spaces, non-ASCII. */
const UNITS = [
  "a",
  "b",
  "Z",
  "0",
  "7",
  " ",
  ",",
  '"',
  "\n",
  "\r\n",
  "\r",
  "'",
  ";",
  "\t",
  "é",
  "e\u0301",
  "日本",
  "😀",
  "א",
  "\u00a0",
  "\u2028",
  "\\",
  "\uFFFD",
];

const text = fc.string({ unit: fc.constantFrom(...UNITS), maxLength: 12 });

/** A stray quote goes into a record's last field, unquoted: `a"b`. */
const plain = fc.string({ unit: fc.constantFrom("a", "b", "7", " "), maxLength: 4 });

/** How one record is changed, if at all. */
type RowMutation =
  | "none"
  | "extra field"
  | "missing field"
  | "empty key"
  | "stray quote"
  | "invalid UTF-8"
  | "NUL"
  | "blank line before"
  | 'a line that is only ""'
  | "empty row before"
  | "a space after a closing quote";

/** How the whole file is changed, if at all. */
type FileMutation = "none" | "text after a closing quote" | "a quote never closed";

/** A field: its text and whether it is quoted. */
export interface FieldModel {
  text: string;
  quoted: boolean;
}

/** A record: its fields in column order, and how it is changed. */
export interface RecordModel {
  fields: FieldModel[];
  mutation: RowMutation;
  /** The end of the last field when the mutation is a stray quote (`a"…`). */
  stray: string;
}

/** A generated file, before it is written out. */
export interface FileModel {
  /** Its table. */
  table: string;
  /** Header order: the table's column indexes in file order. */
  order: number[];
  /** The records. */
  records: RecordModel[];
  /** Line break. */
  newline: "\n" | "\r\n";
  /** A UTF-8 byte-order mark first. */
  bom: boolean;
  /** A line break after the last record. */
  lastNewline: boolean;
  /** A change of the whole file. */
  mutation: FileMutation;
}

/** Values of `column`: any in a mutated file; in a valid one, keys present and quantities whole. */
function valueOf(table: string, column: string, valid: boolean): fc.Arbitrary<string> {
  const isKey = ORACLE_TABLES[table].columns[0] === column;
  if (isKey) {
    const any = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYS[table]) }, text);
    return valid ? any.filter((key) => key.trim() !== "") : any;
  }
  if (column in REFERENCED && table === "rentals") {
    const keys = REFERENCED[column];
    return fc.constantFrom(...(valid ? keys.filter((k) => !k.includes("9")) : keys));
  }
  if (column === "quantity_available") {
    const whole = fc.nat({ max: 500 }).map(String);
    if (valid) return whole;
    return fc.oneof(
      { weight: 4, arbitrary: whole },
      fc.constantFrom("-1", "1.5", "", " 7 ", "1e3", "0x10", "9007199254740993", "٣"),
    );
  }
  return text;
}

const ROW_MUTATIONS: RowMutation[] = [
  "extra field",
  "missing field",
  "empty key",
  "stray quote",
  "invalid UTF-8",
  "NUL",
  "blank line before",
  'a line that is only ""',
  "empty row before",
  "a space after a closing quote",
];

/**
 * Files of `table`. "valid": every row imports (keys unique once trimmed,
 * references present, quantities whole). "mutated": values drawn from
 * everything (so keys repeat, references miss, quantities are wrong), and
 * rows and the file mutated at random.
 */
export function fileModel(table: string, kind: "valid" | "mutated"): fc.Arbitrary<FileModel> {
  const columns = ORACLE_TABLES[table].columns;
  const mutate = kind === "mutated";
  const record = fc.record({
    fields: fc.tuple(...columns.map((column) =>
      fc.record({
        text: valueOf(table, column, !mutate),
        quoted: fc.boolean(),
      })
    )),
    mutation: mutate
      ? fc.oneof(
        { weight: 12, arbitrary: fc.constant<RowMutation>("none") },
        fc.constantFrom(...ROW_MUTATIONS),
      )
      : fc.constant<RowMutation>("none"),
    stray: plain,
  });
  return fc.record({
    table: fc.constant(table),
    order: fc.shuffledSubarray(columns.map((_, i) => i), {
      minLength: columns.length,
      maxLength: columns.length,
    }),
    records: mutate ? fc.array(record, { minLength: 1, maxLength: 25 }) : fc.uniqueArray(record, {
      minLength: 1,
      maxLength: 25,
      selector: (r) => r.fields[0].text.trim(),
    }),
    newline: fc.constantFrom<("\n" | "\r\n")[]>("\n", "\r\n"),
    bom: fc.boolean(),
    lastNewline: fc.boolean(),
    mutation: mutate
      ? fc.oneof(
        { weight: 8, arbitrary: fc.constant<FileMutation>("none") },
        fc.constantFrom<FileMutation[]>("text after a closing quote", "a quote never closed"),
      )
      : fc.constant<FileMutation>("none"),
  });
}

/** Where invalid UTF-8 goes: a private-use character the other characters never are. */
const INVALID = "\uE000";

function field({ text, quoted }: FieldModel): string {
  return quoted || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The bytes of the file `model` describes. */
export function fileBytes(model: FileModel): Uint8Array {
  const columns = ORACLE_TABLES[model.table].columns;
  const lines = [model.order.map((i) => columns[i]).join(",")];
  const lastRecord = model.records.length - 1;
  model.records.forEach(({ fields: inColumnOrder, mutation, stray }, r) => {
    const fields = inColumnOrder.map((f) => ({ ...f }));
    if (mutation === "empty key") fields[0] = { text: "  ", quoted: false };
    if (mutation === "invalid UTF-8") fields[0].text += INVALID;
    if (mutation === "NUL") fields.at(-1)!.text = "nul\0here";
    let cells = model.order.map((i) => field(fields[i]));
    if (mutation === "extra field") cells.push("x");
    if (mutation === "missing field") cells = cells.slice(0, -1); // three columns or more
    if (mutation === "stray quote") cells[cells.length - 1] = `a"${stray}`;
    if (mutation === "blank line before") lines.push("");
    if (mutation === 'a line that is only ""') lines.push('""');
    if (mutation === "empty row before") lines.push(",".repeat(columns.length - 1));
    if (mutation === "a space after a closing quote") {
      cells[0] = `${field({ ...fields[model.order[0]], quoted: true })} `;
    }
    if (r === lastRecord && model.mutation === "text after a closing quote") {
      cells[0] = `${field({ ...fields[model.order[0]], quoted: true })}x`;
    }
    if (r === lastRecord && model.mutation === "a quote never closed") {
      cells[cells.length - 1] = `"${fields[model.order.at(-1)!].text.replaceAll('"', '""')}`;
    }
    lines.push(cells.join(","));
  });
  const text = (model.bom ? "\uFEFF" : "") + lines.join(model.newline) +
    (model.lastNewline ? model.newline : "");
  const encoded = new TextEncoder().encode(text);
  // U+E000 is three bytes in UTF-8 (EE 80 80); each becomes the invalid byte FF.
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === 0xee && encoded[i + 1] === 0x80 && encoded[i + 2] === 0x80) {
      bytes.push(0xff);
      i += 2;
    } else {
      bytes.push(encoded[i]);
    }
  }
  return new Uint8Array(bytes);
}
