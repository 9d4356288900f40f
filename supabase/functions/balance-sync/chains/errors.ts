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
