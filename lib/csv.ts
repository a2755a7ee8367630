/**
 * A streaming RFC 4180 reader built on papaparse's incremental parser. It reads
 * the file in fixed-size chunks (memory does not grow with the file), decodes
 * UTF-8 (dropping a BOM), and gives every record the 1-based line where it
 * starts, so that errors can name it. It adds the checks papaparse leaves out:
 * a quote inside an unquoted field, invalid UTF-8, NUL bytes and UTF-16 files.
 *
 * @module
 */
// @ts-types="@types/papaparse"
import Papa from "papaparse";
import { ImportError } from "./import_error.ts";

/** Records of one chunk of the file, with the line each starts on. */
export interface CsvBatch {
  /** The records' fields, in file order. */
  records: string[][];
  /** `lines[i]` is the 1-based line where `records[i]` starts. */
  lines: number[];
  /**
   * The batch's source text: its records as they are in the file, from the
   * first one's start to the last one's end (blank lines between them
   * included), so that a store able to load CSV can take it as it is.
   */
  text: string;
  /** Raw text of each record, kept only when {@linkcode ReadCsvOptions.raw} is set. */
  raw?: string[];
  /** Line → reason for the records kept despite a problem ({@linkcode ReadCsvOptions.keepInvalid}). */
  invalid?: Map<number, string>;
}

/** Options for {@linkcode readCsv}. */
export interface ReadCsvOptions {
  /** Bytes read per chunk. Defaults to 256 KiB, the fastest measured here. */
  chunkSize?: number;
  /** Keep each record's raw text (for writing rejects unchanged). */
  raw?: boolean;
  /**
   * Keep a record with invalid UTF-8, a NUL byte or a quote inside an unquoted
   * field, naming it in {@linkcode CsvBatch.invalid}, instead of throwing.
   */
  keepInvalid?: boolean;
}

const REPLACEMENT = "\uFFFD";

interface PapaStep {
  data: string[][];
  errors: { code: string }[];
  meta: { cursor: number };
}

/**
 * Yields the records of a CSV file in batches, header included, blank lines
 * skipped. Throws {@linkcode ImportError} naming the file and line on malformed
 * quoting or encoding.
 */
export async function* readCsv(
  path: string,
  options: ReadCsvOptions = {},
): AsyncGenerator<CsvBatch> {
  const { chunkSize = 1 << 18, raw = false, keepInvalid = false } = options;
  const file = await openFile(path);
  try {
    const head = await readHead(file, 4);
    if (isUtf16(head)) {
      throw new ImportError(path, "is UTF-16 encoded: save it as UTF-8", { line: 1 });
    }
    const decoder = new TextDecoder("utf-8");
    const records = new RecordSplitter(path, raw, keepInvalid);
    const buffer = new Uint8Array(chunkSize);
    let text = decoder.decode(head, { stream: true });
    while (true) {
      const read = await file.read(buffer);
      const done = read === null;
      text += decoder.decode(done ? undefined : buffer.subarray(0, read), { stream: !done });
      const batch = records.push(text, done);
      text = "";
      if (batch.records.length > 0) yield batch;
      if (done) break;
    }
  } finally {
    file.close();
  }
}

/**
 * Feeds text to papaparse's incremental parser and numbers the complete
 * records it finds; keeps the incomplete tail for the next chunk.
 */
class RecordSplitter {
  #path: string;
  #raw: boolean;
  #keepInvalid: boolean;
  #parser: Papa.Parser | undefined;
  #bulk: Papa.Parser | undefined;
  #crlf = false;
  #pending = ""; // text after the last complete record
  #base = 0; // offset of `#pending` in the whole text
  #line = 1; // line on which the next record starts
  // What the step callback saw in the current chunk, by record.
  #fields: string[][] = [];
  #ends: number[] = [];
  #problem: { index: number; code: string } | undefined;

  constructor(path: string, raw: boolean, keepInvalid: boolean) {
    this.#path = path;
    this.#raw = raw;
    this.#keepInvalid = keepInvalid;
  }

