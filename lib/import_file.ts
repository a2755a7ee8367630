/**
 * The one import routine that linear, parallel, the CLI and the benchmarks
 * share: a CSV file into its table, in one transaction, all or nothing.
 *
 * {@linkcode importFile} runs these phases, in order; the members of this file
 * follow the same order.
 *
 * 1. Header: the first record names the table (unless the caller did) and the
 *    column order; from them, the row converter. Empty columns without a name
 *    at its end (a spreadsheet's `a,b,c,,`) are ignored, and their fields must
 *    be empty.
 * 2. Begin: partial rejects files that earlier, killed runs left are
 *    completed or removed (lib/rejects.ts); in "skip" mode this run's rejects
 *    file is started; the table's write transaction opens and its rows are
 *    counted.
 * 3. Check: records whose every field is empty (a spreadsheet's `,,,`) are
 *    dropped, as blank lines are; each batch of the others goes through one
 *    batch checker, strict or skip, both of one signature
 *    ({@linkcode CheckBatch}): fields converted,
 *    keys checked against every earlier line (lib/key_check.ts, without
 *    reading the file again), references looked up. Strict throws at the first
 *    bad row; skip writes bad rows to the rejects file. Both return the rows to
 *    write.
 * 4. Write: the batch's rows are upserted.
 * 5. Commit: the rows are counted again (unless the table was empty: then the
 *    rows written are the count); in "skip" mode the rejects file is
 *    sealed (on disk, and owned by this import inside the transaction); the
 *    transaction commits; then the rejects file is renamed into place, and
 *    from the commit on nothing makes the import fail.
 *
 * @example
 * ```ts
 * import { importFile } from "./import_file.ts";
 * import { openStore } from "./store/open.ts";
 * const store = await openStore("data/hpnorton.db");
 * const report = await importFile(store, "data/products.csv", { onInvalid: "skip" });
 * await store.close();
 * ```
 *
 * @module
 */
import type { CsvBatch, readCsv } from "./csv.ts";
import { rawRecord } from "./raw_records.ts";
import { KeyCheck } from "./key_check.ts";
import { ImportError } from "./import_error.ts";
import {
  recoverRejects,
  type Rejects,
  type RejectsFactory,
  RejectsFile,
  rejectsPath,
} from "./rejects.ts";
import {
  getTable,
  headerName,
  namedColumns,
  type Reference,
  Refusal,
  type Table,
  tableForHeader,
  type TableName,
} from "./schema.ts";
import type { ImportReport } from "./import_report.ts";
import { csvOptions, type InvalidRowOptions, type ReadOptions } from "./run_options.ts";
import { rejectsFolder } from "./store/open.ts";
import type { Store, Value, Writer } from "./store/store.ts";

/** Options for {@linkcode importFile}. */
export interface ImportFileOptions extends InvalidRowOptions, ReadOptions {
  /** The table to load; by default the one whose columns the header names. */
  table?: TableName;
  /** `performance.now()` at which the clock of `seconds` starts; defaults to the call. */
  since?: number;
  /** Called after each batch with the data rows read so far. */
  onProgress?: (rows: number) => void;
  /** Aborts the import (rolling it back) when signalled. */
  signal?: AbortSignal;
  /** When given, milliseconds spent per phase are added to it (for profiling). */
  timings?: ImportTimings;
  /**
   * Where "skip" mode's bad rows go; defaults to a rejects file (lib/rejects.ts).
   * Leftover rejects files of earlier runs are settled only with the default.
   */
  rejects?: RejectsFactory;
  /**
   * Where the records come from: by default lib/csv.ts reads the file in this
   * thread; a worker is given one that receives them parsed by another thread
   * (lib/import_worker.ts).
   */
  read?: typeof readCsv;
}

/** Milliseconds an import spent in each phase. */
export interface ImportTimings {
  /** Reading and parsing the CSV file (waiting for the next batch of records). */
  parse: number;
  /** Opening the table, taking its write lock and counting its rows. */
  begin: number;
  /** Converting fields, checking keys and references. */
  validate: number;
  /** Executing the upserts. */
  insert: number;
  /** Committing the transaction. */
  commit: number;
}

