/**
 * Loopback ports that nothing else can take, for endpoints that must refuse connections (a node
 * that is down) or that a server binds later (PostgreSQL, which cannot bind port 0 and report it).
 *
 * Picking a "free" port by listening and closing races: between the close and the later bind or
 * connect, any other server that binds port 0 may get the same port (a refused-connection case
 * once hit a 429 stand-in that way). Instead, `reservePort()` keeps a listener bound on
 * 127.0.0.1:P, a port the kernel chose, for as long as the reservation lives, and hands out the
 * other loopback address 127.0.0.2 with the same port:
 *
 * - no port-0 bind can get P (it is in use on 127.0.0.1), and no wildcard (0.0.0.0) bind of P can
 *   succeed while 127.0.0.1:P is bound;
 * - nothing in this project binds 127.0.0.2 except the owner of the reservation, so a connection
 *   to 127.0.0.2:P is refused (ECONNREFUSED) until the owner listens there, and the owner's later
 *   bind of 127.0.0.2:P cannot fail.
 *
 * The keeper listener never accepts: nobody is meant to connect to 127.0.0.1:P. Linux routes the
 * whole 127.0.0.0/8 to the loopback interface, which this relies on.
 */

export const RESERVED_HOST = "127.0.0.2";

export interface ReservedPort {
  /** 127.0.0.2 */
  readonly host: string;
  readonly port: number;
  /** Gives the port back. Idempotent. */
  release(): void;
}

export function reservePort(): ReservedPort {
  const keeper = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = keeper.addr as Deno.NetAddr;
  let released = false;
  return {
    host: RESERVED_HOST,
    port,
    release() {
      if (released) return;
      released = true;
      try {
        keeper.close();
      } catch { /* already closed */ }
    },
  };
}

// Reserved when this module is first imported, so that no test sees it as a leaked resource; it
// lives as long as the test process.
let refused: ReservedPort | null = null;
const shared = (): ReservedPort => (refused ??= reservePort());
shared();

/**
 * `http://127.0.0.2:<P>`: an HTTP endpoint where nothing listens, nor ever can while the process
 * runs, so every connection is refused (an RPC node that is down).
 */
export function refusedUrl(): string {
  const { host, port } = shared();
  return `http://${host}:${port}`;
}
