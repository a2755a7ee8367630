/**
 * The CSV reader: a file's records, each with the line it starts on, read in
 * one pass over fixed-size chunks (memory does not grow with the file).
 *
 * ## What it reads (RFC 4180, with these conventions)
 *
 * - **Encoding.** UTF-8, decoded strictly. A byte order mark at the start is
 *   dropped; U+FFFD written as UTF-8 is text like any other.
 * - **Records.** A record ends at LF or at CRLF, decided for each record; a
 *   line break inside a quoted field belongs to the field and never ends a
 *   record. The last record may lack its line break.
 * - **Lines.** A record's line is the 1-based number of the line it starts on,
 *   counting LFs. An empty line is no record, but it counts. A line holding only
 *   `""` is a record of one empty field.
 * - **Fields.** Fields are separated by commas (or by the one character given
 *   as {@linkcode ReadCsvOptions.delimiter}, or declared by Excel's separator
 *   line, below: "comma" below means it) and kept exactly as written
 *   (spaces too). A field that starts with a quote is quoted: it ends at the
 *   next quote that is not doubled, `""` inside it is one quote, and it may hold
 *   commas, CR and LF. After its closing quote comes a comma, a line break or
 *   the end of the file. Records may differ in their number of fields (the
 *   caller checks it).
 * - **CR.** Inside quotes a CR is text; outside, it must be followed by LF.
 * - **Separator line.** A first line of exactly `sep=` and one character
 *   (`sep=;`), which Excel reads and some exporters write, is no record: it
 *   declares the file's delimiter, and the header is line 2. A delimiter given
 *   as well must be the same one.
 *
 * ## What it refuses, with the message after `line N `
 *
 * The whole file (thrown as {@linkcode ImportError}, in both modes):
 * - `is UTF-16 encoded: save it as UTF-8` (line 1): a UTF-16 byte order mark,
 *   or a zero in every other byte of the first four;
 * - `has a quoted field that is never closed`, on the line the record starts;
 * - `has text after the closing quote of a quoted field`: anything but a comma
 *   or a line break after a closing quote, a space or a lone CR included.
 *
 * One record (thrown, or with {@linkcode ReadCsvOptions.keepInvalid} kept and
 * named in {@linkcode CsvBatch.invalid}):
 * - `contains byte 0xE9, which is not UTF-8: save the file as UTF-8` (the
 *   first ill-formed sequence's bytes; the record holds U+FFFD in their place);
 * - `contains a NUL byte`;
 * - `has a quote inside unquoted field N`: a field that does not start with a
 *   quote holds one;
 * - `has a carriage return not followed by a line feed in unquoted field N`.
 *
 * ## Order
 *
 * Every record before a problem is yielded before the problem is thrown, so a
 * caller that checks records as they come refuses the first bad line of the
 * file, whatever the kind of problem.
 *
 * ## How: one pass, in two phases
 *
 * 1. Bytes to text (`decodeChunks`): read a chunk (of a regular file,
 *    synchronously but one read in 4), keep an unfinished UTF-8 sequence for
 *    the next one, decode with a fatal decoder. Only when that throws are the
 *    bad bytes looked for, so a valid file pays nothing for it.
 * 2. Text to records (`Scanner`): every field is found with `indexOf` and
 *    taken with one `slice`, quoted or not, whatever the line ends; records
 *    are numbered as they are found, so every line number is exact at no extra
 *    cost, and the shape of a file barely changes the speed (bench/csv_bench.ts).
 *
 * @module
 */
import { ImportError } from "./import_error.ts";
import type { RawRecords } from "./raw_records.ts";

/** Records of one chunk of the file, with the line each starts on. */
export interface CsvBatch {
  /** The records' fields, in file order. */
  records: string[][];
  /** `lines[i]` is the 1-based line where `records[i]` starts. */
  lines: number[];
  /**
   * The batch's source text: its records as the file has them, from the first
   * one's start to the last one's end (empty lines between them included), so
   * that a store able to load CSV can take it as it is. readCsv always sets
   * it; batches passed between threads (lib/batch_transfer.ts) go without.
   */
  text?: string;
  /** The character between the fields of `text`. readCsv always sets it. */
  delimiter?: string;
  /**
   * Each record's raw text with its line break, kept only when
   * {@linkcode ReadCsvOptions.raw} is set: record `i` is `raw.text.slice(
   * raw.spans[2 * i], raw.spans[2 * i + 1])` ({@linkcode rawRecord}). Offsets rather than a string per
   * record: slicing every record cost --skip-invalid 3% of a clean 1,000,000-row
   * import (paired medians of 6), for the few records it writes to a rejects file.
   */
  raw?: RawRecords;
  /** Line → reason for the records kept despite a problem ({@linkcode ReadCsvOptions.keepInvalid}). */
  invalid?: Map<number, string>;
}