/**
 * Imports the CSV file at `path` into its table of `store` in one transaction:
 * new keys are inserted, existing keys updated. On any bad row it throws an
 * {@linkcode ImportError} naming the file and line, and the table is unchanged
 * (in "skip" mode, bad rows go to the rejects file instead).
 */
export async function importFile(
  store: Pick<Store, "location" | "write" | "rejectsMark">,
  path: string,
  options: ImportFileOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  const since = options.since ?? started;
  const timings = options.timings ?? { parse: 0, begin: 0, validate: 0, insert: 0, commit: 0 };
  let clock = performance.now();
  const lap = () => {
    const now = performance.now();
    const elapsed = now - clock;
    clock = now;
    return elapsed;
  };
  const skip = options.onInvalid === "skip";
  const read = options.read ?? await csvReader();
  const batches = read(path, csvOptions(options.onInvalid, options.delimiter));
  // The reader holds the file open until it is read to the end: close it on every way out.
  try {
    // 1. Header.
    const first = await batches.next();
    timings.parse += lap();
    if (first.done) throw new ImportError(path, "is empty: expected a header line");
    const { table, convert, altered, columns, width, firstText, headerRaw } = readHeader(
      path,
      first.value,
      options.table,
    );

    // 2. Begin.
    const final = rejectsPath(options.rejectsDir ?? rejectsFolder(store.location), path);
    if (options.rejects === undefined) await recoverRejects(store, table, final);
    const rejects = skip
      ? await (options.rejects ?? RejectsFile.create)(final, headerRaw, {
        store,
        table,
      })
      : undefined;
    const context: CheckContext = { path, table, convert, keys: new KeyCheck() };
    const check = rejects === undefined ? strictCheck(context) : skipCheck(context, rejects);
    // The report once the rejects file is sealed: the transaction may commit from then on.
    let sealed: ImportReport | undefined;
    const written = store.write(table, async (writer) => {
      const before = await writer.count();
      timings.begin += lap();
      let processed = 0;
      for (let batch: CsvBatch | undefined = first.value; batch !== undefined;) {
        options.signal?.throwIfAborted();
        // 3. Check.
        const blank = dropBlankRecords(batch, width);
        const unaltered = altered();
        const rows = await check(batch, writer);
        timings.validate += lap();
        // 4. Write: the rows, and in strict mode the file's text of them when
        // no check changed a value and no record was dropped (a store may load
        // that as it is).
        const text = blank > 0 ? undefined : batch === first.value ? firstText : batch.text;
        const csv = rejects === undefined && text !== undefined && columns !== undefined &&
            altered() === unaltered
          ? { text, columns, delimiter: batch.delimiter ?? options.delimiter ?? "," }
          : undefined;
        await writer.upsert(rows, csv);
        timings.insert += lap();
        processed += batch.records.length;
        options.onProgress?.(processed);
        const next = await batches.next();
        batch = next.done ? undefined : next.value;
        timings.parse += lap();
      }
      if (processed === 0) throw new ImportError(path, "has a header but no data rows");
      options.signal?.throwIfAborted();
      // 5. Commit: count, seal the rejects file, and COMMIT when this body returns.
      const rejected = rejects?.count ?? 0;
      // Into an empty table every row written is new (a key repeated within the
      // file is refused or rejected), so the count is known: counting 1,000,000
      // rows again took 60-90 ms, on the critical path of the import.
      const after = before === 0 ? processed - rejected : await writer.count();
      const seconds = (performance.now() - started) / 1000;
      await writer.record({
        at: new Date().toISOString(),
        file: path,
        processed,
        rejected,
        seconds,
      });
      const report = {
        file: path,
        table: table.name,
        processed,
        rejected,
        before,
        after,
        seconds: 0,
        took: 0,
      };
      await rejects?.seal(writer);
      lap();
      return sealed = report;
    }, options.signal);
    let report: ImportReport;
    try {
      report = await written;
    } catch (error) {
      if (rejects === undefined) throw error;
      report = await settleFailed(rejects, sealed, error);
    }
    timings.commit += lap();
    const kept = await rejects?.commit();
    const now = performance.now();
    const done = { ...report, seconds: (now - since) / 1000, took: (now - started) / 1000 };
    return kept === undefined
      ? done
      : { ...done, rejectsFile: kept.path, rejectsProblem: kept.problem };
  } finally {
    await batches.return(undefined);
  }
}

