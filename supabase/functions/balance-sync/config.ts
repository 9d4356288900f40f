import { ConfigError } from "./config_error.ts";
import { type ApiKeys, loadApiKeys } from "./keys.ts";
import type { LogLevel } from "./log.ts";

/** Everything the function reads from its environment, validated once. */
export interface Config extends ApiKeys {
  batchSize: number;
  leaseSeconds: number;
  budgetMs: number;
  maxBatches: number;
  logLevel: LogLevel;
  minIntervalSeconds: number;
  maxForcedIds: number;
  /** Timeout of each database call (claim, record, release); late calls get less (run.ts). */
  storeTimeoutMs: number;
  /**
   * Memory guard: rows one run holds at once (claimed, not yet recorded). A run's size is bounded
   * by the chain's pace, the time and the CPU budget (run_caps.ts), not by this.
   */
  maxRowsPerRun: number;
  /** Claim no more once the run has used this much CPU (where the runtime can tell). */
  cpuBudgetMs: number;
  /** pg_net's timeout of the scheduled POST; the run and its final writes end by 7/8 of it. */
  pgNetTimeoutMs: number;
  /** How long a read cut at the deadline may take to hand back what it has read. */
  abortGraceMs: number;
  /** Per-row warning lines one run writes at most; the rest are counted in the summary. */
  maxRowLogLines: number;
  supabaseUrl: string;
  /** Dedicated secret of the cron path (`x-balance-sync-secret`); null when not configured. */
  syncSecret: string | null;
}

/** The scheduling migration gives pg_net this timeout; a run plus its final writes must fit in it. */
export const PG_NET_TIMEOUT_MS = 40_000;

export const DEFAULTS = {
  batchSize: 50,
  leaseSeconds: 120,
  budgetMs: 25_000,
  maxBatches: 100,
  logLevel: "info" as LogLevel,
  minIntervalSeconds: 30,
  maxForcedIds: 1000,
  // Hosted Supabase cancels a statement of `authenticator` (and so of service_role) after 8 s: a
  // longer wait here would only wait for an answer that cannot come.
  storeTimeoutMs: 8_000,
  maxRowsPerRun: 10_000,
  cpuBudgetMs: 800,
  pgNetTimeoutMs: PG_NET_TIMEOUT_MS,
  abortGraceMs: 1000,
  maxRowLogLines: 20,
} as const;

/** The run answers, final writes included, by this share of pg_net's timeout. */
export const finishByMs = (pgNetTimeoutMs: number): number => Math.floor(pgNetTimeoutMs * 7 / 8);

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "notice", "warn", "error"];

