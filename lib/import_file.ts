/**
 * The one import routine that linear, parallel, the CLI and the benchmarks
 * share: a CSV file into its table, in one transaction, all or nothing.
 *
 * @module
 */
import type { CsvBatch, readCsv, ReadCsvOptions } from "./csv.ts";
import { KeyFingerprints } from "./key_set.ts";
import { ImportError } from "./import_error.ts";
import { type Rejects, type RejectsFactory, RejectsFile, rejectsPath } from "./rejects.ts";
import {
  getTable,
  headerName,
  type Reference,
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
  /** Where "skip" mode's bad rows go; defaults to a rejects file (lib/rejects.ts). */
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
 * {@linkcode ImportError} naming the file and line, and the table is unchanged.
 */
export async function importFile(
  store: Pick<Store, "location" | "write">,
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
  const delimiter = options.delimiter;
  const read = options.read ?? await csvReader();
  const batches = read(path, csvOptions(options.onInvalid, delimiter));
  // The reader holds the file open until it is read to the end: close it on every way out.
  try {
    const first = await batches.next();
    timings.parse += lap();
    if (first.done) throw new ImportError(path, "is empty: expected a header line");
    const header = first.value.records[0];
    // The header is the first record, which blank lines may push down.
    const headerLine = first.value.lines[0];
    const headerProblem = first.value.invalid?.get(headerLine);
    if (headerProblem !== undefined) {
      throw new ImportError(path, headerProblem, { line: headerLine });
    }
    const table = options.table === undefined
      ? tableFromHeader(path, header, headerLine)
      : getTable(options.table);
    const order = columnOrder(path, table, header, headerLine);
    const convert = rowConverter(path, table, order);
    first.value.records.shift();
    first.value.lines.shift();
    const rejects = skip
      ? await (options.rejects ?? RejectsFile.create)(
        rejectsPath(options.rejectsDir ?? rejectsFolder(store.location), path),
        first.value.raw!.shift()!,
      )
      : undefined;

    const written = store.write(table, async (writer) => {
      const before = await writer.count();
      timings.begin += lap();
      // Strict mode needs no set while the keys come in ascending order (as most
      // exports do; shorter keys first, so C999999 < C1000000): then none can
      // repeat. On the first key out of order, the keys read so far are read
      // again into fingerprints (see lib/key_set.ts).
      let seen = rejects === undefined ? undefined : new KeyFingerprints();
      const rejectedLines = new Set<number>();
      let last = "";
      let processed = 0;
      for (let batch: CsvBatch | undefined = first.value; batch !== undefined;) {
        options.signal?.throwIfAborted();
        let rows: Value[][];
        if (rejects === undefined) {
          rows = new Array(batch.records.length);
          let i = 0;
          try {
            for (; i < rows.length; i++) {
              const row = convert(batch.records[i], batch.lines[i]);
              const key = row[0] as string;
              if (
                seen === undefined &&
                (key.length > last.length || (key.length === last.length && key > last))
              ) {
                last = key;
              } else {
                seen ??= await keysBefore(path, order, batch.lines[i], delimiter);
                if (!seen.add(key)) {
                  await checkRepeat(path, table, order, key, batch.lines[i], delimiter);
                }
              }
              rows[i] = row;
            }
          } catch (error) {
            if (!(error instanceof ImportError)) throw error;
            // References are checked a batch at a time: a row before this one
            // may name a missing key, and the first bad line is the one to name.
            await checkReferences(path, table, writer.missing, rows.slice(0, i), batch.lines);
            throw error;
          }
          await checkReferences(path, table, writer.missing, rows, batch.lines);
        } else {
          rows = await sift(batch, {
            path,
            table,
            order,
            convert,
            seen: seen!,
            writer,
            rejects,
            rejected: rejectedLines,
            delimiter,
          });
        }
        timings.validate += lap();
        await writer.upsert(rows);
        timings.insert += lap();
        processed += batch.records.length;
        options.onProgress?.(processed);
        const next = await batches.next();
        batch = next.done ? undefined : next.value;
        timings.parse += lap();
      }
      if (processed === 0) throw new ImportError(path, "has a header but no data rows");
      options.signal?.throwIfAborted();
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
      lap();
      return {
        file: path,
        table: table.name,
        processed,
        rejected,
        before,
        after,
        seconds: 0,
        took: 0,
      };
    });
    let report: ImportReport;
    try {
      report = await written;
    } catch (error) {
      await rejects?.discard();
      throw error;
    }
    timings.commit += lap();
    await rejects?.commit();
    const now = performance.now();
    const done = { ...report, seconds: (now - since) / 1000, took: (now - started) / 1000 };
    return rejects === undefined ? done : { ...done, rejectsFile: rejects.path };
  } finally {
    await batches.return(undefined);
  }
}

/**
 * The CSV reader, loaded on first use: a worker fed records by another thread
 * never loads it (nor papaparse, which costs tens of milliseconds to load).
 */
async function csvReader(): Promise<typeof readCsv> {
  return (await import("./csv.ts")).readCsv;
}

/** Fingerprints of the keys of the records before `line`, read again from the file. */
async function keysBefore(
  path: string,
  order: number[],
  line: number,
  delimiter: string | undefined,
): Promise<KeyFingerprints> {
  const seen = new KeyFingerprints();
  for await (const batch of dataRecords(path, { delimiter })) {
    for (let i = 0; i < batch.records.length; i++) {
      if (batch.lines[i] >= line) return seen;
      seen.add(batch.records[i][order[0]].trim());
    }
  }
  return seen;
}

/**
 * Confirms a fingerprint match by reading the file again up to `line`: throws
 * if an earlier record has the same key, returns if it was a hash collision.
 */
async function checkRepeat(
  path: string,
  table: Table,
  order: number[],
  key: string,
  line: number,
  delimiter: string | undefined,
): Promise<void> {
  const earlier = await findRepeat(path, order, key, line, delimiter);
  if (earlier !== undefined) throw new ImportError(path, repeats(table, key, earlier), { line });
}

function repeats(table: Table, key: string, earlier: number): string {
  return `repeats ${table.key} "${key}" of line ${earlier}`;
}

/**
 * The line of the first record before `line` whose key is `key`, if any.
 * With `accepted`, only records it accepts count (in "skip" mode a rejected
 * record was not imported, so a later one with its key is no repeat).
 */
async function findRepeat(
  path: string,
  order: number[],
  key: string,
  line: number,
  delimiter: string | undefined,
  rejected?: ReadonlySet<number>,
): Promise<number | undefined> {
  for await (const batch of dataRecords(path, { keepInvalid: rejected !== undefined, delimiter })) {
    for (let i = 0; i < batch.records.length; i++) {
      const earlier = batch.lines[i];
      if (earlier >= line) return undefined;
      if (batch.records[i][order[0]]?.trim() !== key) continue;
      if (rejected === undefined || !rejected.has(earlier)) return earlier;
    }
  }
  return undefined;
}

/**
 * The file's records without its header, read again: the header is the first
 * record, on whatever line (a key "user_id" in the data repeats no header).
 */
async function* dataRecords(path: string, options?: ReadCsvOptions): AsyncGenerator<CsvBatch> {
  let header = true;
  const readCsv = await csvReader();
  for await (const batch of readCsv(path, options)) {
    if (header) {
      batch.records.shift();
      batch.lines.shift();
      header = false;
    }
    yield batch;
  }
}

/** What {@linkcode sift} needs from the import under way. */
interface SiftContext {
  path: string;
  table: Table;
  order: number[];
  convert: (record: string[], line: number) => Value[];
  seen: KeyFingerprints;
  writer: Writer;
  rejects: Rejects;
  /** The file's field delimiter, for reading it again. */
  delimiter: string | undefined;
  /** Lines rejected so far: a later row with the same key is not a repeat of these. */
  rejected: Set<number>;
}

/**
 * "Skip" mode's check of one batch: returns the rows to import and writes
 * every record with a row-level problem to the rejects file, in line order.
 * Keys are recorded only for rows that passed every other check, so a row
 * refused for a bad reference does not make a later good row a "repeat".
 */
async function sift(batch: CsvBatch, context: SiftContext): Promise<Value[][]> {
  const { path, table, order, convert, seen, writer, rejects, rejected, delimiter } = context;
  const refused: { line: number; reason: string; raw: string }[] = [];
  let candidates: { row: Value[]; line: number; raw: string }[] = [];
  for (let i = 0; i < batch.records.length; i++) {
    const line = batch.lines[i];
    const raw = batch.raw![i];
    const invalid = batch.invalid?.get(line);
    if (invalid !== undefined) {
      refused.push({ line, reason: invalid, raw });
      continue;
    }
    try {
      candidates.push({ row: convert(batch.records[i], line), line, raw });
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      refused.push({ line, reason: error.reason, raw });
    }
  }
  const rows = candidates.map(({ row }) => row);
  for await (const { reference, index, absent } of absentReferences(table, writer.missing, rows)) {
    candidates = candidates.filter(({ row, line, raw }) => {
      const value = row[index] as string;
      if (!absent.has(value)) return true;
      refused.push({ line, reason: missingReason(reference, value), raw });
      rejected.add(line);
      return false;
    });
  }
  for (const { line } of refused) rejected.add(line);
  const kept: Value[][] = [];
  for (const { row, line, raw } of candidates) {
    const key = row[0] as string;
    if (!seen.add(key)) {
      const earlier = await findRepeat(path, order, key, line, delimiter, rejected);
      if (earlier !== undefined) {
        refused.push({ line, reason: repeats(table, key, earlier), raw });
        rejected.add(line);
        continue;
      }
    }
    kept.push(row);
  }
  refused.sort((a, b) => a.line - b.line);
  for (const { line, reason, raw } of refused) await rejects.add(line, reason, raw);
  return kept;
}

function missingReason(reference: Reference, value: string): string {
  return `has ${reference.column} "${value}", which is not in ${reference.table}`;
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
function columnOrder(path: string, table: Table, header: string[], line: number): number[] {
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
 * Returns a function that turns a record into a row in column order, or
 * throws. When the header is in schema order (the usual case) the record array
 * itself becomes the row, and only the columns with a conversion are touched:
 * no allocation per row on the hot path.
 */
function rowConverter(path: string, table: Table, order: number[]) {
  const width = order.length;
  const inPlace = order.every((index, c) => index === c);
  const converted = table.columns.flatMap((column, c) =>
    column.convert === undefined ? [] : [{ c, convert: column.convert }]
  );
  const fail = (record: string[], c: number, error: unknown, line: number) => {
    const name = table.columns[c].name;
    const field = record[order[c]];
    return new ImportError(
      path,
      field.trim() === ""
        ? `has an empty ${name}`
        : `has ${name} "${field}", which ${(error as Error).message}`,
      { line },
    );
  };
  return (record: string[], line: number): Value[] => {
    if (record.length !== width) {
      throw new ImportError(path, `has ${record.length} fields, expected ${width}`, { line });
    }
    const row: Value[] = inPlace ? record : order.map((index) => record[index]);
    for (const { c, convert } of converted) {
      try {
        row[c] = convert(row[c] as string);
      } catch (error) {
        throw fail(record, c, error, line);
      }
    }
    return row;
  };
}

async function checkReferences(
  path: string,
  table: Table,
  missing: Writer["missing"],
  rows: Value[][],
  lines: number[],
): Promise<void> {
  // With two references (a rental's product and customer), the first bad row wins.
  let first: { at: number; reason: string } | undefined;
  for await (const { reference, index, absent } of absentReferences(table, missing, rows)) {
    const at = rows.findIndex((row) => absent.has(row[index] as string));
    if (first === undefined || at < first.at) {
      first = { at, reason: missingReason(reference, rows[at][index] as string) };
    }
  }
  if (first !== undefined) throw new ImportError(path, first.reason, { line: lines[first.at] });
}

/** For each reference of `table` that some of `rows` break: its column index and the absent keys. */
async function* absentReferences(
  table: Table,
  missing: Writer["missing"],
  rows: Value[][],
): AsyncGenerator<{ reference: Reference; index: number; absent: Set<string> }> {
  for (const reference of table.references) {
    const index = table.columns.findIndex((c) => c.name === reference.column);
    const keys = [...new Set(rows.map((row) => row[index] as string))];
    const absent = new Set(await missing(reference, keys));
    if (absent.size > 0) yield { reference, index, absent };
  }
}