/**
 * Bytes read per chunk by default: 64 KiB. A chunk's records are one batch,
 * alive from its parse to its insert, and whatever is alive when V8 collects
 * its young generation moves to the old one, which grows until a full
 * collection. Paired with 256 KiB (1,000,000 rows per file, medians of 4-5
 * whole runs, the flag of lib/v8_flags.ts): parallel 2.70 -> 2.27 s and
 * 262 -> 193 MiB (generator shape), 2.46 -> 2.36 s and 302 -> 218 MiB (export
 * shape); linear the same time in 119 instead of 143 MiB; parallel into
 * PostgreSQL 2.73 -> 2.48 s and 332 -> 217 MiB. 32 KiB was slower again
 * (parallel 2.52 s on the export shape), 128 KiB between the two.
 */
export const CHUNK_SIZE = 1 << 16;

/** Options for {@linkcode readCsv}. */
export interface ReadCsvOptions {
  /** Bytes read per chunk (default {@linkcode CHUNK_SIZE}). */
  chunkSize?: number;
  /** Keep each record's raw text (for writing rejects unchanged). */
  raw?: boolean;
  /**
   * Keep a record with a problem of its own (see the module doc) and name it in
   * {@linkcode CsvBatch.invalid}, instead of throwing.
   */
  keepInvalid?: boolean;
  /**
   * The character between fields: `,` (the default, unless the file declares
   * another on a separator line), or e.g. `;` or a tab.
   */
  delimiter?: string;
}

/**
 * Yields the records of the CSV file at `path` in batches, header included,
 * empty lines skipped. Throws {@linkcode ImportError} naming the file and the
 * line, after yielding every record before that line.
 *
 * @example
 * ```ts
 * import { readCsv } from "./csv.ts";
 * for await (const { records, lines } of readCsv("data/products.csv")) {
 *   records.forEach((record, i) => console.log(lines[i], record[0]));
 * }
 * ```
 */