/**
 * The CSV reader, loaded on first use: a worker fed records by another thread
 * never loads it.
 */
async function csvReader(): Promise<typeof readCsv> {
  return (await import("./csv.ts")).readCsv;
}

// 1. Header

/** What the header says: the table, how records become rows, and the columns' order. */
interface Header {
  table: Table;
  convert: Converter;
  /** How many values so far the converter changed from their field's text (see rowConverter). */
  altered: () => number;
  /**
   * The table's column names in the header's order; undefined when the file's
   * text cannot be loaded as it is (it has unnamed columns).
   */
  columns: string[] | undefined;
  /** The header's number of fields, the unnamed ones included: every record's. */
  width: number;
  /** The text of `first`'s data records, when the header is one line on line 1. */
  firstText: string | undefined;
  /** The header's raw text with its line break, when `first` was read with raw text (skip mode). */
  headerRaw: string;
}

/**
 * Reads the header (the first record of `first`, which it removes) and returns
 * the table and the converter of the records that follow.
 */
function readHeader(path: string, first: CsvBatch, name: TableName | undefined): Header {
  const header = first.records[0];
  // The header is the first record, which blank lines may push down.
  const line = first.lines[0];
  const headerProblem = first.invalid?.get(line);
  if (headerProblem !== undefined) throw new ImportError(path, headerProblem, { line });
  const table = name === undefined ? tableFromHeader(path, header, line) : getTable(name);
  const named = namedColumns(header);
  const order = columnOrder(path, table, named, line);
  const headerRaw = first.raw === undefined ? "" : rawRecord(first, 0);
  first.records.shift();
  first.lines.shift();
  first.raw?.spans.splice(0, 2);
  // Otherwise (empty lines around it, a header spanning lines) the first batch goes as rows.
  const firstText = line === 1 && first.lines[0] === 2 && first.text !== undefined
    ? first.text.slice(first.text.indexOf("\n") + 1)
    : undefined;
  return {
    table,
    ...rowConverter(table, order, header.length),
    columns: named.length === header.length ? header.map(headerName) : undefined,
    width: header.length,
    firstText,
    headerRaw,
  };
}

function tableFromHeader(path: string, header: string[], line: number): Table {
  const table = tableForHeader(header);
  if (table === undefined) {
    // One field holding another separator: most likely a file not separated by commas.
    const other = header.length === 1
      ? [";", "\t", "|"].find((c) => header[0].includes(c))
      : undefined;
    const hint = other === undefined
      ? ""
      : `; its fields seem separated by ${JSON.stringify(other)}`;
    throw new ImportError(
      path,
      `has header "${header.join(",")}", which matches no table's columns${hint}`,
      { line },
    );
  }
  return table;
}

/** For each schema column, its index in the CSV header (on `line`). */
function columnOrder(
  path: string,
  table: Table,
  header: readonly string[],
  line: number,
): number[] {
  const names = header.map(headerName);
  const fail = (reason: string) => new ImportError(path, reason, { line });
  names.forEach((name, i) => {
    const given = header[i].trim();
    if (names.indexOf(name) !== i) throw fail(`has column "${given}" twice in the header`);
    if (!table.columns.some((c) => c.name === name)) {
      throw fail(`has unknown column "${given}" in the header for table ${table.name}`);
    }
  });
  return table.columns.map((column) => {
    const index = names.indexOf(column.name);
    if (index === -1) throw fail(`lacks column "${column.name}" in the header`);
    return index;
  });
}

/**
 * Turns a record into a row in the table's column order, or returns why it
 * cannot (the reason of an {@linkcode ImportError}). Returned, not thrown: in
 * skip mode a tenth of rows refused made as many errors thrown and caught,
 * the costliest part of the check.
 */
type Converter = (record: string[]) => Value[] | string;

