/**
 * The toolkit's version, read from deno.json at build time (a static import,
 * so it needs no read permission and is baked into a compiled binary).
 *
 * @module
 */
import config from "../deno.json" with { type: "json" };

/** The version in deno.json, e.g. `0.1.0`. */
export const VERSION: string = config.version;
