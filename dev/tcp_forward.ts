/**
 * A TCP port that forwards every connection to another local port. The local stack uses it to
 * give the chains their well-known ports (anvil 8545, java-tron's HTTP 8090) whatever port the
 * node itself got, and to make them reachable from Docker containers (listening on 0.0.0.0).
 */
export interface Forward {
  hostname: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on hostname:port (0 = any free port); null when the port is taken. */
export function forwardPort(
  listen: { hostname: string; port: number },
  target: { hostname?: string; port: number },
): Forward | null {
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname: listen.hostname, port: listen.port });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return null;
    throw error;
  }
  const open = new Set<Deno.Conn>();
  const pipes = new Set<Promise<void>>();

  const pipe = async (client: Deno.Conn) => {
    open.add(client);
    let upstream: Deno.Conn | undefined;
    try {
      upstream = await Deno.connect({
        hostname: target.hostname ?? "127.0.0.1",
        port: target.port,
      });
      open.add(upstream);
      await Promise.allSettled([
        client.readable.pipeTo(upstream.writable),
        upstream.readable.pipeTo(client.writable),
      ]);
    } catch {
      /* either side went away */
    } finally {
      for (const conn of [client, upstream]) {
        if (!conn) continue;
        open.delete(conn);
        try {
          conn.close();
        } catch { /* already closed by its stream */ }
      }
    }
  };

  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const job = pipe(conn).finally(() => pipes.delete(job));
        pipes.add(job);
      }
    } catch { /* listener closed */ }
  })();

  let closed: Promise<void> | undefined;
  return {
    hostname: listen.hostname,
    port: (listener.addr as Deno.NetAddr).port,
    close: () =>
      closed ??= (async () => {
        try {
          listener.close();
        } catch { /* already closed */ }
        for (const conn of open) {
          try {
            conn.close();
          } catch { /* already closed */ }
        }
        await accepting;
        await Promise.allSettled([...pipes]);
      })(),
  };
}
