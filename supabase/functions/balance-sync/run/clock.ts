/**
 * The run's two clocks: RunClock, the time left for reads and for each database call, and
 * Deadline, the moment reads stop (an abort signal for the readers). The CPU the run may use is
 * counted apart (cpu.ts).
 */
import { finishByMs } from "../config.ts";

/**
 * The run's time: reads end at the budget's deadline; every database call ends by finishBy
 * (7/8 of pg_net's timeout), so the answer reaches pg_net before it gives up. A call that can
 * start before the deadline (claim, chain lease, due chains) must end by the deadline; a write
 * gets an equal share of what is left before finishBy with the calls that still follow it.
 */
export class RunClock {
  #finishByMs: number;
  #budgetMs: number;

  constructor(
    readonly now: () => number,
    readonly started: number,
    budgetMs: number,
    pgNetTimeoutMs: number,
    readonly storeTimeoutMs: number,
  ) {
    this.#budgetMs = budgetMs;
    this.#finishByMs = Math.max(budgetMs, finishByMs(pgNetTimeoutMs));
  }

  get budgetMs(): number {
    return this.#budgetMs;
  }

  get finishByMs(): number {
    return this.#finishByMs;
  }

  /**
   * The worker is about to end: no call starts against the deadline any more, and the writes
   * still to come (record what was read, release, the chain lease) share the next `ms`.
   */
  endWithin(ms: number): void {
    const elapsed = this.elapsed();
    this.#budgetMs = Math.min(this.#budgetMs, elapsed);
    this.#finishByMs = Math.min(this.#finishByMs, elapsed + ms);
  }

  /** A longer budget (a paced chain reading until the next tick: caps.ts); never shorter. */
  extendBudget(ms: number): void {
    this.#budgetMs = Math.max(this.#budgetMs, ms);
    this.#finishByMs = Math.max(this.#finishByMs, this.#budgetMs);
  }

  elapsed(): number {
    return this.now() - this.started;
  }

  /** Timeout of a call that must end by the deadline; null when there is no time left. */
  beforeDeadline(): number | null {
    const left = this.#budgetMs - this.elapsed();
    return left <= 0 ? null : Math.max(1, Math.min(this.storeTimeoutMs, Math.floor(left)));
  }

  /** Timeout of a write followed by `callsLeft - 1` more calls, all ending by finishBy. */
  write(callsLeft: number): number {
    const left = (this.#finishByMs - this.elapsed()) / Math.max(1, callsLeft);
    return Math.max(1, Math.min(this.storeTimeoutMs, Math.floor(left)));
  }
}

export const DEADLINE = Symbol("deadline");

/** The moment the run stops reading: an abort signal, and a promise that resolves with it. */
export class Deadline {
  readonly #controller = new AbortController();
  readonly reached: Promise<typeof DEADLINE>;
  #timer: ReturnType<typeof setTimeout>;
  #endsAt: number;

  constructor(ms: number) {
    this.#endsAt = performance.now() + ms;
    this.reached = new Promise((resolve) => {
      this.#controller.signal.addEventListener("abort", () => resolve(DEADLINE), { once: true });
    });
    this.#timer = setTimeout(
      () => this.#controller.abort(new DOMException("run budget exhausted", "TimeoutError")),
      ms,
    );
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The deadline moves to `ms` from now, if that is later; a passed deadline stays passed. */
  extend(ms: number): void {
    const endsAt = performance.now() + ms;
    if (this.passed || endsAt <= this.#endsAt) return;
    this.#endsAt = endsAt;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => this.#controller.abort(new DOMException("run budget exhausted", "TimeoutError")),
      Math.max(0, ms),
    );
  }

  /** Stops the run now, as the deadline would (the worker is ending: unload.ts). */
  stop(reason: string): void {
    this.#controller.abort(new DOMException(reason, "AbortError"));
  }

  get passed(): boolean {
    return this.#controller.signal.aborted;
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }
}
