/**
 * STAND-IN for pg_net's background worker: the half of the pg_net stand-in that runs in the test
 * (or `deno task dev`) process. Its SQL half, stack/standins/standin_extensions/pg_net--*.sql,
 * queues requests exactly where the real extension does.
 *
 * Why: the real pg_net is a C extension whose libcurl worker performs the queued requests; no
 * registry this project can reach ships it (only npm and Debian). This dispatcher does what that
 * worker does (supabase/pg_net src/core.c), over an ordinary client connection:
 *
 * - takes a batch off `net.http_request_queue` in id order with one
 *   `DELETE ... RETURNING` (so a request is performed once, and only after the transaction that
 *   queued it committed: an uncommitted row is invisible to this connection);
 * - performs it with the queued method, url, headers (plus `User-Agent: pg_net/<version>`) and
 *   body, aborting after `timeout_milliseconds` for the whole exchange, following redirects;
 * - writes `net._http_response(id, status_code, content, headers, content_type, timed_out,
 *   error_msg)` as the worker does: on an answer the status, body (null when empty), response
 *   headers as a JSON object, content type and `timed_out = false`; on a timeout
 *   `timed_out = true` and "Timeout of N ms reached. Total time: ..."; on another failure curl's
 *   message (e.g. "Couldn't connect to server");
 * - deletes responses older than the TTL (pg_net.ttl, 6 hours by default).
 *
 * Differences that do not change what callers see: it polls instead of being woken by a latch,
 * and it does not wait for one batch to finish before taking the next.
 */
import postgres from "postgres";

export interface NetDispatcherOptions {
  databaseUrl: string;
  /** Poll interval of the queue; default 250 ms. */
  intervalMs?: number;
  /** Requests taken per poll (pg_net.batch_size); default 200. */
  batchSize?: number;
  /** Response retention (pg_net.ttl) as a PostgreSQL interval; default '6 hours'. */
  ttl?: string;
  /** Called after each response row is written. */
  onResponse?: (response: NetResponse) => void;
  /** Called when a poll or a write fails (the dispatcher keeps going). Default: ignored. */
  onError?: (error: unknown) => void;
  fetch?: typeof fetch;
}

export interface NetResponse {
  id: string;
  method: string;
  url: string;
  statusCode: number | null;
  timedOut: boolean;
  errorMsg: string | null;
  /** The response body, as written to `content`. */
  content: string | null;
  elapsedMs: number;
}

export interface NetDispatcher {
  /** Requests performed and answered in net._http_response so far. */
  readonly delivered: number;
  /** Requests taken off the queue and not yet answered. */
  readonly inFlight: number;
  /** Stops polling, aborts requests in flight (they get no response row, as with a server stop). */
  stop(): Promise<void>;
}

/** The extension version the SQL stand-in installs (User-Agent as the real worker sends it). */
export const PG_NET_VERSION = "0.19.5";

interface QueuedRequest {
  id: string;
  method: string;
  url: string;
  timeout_milliseconds: number;
  headers: Record<string, string> | null;
  body: Uint8Array | null;
}

interface Outcome {
  statusCode: number | null;
  content: string | null;
  headers: Record<string, string> | null;
  contentType: string | null;
  timedOut: boolean;
  errorMsg: string | null;
}

/** curl_easy_strerror's text for the failures fetch reports. */
export function curlMessage(error: unknown): string {
  const text = `${(error as Error)?.message ?? error} ${
    (error as { cause?: Error })?.cause?.message ?? ""
  }`;
  if (/connection refused|ECONNREFUSED|os error 111/i.test(text)) {
    return "Couldn't connect to server";
  }
  if (/dns error|failed to lookup|name or service not known|ENOTFOUND/i.test(text)) {
    return "Couldn't resolve host name";
  }
  if (/invalid url|relative url|unsupported scheme|scheme/i.test(text)) {
    return "URL using bad/illegal format or missing URL";
  }
  if (/connection (reset|closed)|broken pipe|ECONNRESET|incomplete message/i.test(text)) {
    return "Failure when receiving data from the peer";
  }
  return `Failure when receiving data from the peer: ${text.trim()}`;
}

export function timeoutMessage(timeoutMs: number, elapsedMs: number): string {
  const f = (ms: number) => ms.toFixed(6);
  return `Timeout of ${timeoutMs} ms reached. Total time: ${f(elapsedMs)} ms ` +
    `(DNS time: ${f(0)} ms, TCP/SSL handshake time: ${f(0)} ms, ` +
    `HTTP Request/Response time: ${f(elapsedMs)} ms)`;
}

