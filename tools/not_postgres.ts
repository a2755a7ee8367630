/**
 * A TCP server that is not PostgreSQL, for tests of what a `postgres://`
 * address that answers something else does. It listens on a free port of
 * 127.0.0.1, prints the port on the first line of stdout, then one line
 * (`connection`) per connection it accepts.
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 tools/not_postgres.ts garbage   # answers like Redis
 * deno run --allow-net=127.0.0.1 tools/not_postgres.ts close     # closes at once
 * ```
 *
 * @module
 */

/** How the server treats a connection. */
export type Behaviour = "garbage" | "close";

const REPLY = new TextEncoder().encode("-ERR unknown command 'garbage'\r\n");

async function serve(behaviour: Behaviour): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log((listener.addr as Deno.NetAddr).port);
  for await (const connection of listener) {
    console.log("connection");
    if (behaviour === "garbage") await connection.write(REPLY).catch(() => 0);
    else connection.close();
  }
}

if (import.meta.main) {
  const behaviour = Deno.args[0];
  if (behaviour !== "garbage" && behaviour !== "close") {
    console.error("Usage: not_postgres.ts garbage|close");
    Deno.exitCode = 2;
  } else {
    await serve(behaviour);
  }
}