/**
 * Returns `convert`, which turns a record into a row in column order or into
 * the reason it cannot, and `altered`, the number of values so far whose text
 * differs from the field they came from (a trimmed key, a quantity written
 * ` 7`): while it stays the same, the file's text holds the rows as they are.
 * When the header is in schema order (the usual case) the record array itself
 * becomes the row, and only the columns with a conversion are touched: no
 * allocation per row on the hot path.
 */
function rowConverter(
  table: Table,
  order: number[],
  width: number,
): { convert: Converter; altered: () => number } {
  const named = order.length; // the fields after them are unnamed and must be empty
  const inPlace = width === named && order.every((index, c) => index === c);
  const converted = table.columns.flatMap((column, c) =>
    column.convert === undefined ? [] : [{ c, convert: column.convert }]
  );
  const fail = (record: string[], c: number, refusal: Refusal) => {
    const name = table.columns[c].name;
    const field = record[order[c]];
    return field.trim() === ""
      ? `has an empty ${name}`
      : `has ${name} "${field}", which ${refusal.reason}`;
  };
  let altered = 0;
  const convert = (record: string[]): Value[] | string => {
    if (record.length !== width) return `has ${record.length} fields, expected ${width}`;
    for (let i = named; i < width; i++) {
      if (record[i].trim() !== "") {
        return `has "${record[i]}" in field ${i + 1}, which the header leaves unnamed`;
      }
    }
    const row: Value[] = inPlace ? record : order.map((index) => record[index]);
    for (const { c, convert } of converted) {
      const field = row[c] as string;
      const value = convert(field);
      if (value instanceof Refusal) return fail(record, c, value);
      row[c] = value;
      if (String(value) !== field) altered++;
    }
    return row;
  };
  return { convert, altered: () => altered };
}

// 3. Check

/**
 * Drops the records of `batch` that have the header's `width` and every field
 * empty (`,,,`): a spreadsheet writes one for each row that once held
 * something, and none can be a row. (A line of one empty field, `""`, stays:
 * it is refused for its field count.) Returns how many it dropped.
 */
function dropBlankRecords(batch: CsvBatch, width: number): number {
  const { records, lines, raw } = batch;
  let kept = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (record[0] === "" && record.length === width && record.every((field) => field === "")) {
      continue;
    }
    if (kept < i) {
      records[kept] = record;
      lines[kept] = lines[i];
      if (raw !== undefined) {
        raw.spans[2 * kept] = raw.spans[2 * i];
        raw.spans[2 * kept + 1] = raw.spans[2 * i + 1];
      }
    }
    kept++;
  }
  const dropped = records.length - kept;
  records.length = kept;
  lines.length = kept;
  if (raw !== undefined) raw.spans.length = 2 * kept;
  return dropped;
}

/**
 * Checks one batch of records and returns the rows to write, in line order.
 * Strict and skip mode are the two implementations.
 */
type CheckBatch = (batch: CsvBatch, writer: Writer) => Promise<Value[][]>;

/** What a batch checker needs from the import under way. */
interface CheckContext {
  path: string;
  table: Table;
  convert: Converter;
  /** The keys of the rows accepted so far, with their lines. */
  keys: KeyCheck;
}

/** Strict mode: the first bad row refuses the file (it throws, naming the line). */
function strictCheck({ path, table, convert, keys }: CheckContext): CheckBatch {
  return async (batch, writer) => {
    const rows: Value[][] = new Array(batch.records.length);
    let i = 0;
    try {
      for (; i < rows.length; i++) {
        const line = batch.lines[i];
        const row = convert(batch.records[i]);
        if (typeof row === "string") throw new ImportError(path, row, { line });
        const earlier = keys.add(row[0] as string, line);
        if (earlier !== undefined) {
          throw new ImportError(path, repeats(table, row[0] as string, earlier), { line });
        }
        rows[i] = row;
      }
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      // References are checked a batch at a time: a row before this one may
      // name a missing key, and the first bad line is the one to name.
      await checkReferences(path, table, writer, rows.slice(0, i), batch.lines);
      throw error;
    }
    await checkReferences(path, table, writer, rows, batch.lines);
    return rows;
  };
}

