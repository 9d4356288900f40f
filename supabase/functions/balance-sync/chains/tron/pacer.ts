/**
 * Per-chain request pacing for TRON nodes. TronGrid answers 429/403/503 and suspends a key for
 * 5-30 s once it sees more than ~15 requests/s, so:
 *
 * - **No sliding 1 s window at the node holds more than maxRps starts, by construction.** The
 *   pacer holds maxRps tokens. A request takes a free token to start, and its token is free again
 *   1 s after the request's **answer** (or failure) is back. The node saw the request somewhere
 *   between our grant and that answer, whatever happened in between (an event loop busy decoding
 *   another batch, a late timer, the network, the node's own queue), so the next start on the
 *   same token reaches the node more than 1 s after the previous one: each token puts at most one
 *   start in any 1 s window, and maxRps tokens at most maxRps. Counting from our grant instead
 *   (a sliding log over grant times with a margin for jitter) holds only while the jitter stays
 *   under the margin: on a loaded machine the soak's proxy saw 12 starts in a second at 10 rps.
 *   The price is the round trip: a backlogged chain starts maxRps per (1 s + round trip), 95 % of
 *   maxRps at a 50 ms round trip.
 * - **Bursts, not a timer per request.** Free tokens are used at once, up to maxConcurrency in
 *   flight, and the next request is granted when one comes back or when the next token frees:
 *   one wake-up per burst instead of one per request. Each wake of an idle isolate costs CPU
 *   (cold caches, the runtime's own work); bench/pacer_cpu.ts measures it per request.
 * - **At most maxConcurrency in flight**, and a suspension (`pause`) holds every request of the
 *   chain, not only the one that saw it.
 */
import { READ_DEFAULTS } from "../defaults.ts";

export interface PacerLimits {
  maxRps: number;
  maxConcurrency: number;
}

/** Limits as enforced: rps > 0 and finite (else the default), concurrency a whole number >= 1. */
export function normalizeLimits(limits: Partial<PacerLimits>): PacerLimits {
  const rps = limits.maxRps;
  const concurrency = limits.maxConcurrency;
  return {
    maxRps: rps !== undefined && rps > 0 && Number.isFinite(rps) ? rps : READ_DEFAULTS.tron.maxRps,
    maxConcurrency: concurrency !== undefined && concurrency >= 1 && Number.isFinite(concurrency)
      ? Math.floor(concurrency)
      : READ_DEFAULTS.tron.maxConcurrency,
  };
}

/** The pacer's view of time; tests pass a fake one (with timers that fire early or late). */
export interface PacerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_CLOCK: PacerClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

/**
 * Extra time a token stays taken beyond 1 s after its answer: the node's window may be closed at
 * both ends, and its clock reads whole milliseconds.
 */
export const DEFAULT_MARGIN_MS = 2;

export interface PacerOptions {
  clock?: PacerClock;
  marginMs?: number;
}

/**
 * How many tokens there are and how long a token stays taken after its answer: floor(maxRps)
 * tokens for 1 s (never more than maxRps starts in any 1 s); below 1 rps, one token for 1/maxRps
 * seconds.
 */
export function windowOf(maxRps: number, marginMs: number): { starts: number; ms: number } {
  return maxRps >= 1
    ? { starts: Math.floor(maxRps), ms: 1000 + marginMs }
    : { starts: 1, ms: 1000 / maxRps + marginMs };
}

/** The chain is paused (suspended) for longer than the caller is willing to wait. */
export class PacerPausedError extends Error {
  override name = "PacerPausedError";
  constructor(readonly remainingMs: number) {
    super(`paused for another ${Math.ceil(remainingMs)} ms`);
  }
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Give up with PacerPausedError instead of waiting out a pause longer than this. */
  maxPauseMs?: number;
}

interface Waiter {
  grant: (release: (answeredAt?: number) => void) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  maxPauseMs: number;
  onAbort?: () => void;
}

/** Grants request slots (see the module comment), in order of asking. */
export class Pacer {
  readonly limits: PacerLimits;
  private readonly clock: PacerClock;
  private readonly window: { starts: number; ms: number };
  /**
   * When each token is free again (`window.ms` after its last answer): -Infinity before its first
   * use, Infinity while its request is in flight.
   */
  private readonly freeAt: number[];
  private inFlight = 0;
  private pausedUntilMs = -Infinity;
  private readonly queue: Waiter[] = [];
  private timer: unknown;
  private timerAt = Infinity;

