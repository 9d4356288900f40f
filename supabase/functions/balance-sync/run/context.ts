/**
 * What every part of one run shares (RunContext), and what a run is given: its dependencies
 * (SyncDeps) and what to run (RunInput).
 */
import type { ChainFamily, ChainReader } from "../chains/types.ts";
import type { ForcedFilter, Store } from "../db/store.ts";
import type { Logger, RowLineCap } from "../log.ts";
import type { RunBook } from "./book.ts";
import type { Deadline, RunClock } from "./clock.ts";
import type { CpuShare, SharedCpuBudget } from "./cpu.ts";
import type { ReadLimitsBook } from "./read_limits_book.ts";
import type { FullSyncSettings } from "./settings.ts";
import type { InFlightRuns } from "./unload.ts";

/** Loads the reader of a family (lazily: tronweb is only imported when TRON rows exist). */
export type ReaderRegistry = (family: ChainFamily) => Promise<ChainReader>;

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
