/**
 * The function's configuration: its environment variables (secrets), validated once, with their
 * defaults; and the defaults of the settings each run reads from the database.
 */
import { ConfigError } from "./config_error.ts";
import { type ApiKeys, loadApiKeys } from "./db/keys.ts";
import type { LogLevel } from "./log.ts";

/** Everything the function reads from its environment, validated once. */
export interface Config extends ApiKeys {
  batchSize: number;
  leaseSeconds: number;
  budgetMs: number;
  maxBatches: number;
  logLevel: LogLevel;
  maxForcedIds: number;
  /** Timeout of each database call (claim, record, release); late calls get less (run.ts). */
  storeTimeoutMs: number;
  /** Claim no more once the run has used this much CPU (where the runtime can tell). */
  cpuBudgetMs: number;
  /** How long a read cut at the deadline may take to hand back what it has read. */
  abortGraceMs: number;
  /** Per-row warning lines one run writes at most; the rest are counted in the summary. */
  maxRowLogLines: number;
  supabaseUrl: string;
  /** Dedicated secret of the cron path (`x-balance-sync-secret`); null when not configured. */
  syncSecret: string | null;
  /** Variables still set that no longer decide anything (the handler warns once for each). */
  retiredVariables: RetiredVariable[];
}

/** A function secret whose value now lives in balance_sync.settings. */
export interface RetiredVariable {
  variable: string;
  setting: string;
}

/**
 * These secrets used to repeat database settings, which had to be kept equal by hand. The run now
 * reads the settings themselves (balance_sync_run_settings), so a value left here decides nothing.
 */
export const RETIRED_VARIABLES: readonly RetiredVariable[] = [
  { variable: "BALANCE_SYNC_MIN_INTERVAL_SECONDS", setting: "min_interval_seconds" },
  { variable: "BALANCE_SYNC_MAX_ROWS_PER_RUN", setting: "rows_per_run" },
  { variable: "BALANCE_SYNC_PG_NET_TIMEOUT_MS", setting: "pg_net_timeout_ms" },
];

/**
 * The default of the setting pg_net_timeout_ms (dispatch's and balance_sync_run_settings'
 * fallback); a run plus its final writes must fit in the setting's value.
 */
export const PG_NET_TIMEOUT_MS = 40_000;

/**
 * The defaults of the settings a run reads from the database (dispatch's and
 * balance_sync_run_settings' fallbacks), followed only while the database predates that function.
 */
export const SETTING_DEFAULTS = {
  minIntervalSeconds: 30,
  rowsPerRun: 2000,
  pgNetTimeoutMs: PG_NET_TIMEOUT_MS,
} as const;

/** The longest budget a run may be given; each run cuts it to fit the setting pg_net_timeout_ms. */
export const MAX_BUDGET_MS = 300_000;

export const DEFAULTS = {
  batchSize: 50,
  leaseSeconds: 120,
  budgetMs: 25_000,
  maxBatches: 100,
  logLevel: "info" as LogLevel,
  maxForcedIds: 1000,
  // Hosted Supabase cancels a statement of `authenticator` (and so of service_role) after 8 s: a
  // longer wait here would only wait for an answer that cannot come.
  storeTimeoutMs: 8_000,
  cpuBudgetMs: 800,
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
 * work: a lease shorter than a run. The settings the database holds (minimum interval, rows per
 * run, pg_net's timeout) are read by each run from there; their former variables are only named
 * in `retiredVariables`.
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

  const storeTimeoutMs = integer(
    env,
    "BALANCE_SYNC_STORE_TIMEOUT_MS",
    DEFAULTS.storeTimeoutMs,
    50,
    60_000,
  );
  // Each run cuts the budget to fit the setting pg_net_timeout_ms (run/settings.ts,
  // budgetWithinPgNet): the setting lives in the database, so only the outer bound is checked here.
  const budgetMs = integer(
    env,
    "BALANCE_SYNC_BUDGET_MS",
    DEFAULTS.budgetMs,
    100,
    MAX_BUDGET_MS - storeTimeoutMs,
  );
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
    maxForcedIds: integer(env, "BALANCE_SYNC_MAX_FORCED_IDS", DEFAULTS.maxForcedIds, 1, 10_000),
    storeTimeoutMs,
    cpuBudgetMs: integer(env, "BALANCE_SYNC_CPU_BUDGET_MS", DEFAULTS.cpuBudgetMs, 10, 60_000),
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
    // Whatever their value (a malformed one too): they are not read, and must not stop a deploy.
    retiredVariables: RETIRED_VARIABLES.filter((r) => (env(r.variable)?.trim() ?? "") !== ""),
  };
}