/** Throws for the first of `rows` (read on `lines`) that names a key missing from its table. */
async function checkReferences(
  path: string,
  table: Table,
  writer: Writer,
  rows: Value[][],
  lines: number[],
): Promise<void> {
  // With two references (a rental's product and customer), the first bad row wins.
  let first: { at: number; reason: string } | undefined;
  for await (const { reference, index, absent } of absentReferences(table, writer, rows)) {
    const at = rows.findIndex((row) => absent.has(row[index] as string));
    if (first === undefined || at < first.at) {
      first = { at, reason: missingReason(reference, rows[at][index] as string) };
    }
  }
  if (first !== undefined) throw new ImportError(path, first.reason, { line: lines[first.at] });
}

/**
 * Skip mode: every record with a row-level problem goes to the rejects file,
 * in line order, and the others are returned. A key is recorded only once its
 * row passed every other check, so a row refused for a bad reference does not
 * make a later good row with its key a "repeat".
 */
function skipCheck({ table, convert, keys }: CheckContext, rejects: Rejects): CheckBatch {
  return async (batch, writer) => {
    const { records, lines } = batch;
    const refused: { line: number; reason: string; raw: string }[] = [];
    const refuse = (i: number, reason: string) =>
      refused.push({ line: lines[i], reason, raw: rawRecord(batch, i) });
    // The rows that passed so far, and the index of each one's record: no
    // object per row, which a clean file would otherwise pay for every row.
    let rows: Value[][] = [];
    let at: number[] = [];
    for (let i = 0; i < records.length; i++) {
      const invalid = batch.invalid?.get(lines[i]);
      if (invalid !== undefined) {
        refuse(i, invalid);
        continue;
      }
      const row = convert(records[i]);
      if (typeof row === "string") refuse(i, row);
      else {
        rows.push(row);
        at.push(i);
      }
    }
    for await (const { reference, index, absent } of absentReferences(table, writer, rows)) {
      const keep = rows.map((row, j) => {
        const value = row[index] as string;
        if (!absent.has(value)) return true;
        refuse(at[j], missingReason(reference, value));
        return false;
      });
      rows = rows.filter((_, j) => keep[j]);
      at = at.filter((_, j) => keep[j]);
    }
    const kept: Value[][] = [];
    for (let j = 0; j < rows.length; j++) {
      const key = rows[j][0] as string;
      const earlier = keys.add(key, lines[at[j]]);
      if (earlier === undefined) kept.push(rows[j]);
      else refuse(at[j], repeats(table, key, earlier));
    }
    if (refused.length > 0) {
      refused.sort((a, b) => a.line - b.line);
      for (const { line, reason, raw } of refused) await rejects.add(line, reason, raw);
    }
    return kept;
  };
}

function repeats(table: Table, key: string, earlier: number): string {
  return `repeats ${table.key} "${key}" of line ${earlier}`;
}

function missingReason(reference: Reference, value: string): string {
  return `has ${reference.column} "${value}", which is not in ${reference.table}`;
}

/** For each reference of `table` that some of `rows` break: its column index and the absent keys. */
async function* absentReferences(
  table: Table,
  writer: Writer,
  rows: Value[][],
): AsyncGenerator<{ reference: Reference; index: number; absent: Set<string> }> {
  for (const reference of table.references) {
    const index = table.columns.findIndex((c) => c.name === reference.column);
    const keys = [...new Set(rows.map((row) => row[index] as string))];
    const absent = new Set(await writer.missing(reference, keys));
    if (absent.size > 0) yield { reference, index, absent };
  }
}

// 5. Commit

/**
 * Settles the rejects of an import whose write failed. Before the seal,
 * nothing committed: they go. After it, the COMMIT itself failed, and only the
 * database knows whether it took effect: if it did, the import succeeded and
 * its report is returned (never a failure after a commit). Otherwise it
 * throws `error` (lib/rejects.ts drops the rows, or leaves them for the next
 * run when the database cannot say).
 */
async function settleFailed(
  rejects: Rejects,
  sealed: ImportReport | undefined,
  error: unknown,
): Promise<ImportReport> {
  if (sealed === undefined) {
    await rejects.discard();
    throw error;
  }
  if (await rejects.settle()) return sealed;
  throw error;
}
