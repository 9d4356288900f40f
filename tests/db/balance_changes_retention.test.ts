/**
 * Retention of balance_sync.balance_changes, applied by the cleanup job's function
 * (balance_sync.cleanup_cron_history) in pg_cron's database.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { changesAged, remainingAges } from "../support/balance_changes.ts";
import { waitFor } from "../support/wait.ts";
import { claim, record, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster({ migrate: true });

async function setSetting(sql: Sql, key: string, value: unknown): Promise<void> {
  await sql`update balance_sync.settings set value = ${JSON.stringify(value)}::text::jsonb
            where key = ${key}`;
}

Deno.test("retention: the cleanup job deletes only change rows older than the setting (default 30 days)", async () => {
  const sql = (await cluster()).sql;
  await setSetting(sql, "balance_changes_prune_batch", 3);
  // oldest first, as the log is written; 30 days = 720 hours
  const ages = [2000, 1000, 900, 800, 721, 719, 700, 500, 25, 1, 0];
  await changesAged(sql, ages, "hours");
  await sql`select balance_sync.cleanup_cron_history()`;
  assert.deepEqual(await remainingAges(sql), [719, 700, 500, 25, 1, 0]);

  await setSetting(sql, "balance_changes_retention_days", 1);
  await sql`select balance_sync.cleanup_cron_history()`;
  assert.deepEqual(await remainingAges(sql), [1, 0]);
  await setSetting(sql, "balance_changes_retention_days", 30);
  await setSetting(sql, "balance_changes_prune_batch", 5000);
});

Deno.test("retention: deletes in batches within its time budget; the next run goes on", async () => {
  const sql = (await cluster()).sql;
  await setSetting(sql, "balance_changes_prune_batch", 4);
  await setSetting(sql, "balance_changes_prune_seconds", 0);
  await changesAged(sql, [900, 900, 900, 900, 900, 900, 900, 900, 900, 900, 1], "hours");
  const [{ n: first }] = await sql`select balance_sync.prune_balance_changes() as n`;
  assert.equal(Number(first), 4, "one batch when the budget is spent");
  await sql`select balance_sync.cleanup_cron_history()`;
  await sql`select balance_sync.cleanup_cron_history()`;
  assert.deepEqual(await remainingAges(sql), [1]);
  await setSetting(sql, "balance_changes_prune_batch", 5000);
  await setSetting(sql, "balance_changes_prune_seconds", 20);
});

Deno.test("retention: while a cleanup holds its transaction open, record still writes and readers still read the log", async () => {
  const c = await cluster();
  const sql = c.sql;
  await changesAged(sql, [900, 900, 900, 1], "hours");
  const { ids } = await seedDueRows(sql, 1);
  await claim(sql, "run-retention", { filter: { wallet_balance_ids: ids } });
  const cleaner = c.connect("postgres", { max: 1 });
  const other = c.connect("postgres", { max: 1 });
  let finish!: () => void;
  const cleaning = cleaner.begin(async (tx) => {
    await tx`select balance_sync.cleanup_cron_history()`;
    await new Promise<void>((resolve) => finish = resolve);
  });
  await waitFor("the cleanup transaction", () => finish !== undefined);
  try {
    await other.begin(async (tx) => {
      await tx`set local lock_timeout = '2s'`;
      const outcome = await record(tx as unknown as Sql, "run-retention", [
        { id: ids[0], raw: "5", human: "0.000000000000000005", block: "1" },
      ]);
      assert.equal(outcome.applied, 1);
      const [{ n }] = await tx`select count(*)::int as n from balance_sync.balance_changes`;
      assert.equal(n, 5, "the old rows are still there for others until the cleanup commits");
    });
  } finally {
    finish();
    await cleaning;
  }
  const left = await sql`select run_id from balance_sync.balance_changes order by id`;
  assert.deepEqual(
    left.map((r) => r.run_id),
    ["run-1", "run-retention"],
    "the young row and the new change",
  );
});