export async function* readCsv(
  path: string,
  options: ReadCsvOptions = {},
): AsyncGenerator<CsvBatch> {
  const { chunkSize = CHUNK_SIZE, raw = false, keepInvalid = false, delimiter } = options;
  if (delimiter !== undefined && (delimiter.length !== 1 || /["\r\n]/.test(delimiter))) {
    throw new TypeError(
      `Invalid delimiter "${delimiter}": expected one character, not a quote or line break`,
    );
  }
  const { file, regular } = await openFile(path);
  try {
    const scanner = new Scanner(path, raw, keepInvalid, delimiter);
    for await (const chunk of decodeChunks(path, file, chunkSize, regular)) {
      const { batch, error } = scanner.scan(chunk);
      if (batch.records.length > 0) yield batch;
      if (error !== undefined) throw error;
    }
  } finally {
    file.close();
  }
}

// ---------------------------------------------------------------------------
// Phase 1: bytes to text

/** A chunk of the file's text. */
interface Chunk {
  text: string;
  /** The U+FFFD in `text` that stand for bytes that were not UTF-8, by offset, ascending. */
  bad: Mark[];
  /** Whether this is the end of the file. */
  last: boolean;
}

/**
 * One read in this many is asynchronous; the others, of a regular file, are
 * synchronous. An asynchronous read hands the work to Deno's I/O threads and
 * comes back through the event loop (70 us a 64 KiB read here, against 11-23
 * us for `read(2)` from the page cache). The loop must still turn: Ctrl-C,
 * the progress bar and a worker's "cancel" are handled there, and so are V8's
 * main-thread garbage collection tasks. One read in 16 asynchronous raised
 * linear's peak memory at 1,000,000 rows per file from 126-131 MiB to 140-150
 * MiB (3 runs each); one in 4 left it at 128-131 MiB. Reading the customers
 * file three times (CPU time, 4 runs each): 2.09-3.34 s all asynchronous,
 * 1.96-2.82 s one in 4, 1.97-2.49 s one in 16. A pipe or a device is always
 * read asynchronously: a synchronous read of it may wait, blocking the thread.
 */
const ASYNC_READ_EVERY = 4;

/** The file's text chunk by chunk, decoded strictly; a byte order mark dropped. */
async function* decodeChunks(
  path: string,
  file: Deno.FsFile,
  chunkSize: number,
  regular: boolean,
): AsyncGenerator<Chunk> {
  // At least 4 bytes, for the UTF-16 test; 3 more for an unfinished sequence.
  const size = Math.max(chunkSize, 4);
  const buffer = new Uint8Array(size + 3);
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let kept = 0;
  let reads = 0;
  for (let first = true;; first = false) {
    let filled = kept;
    let last = false;
    while (filled < kept + size) {
      const into = buffer.subarray(filled, kept + size);
      const read = regular && ++reads % ASYNC_READ_EVERY !== 0
        ? file.readSync(into)
        : await file.read(into);
      if (read === null) {
        last = true;
        break;
      }
      filled += read;
    }
    const bytes = buffer.subarray(0, filled);
    if (first && isUtf16(bytes)) {
      throw new ImportError(path, "is UTF-16 encoded: save it as UTF-8", { line: 1 });
    }
    const complete = last ? filled : completeLength(bytes);
    const chunk = decode(decoder, bytes.subarray(0, complete), last);
    if (first && chunk.text.charCodeAt(0) === 0xfeff) {
      chunk.text = chunk.text.slice(1);
      chunk.bad = chunk.bad.map(({ at, reason }) => ({ at: at - 1, reason }));
    }
    yield chunk;
    if (last) return;
    buffer.copyWithin(0, complete, filled);
    kept = filled - complete;
  }
}

function isUtf16(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  const bom = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (bom || bytes.length < 4) return bom;
  // Without a BOM, UTF-16 text of ASCII letters has a zero in every other byte.
  const little = bytes[1] === 0 && bytes[3] === 0 && bytes[0] !== 0;
  const big = bytes[0] === 0 && bytes[2] === 0 && bytes[1] !== 0;
  return little || big;
}

/** The length of `bytes` without a UTF-8 sequence that the next chunk finishes. */
function completeLength(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const byte = bytes[bytes.length - back];
    if (byte < 0x80) return bytes.length;
    if (byte >= 0xc0) { // a lead byte: is its sequence all here?
      const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return size > back ? bytes.length - back : bytes.length;
    }
  }
  return bytes.length;
}

/**
 * Decodes `bytes` strictly. Only when that throws does it look for the bad
 * bytes: each ill-formed sequence becomes one U+FFFD, whose offset is kept.
 */
function decode(decoder: TextDecoder, bytes: Uint8Array, last: boolean): Chunk {
  try {
    return { text: decoder.decode(bytes), bad: [], last };
  } catch {
    let text = "";
    const bad: Mark[] = [];
    for (let from = 0;;) {
      const [start, end] = illFormed(bytes, from);
      text += decoder.decode(bytes.subarray(from, start));
      if (start === bytes.length) return { text, bad, last };
      bad.push({ at: text.length, reason: notUtf8(bytes.subarray(start, end)) });
      text += "\uFFFD";
      from = end;
    }
  }
}

/**
 * The first ill-formed sequence in `bytes` from `from`, as [start, end), or
 * [length, length] if there is none: the maximal subparts of the WHATWG
 * Encoding Standard, so one U+FFFD stands where a lenient decoder puts one.
 */
function illFormed(bytes: Uint8Array, from: number): [number, number] {
  for (let i = from; i < bytes.length;) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    const size = lead < 0xc2 ? 0 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf5 ? 4 : 0;
    if (size === 0) return [i, i + 1];
    let low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    let high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let j = i + 1; j < i + size; j++) {
      if (j === bytes.length || bytes[j] < low || bytes[j] > high) return [i, j];
      low = 0x80;
      high = 0xbf;
    }
    i += size;
  }
  return [bytes.length, bytes.length];
}

/**
 * The problem of an ill-formed sequence, naming its bytes: they tell which
 * encoding the file was saved in (0xE9 is "é" in Windows-1252 and Latin-1).
 */
function notUtf8(sequence: Uint8Array): string {
  const hex = Array.from(sequence, (byte) => `0x${byte.toString(16).toUpperCase()}`).join(" ");
  const which = sequence.length === 1 ? `byte ${hex}, which is` : `bytes ${hex}, which are`;
  return `contains ${which} not UTF-8: save the file as UTF-8`;
}

// ---------------------------------------------------------------------------
// Phase 2: text to records

const QUOTE = 34;
const LF = 10;
const CR = 13;
/** "Not found" for the cursors: beyond any string V8 can hold, and a small integer. */
const NONE = 0x3fffffff;

const NUL = "contains a NUL byte";
const NEVER_CLOSED = "has a quoted field that is never closed";
const TEXT_AFTER_QUOTE = "has text after the closing quote of a quoted field";

