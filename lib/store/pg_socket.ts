/**
 * The socket the PostgreSQL driver talks through: TCP to the first host of the
 * location, with Nagle's algorithm off, and a watch on the server's first
 * answer so that an address that answers but is not PostgreSQL fails at once.
 *
 * Without the watch, the driver reconnects in a tight loop as long as its
 * first query waits: a server that closes the connection without answering
 * was measured at over 1,000 connections in 5 seconds, and one that answers
 * something else (an HTTP or Redis reply) kept the import waiting.
 *
 * @module
 */
import { connect, type Socket } from "node:net";

/** What the driver passes to its `socket` option. */
export interface SocketTarget {
  /** Hosts of the location; only the first is used. */
  host: string[];
  /** Ports, one per host. */
  port: number[];
}

/**
 * The first bytes a PostgreSQL server sends a client that opened with a
 * startup or SSL request: R (authentication), E (error), N (notice, or "no
 * SSL"), S ("SSL yes"), v (protocol version negotiation).
 */
const FIRST_BYTES = new Set([..."RENSv"].map((c) => c.charCodeAt(0)));

/** The largest first message a server sends (an error or a SASL offer is far smaller). */
const FIRST_MESSAGE_MAX = 1 << 16;

/** Whether `chunk`, the first bytes the server sent, can be the start of a PostgreSQL answer. */
export function looksLikePostgres(chunk: Uint8Array): boolean {
  if (!FIRST_BYTES.has(chunk[0])) return false;
  // A one-byte answer to the SSL request; otherwise a message: type, then a
  // 32-bit length that includes itself. "SSH-2.0" gives a length of 1.4 GB.
  if (chunk.length < 5) return true;
  const length = new DataView(chunk.buffer, chunk.byteOffset + 1, 4).getUint32(0);
  return length >= 4 && length <= FIRST_MESSAGE_MAX;
}

/**
 * A socket factory for one store. Its sockets are destroyed with an error when
 * the server's first bytes are not PostgreSQL's; once a socket has closed
 * without any answer, the next one the driver asks for throws instead of
 * connecting again.
 */
export function watchedSockets(): (target: SocketTarget) => Socket {
  let silent: string | undefined;
  return ({ host, port }) => {
    const address = `${host[0]}:${port[0]}`;
    if (silent !== undefined) throw new Error(silent);
    const socket = connect(port[0], host[0]);
    socket.setNoDelay(true);
    let answered = false;
    socket.once("data", (chunk: Uint8Array) => {
      answered = true;
      if (!looksLikePostgres(chunk)) {
        socket.destroy(new Error(`the server at ${address} does not answer as PostgreSQL`));
      }
    });
    socket.once("close", () => {
      if (!answered) silent = `the server at ${address} closed the connection without answering`;
    });
    return socket;
  };
}
