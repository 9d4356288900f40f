import assert from "node:assert/strict";
import { DEFAULTS, loadConfig } from "../../supabase/functions/balance-sync/config.ts";
import { budgetWithinPgNet } from "../../supabase/functions/balance-sync/run/settings.ts";
import { ConfigError } from "../../supabase/functions/balance-sync/config_error.ts";

const base: Record<string, string> = {
  SUPABASE_URL: "http://127.0.0.1:54321",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key-0123456789",
};
const envOf = (extra: Record<string, string | undefined> = {}) => {
  const all = { ...base, ...extra };
  return (name: string) => all[name];
};

function rejects(extra: Record<string, string | undefined>, variable: string, pattern: RegExp) {
  assert.throws(() => loadConfig(envOf(extra)), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.variable, variable);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("loadConfig() applies the documented defaults", () => {
  const config = loadConfig(envOf());
  assert.equal(config.batchSize, 50);
  assert.equal(config.leaseSeconds, 120);
  assert.equal(config.budgetMs, 25_000);
  assert.equal(config.maxBatches, DEFAULTS.maxBatches);
  assert.equal(config.logLevel, "info");
  assert.equal(config.maxForcedIds, 1000);
  assert.deepEqual(config.retiredVariables, []);
  assert.deepEqual(config.secretKeys, []);
  assert.equal(config.syncSecret, null);
});

Deno.test("loadConfig() reads every setting from the environment", () => {
  const config = loadConfig(envOf({
    BALANCE_SYNC_BATCH_SIZE: "200",
    BALANCE_SYNC_LEASE_SECONDS: "300",
    BALANCE_SYNC_BUDGET_MS: "10000",
    BALANCE_SYNC_MAX_BATCHES: "7",
    BALANCE_SYNC_LOG_LEVEL: "WARN",
    BALANCE_SYNC_MAX_FORCED_IDS: "10",
    BALANCE_SYNC_SECRET: "cron-secret-0123456789",
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: "sb_secret_a", other: "sb_secret_b" }),
  }));
  assert.equal(config.batchSize, 200);
  assert.equal(config.leaseSeconds, 300);
  assert.equal(config.budgetMs, 10_000);
  assert.equal(config.maxBatches, 7);
  assert.equal(config.logLevel, "warn");
  assert.equal(config.maxForcedIds, 10);
  assert.equal(config.syncSecret, "cron-secret-0123456789");
  assert.deepEqual(config.secretKeys, ["sb_secret_a", "sb_secret_b"]);
});

Deno.test("loadConfig() requires the Supabase URL", () => {
  rejects({ SUPABASE_URL: undefined }, "SUPABASE_URL", /required/);
  rejects({ SUPABASE_URL: "ftp://x" }, "SUPABASE_URL", /http/);
});

Deno.test("loadConfig() rejects numbers that are not whole or out of range", () => {
  rejects({ BALANCE_SYNC_BATCH_SIZE: "fifty" }, "BALANCE_SYNC_BATCH_SIZE", /whole number/);
  rejects({ BALANCE_SYNC_BATCH_SIZE: "0" }, "BALANCE_SYNC_BATCH_SIZE", /between 1 and/);
  rejects({ BALANCE_SYNC_BATCH_SIZE: "2.5" }, "BALANCE_SYNC_BATCH_SIZE", /whole number/);
  rejects({ BALANCE_SYNC_BATCH_SIZE: "-3" }, "BALANCE_SYNC_BATCH_SIZE", /whole number/);
  rejects({ BALANCE_SYNC_MAX_BATCHES: "0" }, "BALANCE_SYNC_MAX_BATCHES", /between/);
});

