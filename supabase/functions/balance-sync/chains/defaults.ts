/**
 * Defaults of a chain read, for both families in one place; a reader's settings override them,
 * and a chain row's max_rps / max_concurrency override the TRON pacing.
 */
export const READ_DEFAULTS = {
  /** One HTTP request to a node. */
  requestTimeoutMs: 10_000,
  /** A whole EVM read, retries included, so that one chain stays inside the run's 25 s budget. */
  readTimeoutMs: 15_000,
  evm: {
    retryCount: 2,
    /** Base of viem's exponential backoff. */
    retryDelayMs: 150,
    /** A longer Retry-After fails the read instead of waiting. */
    maxRetryAfterMs: 5_000,
    /** Calls per aggregate3: about 2.5M gas. */
    chunkSize: 500,
  },
  tron: {
    /** Retries of one request after 429/403/503 or a suspension message. */
    maxRetries: 3,
    /** Longest wait honoured inside a read; a longer suspension fails the chain fast. */
    maxWaitMs: 10_000,
    /** First backoff when a rate-limit answer names no wait; doubles per retry. */
    backoffMs: 500,
    /** Calls per aggregate3 request. */
    chunkSize: 200,
    /** Pacing per chain, node and key. */
    maxRps: 10,
    maxConcurrency: 4,
  },
} as const;
