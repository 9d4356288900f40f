/**
 * The one door to a TRON node: every HTTP request of a read (ours and tronweb's) goes through
 * `post`, which paces it, counts it, times it out, retries rate limits within bounds and turns
 * every failure into a ReadError. The API key travels only in the TRON-PRO-API-KEY header.
 */
import { networkCause, parseRetryAfter, ReadError, redactUrl } from "../errors.ts";
import { type Pacer, type PacerClock, PacerPausedError, REAL_CLOCK } from "./pacer.ts";
import { suspensionSeconds } from "./json.ts";

export interface TronHttpOptions {
  /** The chain's rpc_url first, then its fallback URLs. */
  urls: string[];
  apiKey?: string;
  pacer: Pacer;
  fetch?: typeof fetch;
  /** Per attempt. */
  timeoutMs: number;
  /** Retries after a rate-limit answer (429/403/503, a suspension message), per request. */
  maxRetries: number;
  /** Longest wait honoured inside a read; a longer suspension fails fast instead. */
  maxWaitMs: number;
  /** First backoff when the node gives no wait; doubles per retry. */
  backoffMs: number;
  signal?: AbortSignal;
  /** The timers of the per-request timeouts (tests count them); default the real ones. */
  timers?: Pick<PacerClock, "setTimeout" | "clearTimeout">;
  /**
   * The head-block request of the read (e.g. "/wallet/getnowblock") and how to take the block from
   * its answer. When set, every node is asked for its head before it serves anything else, so that
   * `lowestHead()` can label a read that failed over to a lagging node with that node's head.
   */
  head?: { path: string; parse: (answer: TronAnswer) => bigint };
}

export interface TronAnswer {
  status: number;
  /** The body exactly as received, for fields that need more than double precision. */
  text: string;
  body: Record<string, unknown>;
  url: string;
}

const RATE_LIMIT_STATUSES = new Set([403, 429, 503]);
/** java-tron's own per-servlet limiter answers 200 with this Error. */
const LACK_OF_RESOURCES = /lack of computing resources/i;
const FREQUENCY_LIMIT = /frequency limit|allowed_rps|suspended for/i;

const trimBody = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 200);

/** The requests of one TRON read (see the module comment); its `post` rejects only with ReadError. */
export class TronHttp {
  /** HTTP requests sent so far (every attempt counts). */
  requests = 0;
  private current = 0;
  /** Head block of each node (by index into urls), asked before the node served anything else. */
  private readonly heads = new Map<number, bigint>();
  /** Nodes that answered a request other than the head request. */
  private readonly served = new Set<number>();
  private readonly asking = new Map<number, Promise<TronAnswer>>();
  /** Per node: its redacted base, and the full URL of each path asked (parsed once, not per call). */
  private readonly redacted: string[];
  private readonly targets = new Map<string, string>();

  constructor(private readonly options: TronHttpOptions) {
    this.redacted = options.urls.map(redactUrl);
  }

  /** The redacted URL `path` is sent to now (for error data). */
  where(path: string): string {
    // Only the configured base can hold a secret; our own paths ("triggerconstantcontract" is
    // as long as a key) are appended after redaction.
    return `${this.redacted[this.current]}${path}`;
  }

  private target(node: number, path: string): string {
    const key = `${node} ${path}`;
    let url = this.targets.get(key);
    if (url === undefined) {
      const target = new URL(this.options.urls[node]);
      target.pathname = `${target.pathname.replace(/\/+$/, "")}${path}`;
      url = target.toString();
      this.targets.set(key, url);
    }
    return url;
  }