type Env = (name: string) => string | undefined;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env(name)?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) {
    throw new ConfigError(name, `must be a whole number between ${min} and ${max}, got "${raw}"`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${raw}`);
  }
  return value;
}

function required(env: Env, name: string): string {
  const value = env(name)?.trim();
  if (!value) throw new ConfigError(name, "is required");
  return value;
}

/**
 * The function's settings from its environment, defaults filled in. Throws ConfigError naming
 * the variable for anything missing, malformed or out of range, and for combinations that cannot
 * work: a budget that does not fit in pg_net's timeout, a lease shorter than a run.
 */
export function loadConfig(env: Env = (name) => Deno.env.get(name)): Config {
  const supabaseUrl = required(env, "SUPABASE_URL");
  try {
    const url = new URL(supabaseUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
  } catch {
    throw new ConfigError("SUPABASE_URL", "must be an http(s) URL");
  }
  const keys = loadApiKeys(env);

  const rawLevel = env("BALANCE_SYNC_LOG_LEVEL")?.trim().toLowerCase() || DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(rawLevel as LogLevel)) {
    throw new ConfigError(
      "BALANCE_SYNC_LOG_LEVEL",
      `must be one of ${LOG_LEVELS.join(", ")}, got "${rawLevel}"`,
    );
  }

  const pgNetTimeoutMs = integer(
    env,
    "BALANCE_SYNC_PG_NET_TIMEOUT_MS",
    DEFAULTS.pgNetTimeoutMs,
    1000,
    300_000,
  );
  const storeTimeoutMs = integer(
    env,
    "BALANCE_SYNC_STORE_TIMEOUT_MS",
    DEFAULTS.storeTimeoutMs,
    50,
    60_000,
  );
  // The reads end at the budget; the final writes (record, release, chain lease) get the rest of
  // finishBy, each a share of what is left, so the answer is sent before pg_net gives up.
  const maxBudget = Math.max(100, pgNetTimeoutMs - storeTimeoutMs);
  const budgetMs = integer(env, "BALANCE_SYNC_BUDGET_MS", DEFAULTS.budgetMs, 100, maxBudget);
  const leaseSeconds = integer(
    env,
    "BALANCE_SYNC_LEASE_SECONDS",
    DEFAULTS.leaseSeconds,
    1,
    3600,
  );
  // A lease that can expire while its run still reads or records would let another run take the
  // row over and turn this run's write into a lost one.
  if (leaseSeconds * 1000 < budgetMs + storeTimeoutMs) {
    throw new ConfigError(
      "BALANCE_SYNC_LEASE_SECONDS",
      `must cover the run budget plus the final write (${
        Math.ceil((budgetMs + storeTimeoutMs) / 1000)
      } s), got ${leaseSeconds}`,
    );
  }

  // HTTP strips a header value's surrounding whitespace, so a secret saved with a trailing newline
  // (`echo secret > file`) could never match: trim it. A control character inside cannot travel in
  // a header at all: refuse it, naming the variable.
  const syncSecret = env("BALANCE_SYNC_SECRET")?.trim() || null;
  // deno-lint-ignore no-control-regex
  if (syncSecret !== null && /[\x00-\x1f\x7f]/.test(syncSecret)) {
    throw new ConfigError(
      "BALANCE_SYNC_SECRET",
      "contains a control character (a line break?) inside the value; an HTTP header cannot carry it",
    );
  }
  if (syncSecret !== null && syncSecret.length < 16) {
    throw new ConfigError("BALANCE_SYNC_SECRET", "must be at least 16 characters long");
  }

  return {
    batchSize: integer(env, "BALANCE_SYNC_BATCH_SIZE", DEFAULTS.batchSize, 1, 5000),
    leaseSeconds,
    budgetMs,
    maxBatches: integer(env, "BALANCE_SYNC_MAX_BATCHES", DEFAULTS.maxBatches, 1, 100_000),
    logLevel: rawLevel as LogLevel,
    minIntervalSeconds: integer(
      env,
      "BALANCE_SYNC_MIN_INTERVAL_SECONDS",
      DEFAULTS.minIntervalSeconds,
      0,
      86_400,
    ),
    maxForcedIds: integer(env, "BALANCE_SYNC_MAX_FORCED_IDS", DEFAULTS.maxForcedIds, 1, 10_000),
    storeTimeoutMs,
    maxRowsPerRun: integer(
      env,
      "BALANCE_SYNC_MAX_ROWS_PER_RUN",
      DEFAULTS.maxRowsPerRun,
      1,
      100_000,
    ),
    cpuBudgetMs: integer(env, "BALANCE_SYNC_CPU_BUDGET_MS", DEFAULTS.cpuBudgetMs, 10, 60_000),
    pgNetTimeoutMs,
    abortGraceMs: integer(
      env,
      "BALANCE_SYNC_ABORT_GRACE_MS",
      DEFAULTS.abortGraceMs,
      0,
      10_000,
    ),
    maxRowLogLines: integer(
      env,
      "BALANCE_SYNC_MAX_ROW_LOG_LINES",
      DEFAULTS.maxRowLogLines,
      0,
      90,
    ),
    supabaseUrl,
    ...keys,
    syncSecret,
  };
}
