/**
 * A counting HTTP proxy for JSON-RPC nodes (anvil, or the TRON node stand-in), with fault injection.
 *
 * It forwards each POST to `target` unchanged and counts HTTP requests and JSON-RPC calls, so tests
 * and benchmarks see exactly what a provider would bill. Faults replace the upstream answer:
 * an HTTP status (with Retry-After), a JSON-RPC error, a malformed body, a connection that never
 * answers, or a body that breaks off.
 *
 * Provider limits (`limits`) make it refuse like a public provider, the way geth does with
 * --rpc.batch-request-limit, --rpc.batch-response-max-size and --rpc.gascap: a batch with too
 * many calls gets one -32600 "batch too large" error; an answer over the byte limit keeps the
 * calls that fit and answers the rest with -32003 "response too large" (a single call: the
 * error alone); every eth_call runs with at most the gas cap, so a large aggregate runs out of
 * gas. `failed` counts the requests answered with any error, as a provider's dashboard would.
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
  /** Kind of the fault that answered it, "limit" for a provider limit, or "forwarded". */
  outcome: Fault["kind"] | "forwarded" | "limit";
  /** True when the answer carried an error (any call) or a non-2xx status. */
  failed: boolean;
  /** performance.now() when it arrived (pacing windows). */
  at: number;
  /** The status and the first error the answer carried, when it failed (diagnostics). */
  error?: string;
}

export interface RpcProxy {
  url: string;
  port: number;
  /** HTTP requests received (every one, faulted or not). */
  readonly requests: number;
  /** JSON-RPC calls received (a batch of n counts n). */
  readonly calls: number;
  /** Requests answered with an error (any call) or a non-2xx status. */
  readonly failed: number;
  /** Replaces the provider limits (an empty object lifts them). */
  setLimits(limits: ProviderLimits): void;
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

/** What a public provider refuses; each unset field is unlimited. */
export interface ProviderLimits {
  /** JSON-RPC calls per batch. */
  maxBatch?: number;
  /** Gas of one eth_call. */
  gasCap?: bigint;
  /** Bytes of one answer. */
  maxResponseBytes?: number;
}

export interface RpcProxyOptions {
  limits?: ProviderLimits;
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

const JSON_TYPE = { "content-type": "application/json" };

/** Every eth_call runs with at most `cap` gas (geth's --rpc.gascap). */
function capGas(body: string, cap: bigint): string {
  try {
    const parsed = JSON.parse(body);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    for (const call of list) {
      if (call?.method !== "eth_call" || !Array.isArray(call.params)) continue;
      const tx = call.params[0] ?? {};
      const given = typeof tx.gas === "string" ? BigInt(tx.gas) : cap;
      call.params[0] = { ...tx, gas: `0x${(given < cap ? given : cap).toString(16)}` };
    }
    return JSON.stringify(parsed);
  } catch {
    return body;
  }
}

const tooLarge = (id: unknown) => ({
  jsonrpc: "2.0",
  id: id ?? null,
  error: { code: -32003, message: "response too large" },
});

/** An answer over `max` bytes: the calls that fit, then "response too large" for the rest. */
function cutAnswer(text: string, max: number): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (!Array.isArray(parsed)) {
    return JSON.stringify(tooLarge((parsed as { id?: unknown })?.id));
  }
  let used = 2;
  let full = false;
  const out = parsed.map((item) => {
    const size = JSON.stringify(item).length + 1;
    if (!full && used + size <= max) {
      used += size;
      return item;
    }
    full = true;
    return tooLarge((item as { id?: unknown })?.id);
  });
  return JSON.stringify(out);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startRpcProxy(options: RpcProxyOptions): Promise<RpcProxy> {
  const target = options.target.replace(/\/$/, "");
  let latency = options.latencyMs ?? 0;
  let faults: (Fault & { left: number })[] = [];
  let requests = 0;
  let calls = 0;
  let failed = 0;
  let limits: ProviderLimits = options.limits ?? {};
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
      failed: false,
      at: arrived,
    };
    log.push(entry);
    const answer = (response: Response, text?: string) => {
      entry.failed = !response.ok || (text !== undefined && /"error"\s*:/.test(text));
      if (entry.failed) {
        failed++;
        const message = text?.match(/"error"\s*:\s*(\{[^}]*\})/)?.[1] ?? text?.slice(0, 200);
        entry.error = `HTTP ${response.status} ${message ?? ""}`;
      }
      return response;
    };

    const fault = faults.find((f) => f.left > 0 && (!f.match || f.match(parsed, path)));
    if (fault) {
      fault.left--;
      entry.outcome = fault.kind;
      entry.failed = true;
      failed++;
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

    const isBatch = body.trimStart().startsWith("[");
    if (isBatch && limits.maxBatch !== undefined && parsed.length > limits.maxBatch) {
      entry.outcome = "limit";
      const refusal = JSON.stringify({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32600, message: "batch too large" },
      });
      return answer(new Response(refusal, { headers: JSON_TYPE }), refusal);
    }
    let forwardBody = body;
    if (limits.gasCap !== undefined) forwardBody = capGas(body, limits.gasCap);

    const hold = holdRule !== null && holdRule(parsed, path);
    if (latency > 0) await sleep(latency);
    const abort = new AbortController();
    upstream.add(abort);
    try {
      const response = await fetch(`${target}${path === "/" ? "" : path}`, {
        method: request.method,
        headers: { "content-type": request.headers.get("content-type") ?? "application/json" },
        body: request.method === "GET" || request.method === "HEAD" ? undefined : forwardBody,
        signal: abort.signal,
      });
      let text = await response.text();
      if (limits.maxResponseBytes !== undefined && text.length > limits.maxResponseBytes) {
        entry.outcome = "limit";
        text = cutAnswer(text, limits.maxResponseBytes);
      }
      if (hold) await new Promise<void>((resolve) => held.push(resolve));
      return answer(
        new Response(text, {
          status: response.status,
          headers: {
            "content-type": response.headers.get("content-type") ?? "application/json",
          },
        }),
        text,
      );
    } catch (error) {
      const text = `upstream unreachable: ${error}`;
      return answer(new Response(text, { status: 502 }), text);
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
      get failed() {
        return failed;
      },
      setLimits(next) {
        limits = { ...next };
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
        failed = 0;
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
