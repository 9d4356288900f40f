/**
 * What a chain's provider accepts, learned per chain (pure: no I/O).
 *
 * Three sizes are learned, each by the same AIMD rule:
 *   - multicall: calls per aggregate3 (out of gas under the node's eth_call gas cap; on TRON the
 *     energy limit of triggerconstantcontract);
 *   - batch: JSON-RPC calls per HTTP request (HTTP 413, -32600 "batch too large");
 *   - response: bytes of one HTTP answer (-32003 "response too large", "response size exceeded").
 *
 * Multiplicative decrease: a request refused at size F proves the limit is below F; the size drops
 * to half of F (or stays, when it was already below F), but not below the largest size seen to
 * pass under F, and F is kept as a ceiling. Additive increase: after GROW_AFTER clean reads that the
 * size actually cut (a read that never reached the size proves nothing), the size grows by a tenth
 * of its maximum, but only halfway to a known ceiling (and not at all when halfway gains less than
 * a tenth). The ceiling is forgotten after
 * FORGET_CEILING_AFTER clean reads, so that a provider that lifts its limit is noticed.
 */

export type LimitName = "multicall" | "batch" | "response";
export const LIMIT_NAMES: readonly LimitName[] = ["multicall", "batch", "response"];

export interface Limit {
  size: number;
  /** Smallest size refused since the last time it was forgotten; null when none. */
  ceiling: number | null;
  /** Largest size seen to pass below the ceiling: a failed probe falls back to it. */
  good: number;
  /** Clean reads that the size cut, since the last change of size. */
  clean: number;
  /** Clean reads since the last refusal (forgets the ceiling). */
  sinceFailure: number;
  /** The node's words at the last refusal, null when none was seen. */
  reason: string | null;
}

export type ReadLimits = Record<LimitName, Limit>;
export type LimitMaxima = Record<LimitName, number>;

/** What one read saw of one size. */
export interface LimitObservation {
  /** Smallest size refused in this read, null when none was. */
  failedAt: number | null;
  /** Largest size that passed in this read (0 when none). */
  passed: number;
  /** True when the size cut the read (more was wanted than the size allowed). */
  cut: boolean;
  /** Why it was refused (the node's words), when it was. */
  reason?: string;
}

export type LimitObservations = Partial<Record<LimitName, LimitObservation>>;

export const AIMD = {
  /** Clean reads that the size cut before it grows by one step. */
  growAfter: 3,
  /** The step is this fraction of the maximum. */
  stepDivisor: 10,
  /** Clean reads after which a refused size is tried again. */
  forgetCeilingAfter: 30,
  /** Below a known ceiling, a step smaller than this fraction of the size is not worth a probe. */
  minGainDivisor: 10,
} as const;

/**
 * The sizes nobody has refused yet: Multicall3 chunks of 500 calls (about 2.5M gas), viem's
 * JSON-RPC batch of 1,000 calls, geth's default batch response limit (25 MB).
 */
export const EVM_MAXIMA: LimitMaxima = { multicall: 500, batch: 1000, response: 25_000_000 };
/** TRON: aggregate3 calls per triggerconstantcontract; the node takes no batch. */
export const TRON_MAXIMA: LimitMaxima = { multicall: 200, batch: 1, response: 25_000_000 };

export const fresh = (maxima: LimitMaxima): ReadLimits => ({
  multicall: {
    size: maxima.multicall,
    ceiling: null,
    good: 0,
    clean: 0,
    sinceFailure: 0,
    reason: null,
  },
  batch: { size: maxima.batch, ceiling: null, good: 0, clean: 0, sinceFailure: 0, reason: null },
  response: {
    size: maxima.response,
    ceiling: null,
    good: 0,
    clean: 0,
    sinceFailure: 0,
    reason: null,
  },
});

/** The size a request refused at `failedAt` leaves, within one read (retry at once). */
export function shrink(size: number, failedAt: number): number {
  return size < failedAt ? size : Math.max(1, Math.floor(failedAt / 2));
}

