/**
 * The one check of a whole-number flag or option, shared by every script, so
 * that `--rows x` is refused the same way everywhere instead of becoming NaN.
 *
 * @module
 */

/** `text` as a whole number of at least `least`; throws a RangeError naming `name` otherwise. */
export function wholeNumber(name: string, text: string | number, least = 0): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(String(text)) || !Number.isSafeInteger(value) || value < least) {
    throw new RangeError(`Invalid ${name} "${text}": expected a whole number >= ${least}`);
  }
  return value;
}
