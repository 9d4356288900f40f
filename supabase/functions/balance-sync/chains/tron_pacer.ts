/**
 * Per-chain request pacing for TRON nodes. TronGrid answers 429/403/503 and suspends a key for
 * 5-30 s once it sees more than ~15 requests/s, so requests start at least 1/maxRps apart (no
 * bursts), at most maxConcurrency are in flight, and a suspension pauses every request of the
 * chain, not only the one that saw it.
 */
import { READ_DEFAULTS } from "./defaults.ts";

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
  grant: (release: () => void) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  maxPauseMs: number;
  onAbort?: () => void;
}

/** Grants request slots no faster than maxRps, at most maxConcurrency at a time, in order. */
export class Pacer {
  readonly limits: PacerLimits;
  private readonly intervalMs: number;
  private inFlight = 0;
  private nextStartAt = -Infinity;
  private pausedUntilMs = -Infinity;
  private readonly queue: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(limits: PacerLimits, private readonly now: () => number = () => performance.now()) {
    this.limits = normalizeLimits(limits);
    this.intervalMs = 1000 / this.limits.maxRps;
  }

  /** Milliseconds until the chain may be asked again after a suspension (0 when not paused). */
  pausedForMs(): number {
    return Math.max(0, this.pausedUntilMs - this.now());
  }

  /**
   * No request starts in the next `ms` milliseconds (a later pause wins over an earlier one).
   * Queued requests that would not wait that long are turned away at once.
   */
  pause(ms: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, this.now() + ms);
    const remaining = this.pausedForMs();
    for (const waiter of [...this.queue]) {
      if (remaining > waiter.maxPauseMs) this.dropWaiter(waiter, new PacerPausedError(remaining));
    }
    this.pump();
  }

  /**
   * Waits for a slot; resolves to the function that gives it back. Rejects with the signal's
   * reason when it aborts, or with PacerPausedError when a pause is longer than `maxPauseMs`.
   */
  acquire(options: AcquireOptions = {}): Promise<() => void> {
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

  private dropWaiter(waiter: Waiter, reason: unknown): void {
    const index = this.queue.indexOf(waiter);
    if (index >= 0) this.queue.splice(index, 1);
    if (waiter.onAbort) waiter.signal!.removeEventListener("abort", waiter.onAbort);
    waiter.reject(reason);
  }

  private pump(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.queue.length > 0 && this.inFlight < this.limits.maxConcurrency) {
      const now = this.now();
      const startAt = Math.max(this.nextStartAt, this.pausedUntilMs);
      if (now < startAt) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.ceil(startAt - now));
        return;
      }
      const waiter = this.queue.shift()!;
      if (waiter.onAbort) waiter.signal!.removeEventListener("abort", waiter.onAbort);
      this.inFlight++;
      this.nextStartAt = now + this.intervalMs;
      let released = false;
      waiter.grant(() => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.pump();
      });
    }
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
