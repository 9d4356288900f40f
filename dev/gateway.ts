/**
 * The local API gateway of `deno task dev`, with Supabase local's path layout on one port:
 * /rest/v1/* goes to the PostgREST stand-in, /functions/v1/<name> to that function's server, and
 * /_dev/* to the dev process itself (moving demo funds, forcing a sync). Kong plays this part
 * under `supabase start`. It listens before the parts behind it exist (its URL goes into Vault
 * first) and answers 503 until `route()` says where they are.
 */
export interface GatewayRoutes {
  restUrl: string;
  functions: Record<string, string>;
  control?: (request: Request, path: string) => Promise<Response>;
}

export interface GatewayOptions extends Partial<GatewayRoutes> {
  hostname?: string;
  /** Tried first; when taken, any free port (the caller prints the one it got). */
  port: number;
}

export interface Gateway {
  url: string;
  port: number;
  /** True when the preferred port was taken. */
  movedPort: boolean;
  /** Where requests go from now on. */
  route(routes: GatewayRoutes): void;
  stop(): Promise<void>;
}

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "host"];

async function proxy(request: Request, target: string): Promise<Response> {
  const headers = new Headers(request.headers);
  for (const name of HOP_BY_HOP) headers.delete(name);
  const body = request.method === "GET" || request.method === "HEAD"
    ? undefined
    : await request.arrayBuffer();
  try {
    const upstream = await fetch(target, {
      method: request.method,
      headers,
      body,
      redirect: "manual",
    });
    const responseHeaders = new Headers(upstream.headers);
    for (const name of HOP_BY_HOP) responseHeaders.delete(name);
    return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
  } catch (error) {
    return Response.json({
      message: `An invalid response was received from the upstream server`,
      error: String(error),
    }, {
      status: 502,
    });
  }
}

export function startGateway(options: GatewayOptions): Gateway {
  const hostname = options.hostname ?? "127.0.0.1";
  let routes: GatewayRoutes | null = options.restUrl && options.functions
    ? { restUrl: options.restUrl, functions: options.functions, control: options.control }
    : null;
  const handler = (request: Request): Promise<Response> | Response => {
    if (!routes) {
      return Response.json({ message: "the local stack is still starting" }, { status: 503 });
    }
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/rest/v1" || path.startsWith("/rest/v1/")) {
      return proxy(request, routes.restUrl.replace(/\/$/, "") + path + url.search);
    }
    const fn = /^\/functions\/v1\/([^/]+)(\/.*)?$/.exec(path);
    if (fn) {
      const target = routes.functions[fn[1]];
      if (!target) {
        return Response.json({ code: "NOT_FOUND", message: "Requested function was not found" }, {
          status: 404,
        });
      }
      return proxy(request, target + (fn[2] ?? "") + url.search);
    }
    if (routes.control && path.startsWith("/_dev/")) return routes.control(request, path);
    return Response.json({ message: "no Route matched with those values" }, { status: 404 });
  };

  let server: Deno.HttpServer<Deno.NetAddr>;
  let movedPort = false;
  try {
    server = Deno.serve({ hostname, port: options.port, onListen: () => {} }, handler);
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    movedPort = true;
    server = Deno.serve({ hostname, port: 0, onListen: () => {} }, handler);
  }
  const port = server.addr.port;
  return {
    url: `http://${hostname}:${port}`,
    port,
    movedPort,
    route(next) {
      routes = next;
    },
    stop: () => server.shutdown(),
  };
}
