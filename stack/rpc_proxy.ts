/**
 * A counting HTTP proxy for JSON-RPC nodes (anvil, or the TRON node stand-in), with fault injection.
 *
 * It forwards each POST to `target` unchanged and counts HTTP requests and JSON-RPC calls, so tests
 * and benchmarks see exactly what a provider would bill. Faults replace the upstream answer:
 * an HTTP status (with Retry-After), a JSON-RPC error, a malformed body, a connection that never
 * answers, or a body that breaks off.
 *
 * It can also hold answers back, for tests that need a run to be "in the middle of a read" at a
 * moment they choose (a crash, a lease that runs out, a database that goes away): a held request
 * is still forwarded at once, so the node answers from the state of that moment, but its answer
 * is kept until `release()`.
 */

export interface RpcCall {
  method: string;
  params?: unknown[];
  id?: unknown;
}

export type FaultMatcher = (calls: RpcCall[], path: string) => boolean;

interface FaultBase {
  /** How many matching requests get the fault; default every one until `clearFaults()`. */
  times?: number;
  /** Which requests get it; default all. */
  match?: FaultMatcher;
}

export type Fault =
  & FaultBase
  & (
    | { kind: "status"; status: number; retryAfter?: string; body?: string }
    | { kind: "rpc-error"; code: number; message: string }
    | { kind: "body"; body: string; status?: number; contentType?: string }
    | { kind: "hang" }
    | { kind: "reset" }
  );

export interface ProxyRequestLog {
  path: string;
  methods: string[];
  /** The JSON-RPC calls it carried. */
  calls: RpcCall[];
  /** Kind of the fault that answered it, or "forwarded". */
  outcome: Fault["kind"] | "forwarded";
  /** performance.now() when it arrived (pacing windows). */
  at: number;
}

