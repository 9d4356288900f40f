/**
 * Per-chain request pacing for TRON nodes. TronGrid answers 429/403/503 and suspends a key for
 * 5-30 s once it sees more than ~15 requests/s, so:
 *
 * - **A sliding log over request starts.** A request starts only while the last 1 s (plus a
 *   margin) holds fewer than maxRps starts, so no sliding 1 s window ever holds more than maxRps,
 *   by construction: every grant reads the clock itself, so a timer that fires late only delays,
 *   and one that fires early finds the window still full and waits again. The margin covers the
 *   jitter between our start and the node's (event loop, network): while each start reaches the
 *   node within `marginMs` of another, the node's windows hold no more than ours. A spacing rule
 *   (one start every 1/maxRps) cannot give that: two starts 100 ms apart that arrive 95 ms apart
 *   put 11 in a second at 10 rps.
 * - **Bursts, not a timer per request.** A free window is used at once, up to maxConcurrency in
 *   flight, and the next request is granted when one comes back or when the oldest start leaves
 *   the window: one wake-up per burst instead of one per request. Each wake of an idle isolate
 *   costs CPU (cold caches, the runtime's own work); bench/pacer_cpu.ts measures it per request.
 * - **At most maxConcurrency in flight**, and a suspension (`pause`) holds every request of the
 *   chain, not only the one that saw it.
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
 * Extra time each start stays in the log beyond 1 s: the jitter between our start and the node's
 * that the guarantee absorbs. 30 ms keeps the pace at 1000/1030 = 97 % of maxRps. At 20 ms the
 * soak's proxy, on a loaded machine, saw 11 starts in a sliding second.
 */
export const DEFAULT_MARGIN_MS = 30;

export interface PacerOptions {
  clock?: PacerClock;
  marginMs?: number;
}

/**
 * How many starts a window may hold and how long the window is: floor(maxRps) starts per second
 * (never more than maxRps in any 1 s); below 1 rps, one start per 1/maxRps seconds.
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
  grant: (release: () => void) => void;
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
  /** The last `window.starts` start times, a ring: `log[next]` is the oldest once full. */
  private readonly log: number[] = [];
  private next = 0;
  private inFlight = 0;
  private pausedUntilMs = -Infinity;
  private readonly queue: Waiter[] = [];
  private timer: unknown;
  private timerAt = Infinity;

  constructor(limits: PacerLimits, options: PacerOptions = {}) {
    this.limits = normalizeLimits(limits);
    this.clock = options.clock ?? REAL_CLOCK;
    this.window = windowOf(this.limits.maxRps, options.marginMs ?? DEFAULT_MARGIN_MS);
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

  /** When the next request may start: the oldest start leaves the window, and no pause holds. */
  private nextStartAt(): number {
    const full = this.log.length >= this.window.starts;
    return Math.max(this.pausedUntilMs, full ? this.log[this.next] + this.window.ms : -Infinity);
  }

  private record(now: number): void {
    if (this.log.length < this.window.starts) this.log.push(now);
    else this.log[this.next] = now;
    this.next = (this.next + 1) % this.window.starts;
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
      const startAt = this.nextStartAt();
      if (now < startAt) {
        this.wakeAt(startAt, now);
        return;
      }
      const waiter = this.queue.shift()!;
      if (waiter.onAbort) waiter.signal!.removeEventListener("abort", waiter.onAbort);
      this.inFlight++;
      this.record(now);
      let released = false;
      waiter.grant(() => {
        if (released) return;
        released = true;
        this.inFlight--;
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