Deno.test("loadConfig() bounds the budget; each run fits it to the database's pg_net timeout", () => {
  rejects(
    { BALANCE_SYNC_BUDGET_MS: "292001", BALANCE_SYNC_LEASE_SECONDS: "3600" },
    "BALANCE_SYNC_BUDGET_MS",
    /between 100 and 292000/,
  );
  // Above what the default pg_net timeout (40 s) leaves: cut per run (budgetWithinPgNet), not refused.
  const config = loadConfig(envOf({ BALANCE_SYNC_BUDGET_MS: "40000" }));
  assert.equal(config.budgetMs, 40_000);
  assert.equal(budgetWithinPgNet(config.budgetMs, 40_000, config.storeTimeoutMs), 32_000);
  assert.equal(budgetWithinPgNet(config.budgetMs, 120_000, config.storeTimeoutMs), 40_000);
  assert.equal(budgetWithinPgNet(25_000, 20_000, 8_000), 12_000);
});

Deno.test("loadConfig() names the variables that now live in balance_sync.settings, and never refuses them", () => {
  const config = loadConfig(envOf({
    BALANCE_SYNC_MIN_INTERVAL_SECONDS: "0",
    BALANCE_SYNC_MAX_ROWS_PER_RUN: "not a number",
    BALANCE_SYNC_PG_NET_TIMEOUT_MS: "  ",
  }));
  assert.deepEqual(config.retiredVariables, [
    { variable: "BALANCE_SYNC_MIN_INTERVAL_SECONDS", setting: "min_interval_seconds" },
    { variable: "BALANCE_SYNC_MAX_ROWS_PER_RUN", setting: "rows_per_run" },
  ]);
  assert.ok(!("minIntervalSeconds" in config) && !("maxRowsPerRun" in config));
  assert.ok(!("pgNetTimeoutMs" in config));
});

Deno.test("loadConfig() refuses a lease shorter than the run that holds it", () => {
  rejects(
    { BALANCE_SYNC_LEASE_SECONDS: "30", BALANCE_SYNC_BUDGET_MS: "25000" },
    "BALANCE_SYNC_LEASE_SECONDS",
    /cover the run budget/,
  );
});

Deno.test("loadConfig() rejects an unknown log level", () => {
  rejects({ BALANCE_SYNC_LOG_LEVEL: "verbose" }, "BALANCE_SYNC_LOG_LEVEL", /debug, info/);
});

Deno.test("loadConfig() rejects malformed secret keys without echoing them", () => {
  const leaked = "sb_secret_SHOULD_NOT_BE_ECHOED";
  assert.throws(
    () => loadConfig(envOf({ SUPABASE_SECRET_KEYS: `{"default": "${leaked}"` })),
    (error: Error) => error instanceof ConfigError && !error.message.includes(leaked),
  );
  rejects({ SUPABASE_SECRET_KEYS: '["a"]' }, "SUPABASE_SECRET_KEYS", /JSON object/);
  rejects({ SUPABASE_SECRET_KEYS: '{"default": 5}' }, "SUPABASE_SECRET_KEYS", /"default"/);
});

Deno.test("loadConfig() refuses a guessable sync secret", () => {
  rejects({ BALANCE_SYNC_SECRET: "short" }, "BALANCE_SYNC_SECRET", /at least 16/);
});

Deno.test("loadConfig() trims BALANCE_SYNC_SECRET saved with a trailing newline (HTTP trims header values)", () => {
  const env: Record<string, string> = { ...base, BALANCE_SYNC_SECRET: "cron-secret-0123456789\n" };
  assert.equal(loadConfig((name) => env[name]).syncSecret, "cron-secret-0123456789");
  env.BALANCE_SYNC_SECRET = "  cron-secret-0123456789\r\n";
  assert.equal(loadConfig((name) => env[name]).syncSecret, "cron-secret-0123456789");
});

Deno.test("loadConfig() refuses a BALANCE_SYNC_SECRET with a line break inside, naming the variable", () => {
  const env: Record<string, string> = {
    ...base,
    BALANCE_SYNC_SECRET: "cron-secret-01234\n56789",
  };
  assert.throws(() => loadConfig((name) => env[name]), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.variable, "BALANCE_SYNC_SECRET");
    assert.match(error.message, /^BALANCE_SYNC_SECRET: .*control character/);
    assert.ok(!error.message.includes("cron-secret"), "the value is never in the message");
    return true;
  });
});
