/**
 * A seeded generator of realistic HP Norton exports: customers, products and
 * rentals that refer to them. The same seed, size and shape always give the same
 * bytes, so benchmarks and tests can be repeated exactly.
 *
 * Two shapes: "plain" (the bundled data: LF line ends, columns in schema order,
 * quotes only around addresses with commas) and "export", what a CRM or a
 * spreadsheet writes: a byte order mark, CRLF line ends, columns in another
 * order, a fifth of the addresses quoted over two lines (a line feed inside the
 * field, as spreadsheets write one) and a quarter of the descriptions holding a
 * comma and a doubled quote. The reader must be as fast on both (see
 * bench/csv_bench.ts).
 *
 * @module
 */
import { quoteField } from "./csv_quote.ts";
import { getTable, type TableName } from "./schema.ts";

/** Options for {@linkcode generateDataset}. */
export interface GenerateOptions {
  /** Rows per file. Defaults to 1,000. */
  rows?: number;
  /** Seed of the pseudo-random sequence. Defaults to 42. */
  seed?: number;
  /** How the files are written (see the module doc). Defaults to "plain". */
  shape?: Shape;
}

/** How a dataset's files are written: "plain" as the bundled data, "export" as a CRM export. */
export type Shape = "plain" | "export";

/** Every shape, the default first. */
export const SHAPES: readonly Shape[] = ["plain", "export"];

/** What a shape changes in the writing of a file. */
interface Form {
  /** Text before the header. */
  bom: string;
  /** The end of every record. */
  eol: string;
  /** Each table's columns in the order written; absent: the schema's order. */
  columns?: Record<TableName, readonly string[]>;
}

const FORMS: Record<Shape, Form> = {
  plain: { bom: "", eol: "\n" },
  export: {
    bom: "\uFEFF",
    eol: "\r\n",
    columns: {
      customers: ["name", "email", "phone_number", "address", "zip_code", "user_id"],
      products: ["description", "product_type", "quantity_available", "product_id"],
      rentals: ["user_id", "product_id", "rental_id"],
    },
  },
};

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

/** Identifier of the `n`th (1-based) record with a table's prefix, e.g. `C000042`. */
export function recordId(prefix: string, n: number): string {
  return prefix + String(n).padStart(6, "0");
}

/** Yields the records of customers.csv in schema order, without the header. */
function* customerRows(rows: number, seed: number, shape: Shape): Generator<string[]> {
  const next = random(seed);
  for (let n = 1; n <= rows; n++) {
    const first = pick(next, FIRST);
    const last = pick(next, LAST);
    const street = `${1 + Math.floor(next() * 9899)} ${pick(next, STREETS)}`;
    // About a third of the addresses carry a unit and the city after commas,
    // so the quoted-field path of every parser is exercised by the real data;
    // an export writes a fifth of them over two lines.
    const share = next();
    const address = shape === "export" && share < 0.2
      ? `${street}\n${pick(next, CITIES)}`
      : share < 0.35
      ? `${street}, Apt ${1 + Math.floor(next() * 40)}, ${pick(next, CITIES)}`
      : street;
    yield [
      recordId("C", n),
      `${first} ${last}`,
      address,
      digits(next, 5),
      `${digits(next, 3)}-${digits(next, 3)}-${digits(next, 4)}`,
      `${first}.${last}${n}@example.com`.toLowerCase().replace("'", ""),
    ];
  }
}

/** Yields the records of products.csv in schema order, without the header. */
function* productRows(rows: number, seed: number, shape: Shape): Generator<string[]> {
  const next = random(seed + 1);
  for (let n = 1; n <= rows; n++) {
    const type = pick(next, TYPES);
    let description = `${pick(next, MATERIALS)} ${pick(next, PRODUCTS[type])}`;
    // One product in five is out of stock: quantity 0 means "not available".
    const quantity = next() < 0.2 ? 0 : 1 + Math.floor(next() * 12);
    if (shape === "export" && next() < 0.25) {
      description += `, ${24 + Math.floor(next() * 60)}" wide`;
    }
    yield [recordId("P", n), description, type, String(quantity)];
  }
}

/** Yields the records of rentals.csv in schema order; every row names an existing customer and product. */
function* rentalRows(rows: number, seed: number): Generator<string[]> {
  const next = random(seed + 2);
  for (let n = 1; n <= rows; n++) {
    yield [
      recordId("R", n),
      recordId("P", 1 + Math.floor(next() * rows)),
      recordId("C", 1 + Math.floor(next() * rows)),
    ];
  }
}

/** The three tables of a dataset (each written to `<table>.csv`): their records in schema order. */
const DATASET: Record<
  TableName,
  (rows: number, seed: number, shape: Shape) => Generator<string[]>
> = { customers: customerRows, products: productRows, rentals: rentalRows };

/** Yields the text of `table`'s file, header first, a record at a time. */
function* fileText(table: TableName, options: GenerateOptions): Generator<string> {
  const { rows = 1000, seed = 42, shape = "plain" } = options;
  const { bom, eol, columns } = FORMS[shape];
  const schema = getTable(table).columns.map((column) => column.name);
  const written = columns?.[table] ?? schema;
  const order = written.map((column) => schema.indexOf(column));
  yield bom + written.join(",") + eol;
  for (const record of DATASET[table](rows, seed, shape)) {
    yield order.map((index) => quoteField(record[index])).join(",") + eol;
  }
}

/**
 * Writes customers.csv, products.csv and rentals.csv into `dir`, creating it if
 * needed, and returns their paths.
 *
 * @example
 * ```ts
 * import { generateDataset } from "./generate.ts";
 * await generateDataset("data/large/export", { rows: 100_000, shape: "export" });
 * ```
 */
export async function generateDataset(
  dir: string,
  options: GenerateOptions = {},
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  const encoder = new TextEncoder();
  for (const table of Object.keys(DATASET) as TableName[]) {
    const path = `${dir}/${table}.csv`;
    using file = await Deno.open(path, { write: true, create: true, truncate: true });
    let buffer = "";
    for (const text of fileText(table, options)) {
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