  /** POSTs `payload` as JSON to `path` (e.g. "/wallet/getaccount"). Rejects only with ReadError. */
  async post(path: string, payload: unknown): Promise<TronAnswer> {
    const { pacer, signal } = this.options;
    const tried = new Set<number>();
    let rateLimitRetries = 0;
    const head = this.options.head;
    while (true) {
      if (head && path !== head.path && !this.heads.has(this.current)) {
        // A node's state is at least its head of before the call; the head request may itself fail
        // over, and then the node it landed on serves this request. Concurrent requests share it.
        const asked = this.current;
        let asking = this.asking.get(asked);
        if (!asking) {
          asking = this.post(head.path, {}).finally(() => this.asking.delete(asked));
          this.asking.set(asked, asking);
        }
        await asking;
        continue;
      }
      const node = this.current;
      const url = this.target(node, path);
      const where = this.where(path);
      let release: (answeredAt?: number) => void;
      try {
        release = await pacer.acquire({ signal, maxPauseMs: this.options.maxWaitMs });
      } catch (cause) {
        if (cause instanceof PacerPausedError) {
          const seconds = Math.ceil(cause.remainingMs / 1000);
          throw new ReadError(
            "transient",
            `TRON node ${where} asked to pause; not asking again for ${seconds} s`,
            { url: where, retryAfterSeconds: seconds },
          );
        }
        throw new ReadError("transient", `read of ${where} aborted before it was sent`, {
          url: where,
        }, { cause });
      }

      let status = 0;
      let text: string;
      let headers: Headers;
      let answeredAt: number | undefined;
      const deadline = this.deadline();
      try {
        this.requests++;
        const response = await this.send(url, payload, deadline.signal);
        answeredAt = pacer.now();
        status = response.status;
        headers = response.headers;
        text = await response.text();
        deadline.clear();
      } catch (cause) {
        deadline.clear();
        release(answeredAt);
        const error = this.transportError(cause, where, status, url);
        tried.add(node);
        if (this.failover(tried)) continue;
        throw error;
      }

      // Parsed once: the rate-limit check and the answer both read it.
      const parsed = parseJson(text);
      const limited = this.rateLimit(status, headers, text, parsed);
      if (limited) {
        const waitMs = limited.waitSeconds !== undefined
          ? limited.waitSeconds * 1000
          : this.options.backoffMs * 2 ** rateLimitRetries;
        // Paused before the slot is given back: a request waiting for the slot must not start
        // inside the window the node asked for.
        pacer.pause(waitMs);
        release(answeredAt);
        if (rateLimitRetries >= this.options.maxRetries || waitMs > this.options.maxWaitMs) {
          throw new ReadError(
            "transient",
            `TRON node ${where} is rate limiting (HTTP ${status}${
              limited.detail ? `: ${limited.detail}` : ""
            }) after ${rateLimitRetries + 1} attempt(s)`,
            {
              status,
              url: where,
              ...(limited.waitSeconds !== undefined
                ? { retryAfterSeconds: limited.waitSeconds }
                : {}),
            },
          );
        }
        rateLimitRetries++;
        continue;
      }
      release(answeredAt);

      if (status < 200 || status > 299) {
        const error = this.statusError(status, text, where);
        if (status >= 500) {
          tried.add(node);
          if (this.failover(tried)) continue;
        }
        throw error;
      }

      if (parsed === NOT_JSON) {
        throw new ReadError(
          "transient",
          `TRON node ${where} answered ${describeNonJson(text)} instead of JSON`,
          { status, url: where },
        );
      }
      const body = parsed;
      if (body === null || typeof body !== "object" || Array.isArray(body)) {
        throw new ReadError("transient", `TRON node ${where} answered a non-object JSON body`, {
          status,
          url: where,
        });
      }
      const nodeError = (body as Record<string, unknown>).Error;
      if (typeof nodeError === "string") {
        throw new ReadError("permanent", `TRON node ${where} rejected the request: ${nodeError}`, {
          status,
          url: where,
          rpcCode: "Error",
        });
      }
      const answer = { status, text, body: body as Record<string, unknown>, url: where };
      if (head && path === head.path) this.heads.set(node, head.parse(answer));
      else this.served.add(node);
      return answer;
    }
  }

  /**
   * The lowest head among the nodes that served this read (each asked before it served), so a read
   * that failed over to a lagging node is never labelled with a block its state has not reached.
   * Null when no head was read.
   */
  lowestHead(): bigint | null {
    const used = this.served.size > 0 ? [...this.served] : [...this.heads.keys()];
    let lowest: bigint | null = null;
    for (const node of used) {
      const block = this.heads.get(node);
      if (block !== undefined && (lowest === null || block < lowest)) lowest = block;
    }
    return lowest;
  }

  /**
   * The abort signal of one exchange (request and body): the read's signal, or `timeoutMs`. Its
   * timer is cleared when the exchange ends. `AbortSignal.timeout` cannot be cleared: each request
   * would wake the idle isolate once more, `timeoutMs` later, to abort a signal nobody listens to
   * (on a paced chain about as much CPU as the request itself).
   */
  private deadline(): { signal: AbortSignal; clear: () => void } {
    const controller = new AbortController();
    const timers = this.options.timers ?? REAL_CLOCK;
    const timer = timers.setTimeout(
      () => controller.abort(new DOMException("Signal timed out.", "TimeoutError")),
      this.options.timeoutMs,
    );
    const outer = this.options.signal;
    const onAbort = () => controller.abort(outer!.reason);
    if (outer?.aborted) onAbort();
    else outer?.addEventListener("abort", onAbort, { once: true });
    return {
      signal: controller.signal,
      clear: () => {
        timers.clearTimeout(timer);
        outer?.removeEventListener("abort", onAbort);
      },
    };
  }

