/**
 * A cheap estimate of a CSV file's data rows, for progress bars and for
 * choosing between linear and parallel imports.
 *
 * @module
 */

/** Bytes sampled from the start of a file to estimate its rows. */
const SAMPLE_BYTES = 1 << 16;

/**
 * Estimates the data rows of a CSV file from its size and the line length of
 * its first 64 KiB: one small read whatever the file's size, where an exact
 * line count would read the whole file once more before importing it. Exact
 * for files under 64 KiB; records spanning lines make it a little high.
 */
export async function estimateRows(path: string): Promise<number> {
  using file = await Deno.open(path, { read: true });
  const { size } = await file.stat();
  const sample = new Uint8Array(Math.min(size, SAMPLE_BYTES));
  let read = 0;
  while (read < sample.length) {
    const n = await file.read(sample.subarray(read));
    if (n === null) break;
    read += n;
  }
  let lines = 0;
  for (let i = sample.indexOf(10); i !== -1 && i < read; i = sample.indexOf(10, i + 1)) lines++;
  if (read === size) return Math.max(0, lines - 1 + (sample[read - 1] === 10 ? 0 : 1));
  return Math.max(0, Math.round((size * lines) / read) - 1);
}
