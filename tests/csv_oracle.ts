/**
 * The independent oracle of the property tests: what an import of a file
 * must do, decided without any of lib/. The CSV is read by csv-parse (npm), a
 * strict RFC 4180 parser (quotes not relaxed, so a stray or unclosed quote is
 * an error), and the schema's rules are written out again here, in plain
 * code: keys trimmed and required, quantities whole numbers >= 0 that fit a
 * double exactly, references to existing keys, no key twice.
 *
 * Lines follow the toolkit's documented numbering: 1-based, the header is
 * line 1, blank lines count, a record is named by the line it starts on.
 * csv-parse counts a CRLF inside quotes as two lines, so lines are counted
 * here from its byte offsets instead.
 *
 * @module
 */
import { parse } from "csv-parse/sync";

/** A table as the oracle knows it: its columns (key first) and references. */
export interface OracleTable {
  /** Column names in storage order; the first is the key. */
  columns: string[];
  /** Column name → the table it refers to. */
  references: Record<string, string>;
  /** Columns holding a whole number >= 0. */
  numbers: string[];
}

/** The three tables, written out again from the assignment (not read from lib/schema.ts). */
export const ORACLE_TABLES: Record<string, OracleTable> = {
  customers: {
    columns: ["user_id", "name", "address", "zip_code", "phone_number", "email"],
    references: {},
    numbers: [],
  },
  products: {
    columns: ["product_id", "description", "product_type", "quantity_available"],
    references: {},
    numbers: ["quantity_available"],
  },
  rentals: {
    columns: ["rental_id", "product_id", "user_id"],
    references: { product_id: "products", user_id: "customers" },
    numbers: [],
  },
};

/** One record of the file as the oracle read it. */
export interface OracleRecord {
  /** The line it starts on. */
  line: number;
  /** Its fields, or undefined when the record itself is not valid CSV (the reason says why). */
  fields?: string[];
  /** Why the record is bad as CSV or as text, if it is. */
  bad?: string;
}

/** The file as csv-parse reads it: records (blank lines dropped), and a fatal error if any. */
export interface OracleFile {
  /** The records in file order, the header first. */
  records: OracleRecord[];
  /** A quoting error after which nothing can be read: the file is refused in every mode. */
  fatal?: { line: number; reason: string };
}

const FATAL = new Set(["CSV_INVALID_CLOSING_QUOTE", "CSV_QUOTE_NOT_CLOSED"]);

/** Stands for a U+FFFD written in the file while invalid bytes are told apart. */
const KEPT = "\uE001";

/** `bytes` with each encoded U+FFFD (EF BF BD) replaced by {@linkcode KEPT} (EE 80 81). */
function markReplacements(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  for (let i = out.indexOf(0xef); i !== -1 && i + 2 < out.length; i = out.indexOf(0xef, i + 1)) {
    if (out[i + 1] === 0xbf && out[i + 2] === 0xbd) out.set([0xee, 0x80, 0x81], i);
  }
  return out;
}

/** Reads `bytes` (UTF-8, a BOM allowed) with csv-parse in strict mode. */
export function readOracle(bytes: Uint8Array): OracleFile {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
    ? bytes.subarray(3)
    : bytes;
  // Invalid UTF-8 becomes U+FFFD; a U+FFFD that is in the file (EF BF BD) is
  // kept apart as U+E001 until the fields are read, and then put back.
  const text = new TextDecoder("utf-8").decode(markReplacements(body));
  const encoded = new TextEncoder().encode(text);
  const lineAt = (offset: number) => {
    let line = 1;
    for (let i = 0; i < offset && i < encoded.length; i++) if (encoded[i] === 0x0a) line++;
    return line;
  };
  const records: OracleRecord[] = [];
  let fatal: OracleFile["fatal"];
  let boundary = 0; // byte offset where the next record starts
  // csv-parse calls these in file order, for good and for skipped records.
  parse(text, {
    relax_column_count: true,
    skip_empty_lines: false,
    skip_records_with_error: true,
    on_record: (record, { bytes }) => {
      const start = boundary;
      boundary = bytes;
      if (fatal !== undefined) return null;
      const span = new TextDecoder().decode(encoded.subarray(start, bytes));
      if (record.length === 1 && record[0] === "" && /^(\r?\n)?$/.test(span)) return null; // blank
      const bad = record.some((field) => field.includes("\uFFFD"))
        ? "invalid UTF-8"
        : record.some((field) => field.includes("\0"))
        ? "a NUL byte"
        : undefined;
      const fields = record.map((field) => field.replaceAll(KEPT, "\uFFFD"));
      records.push({ line: lineAt(start), fields, bad });
      return null;
    },
    on_skip: (error) => {
      if (fatal !== undefined || error === undefined) return;
      const line = lineAt(boundary);
      if (FATAL.has(error.code)) {
        fatal = { line, reason: error.code };
        return;
      }
      records.push({ line, bad: error.code });
      // The record ends at the line break after the error (the generator puts
      // a stray quote only in a record's last, unquoted field).
      const end = encoded.indexOf(0x0a, error.bytes as number);
      boundary = end === -1 ? encoded.length : end + 1;
    },
  });
  return { records, fatal };
}
/** A stored value. */
export type OracleValue = string | number;