  private send(url: string, payload: unknown, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    if (this.options.apiKey) headers["TRON-PRO-API-KEY"] = this.options.apiKey;
    return (this.options.fetch ?? fetch)(url, {
      method: "POST",
      headers,
      body: JSON.stringify(payload),
      signal,
    });
  }

  private failover(tried: Set<number>): boolean {
    const { urls } = this.options;
    // A concurrent request of this read already moved on to a node this one has not tried.
    if (!tried.has(this.current)) return true;
    for (let step = 1; step < urls.length; step++) {
      const next = (this.current + step) % urls.length;
      if (!tried.has(next)) {
        this.current = next;
        return true;
      }
    }
    return false;
  }

  /** `status` is 0 when no answer started, else the status of an answer whose body broke off. */
  private transportError(cause: unknown, where: string, status: number, url: string): ReadError {
    const data = status ? { url: where, status } : { url: where };
    if (this.options.signal?.aborted) {
      return new ReadError("transient", `read of ${where} aborted`, data, { cause });
    }
    const name = (cause as { name?: string })?.name;
    if (name === "TimeoutError") {
      return new ReadError(
        "transient",
        `TRON node ${where} did not answer within ${this.options.timeoutMs} ms`,
        data,
        { cause },
      );
    }
    // A failed fetch may name the URL it tried (userinfo, key-like path, query) in its message.
    let reason = networkCause(cause) || String(cause);
    reason = reason.replaceAll(url, where);
    for (const base of this.options.urls) reason = reason.replaceAll(base, redactUrl(base));
    if (this.options.apiKey) reason = reason.replaceAll(this.options.apiKey, "***");
    const message = status
      ? `TRON node ${where} answered HTTP ${status} but the body broke off: ${reason}`
      : `TRON node ${where} unreachable: ${reason}`;
    return new ReadError("transient", message, data, { cause });
  }

  private rateLimit(
    status: number,
    headers: Headers,
    text: string,
    parsed: unknown,
  ): { waitSeconds?: number; detail: string } | null {
    const message = errorText(text, parsed);
    const byStatus = RATE_LIMIT_STATUSES.has(status);
    const byBody = FREQUENCY_LIMIT.test(message) || LACK_OF_RESOURCES.test(message);
    if (!byStatus && !byBody) return null;
    return {
      waitSeconds: parseRetryAfter(headers.get("retry-after")) ?? suspensionSeconds(message),
      detail: trimBody(message),
    };
  }

  private statusError(status: number, text: string, where: string): ReadError {
    const detail = trimBody(errorText(text));
    const message = `TRON node ${where} answered HTTP ${status}${detail ? `: ${detail}` : ""}`;
    if (status === 408 || status >= 500) {
      return new ReadError("transient", message, { status, url: where });
    }
    if (status === 401 || status === 404) {
      return new ReadError("configuration", `${message} (check the chain's rpc_url and API key)`, {
        status,
        url: where,
      });
    }
    return new ReadError("permanent", message, { status, url: where });
  }
}

/**
 * What a failure answer says: the `Error` of a JSON object (nothing for other JSON, so that a
 * normal answer never reads as an error), the title of an HTML page, or plain text.
 */
function errorText(text: string, parsed: unknown = parseJson(text)): string {
  if (parsed !== NOT_JSON) {
    const body = parsed;
    if (body && typeof body === "object") {
      const error = (body as Record<string, unknown>).Error ??
        (body as Record<string, unknown>).error;
      return typeof error === "string" ? error : "";
    }
    return "";
  }
  const title = /<title>([^<]*)<\/title>/i.exec(text);
  if (title) return title[1];
  return /^\s*</.test(text) ? "" : text;
}

const NOT_JSON = Symbol("not JSON");

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

function describeNonJson(text: string): string {
  if (text.trim() === "") return "an empty body";
  if (/^\s*</.test(text)) {
    const title = /<title>([^<]*)<\/title>/i.exec(text);
    return `an HTML page${title ? ` ("${title[1].trim()}")` : ""}`;
  }
  return `malformed JSON ("${trimBody(text).slice(0, 60)}")`;
}