  constructor(limits: PacerLimits, options: PacerOptions = {}) {
    this.limits = normalizeLimits(limits);
    this.clock = options.clock ?? REAL_CLOCK;
    this.window = windowOf(this.limits.maxRps, options.marginMs ?? DEFAULT_MARGIN_MS);
    this.freeAt = new Array(this.window.starts).fill(-Infinity);
  }

  /** Now on the pacer's clock: what a request's answer time (see acquire) is read on. */
  now(): number {
    return this.clock.now();
  }

  /** Milliseconds until the chain may be asked again after a suspension (0 when not paused). */
  pausedForMs(): number {
    return Math.max(0, this.pausedUntilMs - this.clock.now());
  }

  /**
   * No request starts in the next `ms` milliseconds (a later pause wins over an earlier one).
   * Queued requests that would not wait that long are turned away at once.
   */
  pause(ms: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, this.clock.now() + ms);
    const remaining = this.pausedForMs();
    for (const waiter of [...this.queue]) {
      if (remaining > waiter.maxPauseMs) this.dropWaiter(waiter, new PacerPausedError(remaining));
    }
    this.pump();
  }

  /**
   * Waits for a slot; resolves to the function that gives it back, told when the answer came
   * (`now()` once its headers were in: the node had seen the request by then) or, without it, at
   * the time it is called. Rejects with the signal's reason when it aborts, or with
   * PacerPausedError when a pause is longer than `maxPauseMs`.
   */
  acquire(options: AcquireOptions = {}): Promise<(answeredAt?: number) => void> {
    const { signal } = options;
    const maxPauseMs = options.maxPauseMs ?? Infinity;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.pausedForMs() > maxPauseMs) {
      return Promise.reject(new PacerPausedError(this.pausedForMs()));
    }
    return new Promise((grant, reject) => {
      const waiter: Waiter = { grant, reject, signal, maxPauseMs };
      if (signal) {
        waiter.onAbort = () => {
          this.dropWaiter(waiter, signal.reason);
          this.pump();
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** The token that frees first. */
  private firstFreeToken(): number {
    let best = 0;
    for (let i = 1; i < this.freeAt.length; i++) {
      if (this.freeAt[i] < this.freeAt[best]) best = i;
    }
    return best;
  }

  private dropWaiter(waiter: Waiter, reason: unknown): void {
    const index = this.queue.indexOf(waiter);
    if (index >= 0) this.queue.splice(index, 1);
    if (waiter.onAbort) waiter.signal!.removeEventListener("abort", waiter.onAbort);
    waiter.reject(reason);
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.limits.maxConcurrency) {
      const now = this.clock.now();
      const token = this.firstFreeToken();
      const startAt = Math.max(this.pausedUntilMs, this.freeAt[token]);
      // Every token in flight: an answer pumps again.
      if (startAt === Infinity) break;
      if (now < startAt) {
        this.wakeAt(startAt, now);
        return;
      }
      const waiter = this.queue.shift()!;
      if (waiter.onAbort) waiter.signal!.removeEventListener("abort", waiter.onAbort);
      this.inFlight++;
      this.freeAt[token] = Infinity;
      let released = false;
      waiter.grant((answeredAt) => {
        if (released) return;
        released = true;
        this.inFlight--;
        // The node saw the request before this answer: the token's next start is a window later.
        const now = this.clock.now();
        this.freeAt[token] = Math.min(answeredAt ?? now, now) + this.window.ms;
        this.pump();
      });
    }
    // Nothing to wait for (no waiter, or every slot in flight: a release pumps again).
    this.disarm();
  }

  /** One timer at a time; an earlier one is kept (it pumps, and pump arms the next). */
  private wakeAt(at: number, now: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.disarm();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.ceil(at - now));
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}

const pacers = new Map<string, Pacer>();

/**
 * The pacer shared by every read of one chain endpoint and API key in this isolate, so consecutive
 * reads (and runs served by a warm isolate) stay under the limit together.
 */
export function pacerFor(key: string, limits: Partial<PacerLimits>): Pacer {
  const wanted = normalizeLimits(limits);
  const existing = pacers.get(key);
  if (
    existing && existing.limits.maxRps === wanted.maxRps &&
    existing.limits.maxConcurrency === wanted.maxConcurrency
  ) {
    return existing;
  }
  const pacer = new Pacer(wanted);
  pacers.set(key, pacer);
  return pacer;
}
