/**
 * A seeded generator of realistic HP Norton exports: customers, products and
 * rentals that refer to them. The same seed and size always give the same bytes,
 * so benchmarks and tests can be repeated exactly.
 *
 * @module
 */
import { quoteField } from "./csv_quote.ts";

/** Options for {@linkcode generateDataset}. */
export interface GenerateOptions {
  /** Rows per file. Defaults to 1,000. */
  rows?: number;
  /** Seed of the pseudo-random sequence. Defaults to 42. */
  seed?: number;
}

const FIRST = [
  "Maria",
  "James",
  "Aiko",
  "Oluwaseun",
  "Sofia",
  "Liam",
  "Priya",
  "Mateo",
  "Chloe",
  "Noah",
  "Fatima",
  "Lucas",
  "Ingrid",
  "Kwame",
  "Elena",
  "Hiro",
  "Zoe",
  "Ahmed",
  "Grace",
  "Diego",
  "Hannah",
  "Ivan",
  "Mei",
  "Samuel",
];
const LAST = [
  "Garcia",
  "Smith",
  "Tanaka",
  "Adeyemi",
  "Rossi",
  "Murphy",
  "Patel",
  "Lopez",
  "Dubois",
  "Brown",
  "Khan",
  "Silva",
  "Larsen",
  "Mensah",
  "Petrova",
  "Sato",
  "O'Brien",
  "Haddad",
  "Kim",
  "Fernandez",
  "Schmidt",
  "Novak",
  "Chen",
  "Okafor",
];
const STREETS = [
  "Main St",
  "Oak Ave",
  "Maple Dr",
  "Cedar Ln",
  "Elm St",
  "Pine Rd",
  "Lakeview Blvd",
  "Sunset Way",
  "Highland Ave",
  "River Rd",
  "Park Pl",
];
const CITIES = [
  "Seattle, WA",
  "Portland, OR",
  "Boise, ID",
  "Spokane, WA",
  "Tacoma, WA",
  "Eugene, OR",
  "Bellevue, WA",
  "Salem, OR",
];
const PRODUCTS: Record<string, string[]> = {
  livingroom: ["sofa", "loveseat", "coffee table", "armchair", "bookcase", "TV stand"],
  bedroom: ["queen bed", "king bed", "dresser", "nightstand", "wardrobe", "mirror"],
  kitchen: ["dining table", "bar stool", "dining chair", "microwave", "buffet"],
  office: ["desk", "office chair", "filing cabinet", "monitor", "desk lamp"],
};
const MATERIALS = ["oak", "walnut", "pine", "leather", "fabric", "steel", "glass"];
const TYPES = Object.keys(PRODUCTS);

/** Returns a seeded pseudo-random function (mulberry32) giving floats in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

function digits(next: () => number, count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) out += Math.floor(next() * 10);
  return out;
}

function line(values: string[]): string {
  return values.map(quoteField).join(",") + "\n";
}

/** Identifier of the `n`th (1-based) record with a table's prefix, e.g. `C000042`. */
export function recordId(prefix: string, n: number): string {
  return prefix + String(n).padStart(6, "0");
}

/** Yields the lines of customers.csv, header first. */
export function* customerLines(options: GenerateOptions = {}): Generator<string> {
  const { rows = 1000, seed = 42 } = options;
  const next = random(seed);
  yield "user_id,name,address,zip_code,phone_number,email\n";
  for (let n = 1; n <= rows; n++) {
    const first = pick(next, FIRST);
    const last = pick(next, LAST);
    const street = `${1 + Math.floor(next() * 9899)} ${pick(next, STREETS)}`;
    // About a third of the addresses carry a unit and the city after commas,
    // so the quoted-field path of every parser is exercised by the real data.
    const address = next() < 0.35
      ? `${street}, Apt ${1 + Math.floor(next() * 40)}, ${pick(next, CITIES)}`
      : street;
    yield line([
      recordId("C", n),
      `${first} ${last}`,
      address,
      digits(next, 5),
      `${digits(next, 3)}-${digits(next, 3)}-${digits(next, 4)}`,
      `${first}.${last}${n}@example.com`.toLowerCase().replace("'", ""),
    ]);
  }
}

/** Yields the lines of products.csv, header first. */
export function* productLines(options: GenerateOptions = {}): Generator<string> {
  const { rows = 1000, seed = 42 } = options;
  const next = random(seed + 1);
  yield "product_id,description,product_type,quantity_available\n";
  for (let n = 1; n <= rows; n++) {
    const type = pick(next, TYPES);
    const description = `${pick(next, MATERIALS)} ${pick(next, PRODUCTS[type])}`;
    // One product in five is out of stock: quantity 0 means "not available".
    const quantity = next() < 0.2 ? 0 : 1 + Math.floor(next() * 12);
    yield line([recordId("P", n), description, type, String(quantity)]);
  }
}

/** Yields the lines of rentals.csv, header first; every row names an existing customer and product. */
export function* rentalLines(options: GenerateOptions = {}): Generator<string> {
  const { rows = 1000, seed = 42 } = options;
  const next = random(seed + 2);
  yield "rental_id,product_id,user_id\n";
  for (let n = 1; n <= rows; n++) {
    yield line([
      recordId("R", n),
      recordId("P", 1 + Math.floor(next() * rows)),
      recordId("C", 1 + Math.floor(next() * rows)),
    ]);
  }
}

/** The three files of a dataset, by file name. */
export const DATASET = {
  "customers.csv": customerLines,
  "products.csv": productLines,
  "rentals.csv": rentalLines,
} as const;

/** Writes customers.csv, products.csv and rentals.csv into `dir`, creating it if needed. */
export async function generateDataset(
  dir: string,
  options: GenerateOptions = {},
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  const encoder = new TextEncoder();
  for (const [name, lines] of Object.entries(DATASET)) {
    const path = `${dir}/${name}`;
    using file = await Deno.open(path, { write: true, create: true, truncate: true });
    let buffer = "";
    for (const text of lines(options)) {
      buffer += text;
      if (buffer.length > 1 << 16) {
        await writeAll(file, encoder.encode(buffer));
        buffer = "";
      }
    }
    await writeAll(file, encoder.encode(buffer));
    written.push(path);
  }
  return written;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
}
