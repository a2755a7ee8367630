/**
 * The one import routine that linear, parallel, the CLI and the benchmarks
 * share: a CSV file into its table, in one transaction, all or nothing.
 *
 * @module
 */
import { type CsvBatch, readCsv } from "./csv.ts";
import { KeyFingerprints } from "./key_set.ts";
import { ImportError } from "./errors.ts";
import { getTable, type Table, tableForHeader, type TableName } from "./schema.ts";
import type { Store, Value } from "./store.ts";

/** `[processed, before, after, seconds]`: data rows read, rows before and after, seconds. */
export type ImportResult = [processed: number, before: number, after: number, seconds: number];

/** What one file's import did. */
export interface ImportReport {
  /** The CSV file. */
  file: string;
  /** The table it went into. */
  table: TableName;
  /** Data rows read (header excluded). */
  processed: number;
  /** Rows in the table before the import. */
  before: number;
  /** Rows in the table after the import. */
  after: number;
  /** Seconds from `since` until the import committed. */
  seconds: number;
}

/** Options for {@linkcode importFile}. */
export interface ImportFileOptions {
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
  store: Store,
  path: string,
  options: ImportFileOptions = {},
): Promise<ImportReport> {
  const since = options.since ?? performance.now();
  const timings = options.timings ?? { parse: 0, begin: 0, validate: 0, insert: 0, commit: 0 };
  let clock = performance.now();
  const lap = () => {
    const now = performance.now();
    const elapsed = now - clock;
    clock = now;
    return elapsed;
  };
  const batches = readCsv(path);
  const first = await batches.next();
  timings.parse += lap();
  if (first.done) throw new ImportError(path, "is empty: expected a header line");
  const header = first.value.records[0];
  const table = options.table === undefined
    ? tableFromHeader(path, header)
    : getTable(options.table);
  const order = columnOrder(path, table, header);
  const convert = rowConverter(path, table, order);
  first.value.records.shift();
  first.value.lines.shift();

  return await store.write(table, async (writer) => {
    const before = await store.count(table);
    timings.begin += lap();
    const seen = new KeyFingerprints();
    let processed = 0;
    for (let batch: CsvBatch | undefined = first.value; batch !== undefined;) {
      options.signal?.throwIfAborted();
      const rows: Value[][] = new Array(batch.records.length);
      for (let i = 0; i < rows.length; i++) {
        const row = convert(batch.records[i], batch.lines[i]);
        if (!seen.add(row[0] as string)) {
          await checkRepeat(path, table, order, row[0] as string, batch.lines[i]);
        }
        rows[i] = row;
      }
      await checkReferences(path, table, writer.missing, rows, batch.lines);
      timings.validate += lap();
      await writer.upsert(rows);
      timings.insert += lap();
      processed += rows.length;
      options.onProgress?.(processed);
      const next = await batches.next();
      batch = next.done ? undefined : next.value;
      timings.parse += lap();
    }
    if (processed === 0) throw new ImportError(path, "has a header but no data rows");
    options.signal?.throwIfAborted();
    const after = await store.count(table);
    lap();
    return { file: path, table: table.name, processed, before, after, seconds: 0 };
  }).then((report) => {
    timings.commit += lap();
    return { ...report, seconds: (performance.now() - since) / 1000 };
  });
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
): Promise<void> {
  for await (const batch of readCsv(path)) {
    for (let i = 0; i < batch.records.length; i++) {
      const earlier = batch.lines[i];
      if (earlier === 1) continue;
      if (earlier >= line) return;
      if (batch.records[i][order[0]]?.trim() === key) {
        throw new ImportError(
          path,
          `repeats ${table.key} "${key}" of line ${earlier}`,
          { line },
        );
      }
    }
  }
}

function tableFromHeader(path: string, header: string[]): Table {
  const table = tableForHeader(header);
  if (table === undefined) {
    throw new ImportError(
      path,
      `has header "${header.join(",")}", which matches no table's columns`,
      { line: 1 },
    );
  }
  return table;
}

/** For each schema column, its index in the CSV header. */
function columnOrder(path: string, table: Table, header: string[]): number[] {
  const names = header.map((h) => h.trim());
  const fail = (reason: string) => new ImportError(path, reason, { line: 1 });
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) throw fail(`has column "${name}" twice in the header`);
    if (!table.columns.some((c) => c.name === name)) {
      throw fail(`has unknown column "${name}" in the header for table ${table.name}`);
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
  missing: (reference: Table["references"][number], keys: string[]) => Promise<string[]> | string[],
  rows: Value[][],
  lines: number[],
): Promise<void> {
  for (const reference of table.references) {
    const index = table.columns.findIndex((c) => c.name === reference.column);
    const keys = [...new Set(rows.map((row) => row[index] as string))];
    const absent = new Set(await missing(reference, keys));
    if (absent.size === 0) continue;
    const at = rows.findIndex((row) => absent.has(row[index] as string));
    throw new ImportError(
      path,
      `has ${reference.column} "${rows[at][index]}", which is not in ${reference.table}`,
      { line: lines[at] },
    );
  }
}
