import type { ChainFamily, ChainReader } from "../chains/types.ts";
import { DEFAULTS, finishByMs } from "../config.ts";
import type { CpuShare, SharedCpuBudget } from "./cpu.ts";
import type { Logger, RowLineCap } from "../log.ts";
import type { ForcedFilter } from "../http/request.ts";
import type { RunSettings, Store } from "../db/store.ts";
import type { RunBook } from "./book.ts";
import type { InFlightRuns } from "./unload.ts";
import type { ReadLimitsBook } from "./read_limits_book.ts";

/** Loads the reader of a family (lazily: tronweb is only imported when TRON rows exist). */
export type ReaderRegistry = (family: ChainFamily) => Promise<ChainReader>;

/**
 * The function's own settings (its secrets, config.ts). The minimum interval, the rows per run and
 * pg_net's timeout are not among them: each run reads those from the database (RunSettings).
 */
export interface SyncSettings {
  batchSize: number;
  leaseSeconds: number;
  /** The longest a run reads; each run cuts it to fit the setting pg_net_timeout_ms. */
  budgetMs: number;
  maxBatches: number;
  maxForcedIds: number;
  /** The settings below default to config.ts's DEFAULTS. */
  cpuBudgetMs?: number;
  storeTimeoutMs?: number;
  abortGraceMs?: number;
  maxRowLogLines?: number;
}

/** What one run follows: the function's settings and the database's, read at its start. */
export type FullSyncSettings = Required<SyncSettings> & {
  /** balance_sync.settings min_interval_seconds (the run over every chain asks for due chains). */
  minIntervalSeconds: number;
  /** balance_sync.settings rows_per_run: rows one scheduled run claims at most. */
  maxRowsPerRun: number;
  /** balance_sync.settings pg_net_timeout_ms: the run and its final writes end by 7/8 of it. */
  pgNetTimeoutMs: number;
};

/**
 * The run's budget: the function's, cut so that the reads plus one database call fit in pg_net's
 * timeout (the final writes then share what is left before 7/8 of it: RunClock).
 */
export const runBudgetMs = (budgetMs: number, pgNetTimeoutMs: number, storeTimeoutMs: number) =>
  Math.min(budgetMs, Math.max(100, pgNetTimeoutMs - storeTimeoutMs));

export const withDefaults = (settings: SyncSettings, db: RunSettings): FullSyncSettings => {
  const full = {
    cpuBudgetMs: DEFAULTS.cpuBudgetMs,
    storeTimeoutMs: DEFAULTS.storeTimeoutMs,
    abortGraceMs: DEFAULTS.abortGraceMs,
    maxRowLogLines: DEFAULTS.maxRowLogLines,
    ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
    minIntervalSeconds: db.minIntervalSeconds,
    maxRowsPerRun: db.rowsPerRun,
    pgNetTimeoutMs: db.pgNetTimeoutMs,
  } as FullSyncSettings;
  full.budgetMs = runBudgetMs(full.budgetMs, full.pgNetTimeoutMs, full.storeTimeoutMs);
  return full;
};

export interface SyncDeps {
  store: Store;
  readers: ReaderRegistry;
  log: Logger;
  /** Function secrets, for the readers' API keys. */
  env?: (name: string) => string | undefined;
  /** Monotonic milliseconds. */
  now?: () => number;
  /** The CPU budget this run shares with the runs that overlap it; defaults to cpu.ts's. */
  cpuBudget?: SharedCpuBudget;
  /** Runs in flight, to stop them all when the worker is about to end (unload.ts). */
  inFlight?: InFlightRuns;
}

export interface RunInput {
  runId: string;
  /** A forced run's filter. */
  filter?: ForcedFilter | null;
  /** A scheduled run of this chain only (dispatch's per-chain POST). */
  chainId?: string | null;
  /** A scheduled run's tick (dispatch's x-balance-sync-tick-at): record dates the next sync by it. */
  tickAt?: string | null;
}

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

  /** A longer budget (a paced chain reading until the next tick: run_caps.ts); never shorter. */
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

/** What every part of one run shares. */
export interface RunContext {
  deps: SyncDeps;
  settings: FullSyncSettings;
  /**
   * The run's fencing token. One name on the TypeScript side; in the database it is the
   * `locked_by` column (passed as the contract functions' `p_worker`).
   */
  runId: string;
  forced: boolean;
  log: Logger;
  now: () => number;
  book: RunBook;
  /** Rows this run holds a lease on and has neither recorded nor released. */
  pending: Set<string>;
  deadline: Deadline;
  clock: RunClock;
  /** CPU this run used (its summary's figure), or null. */
  cpu: () => number | null;
  /** CPU used by this run and the runs that overlap it: the budget's measure. */
  cpuShare: CpuShare;
  /** The tick of a scheduled run, sent with each balance to record; null for a forced run. */
  tickAt: string | null;
  /** Set when the worker is ending: the run stops claiming and gives back what it holds. */
  unloading: string | null;
  /** Per-row lines, capped per run. */
  rowLog: RowLineCap;
  /** The chains' learned request sizes: loaded before a chain's first read, saved at the end. */
  readLimits: ReadLimitsBook;
}