  /** Parses `chunk` after the pending text; returns the complete records. */
  push(chunk: string, last: boolean): CsvBatch {
    const text = this.#pending + chunk;
    this.#parser ??= this.#start(text, last);
    if (this.#parser === undefined || text.length === 0) {
      this.#pending = text;
      return { records: [], lines: [], text: "" };
    }
    const fast = this.#raw ? undefined : this.#fastPath(text, last);
    if (fast !== undefined) return fast;
    this.#parser.parse(text, this.#base, !last);
    const consumed = (this.#ends.at(-1) ?? this.#base) - this.#base;
    const batch = this.#collect(text, consumed);
    this.#pending = text.slice(consumed);
    this.#base += consumed;
    this.#fields = [];
    this.#ends = [];
    return batch;
  }

  /**
   * The common case: papaparse parses the chunk in one call, with no callback
   * per record. It applies when every record is one line and nothing needs a
   * closer look; otherwise (a stray quote, a record spanning lines, a parse
   * error, odd bytes, the last chunk) it returns undefined, having changed
   * nothing, and the chunk goes record by record.
   */
  #fastPath(text: string, last: boolean): CsvBatch | undefined {
    const result = this.#bulk!.parse(text, this.#base, !last);
    const rows: string[][] = result.data;
    if (result.errors.length > 0) return undefined;
    const consumed = result.meta.cursor - this.#base;
    const chunk = text.slice(0, consumed);
    // With LF files, a line break outside quotes always ends a record, so the
    // quote scan below finds every record spanning lines. CRLF files may hide
    // a bare LF inside an unquoted field: count to be sure.
    if (this.#crlf && count(chunk, "\n") !== rows.length) return undefined;
    if (chunk.includes(REPLACEMENT) || chunk.includes("\0")) return undefined;
    if (!quotesWellFormed(chunk)) return undefined;
    const batch: CsvBatch = { records: [], lines: [], text: chunk };
    let line = this.#line;
    for (const row of rows) {
      if (row.length > 1 || row[0] !== "") { // not a blank line
        batch.records.push(row);
        batch.lines.push(line);
      }
      line++;
    }
    this.#line = line;
    this.#pending = text.slice(consumed);
    this.#base += consumed;
    return batch;
  }

  /** The parsers for the line break the first line ends with, once it is known. */
  #start(text: string, last: boolean): Papa.Parser | undefined {
    const end = text.indexOf("\n");
    if (end === -1 && !last) return undefined;
    const newline = end > 0 && text[end - 1] === "\r" ? "\r\n" : "\n";
    this.#crlf = newline === "\r\n";
    this.#bulk = new Papa.Parser({ delimiter: ",", newline });
    return new Papa.Parser({
      delimiter: ",",
      newline,
      step: (step: PapaStep) => {
        if (step.errors.length > 0 && this.#problem === undefined) {
          this.#problem = { index: this.#fields.length, code: step.errors[0].code };
        }
        this.#fields.push(step.data[0]);
        this.#ends.push(step.meta.cursor);
      },
    });
  }