async function perform(
  request: QueuedRequest,
  doFetch: typeof fetch,
  stopping: AbortSignal,
): Promise<Outcome | null> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers.append(name, String(value));
  }
  headers.set("User-Agent", `pg_net/${PG_NET_VERSION}`);
  const timeout = AbortSignal.timeout(Math.max(1, request.timeout_milliseconds));
  const signal = AbortSignal.any([timeout, stopping]);
  const started = performance.now();
  const method = request.method.toUpperCase();
  try {
    const response = await doFetch(request.url, {
      method,
      headers,
      body: request.body && method !== "GET" ? new Uint8Array(request.body) : undefined,
      redirect: "follow",
      signal,
    });
    const content = await response.text();
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => responseHeaders[name] = value);
    return {
      statusCode: response.status,
      content: content === "" ? null : content,
      headers: responseHeaders,
      contentType: response.headers.get("content-type"),
      timedOut: false,
      errorMsg: null,
    };
  } catch (error) {
    if (stopping.aborted) return null;
    if (timeout.aborted) {
      return {
        statusCode: null,
        content: null,
        headers: null,
        contentType: null,
        timedOut: true,
        errorMsg: timeoutMessage(request.timeout_milliseconds, performance.now() - started),
      };
    }
    return {
      statusCode: null,
      content: null,
      headers: null,
      contentType: null,
      timedOut: false,
      errorMsg: curlMessage(error),
    };
  }
}

export function startNetDispatcher(options: NetDispatcherOptions): NetDispatcher {
  const intervalMs = options.intervalMs ?? 250;
  const batchSize = options.batchSize ?? 200;
  const ttl = options.ttl ?? "6 hours";
  const doFetch = options.fetch ?? fetch;
  const onError = options.onError ?? (() => {});
  const sql = postgres(options.databaseUrl, {
    max: 2,
    onnotice: () => {},
    connection: { application_name: "pg_net stand-in worker" },
  });
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let delivered = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let polling: Promise<void> = Promise.resolve();
  let lastExpiry = 0;

  const answer = async (request: QueuedRequest) => {
    const started = performance.now();
    const outcome = await perform(request, doFetch, stopping.signal);
    if (outcome === null || stopping.signal.aborted) return;
    try {
      await sql`
        insert into net._http_response
          (id, status_code, content, headers, content_type, timed_out, error_msg)
        values (${request.id}, ${outcome.statusCode}, ${outcome.content},
                ${outcome.headers === null ? null : sql.json(outcome.headers)},
                ${outcome.contentType}, ${outcome.timedOut}, ${outcome.errorMsg})`;
    } catch (error) {
      if (!stopping.signal.aborted) onError(error);
      return;
    }
    delivered++;
    options.onResponse?.({
      id: request.id,
      method: request.method,
      url: request.url,
      statusCode: outcome.statusCode,
      timedOut: outcome.timedOut,
      errorMsg: outcome.errorMsg,
      content: outcome.content,
      elapsedMs: performance.now() - started,
    });
  };

  const poll = async () => {
    try {
      if (Date.now() - lastExpiry > 60_000) {
        lastExpiry = Date.now();
        await sql`delete from net._http_response where created < now() - ${ttl}::interval`;
      }
      const requests = await sql<QueuedRequest[]>`
        with rows as (
          select id from net.http_request_queue order by id limit ${batchSize}
        )
        delete from net.http_request_queue q
        using rows where q.id = rows.id
        returning q.id::text as id, q.method::text as method, q.url, q.timeout_milliseconds,
                  q.headers, q.body`;
      for (const request of requests.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)))) {
        const job = answer(request).finally(() => inFlight.delete(job));
        inFlight.add(job);
      }
    } catch (error) {
      if (!stopping.signal.aborted) onError(error);
    }
  };

  const schedule = () => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      polling = poll().finally(schedule);
    }, intervalMs);
  };
  polling = poll().finally(schedule);

  return {
    get delivered() {
      return delivered;
    },
    get inFlight() {
      return inFlight.size;
    },
    async stop() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      clearTimeout(timer);
      await polling.catch(() => {});
      await Promise.allSettled([...inFlight]);
      await sql.end({ timeout: 1 });
    },
  };
}