function quoteInside(column: number): string {
  return `has a quote inside unquoted field ${column}`;
}

function bareCr(column: number): string {
  return `has a carriage return not followed by a line feed in unquoted field ${column}`;
}

/** A problem of one record, at an offset of the text. */
interface Mark {
  at: number;
  reason: string;
}

/** What {@linkcode Scanner.scan} found: the complete records, and the problem that stopped it. */
interface Scan {
  batch: CsvBatch;
  error?: ImportError;
}

/**
 * Splits text into records. It keeps the unfinished record at the end of a
 * chunk (and the marks of NUL and bad bytes in it) for the next chunk.
 */
class Scanner {
  #path: string;
  #raw: boolean;
  #keepInvalid: boolean;
  #asked: string | undefined; // the delimiter given, if any
  #delimiter: string;
  #pending = ""; // the unfinished record after the last complete one
  #marks: Mark[] = []; // NUL and bad bytes in #pending, by offset
  #line = 1; // the line on which #pending starts
  #atStart = true; // until the separator line is read or known absent

  constructor(path: string, raw: boolean, keepInvalid: boolean, delimiter: string | undefined) {
    this.#path = path;
    this.#raw = raw;
    this.#keepInvalid = keepInvalid;
    this.#asked = delimiter;
    this.#delimiter = delimiter ?? ",";
  }

