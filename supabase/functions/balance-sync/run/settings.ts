/**
 * What a run follows: the function's own settings (its secrets, validated and defaulted once by
 * config.ts) and the database's (balance_sync_run_settings), read at the start of each run.
 */
import type { RunSettings } from "../db/store.ts";

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
  cpuBudgetMs: number;
  storeTimeoutMs: number;
  abortGraceMs: number;
  maxRowLogLines: number;
}

/** What one run follows: the function's settings and the database's, read at its start. */
export type FullSyncSettings = SyncSettings & {
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
export const budgetWithinPgNet = (
  budgetMs: number,
  pgNetTimeoutMs: number,
  storeTimeoutMs: number,
) => Math.min(budgetMs, Math.max(100, pgNetTimeoutMs - storeTimeoutMs));

/** One run's settings: the function's (defaulted once, by config.ts) and the database's. */
export function settingsOfRun(own: SyncSettings, db: RunSettings): FullSyncSettings {
  return {
    batchSize: own.batchSize,
    leaseSeconds: own.leaseSeconds,
    budgetMs: budgetWithinPgNet(own.budgetMs, db.pgNetTimeoutMs, own.storeTimeoutMs),
    maxBatches: own.maxBatches,
    maxForcedIds: own.maxForcedIds,
    cpuBudgetMs: own.cpuBudgetMs,
    storeTimeoutMs: own.storeTimeoutMs,
    abortGraceMs: own.abortGraceMs,
    maxRowLogLines: own.maxRowLogLines,
    minIntervalSeconds: db.minIntervalSeconds,
    maxRowsPerRun: db.rowsPerRun,
    pgNetTimeoutMs: db.pgNetTimeoutMs,
  };
}
