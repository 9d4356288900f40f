/**
 * Read errors: why a balance could not be read (ReadError), in the class the run and the backoff
 * act on, with the helpers both readers classify HTTP failures with.
 */
/** Why a balance could not be read, in the three classes the run and the backoff care about. */
export type ErrorClass = "transient" | "permanent" | "configuration";

export interface ReadErrorData {
  /** HTTP status, when the failure came from an HTTP answer. */
  status?: number;
  /** Endpoint with credentials, query string and path secrets removed. */
  url?: string;
  /** JSON-RPC error code, or java-tron's result code (e.g. CONTRACT_VALIDATE_ERROR). */
  rpcCode?: number | string;
  /** Seconds the node asked us to wait (Retry-After or a suspension window). */
  retryAfterSeconds?: number;
}

/** A classified failure of one balance query, or of a whole chain read. */
export class ReadError extends Error {
  override name = "ReadError";
  constructor(
    readonly errorClass: ErrorClass,
    message: string,
    readonly data: ReadErrorData = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isTransientStatus = (status: number): boolean =>
  status === 403 || status === 408 || status === 429 || status >= 500;

/**
 * Strips userinfo, the query string and path segments that look like keys: providers put keys in
 * the path (Infura, Alchemy, QuickNode), as 20+ characters that mix letters and digits.
 */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = "";
    url.password = "";
    url.search = "";
    url.pathname = url.pathname.split("/").map((segment) =>
      segment.length >= 20 && /\d/.test(segment) && /[A-Za-z]/.test(segment) ? "***" : segment
    ).join("/");
    return url.toString().replace(/\/$/, "");
  } catch {
    return "<invalid url>";
  }
}

/**
 * What a failed fetch says about its cause. Deno's fetch rejects with "fetch failed" and keeps the
 * reason ("tcp connect error: Connection refused", "dns error", ...) in `cause`, prefixed with the
 * request URL (which may hold a key): the innermost message, without that prefix, URLs redacted.
 */
export function networkCause(error: unknown): string {
  let message = "";
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message
    .replace(/^error sending request .*?\): /, "")
    .replace(/https?:\/\/[^\s)]+/g, (url) => redactUrl(url));
}

/**
 * Seconds a Retry-After header asks for, or undefined when it says nothing usable. One rule for
 * every node: delta-seconds as RFC 9110 writes them (digits only), or an HTTP date, counted from
 * `now` and rounded up to whole seconds, never below 0. A fraction ("1.5") is not valid
 * delta-seconds and is ignored, like any other text.
 */
export function parseRetryAfter(
  header: string | null | undefined,
  now = Date.now(),
): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  // Every HTTP-date form starts with a day name; Date.parse alone would take "1.5" for a date.
  const at = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