export interface RpcProxy {
  url: string;
  port: number;
  /** HTTP requests received (every one, faulted or not). */
  readonly requests: number;
  /** JSON-RPC calls received (a batch of n counts n). */
  readonly calls: number;
  readonly log: readonly ProxyRequestLog[];
  inject(fault: Fault): void;
  clearFaults(): void;
  resetCounts(): void;
  setLatency(ms: number): void;
  /** Answers held right now. */
  readonly holding: number;
  /** From now on, answers to requests `match` accepts are held (replaces the previous rule). */
  hold(match: FaultMatcher): void;
  /** New requests pass again; answers already held stay held. */
  stopHolding(): void;
  /** Sends every held answer and stops holding. */
  release(): void;
  /** Resolves when at least `count` answers are held; rejects after `timeoutMs`. */
  waitHolding(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RpcProxyOptions {
  /** Upstream URL; the request path is appended to it. */
  target: string;
  /** Delay added before forwarding each request (benchmarks). */
  latencyMs?: number;
}

/** Matches requests that carry at least one call of `method`. */
export const hasMethod = (method: string): FaultMatcher => (calls) =>
  calls.some((c) => c.method === method);

function parseCalls(body: string): RpcCall[] {
  try {
    const parsed = JSON.parse(body);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list.filter((c) => c && typeof c.method === "string");
  } catch {
    return [];
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startRpcProxy(options: RpcProxyOptions): Promise<RpcProxy> {
  const target = options.target.replace(/\/$/, "");
  let latency = options.latencyMs ?? 0;
  let faults: (Fault & { left: number })[] = [];
  let requests = 0;
  let calls = 0;
  let log: ProxyRequestLog[] = [];
  const hanging = new Set<() => void>();
  const upstream = new Set<AbortController>();
  let holdRule: FaultMatcher | null = null;
  let held: (() => void)[] = [];

  const handler = async (request: Request): Promise<Response> => {
    const arrived = performance.now();
    const path = new URL(request.url).pathname;
    const body = await request.text();
    const parsed = parseCalls(body);
    requests++;
    calls += parsed.length;
    const entry: ProxyRequestLog = {
      path,
      methods: parsed.map((c) => c.method),
      calls: parsed,
      outcome: "forwarded",
      at: arrived,
    };
    log.push(entry);

    const fault = faults.find((f) => f.left > 0 && (!f.match || f.match(parsed, path)));
    if (fault) {
      fault.left--;
      entry.outcome = fault.kind;
      switch (fault.kind) {
        case "status":
          return new Response(fault.body ?? `{"error":"injected ${fault.status}"}`, {
            status: fault.status,
            headers: {
              "content-type": "application/json",
              ...(fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {}),
            },
          });
        case "rpc-error": {
          const error = { code: fault.code, message: fault.message };
          const answers = parsed.map((c) => ({ jsonrpc: "2.0", id: c.id ?? null, error }));
          const isBatch = body.trimStart().startsWith("[");
          return Response.json(isBatch ? answers : answers[0]);
        }
        case "body":
          return new Response(fault.body, {
            status: fault.status ?? 200,
            headers: { "content-type": fault.contentType ?? "application/json" },
          });
        case "hang":
          // Held until stop(); the client gives up on its own timeout.
          await new Promise<void>((resolve) => {
            const done = () => {
              hanging.delete(done);
              resolve();
            };
            hanging.add(done);
          });
          return new Response("proxy stopped", { status: 503 });
        case "reset":
          return new Response(
            new ReadableStream({
              start(controller) {
                controller.enqueue(new TextEncoder().encode('{"jsonrpc":"2.0",'));
                controller.error(new Error("injected reset"));
              },
            }),
            { headers: { "content-type": "application/json" } },
          );
      }
    }

    const hold = holdRule !== null && holdRule(parsed, path);
    if (latency > 0) await sleep(latency);
    const abort = new AbortController();
    upstream.add(abort);
    try {
      const response = await fetch(`${target}${path === "/" ? "" : path}`, {
        method: request.method,
        headers: { "content-type": request.headers.get("content-type") ?? "application/json" },
        body: request.method === "GET" || request.method === "HEAD" ? undefined : body,
        signal: abort.signal,
      });
      const text = await response.text();
      if (hold) await new Promise<void>((resolve) => held.push(resolve));
      return new Response(text, {
        status: response.status,
        headers: {
          "content-type": response.headers.get("content-type") ?? "application/json",
        },
      });
    } catch (error) {
      return new Response(`upstream unreachable: ${error}`, { status: 502 });
    } finally {
      upstream.delete(abort);
    }
  };

  const release = () => {
    holdRule = null;
    const resolvers = held;
    held = [];
    for (const resolve of resolvers) resolve();
  };

  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => {},
      onError: (error) => new Response(String(error), { status: 500 }),
    }, handler);
    const port = server.addr.port;
    let stopped = false;
    resolve({
      url: `http://127.0.0.1:${port}`,
      port,
      get requests() {
        return requests;
      },
      get calls() {
        return calls;
      },
      get log() {
        return log;
      },
      inject(fault) {
        faults.push({ ...fault, left: fault.times ?? Infinity });
      },
      clearFaults() {
        faults = [];
      },
      resetCounts() {
        requests = 0;
        calls = 0;
        log = [];
      },
      setLatency(ms) {
        latency = ms;
      },
      get holding() {
        return held.length;
      },
      hold(match) {
        holdRule = match;
      },
      stopHolding() {
        holdRule = null;
      },
      release,
      async waitHolding(count, timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        while (held.length < count) {
          if (Date.now() > deadline) {
            throw new Error(`rpc proxy: ${held.length} answers held, expected ${count}`);
          }
          await sleep(10);
        }
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        faults = [];
        release();
        for (const done of [...hanging]) done();
        for (const abort of upstream) abort.abort();
        await server.shutdown();
      },
    });
  });
}

/** An RPC that is down: every connection refused, and no other server can take its port. */
export { refusedUrl as closedPortUrl } from "./reserved_port.ts";
