/**
 * A TCP gate in front of a server (here: PostgreSQL), for tests that lose the database mid-run.
 *
 * While open it relays every connection to the target byte for byte. `close()` drops every
 * relayed connection at once (as a crashed or stopped server does) and stops listening, so new
 * connections are refused (ECONNREFUSED) until `open()` listens again on the same address. The
 * server behind it keeps running: a client that only knows the gate's address sees exactly a
 * database that went away and came back. The gate listens on a reserved port
 * (stack/reserved_port.ts), so no other server can take it while the gate is closed.
 */

import { type ReservedPort, reservePort } from "../../stack/reserved_port.ts";

export interface TcpGate {
  /** Connect here: `host` (127.0.0.2) and `port`. */
  readonly host: string;
  readonly port: number;
  readonly isOpen: boolean;
  /** Connections relayed so far. */
  readonly accepted: number;
  /** Drops every relayed connection and refuses new ones. */
  close(): Promise<void>;
  /** Listens again on the same port. */
  open(): void;
  stop(): Promise<void>;
}

export interface TcpGateOptions {
  targetPort: number;
  targetHost?: string;
}

export function startTcpGate(options: TcpGateOptions): TcpGate {
  const host = options.targetHost ?? "127.0.0.1";
  const conns = new Set<Deno.Conn>();
  let listener: Deno.Listener | null = null;
  let accepting: Promise<void> = Promise.resolve();
  let accepted = 0;
  const reserved: ReservedPort = reservePort();

  const closeQuietly = (conn: Deno.Conn) => {
    conns.delete(conn);
    try {
      conn.close();
    } catch { /* already closed */ }
  };

  const relay = async (client: Deno.Conn) => {
    conns.add(client);
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({ hostname: host, port: options.targetPort });
    } catch {
      closeQuietly(client);
      return;
    }
    conns.add(upstream);
    const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
      const buffer = new Uint8Array(64 * 1024);
      try {
        while (true) {
          const n = await from.read(buffer);
          if (n === null) break;
          let written = 0;
          while (written < n) written += await to.write(buffer.subarray(written, n));
        }
      } catch { /* closed by the gate or the peer */ }
      closeQuietly(from);
      closeQuietly(to);
    };
    await Promise.all([pipe(client, upstream), pipe(upstream, client)]);
  };

  const listen = () => {
    listener = Deno.listen({ hostname: reserved.host, port: reserved.port });
    const current = listener;
    accepting = (async () => {
      try {
        for await (const conn of current) {
          accepted++;
          relay(conn);
        }
      } catch { /* listener closed */ }
    })();
  };

  const close = async () => {
    const current = listener;
    listener = null;
    if (current) {
      try {
        current.close();
      } catch { /* closed */ }
      await accepting;
    }
    for (const conn of [...conns]) closeQuietly(conn);
  };

  listen();
  return {
    host: reserved.host,
    port: reserved.port,
    get isOpen() {
      return listener !== null;
    },
    get accepted() {
      return accepted;
    },
    close,
    open() {
      if (!listener) listen();
    },
    async stop() {
      await close();
      reserved.release();
    },
  };
}
