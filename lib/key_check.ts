/**
 * "Is this key a repeat?" for one file's import, answered from memory: the
 * file is read once, never again from the start.
 *
 * {@linkcode KeyCheck} keeps every key it was given, compactly, with the line
 * it came from: the keys' text back to back in one byte array (two bytes a
 * character only once a key needs it), their ends and lines in two Int32Arrays,
 * and an open-addressing table of 32-bit fingerprints that point at them. A
 * fingerprint match is confirmed by comparing the text, so a collision can
 * never refuse a valid row; on a collision the probe simply goes on. A
 * confirmed match names the earlier line.
 *
 * While the keys come in ascending order (shorter first, then by text, so
 * C999999 < C1000000), as most exports do, none can repeat, and the table is
 * not built: keys are only appended. The first key out of order builds it from
 * what is stored. Measured on the 1,000,000 keys of a customers.csv in file
 * order (`deno task bench:keys`, medians of 7 paired rounds on a loaded
 * machine): comparing each key with the last and storing nothing (the
 * shortcut before, which then had to read the file again) 148 ms; appending
 * while ascending 205 ms; the table from the first key 1,025 ms (5x); the
 * same keys shuffled 1,982 ms. A strict import of that file took 17 s, so the
 * table would add about 5% to it, appending about 0.3%. A `Set<string>` of a
 * million keys measured about 1.1 s and 100 MiB, and would keep every parsed
 * chunk alive through its substrings.
 *
 * @example
 * ```ts
 * import { KeyCheck } from "./key_check.ts";
 * const keys = new KeyCheck();
 * keys.add("P1", 2); // undefined: new
 * keys.add("P2", 3); // undefined: new
 * keys.add("P1", 4); // 2: line 4 repeats the key of line 2
 * ```
 *
 * @module
 */

/** The 32-bit fingerprint of `key` (FNV-1a, then a murmur3 finaliser to spread the bits). */
export function keyHash(key: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), FNV_PRIME);
  return finish(hash);
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function finish(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/** The keys of one file seen so far, each with its line. */
export class KeyCheck {
  // Key i is #text[#ends[i - 1] .. #ends[i]) (from 0 for the first), read on #lines[i].
  #text: Uint8Array | Uint16Array = new Uint8Array(1 << 16);
  #ends = new Int32Array(1 << 12);
  #lines = new Int32Array(1 << 12);
  #count = 0;
  // Slot s holds a fingerprint at 2s and its key's index + 1 at 2s + 1 (0: empty),
  // side by side so that a probe touches one cache line. Empty until the first
  // key out of order.
  #slots = new Int32Array(0);
  #last = "";

  /** Keys added so far. */
  get size(): number {
    return this.#count;
  }

  /**
   * Adds `key`, read on `line`, and returns undefined; or, when an earlier
   * call added the same key, returns that call's line and adds nothing.
   */
  add(key: string, line: number): number | undefined {
    if (this.#slots.length === 0) {
      const last = this.#last;
      if (key.length > last.length || (key.length === last.length && key > last)) {
        this.#last = key;
        this.#append(key, line);
        return undefined;
      }
      // A repeat is not added, so the keys stay in order: find it by halves
      // and keep appending. Only a new key out of order needs the table (a
      // file with a tenth of its rows rejected, repeats among them, kept
      // skip mode's key checks at the appending speed: see import_file.ts).
      const found = this.#search(key);
      if (found !== -1) return this.#lines[found];
      this.#index();
    }
    const hash = keyHash(key);
    const slots = this.#slots;
    const mask = (slots.length >> 1) - 1;
    let slot = hash & mask;
    for (;; slot = (slot + 1) & mask) {
      const at = slot << 1;
      const entry = slots[at + 1];
      if (entry === 0) break;
      if (slots[at] === hash && this.#equals(entry - 1, key)) return this.#lines[entry - 1];
    }
    this.#append(key, line);
    slots[slot << 1] = hash;
    slots[(slot << 1) + 1] = this.#count;
    if (this.#count * 2 > mask) this.#grow();
    return undefined;
  }

  #append(key: string, line: number): void {
    const start = this.#count === 0 ? 0 : this.#ends[this.#count - 1];
    const end = start + key.length;
    if (this.#count === this.#ends.length) {
      this.#ends = grown(this.#ends, this.#ends.length * 2);
      this.#lines = grown(this.#lines, this.#lines.length * 2);
    }
    let text = this.#text;
    if (end > text.length) text = this.#text = grown(text, Math.max(end, text.length * 2));
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      if (c > 0xff && text instanceof Uint8Array) text = this.#text = Uint16Array.from(text);
      text[start + i] = c;
    }
    this.#ends[this.#count] = end;
    this.#lines[this.#count] = line;
    this.#count++;
  }

  /** The index of `key` among the keys stored, which ascend while there is no table; or -1. */
  #search(key: string): number {
    let low = 0;
    let high = this.#count - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const order = this.#compare(middle, key);
      if (order === 0) return middle;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  /** Key `index` against `key` in the order of {@linkcode add}: shorter first, then by text. */
  #compare(index: number, key: string): number {
    const start = index === 0 ? 0 : this.#ends[index - 1];
    const length = this.#ends[index] - start;
    if (length !== key.length) return length - key.length;
    const text = this.#text;
    for (let i = 0; i < length; i++) {
      const difference = text[start + i] - key.charCodeAt(i);
      if (difference !== 0) return difference;
    }
    return 0;
  }

  #equals(index: number, key: string): boolean {
    const start = index === 0 ? 0 : this.#ends[index - 1];
    if (this.#ends[index] - start !== key.length) return false;
    const text = this.#text;
    for (let i = 0; i < key.length; i++) {
      if (text[start + i] !== key.charCodeAt(i)) return false;
    }
    return true;
  }

  /** Builds the table from the keys stored so far (ascending, so all distinct). */
  #index(): void {
    let length = 1 << 12;
    while (length < this.#count * 4) length *= 2;
    const slots = this.#slots = new Int32Array(length);
    const mask = (length >> 1) - 1;
    const text = this.#text;
    for (let index = 0, start = 0; index < this.#count; index++) {
      const end = this.#ends[index];
      let hash = FNV_OFFSET;
      for (let i = start; i < end; i++) hash = Math.imul(hash ^ text[i], FNV_PRIME);
      place(slots, mask, finish(hash), index + 1);
      start = end;
    }
  }

  /** Doubles the table, moving each fingerprint with its key's index. */
  #grow(): void {
    const old = this.#slots;
    const slots = this.#slots = new Int32Array(old.length * 2);
    const mask = (slots.length >> 1) - 1;
    for (let at = 0; at < old.length; at += 2) {
      if (old[at + 1] !== 0) place(slots, mask, old[at], old[at + 1]);
    }
  }
}

/** Puts a fingerprint and its entry in the first free slot from its home slot. */
function place(slots: Int32Array, mask: number, hash: number, entry: number): void {
  let slot = hash & mask;
  while (slots[(slot << 1) + 1] !== 0) slot = (slot + 1) & mask;
  slots[slot << 1] = hash;
  slots[(slot << 1) + 1] = entry;
}

function grown<T extends Uint8Array | Uint16Array | Int32Array>(array: T, length: number): T {
  const larger = new (array.constructor as new (length: number) => T)(length);
  larger.set(array);
  return larger;
}
