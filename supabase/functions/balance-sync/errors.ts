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

/** Strips userinfo, query string and anything after the host's first path segment that looks like a key. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = "";
    url.password = "";
    url.search = "";
    url.pathname = url.pathname.replace(/\/[A-Za-z0-9_-]{20,}(?=\/|$)/g, "/***");
    return url.toString().replace(/\/$/, "");
  } catch {
    return "<invalid url>";
  }
}
