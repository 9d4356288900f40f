/**
 * An HTTP proxy that can hold answers back, for tests that need a run to be "in the middle of a
 * read" at a moment they choose (a crash, a lease that runs out, a database that goes away).
 *
 * Every request is forwarded to the target at once, so the node answers from the state of that
 * moment. While a hold rule matches a request, its answer is kept until `release()`; a test can
 * change the chain, the database or the process in between. Works for JSON-RPC nodes and for the
 * TRON node stand-in alike (any path, any body).
 */

export interface SeenRequest {
  path: string;
  body: string;
  /** Whether its answer was (or is being) held. */
  held: boolean;
}

export type HoldRule = (request: { path: string; body: string }) => boolean;

export interface HoldProxy {
  url: string;
  readonly requests: readonly SeenRequest[];
  /** Answers held right now. */
  readonly holding: number;
  /** From now on, answers to requests matching `rule` are held (replaces the previous rule). */
  hold(rule: HoldRule): void;
  /** New requests pass again; answers already held stay held. */
  stopHolding(): void;
  /** Sends every held answer and stops holding. */
  release(): void;
  /** Resolves when at least `count` answers are held; rejects after `timeoutMs`. */
  waitHolding(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function startHoldProxy(options: { target: string }): HoldProxy {
  const target = options.target.replace(/\/$/, "");
  const requests: SeenRequest[] = [];
  let rule: HoldRule | null = null;
  let waiting: (() => void)[] = [];
  const aborts = new Set<AbortController>();

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      const body = await request.text();
      const seen: SeenRequest = { path, body, held: rule !== null && rule({ path, body }) };
      requests.push(seen);
      const abort = new AbortController();
      aborts.add(abort);
      try {
        const upstream = await fetch(`${target}${path === "/" ? "" : path}`, {
          method: request.method,
          headers: { "content-type": request.headers.get("content-type") ?? "application/json" },
          body: request.method === "GET" || request.method === "HEAD" ? undefined : body,
          signal: abort.signal,
        });
        const text = await upstream.text();
        if (seen.held) await new Promise<void>((resolve) => waiting.push(resolve));
        return new Response(text, {
          status: upstream.status,
          headers: { "content-type": upstream.headers.get("content-type") ?? "application/json" },
        });
      } catch (error) {
        return new Response(`hold proxy: ${error}`, { status: 502 });
      } finally {
        aborts.delete(abort);
      }
    },
  );

  const release = () => {
    rule = null;
    const resolvers = waiting;
    waiting = [];
    for (const resolve of resolvers) resolve();
  };

  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    get requests() {
      return requests;
    },
    get holding() {
      return waiting.length;
    },
    hold(next) {
      rule = next;
    },
    stopHolding() {
      rule = null;
    },
    release,
    async waitHolding(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (waiting.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`hold proxy: ${waiting.length} answers held, expected ${count}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop() {
      release();
      for (const abort of aborts) abort.abort();
      await server.shutdown();
    },
  };
}