  /** Numbers the chunk's records, checks them, and drops blank lines. */
  #collect(text: string, consumed: number): CsvBatch {
    const path = this.#path;
    const chunk = text.slice(0, consumed);
    const batch: CsvBatch = { records: [], lines: [], text: chunk };
    // Fast path: when the chunk holds one line break per record, no record
    // spans lines and numbering is a count. Otherwise count per record.
    const multiline = count(chunk, "\n") !== this.#fields.length;
    const suspicious = chunk.includes(REPLACEMENT) || chunk.includes("\0");
    let start = 0;
    for (let i = 0; i < this.#fields.length; i++) {
      const row = this.#fields[i];
      const line = this.#line;
      const end = this.#ends[i] - this.#base;
      const record = multiline || suspicious || this.#raw || this.#problem?.index === i
        ? text.slice(start, end)
        : "";
      this.#line += multiline ? Math.max(1, count(record, "\n")) : 1;
      if (this.#problem?.index === i) {
        throw new ImportError(path, quoteProblem(this.#problem.code), { line });
      }
      if (row.length > 1 || row[0] !== "") { // not a blank line
        try {
          if (suspicious) checkEncoding(path, record, line);
          if (row.some((field) => field.includes('"'))) {
            checkQuotes(path, text.slice(start, end), line);
          }
        } catch (error) {
          if (!this.#keepInvalid || !(error instanceof ImportError)) throw error;
          (batch.invalid ??= new Map()).set(line, error.reason);
        }
        batch.records.push(row);
        batch.lines.push(line);
        if (this.#raw) (batch.raw ??= []).push(record);
      }
      start = end;
    }
    return batch;
  }
}

async function openFile(path: string): Promise<Deno.FsFile> {
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new ImportError(path, "is a directory, not a CSV file");
    return await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof ImportError) throw error;
    if (error instanceof Deno.errors.NotFound) {
      throw new ImportError(path, "file not found", { cause: error });
    }
    // NotCapable: Deno's --allow-read does not cover the file.
    if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
      throw new ImportError(path, "permission denied reading the file", { cause: error });
    }
    throw new ImportError(path, (error as Error).message, { cause: error });
  }
}

/** Reads the first `size` bytes, or the whole file if it is shorter. */
async function readHead(file: Deno.FsFile, size: number): Promise<Uint8Array> {
  const head = new Uint8Array(size);
  let length = 0;
  while (length < size) {
    const read = await file.read(head.subarray(length));
    if (read === null) break;
    length += read;
  }
  return head.subarray(0, length);
}

function isUtf16(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  const bom = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  // Without a BOM, UTF-16 text of ASCII letters has a zero in every other byte.
  return bom || (bytes.length >= 4 && bytes[1] === 0 && bytes[3] === 0 && bytes[0] !== 0);
}

function quoteProblem(code: string): string {
  switch (code) {
    case "MissingQuotes":
      return "has a quoted field that is never closed";
    case "InvalidQuotes":
      return "has text after the closing quote of a quoted field";
    default:
      return `is not valid CSV (${code})`;
  }
}

/**
 * Whether every quote in `chunk` (which starts at a record's start) opens a
 * field or is inside a quoted one, and no quoted field holds a line break. It
 * visits only the quotes, so it costs far less than looking into every field.
 */
function quotesWellFormed(chunk: string): boolean {
  for (let open = chunk.indexOf('"'); open !== -1;) {
    const before = chunk[open - 1];
    if (open > 0 && before !== "," && before !== "\n") return false;
    let close = chunk.indexOf('"', open + 1);
    while (close !== -1 && chunk[close + 1] === '"') close = chunk.indexOf('"', close + 2);
    if (close === -1) return false;
    const newline = chunk.indexOf("\n", open);
    if (newline !== -1 && newline < close) return false; // a record spanning lines
    open = chunk.indexOf('"', close + 1);
  }
  return true;
}

/** Rejects a quote inside an unquoted field, which papaparse keeps as text. */
function checkQuotes(path: string, record: string, line: number): void {
  let i = 0;
  let column = 1;
  while (i <= record.length) {
    if (record[i] === '"') {
      i++;
      while (true) {
        const close = record.indexOf('"', i);
        if (close === -1) return; // papaparse reports the unterminated quote
        if (record[close + 1] === '"') {
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
    } else {
      let end = record.indexOf(",", i);
      if (end === -1) end = record.length;
      if (record.slice(i, end).includes('"')) {
        throw new ImportError(path, `has a quote inside unquoted field ${column}`, {
          line,
        });
      }
      i = end;
    }
    i++; // past the comma
    column++;
  }
}

function checkEncoding(path: string, record: string, line: number): void {
  if (record.includes(REPLACEMENT)) {
    throw new ImportError(path, "contains bytes that are not valid UTF-8", { line });
  }
  if (record.includes("\0")) throw new ImportError(path, "contains a NUL byte", { line });
}

function count(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) n++;
  return n;
}