/** The rows of each table, by key: what the database holds. */
export type OracleTables = Record<string, Map<string, OracleValue[]>>;

/** What importing a file must do. */
export type Expected =
  | {
    ok: true;
    /** The table after the import, by key. */
    rows: Map<string, OracleValue[]>;
    /** Data rows read. */
    processed: number;
    /** Lines of the rows that go to the rejects file (skip mode), in order. */
    rejected: number[];
  }
  | {
    ok: false;
    /** Every line the import may name as the reason (undefined: a problem of the whole file). */
    bad: Set<number | undefined>;
  };

/**
 * What importing `file` into `table` must do in `mode`, given what the
 * database holds. Skip mode keeps the first accepted row of a key; a row it
 * rejects does not make a later one with its key a repeat.
 */
export function expectImport(
  file: OracleFile,
  tableName: string,
  mode: "fail" | "skip",
  tables: OracleTables,
): Expected {
  const table = ORACLE_TABLES[tableName];
  const [header, ...records] = file.records;
  const names = header?.fields?.map((name) => name.trim());
  // A record of the header's width with every field empty (a spreadsheet's `,,,`) is no row.
  const data = records.filter((record) =>
    record.bad !== undefined || record.fields!.length !== names?.length ||
    record.fields!.some((field) => field !== "")
  );
  const headerOk = header !== undefined && header.bad === undefined &&
    names!.length === table.columns.length && new Set(names).size === names!.length &&
    table.columns.every((c) => names!.includes(c));
  if (!headerOk) return { ok: false, bad: new Set([header?.line ?? 1]) };
  const order = table.columns.map((c) => names!.indexOf(c));
  const keyColumns = [table.columns[0], ...Object.keys(table.references)];

  const problems = new Map<number, string>();
  const rows: { line: number; row?: OracleValue[] }[] = [];
  for (const record of data) {
    const problem = rowProblem(record, table, order, keyColumns, tables);
    if (problem !== undefined) problems.set(record.line, problem);
    const row = problem === undefined
      ? table.columns.map((c, i) => value(table, c, keyColumns, record.fields![order[i]]))
      : undefined;
    rows.push({ line: record.line, row });
  }

  if (mode === "fail") {
    // Any row with a problem, or whose key an earlier row (with a valid key) had.
    const seen = new Set<string>();
    for (const record of data) {
      const field = record.fields?.[order[0]]?.trim();
      if (record.fields?.length !== table.columns.length || !field) continue;
      if (seen.has(field)) problems.set(record.line, "repeat");
      seen.add(field);
    }
    const bad = new Set<number | undefined>(problems.keys());
    if (file.fatal !== undefined) bad.add(file.fatal.line);
    if (bad.size > 0) return { ok: false, bad };
  } else if (file.fatal !== undefined) {
    return { ok: false, bad: new Set([file.fatal.line]) };
  }
  if (data.length === 0) return { ok: false, bad: new Set([undefined]) };

  const after = new Map(tables[tableName]);
  const accepted = new Set<string>();
  const rejected: number[] = [];
  for (const { line, row } of rows) {
    const key = row?.[0] as string | undefined;
    if (row === undefined || accepted.has(key!)) {
      rejected.push(line);
      continue;
    }
    accepted.add(key!);
    after.set(key!, row);
  }
  return { ok: true, rows: after, processed: data.length, rejected };
}

function rowProblem(
  record: OracleRecord,
  table: OracleTable,
  order: number[],
  keyColumns: string[],
  tables: OracleTables,
): string | undefined {
  if (record.bad !== undefined) return record.bad;
  const fields = record.fields!;
  if (fields.length !== table.columns.length) return "field count";
  for (const [i, column] of table.columns.entries()) {
    const field = fields[order[i]].trim();
    if (keyColumns.includes(column) && field === "") return `empty ${column}`;
    if (table.numbers.includes(column)) {
      if (!/^[0-9]+$/.test(field) || !Number.isSafeInteger(Number(field))) return `bad ${column}`;
    }
    const target = table.references[column];
    if (target !== undefined && !tables[target].has(field)) return `missing ${column}`;
  }
  return undefined;
}

function value(
  table: OracleTable,
  column: string,
  keyColumns: string[],
  field: string,
): OracleValue {
  if (keyColumns.includes(column)) return field.trim();
  if (table.numbers.includes(column)) return Number(field.trim());
  return field;
}
