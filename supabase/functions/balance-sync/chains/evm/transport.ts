/**
 * One chain read's JSON-RPC client: viem `http` transports (batch JSON-RPC, timeout, retry that
 * honours Retry-After) behind `fallback` when the chain has fallback URLs, plus a fetch wrapper
 * that counts HTTP requests and gives up on the whole read when a node asks to wait longer than
 * the read can afford.
 *
 * API key: when the chain names a secret (`apiKeyEnv`), a `{apiKey}` placeholder in a URL is
 * replaced by it (Alchemy/Infura style); a URL without the placeholder gets it as an `x-api-key`
 * header. Errors and results only ever show the configured URL, redacted.
 */
import { fallback, http, type Transport } from "viem";
import { READ_DEFAULTS } from "../defaults.ts";
import { parseRetryAfter, redactUrl } from "../errors.ts";
import { ReadTimeoutError, RetryAfterTooLongError } from "./errors.ts";

export interface EvmTransportSettings {
  /** Per HTTP request, milliseconds. */
  timeoutMs: number;
  retryCount: number;
  /** Base of viem's exponential backoff, milliseconds. */
  retryDelayMs: number;
  /** A Retry-After longer than this fails the read instead of waiting. */
  maxRetryAfterMs: number;
  fetchFn?: typeof fetch;
  /** The whole read, retries included (default READ_DEFAULTS.readTimeoutMs). */
  readTimeoutMs?: number;
}

export interface EvmRpc {
  request<T>(method: string, params: unknown[]): Promise<T>;
  /**
   * A request function whose calls, made in the same tick, go out as one JSON-RPC batch of their
   * own (viem batches by abort signal, so each group gets its own): the read decides how many
   * calls share an HTTP request, not the transport.
   */
  group(): <T>(method: string, params: unknown[]) => Promise<T>;
  /** HTTP requests attempted so far. */
  readonly requests: number;
  /** The configured URL (redacted) behind a URL viem reports. */
  redact(url: string | undefined): string;
  readonly primaryUrl: string;
  /** Detaches from the caller's signal. */
  close(): void;
}

export const API_KEY_PLACEHOLDER = "{apiKey}";

/** The read's groups decide a batch's size (read_limits.ts); the transport never splits one. */
const UNLIMITED_BATCH = 1_000_000;

const normalize = (url: string) => {
  try {
    return new URL(url).toString();
  } catch {
    return url;
  }
};

/** The URL as viem fetches it: credentials move to an Authorization header. */
const withoutUserinfo = (url: string) => {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return url;
  }
};

/**
 * The JSON-RPC client of one read over `urls` (in fallback order). Every request it sends is
 * counted, the whole read ends at `readTimeoutMs`, and an error it throws names only redacted
 * URLs; call `close()` when the read is over.
 */
export function createEvmRpc(
  urls: readonly string[],
  apiKey: string | null,
  settings: EvmTransportSettings,
  signal?: AbortSignal,
): EvmRpc {
  const endpoints = urls.map((template) => {
    const hasPlaceholder = template.includes(API_KEY_PLACEHOLDER);
    const url = apiKey !== null && hasPlaceholder
      ? template.replaceAll(API_KEY_PLACEHOLDER, encodeURIComponent(apiKey))
      : template;
    const headers: Record<string, string> = apiKey !== null && !hasPlaceholder
      ? { "x-api-key": apiKey }
      : {};
    return { url, headers, redacted: redactUrl(template) };
  });
  const redactedBy = new Map(endpoints.map((e) => [normalize(e.url), e.redacted]));
  const lastUrl = normalize(endpoints[endpoints.length - 1].url);

  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (signal?.aborted) onOuterAbort();

  // A failed fetch may name the URL it tried (key included) in its message, which ends up in
  // the row's last_error: swap every secret-bearing form for the redacted URL.
  const secrets = endpoints.flatMap((e) => [
    [e.url, e.redacted],
    [normalize(e.url), e.redacted],
    [withoutUserinfo(e.url), e.redacted],
  ]).concat(apiKey ? [[apiKey, "***"], [encodeURIComponent(apiKey), "***"]] : [])
    .sort((a, b) => b[0].length - a[0].length);
  const scrub = (text: string) =>
    secrets.reduce((out, [secret, shown]) => out.replaceAll(secret, shown), text);

  // viem retries a timed-out request (TimeoutError has no code), so a node that accepts and never
  // answers would cost timeoutMs × (retryCount + 1): past the run's budget. One deadline per read.
  const readTimeoutMs = settings.readTimeoutMs ?? READ_DEFAULTS.readTimeoutMs;
  const readTimer = setTimeout(
    () => controller.abort(new ReadTimeoutError(endpoints[0].redacted, readTimeoutMs)),
    readTimeoutMs,
  );
  let requests = 0;
  const baseFetch = settings.fetchFn ?? fetch;
  const fetchFn = async (input: string | URL | Request, init?: RequestInit) => {
    requests++;
    let response: Response;
    try {
      response = await baseFetch(input, init);
    } catch (error) {
      if (error instanceof Error && scrub(error.message) !== error.message) {
        const clean = new TypeError(scrub(error.message));
        clean.name = error.name;
        throw clean;
      }
      throw error;
    }
    if (response.status === 413) {
      // "Request entity too large" is a size refusal, not an outage: answered as the JSON-RPC
      // error a node gives for a batch over its limit, so that viem does not retry it unchanged
      // and the read halves the batch instead (read_limits.ts).
      await response.body?.cancel();
      return Response.json({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32600, message: "HTTP 413: request too large" },
      });
    }
    if (!response.ok) {
      const seconds = parseRetryAfter(response.headers.get("retry-after"));
      const url = normalize(input instanceof Request ? input.url : String(input));
      // With fallback URLs left, viem moves on to the next one; only the last can end the read.
      if (seconds !== undefined && seconds * 1000 > settings.maxRetryAfterMs && url === lastUrl) {
        controller.abort(
          new RetryAfterTooLongError(response.status, seconds, redactedBy.get(url) ?? "node"),
        );
      }
    }
    return response;
  };

  const single = endpoints.length === 1;
  const transports = endpoints.map((e) =>
    http(e.url, {
      batch: { batchSize: UNLIMITED_BATCH },
      fetchFn,
      fetchOptions: { headers: e.headers },
      timeout: settings.timeoutMs,
      // Behind `fallback` the retries belong to it: an endpoint that retried on its own would
      // sit out a Retry-After instead of handing over to the next URL.
      ...(single ? { retryCount: settings.retryCount, retryDelay: settings.retryDelayMs } : {}),
    })
  );
  const transport: Transport = single ? transports[0] : fallback(transports, {
    retryCount: settings.retryCount,
    retryDelay: settings.retryDelayMs,
  });
  const { request } = transport({
    chain: undefined,
    retryCount: settings.retryCount,
    timeout: settings.timeoutMs,
  });

  return {
    request: <T>(method: string, params: unknown[]) =>
      request({ method, params }, { signal: controller.signal }) as Promise<T>,
    group: () => {
      const signal = AbortSignal.any([controller.signal]);
      return <T>(method: string, params: unknown[]) =>
        request({ method, params }, { signal }) as Promise<T>;
    },
    get requests() {
      return requests;
    },
    redact: (url) => (url ? redactedBy.get(normalize(url)) : undefined) ?? endpoints[0].redacted,
    primaryUrl: endpoints[0].redacted,
    close: () => {
      clearTimeout(readTimer);
      signal?.removeEventListener("abort", onOuterAbort);
    },
  };
}