  /**
   * The complete records of the pending text followed by `chunk`.
   *
   * It walks the text once with four cursors, each the next comma, quote, LF
   * and CR at or after the field being read, moved on with `indexOf` only when
   * passed. A field is one `slice`; a line without quotes costs one `indexOf`
   * per field and one per line. (Splitting each line with `split(",")` was
   * measured 1.6x slower on 100,000 customers.)
   */
  scan(chunk: Chunk): Scan {
    const start = this.#pending.length;
    let text = this.#pending + chunk.text;
    const marks = this.#marks;
    for (const { at, reason } of chunk.bad) marks.push({ at: start + at, reason });
    if (chunk.text.includes("\0")) {
      for (let at = chunk.text.indexOf("\0"); at !== -1; at = chunk.text.indexOf("\0", at + 1)) {
        marks.push({ at: start + at, reason: NUL });
      }
      marks.sort((a, b) => a.at - b.at);
    }
    const { last } = chunk;
    const separator = this.#atStart ? this.#separatorLine(text, last) : 0;
    const batch: CsvBatch = { records: [], lines: [], text: "", delimiter: this.#delimiter };
    if (separator instanceof ImportError) return { batch, error: separator };
    if (separator === undefined) { // too short to tell yet
      this.#pending = text;
      return { batch };
    }
    if (separator > 0) {
      text = text.slice(separator);
      this.#line = 2;
      // The line is ASCII: no NUL or bad byte was in it.
      for (const mark of marks) mark.at -= separator;
    }
    // A record longer than a chunk is read again with each chunk: wait until
    // the text has doubled, so that a long record costs linear time.
    if (!last && start > 0 && text.length < 2 * start) {
      this.#pending = text;
      return { batch };
    }
    const { records, lines } = batch;
    const spans: number[] | undefined = this.#raw ? [] : undefined;
    const length = text.length;
    let error: string | undefined; // a refusal of the file
    let line = this.#line;
    let pos = 0; // the start of the record being read
    let mark = 0;
    let markAt = marks.length > 0 ? marks[0].at : NONE;
    const delimiter = this.#delimiter;
    const delimiterCode = delimiter.charCodeAt(0);
    let comma = find(text, delimiter, 0);
    let quote = find(text, '"', 0);
    let newline = find(text, "\n", 0);
    let cr = find(text, "\r", 0);
    records: while (pos < length) {
      if (newline === NONE && !last) break; // no record ends in this chunk
      if (newline === pos || (cr === pos && newline === pos + 1)) { // an empty line
        pos = newline + 1;
        line++;
        newline = find(text, "\n", pos);
        if (cr < pos) cr = find(text, "\r", pos);
        continue;
      }
      const record: string[] = [];
      let problem: string | undefined; // a problem of this record only
      let spanned = 0; // LFs inside quoted fields
      let next: number; // where the next record starts
      for (let i = pos, column = 1;; column++) {
        if (text.charCodeAt(i) === QUOTE) { // a quoted field
          let close = find(text, '"', i + 1);
          let doubled = false;
          while (close < length - 1 && text.charCodeAt(close + 1) === QUOTE) {
            doubled = true;
            close = find(text, '"', close + 2);
          }
          if (close === NONE) {
            if (last) error = NEVER_CLOSED;
            break records;
          }
          const value = text.slice(i + 1, close);
          record.push(doubled ? value.replaceAll('""', '"') : value);
          for (; newline < close; spanned++) newline = find(text, "\n", newline + 1);
          if (cr < close) cr = find(text, "\r", close);
          const after = close + 1;
          if (after === length) { // the end of the text: of the file, or of this chunk
            if (!last) break records;
            next = length;
            break;
          }
          const c = text.charCodeAt(after);
          if (c === delimiterCode) {
            i = after + 1;
            continue;
          }
          if (c === LF) {
            next = after + 1;
            break;
          }
          if (c === CR && after + 1 === length && !last) break records;
          if (c === CR && text.charCodeAt(after + 1) === LF) {
            next = after + 2;
            break;
          }
          error = TEXT_AFTER_QUOTE;
          break records;
        }
        // The comma and quote cursors may have been passed inside quotes.
        if (comma < i) comma = find(text, delimiter, i);
        if (quote < i) quote = find(text, '"', i);
        if (comma < newline) { // an unquoted field before a comma
          if (quote < comma) {
            problem ??= quoteInside(column);
            quote = find(text, '"', comma);
          }
          if (cr < comma) {
            problem ??= bareCr(column);
            cr = find(text, "\r", comma);
          }
          record.push(text.slice(i, comma));
          i = comma + 1;
          comma = find(text, delimiter, i);
          continue;
        }
        // The record's last field, unquoted: up to LF, CRLF or the end of the file.
        if (newline === NONE && !last) break records;
        const end = newline === NONE ? length : newline;
        const stop = cr === end - 1 && end < length ? end - 1 : end;
        if (quote < stop) {
          problem ??= quoteInside(column);
          quote = find(text, '"', end);
        }
        if (cr < stop) problem ??= bareCr(column);
        record.push(text.slice(i, stop));
        next = end + 1;
        break;
      }
      if (newline < next) newline = find(text, "\n", next);
      if (cr < next) cr = find(text, "\r", next);
      if (markAt < next) {
        problem ??= marks[mark].reason;
        while (markAt < next) markAt = ++mark < marks.length ? marks[mark].at : NONE;
      }
      if (problem !== undefined) {
        if (!this.#keepInvalid) {
          error = problem;
          break;
        }
        (batch.invalid ??= new Map()).set(line, problem);
      }
      records.push(record);
      lines.push(line);
      spans?.push(pos, next);
      line += 1 + spanned;
      pos = next;
    }
    this.#line = line;
    batch.text = text.slice(0, pos);
    if (spans !== undefined) batch.raw = { text: batch.text, spans };
    this.#pending = pos < length ? text.slice(pos) : "";
    this.#marks = marks.slice(mark).map(({ at, reason }) => ({ at: at - pos, reason }));
    if (error === undefined) return { batch };
    return { batch, error: new ImportError(this.#path, error, { line }) };
  }

  /**
   * At the start of the file: the length of Excel's separator line, taking
   * its delimiter, or 0 when the file has none (either way the start is
   * over); undefined while `text` is too short to tell; an error when the
   * line declares a delimiter other than the one given.
   */
  #separatorLine(text: string, last: boolean): number | undefined | ImportError {
    const line = /^sep=([^"\r\n])(\r\n|\n|$)/.exec(text);
    if (line !== null && (line[2] !== "" || last)) {
      const declared = line[1];
      if (this.#asked !== undefined && this.#asked !== declared) {
        const reason = `declares the delimiter ${JSON.stringify(declared)} (sep=${declared}), ` +
          `but the delimiter given is ${JSON.stringify(this.#asked)}`;
        return new ImportError(this.#path, reason, { line: 1 });
      }
      this.#delimiter = declared;
      this.#atStart = false;
      return line[0].length;
    }
    // The beginning of a separator line, which the next chunk may complete.
    if (!last && /^(s|se|sep|sep=|sep=[^"\r\n]\r?)?$/.test(text)) return undefined;
    this.#atStart = false;
    return 0;
  }
}

/** `text.indexOf(search, from)`, or {@linkcode NONE}. */
function find(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at === -1 ? NONE : at;
}

/** The file at `path`, open for reading, and whether it is a regular file. */
async function openFile(path: string): Promise<{ file: Deno.FsFile; regular: boolean }> {
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new ImportError(path, "is a directory, not a CSV file");
    return { file: await Deno.open(path, { read: true }), regular: info.isFile };
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
