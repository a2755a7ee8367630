/**
 * Writing CSV: one field quoted as RFC 4180 requires. Shared by the data
 * generator and the rejects file.
 *
 * @module
 */

/** `value` as a CSV field: quoted, with quotes doubled, when it holds a comma, quote or line break. */
export function quoteField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
