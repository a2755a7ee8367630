import assert from "node:assert/strict";
import { KeyCheck, keyHash } from "../lib/key_check.ts";

/** What a Map says `add` must return for each key of `keys` (line = index + 2). */
function expected(keys: string[]): (number | undefined)[] {
  const lines = new Map<string, number>();
  return keys.map((key, i) => {
    const earlier = lines.get(key);
    if (earlier === undefined) lines.set(key, i + 2);
    return earlier;
  });
}

function added(keys: string[]): (number | undefined)[] {
  const check = new KeyCheck();
  return keys.map((key, i) => check.add(key, i + 2));
}

Deno.test("KeyCheck names the earlier line of a repeated key, in any order of keys", async (t) => {
  const cases: { name: string; keys: string[] }[] = [
    { name: "ascending, no repeat", keys: ["P9", "P10", "P11", "P100"] },
    { name: "unsorted from the start", keys: ["P3", "P1", "P3", "P1", "P2"] },
    { name: "sorted until the last key repeats the first", keys: ["P1", "P2", "P3", "P1"] },
    { name: "the same key twice in a row", keys: ["P1", "P1"] },
    { name: "the empty string", keys: ["", "a", ""] },
    { name: "keys beyond Latin-1 after Latin-1 ones", keys: ["é1", "Ω1", "日本", "é1", "Ω1"] },
    { name: "keys that differ only in length", keys: ["a", "aa", "a", "aaa", "aa"] },
    {
      name: "ascending with repeats of earlier keys, then a new key out of order",
      keys: ["C1", "C2", "C1", "C3", "C2", "C10", "C3", "C5", "C10", "C5", "C4", "C4", "C1"],
    },
    {
      name: "a repeat of the last key, then ascending again",
      keys: ["P1", "P2", "P2", "P3", "P1"],
    },
  ];
  for (const { name, keys } of cases) {
    await t.step(name, () => assert.deepEqual(added(keys), expected(keys)));
  }
});

Deno.test("KeyCheck agrees with a Map over 200,000 keys in ascending, shuffled and repeating order", () => {
  let seed = 42;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const ascending = Array.from({ length: 200_000 }, (_, i) => `C${i}`);
  const shuffled = ascending.map((key) => ({ key, at: random() }))
    .sort((a, b) => a.at - b.at).map(({ key }) => key);
  const repeating = Array.from({ length: 200_000 }, () => `K${Math.floor(random() * 150_000)}`);
  const lateRepeat = [...ascending.slice(0, 100_000), ...ascending.slice(50_000, 60_000)];
  // As a bad export has them: ascending, with a tenth of the rows repeating an earlier key.
  const ascendingWithRepeats = ascending.map((key, i) =>
    i % 10 === 9 ? ascending[Math.floor(random() * i)] : key
  );
  for (const keys of [ascending, shuffled, repeating, lateRepeat, ascendingWithRepeats]) {
    const [got, want] = [added(keys), expected(keys)];
    const wrong = keys.findIndex((_, i) => got[i] !== want[i]);
    assert.equal(wrong, -1, `key ${wrong}: ${got[wrong]} instead of ${want[wrong]}`);
  }
});

Deno.test("KeyCheck tells apart two keys with the same fingerprint, and still finds their repeats", () => {
  // A birthday search over 32-bit fingerprints finds a colliding pair
  // (here after about 100,000 keys).
  const owner = new Map<number, string>();
  let pair: [string, string] | undefined;
  for (let i = 0; pair === undefined; i++) {
    const key = `key-${(Math.imul(i, 2654435761) >>> 0).toString(36)}`;
    const hash = keyHash(key);
    const other = owner.get(hash);
    if (other === undefined) owner.set(hash, key);
    else pair = [other, key];
  }
  const [a, b] = pair;
  assert.notEqual(a, b);
  assert.equal(keyHash(a), keyHash(b));
  for (const keys of [[b, a, b, a], [a, "X", b, a, b], ["Z", a, b, b, a]]) {
    assert.deepEqual(added(keys), expected(keys));
  }
});
