import type { LogLevel } from "./log.ts";

/** Everything the function reads from its environment, validated once. */
export interface Config {
  batchSize: number;
  leaseSeconds: number;
  budgetMs: number;
  maxBatches: number;
  logLevel: LogLevel;
  minIntervalSeconds: number;
  maxForcedIds: number;
  /** Timeout of each database call (claim, record, release). */
  storeTimeoutMs: number;
  supabaseUrl: string;
  serviceRoleKey: string;
  /** Values of SUPABASE_SECRET_KEYS (the `sb_secret_...` keys). */
  secretKeys: string[];
  /** Dedicated secret of the cron path (`x-balance-sync-secret`); null when not configured. */
  syncSecret: string | null;
}

/** A variable is missing or invalid. The message names the variable, never a secret's value. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
  }
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
  storeTimeoutMs: 10_000,
} as const;

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

function secretKeys(env: Env): string[] {
  const raw = env("SUPABASE_SECRET_KEYS")?.trim();
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError("SUPABASE_SECRET_KEYS", "must be a JSON object of name to key");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError("SUPABASE_SECRET_KEYS", "must be a JSON object of name to key");
  }
  const keys: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== "string" || value.length === 0) {
      throw new ConfigError("SUPABASE_SECRET_KEYS", `entry "${name}" must be a non-empty string`);
    }
    keys.push(value);
  }
  return keys;
}

export function loadConfig(env: Env = (name) => Deno.env.get(name)): Config {
  const supabaseUrl = required(env, "SUPABASE_URL");
  try {
    const url = new URL(supabaseUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
  } catch {
    throw new ConfigError("SUPABASE_URL", "must be an http(s) URL");
  }
  const serviceRoleKey = required(env, "SUPABASE_SERVICE_ROLE_KEY");

  const rawLevel = env("BALANCE_SYNC_LOG_LEVEL")?.trim().toLowerCase() || DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(rawLevel as LogLevel)) {
    throw new ConfigError(
      "BALANCE_SYNC_LOG_LEVEL",
      `must be one of ${LOG_LEVELS.join(", ")}, got "${rawLevel}"`,
    );
  }

  const storeTimeoutMs = DEFAULTS.storeTimeoutMs;
  const maxBudget = PG_NET_TIMEOUT_MS - storeTimeoutMs;
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
    supabaseUrl,
    serviceRoleKey,
    secretKeys: secretKeys(env),
    syncSecret,
  };
}