/** One size after one read. */
export function afterRead(limit: Limit, seen: LimitObservation | undefined, max: number): Limit {
  if (!seen) return limit;
  if (seen.failedAt !== null) {
    const failedAt = seen.failedAt;
    const below = (n: number) => (n < failedAt ? n : 0);
    const good = Math.max(below(seen.passed), below(limit.good));
    const size = limit.size < failedAt ? limit.size : Math.max(1, Math.floor(failedAt / 2), good);
    return {
      size: Math.min(size, max),
      ceiling: Math.min(limit.ceiling ?? failedAt, failedAt),
      good,
      clean: 0,
      sinceFailure: 0,
      reason: seen.reason ?? limit.reason,
    };
  }
  let ceiling = limit.ceiling;
  const good = Math.max(
    limit.good,
    ceiling === null || seen.passed < ceiling ? Math.min(seen.passed, limit.size) : 0,
  );
  if (!seen.cut || limit.size >= max) return { ...limit, good };
  const sinceFailure = limit.sinceFailure + 1;
  if (ceiling !== null && sinceFailure >= AIMD.forgetCeilingAfter) ceiling = null;
  const clean = limit.clean + 1;
  const reason = limit.reason;
  if (clean < AIMD.growAfter) {
    return { size: limit.size, ceiling, good, clean, sinceFailure, reason };
  }
  const step = Math.max(1, Math.ceil(max / AIMD.stepDivisor));
  let target = Math.min(max, limit.size + step);
  if (ceiling !== null && target >= ceiling) {
    target = Math.floor((limit.size + ceiling) / 2);
    // Close enough to the refused size: stop probing until the ceiling is forgotten.
    if (target - limit.size < Math.ceil(limit.size / AIMD.minGainDivisor)) target = limit.size;
  }
  return { size: Math.max(limit.size, target), ceiling, good, clean: 0, sinceFailure, reason };
}

/** Every size after one read. */
export function afterReadAll(
  limits: ReadLimits,
  seen: LimitObservations | undefined,
  maxima: LimitMaxima,
): ReadLimits {
  if (!seen) return limits;
  const next = {
    multicall: afterRead(limits.multicall, seen.multicall, maxima.multicall),
    batch: afterRead(limits.batch, seen.batch, maxima.batch),
    response: afterRead(limits.response, seen.response, maxima.response),
  };
  // Sizes lowered while the answer's size was never refused: the next read combines them as this
  // one never did (more, smaller aggregates per request), so its answers stay within what passed
  // here until clean reads grow the bound again. Not a ceiling: nothing was refused.
  const lowered = seen.multicall?.failedAt != null || seen.batch?.failedAt != null;
  const answered = seen.response;
  if (lowered && answered && answered.failedAt === null && answered.passed > 0) {
    const bound = Math.max(answered.passed, next.response.good);
    if (bound < next.response.size) next.response = { ...next.response, size: bound, clean: 0 };
  }
  return next;
}

/** Merges what several reads of one run saw, in order, into one observation per size. */
export function mergeObservations(
  a: LimitObservations | undefined,
  b: LimitObservations | undefined,
): LimitObservations | undefined {
  if (!a) return b;
  if (!b) return a;
  const out: LimitObservations = {};
  for (const name of LIMIT_NAMES) {
    const x = a[name];
    const y = b[name];
    if (!x || !y) {
      const one = x ?? y;
      if (one) out[name] = one;
      continue;
    }
    const failures = [x, y].filter((o) => o.failedAt !== null);
    out[name] = {
      failedAt: failures.length === 0 ? null : Math.min(...failures.map((o) => o.failedAt!)),
      passed: Math.max(x.passed, y.passed),
      cut: x.cut || y.cut,
      ...(y.reason ?? x.reason ? { reason: y.reason ?? x.reason } : {}),
    };
  }
  return out;
}

const whole = (value: unknown, min: number): number | null =>
  typeof value === "number" && Number.isInteger(value) && value >= min ? value : null;

/**
 * Sizes as stored (balance_sync.read_limits.limits), checked: anything malformed, or from a
 * family with other maxima, falls back to that size's maximum.
 */
export function parseLimits(stored: unknown, maxima: LimitMaxima): ReadLimits {
  const limits = fresh(maxima);
  if (!stored || typeof stored !== "object" || Array.isArray(stored)) return limits;
  for (const name of LIMIT_NAMES) {
    const raw = (stored as Record<string, unknown>)[name];
    if (!raw || typeof raw !== "object") continue;
    const r = raw as Record<string, unknown>;
    const size = whole(r.size, 1);
    if (size === null) continue;
    limits[name] = {
      size: Math.min(size, maxima[name]),
      ceiling: whole(r.ceiling, 1),
      good: whole(r.good, 0) ?? 0,
      clean: whole(r.clean, 0) ?? 0,
      sinceFailure: whole(r.since_failure, 0) ?? 0,
      reason: typeof r.reason === "string" ? r.reason.slice(0, 200) : null,
    };
  }
  return limits;
}

/** The stored shape: snake_case, one object per size. */
export function serializeLimits(limits: ReadLimits): Record<LimitName, Record<string, unknown>> {
  const one = (l: Limit) => ({
    size: l.size,
    ceiling: l.ceiling,
    good: l.good,
    clean: l.clean,
    since_failure: l.sinceFailure,
    reason: l.reason,
  });
  return {
    multicall: one(limits.multicall),
    batch: one(limits.batch),
    response: one(limits.response),
  };
}

/** Just the sizes, as a reader takes them. */
export type ReadSizes = Record<LimitName, number>;
export const sizesOf = (limits: ReadLimits): ReadSizes => ({
  multicall: limits.multicall.size,
  batch: limits.batch.size,
  response: limits.response.size,
});
