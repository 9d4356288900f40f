/**
 * The served function follows the database's settings, not the function secrets that used to
 * repeat them: with rows_per_run = 2 and pg_net_timeout_ms = 20000 in balance_sync.settings and
 * BALANCE_SYNC_MAX_ROWS_PER_RUN = 1000 left set, a run holds one row per claim, fits its budget in 20 s, and
 * the log names the secret that no longer decides. Unit tests: tests/unit/run_settings.test.ts.
 */
import assert from "node:assert/strict";
import { seedWorld } from "../../stack/data.ts";
import { e2eTest, sharedStack } from "./fixture.ts";

const stack = sharedStack();

e2eTest(
  stack,
  "a scheduled run follows rows_per_run and pg_net_timeout_ms from the database where the retired secret differs, and warns about the secret",
  (s) => seedWorld(s, { wallets: 3 }),
  async (s) => {
    const keys = ["rows_per_run", "pg_net_timeout_ms"];
    const saved = await s
      .sql`select key, value::text as value from balance_sync.settings where key = any(${keys})`;
    await s.sql`update balance_sync.settings set value = '2' where key = 'rows_per_run'`;
    await s.sql`update balance_sync.settings set value = '20000' where key = 'pg_net_timeout_ms'`;
    const fn = await s.serveFunction({
      env: { BALANCE_SYNC_MAX_ROWS_PER_RUN: "1000", BALANCE_SYNC_BATCH_SIZE: "1" },
    });
    try {
      const response = await fn.call({});
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.rows_cap, 2);
      // rows_per_run bounds the rows a run holds at once: 2 shared by the chains is one row per
      // claim (with the secret's 1000 a multicall chain's claims would take 1,000 rows).
      assert.ok(response.body.claimed > 2, `${response.body.claimed} claimed`);
      assert.equal(response.body.batches, response.body.claimed, "every claim held one row");

      const logs = fn.logs();
      const started = logs.find((l) =>
        l.run_id === response.body.run_id && l.msg === "Balance sync run started"
      );
      assert.equal(started?.pg_net_timeout_ms, 20_000);
      assert.equal(started?.budget_ms, 12_000, "20 s less the 8 s store timeout");
      const warned = logs.filter((l) => l.variable === "BALANCE_SYNC_MAX_ROWS_PER_RUN");
      assert.equal(warned.length, 1);
      assert.equal(warned[0].setting, "rows_per_run");
    } finally {
      await fn.stop();
      for (const { key, value } of saved) {
        await s.sql`update balance_sync.settings set value = ${value}::jsonb where key = ${key}`;
      }
    }
  },
);
