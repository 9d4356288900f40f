/**
 * Every index on wallet_balances costs each record (record rewrites the indexed columns, so no
 * update is HOT and each synced row adds an entry to every index): the table has exactly the
 * indexes some path reads. After all migrations the set is the expected one, and each index of
 * ours is in the plan of a named path, run as the function runs it (bench/index_paths.ts: the
 * function's own store over SQL; auto_explain's JSON plans of every statement inside the call), on
 * a table large enough for the planner to prefer it (40,000 rows over 10 chains, generated as
 * bench --claim-scale does). docs/live-database.md, "Indexes on wallet_balances".
 */
import assert from "node:assert/strict";
import { sharedCluster } from "../../stack/pg.ts";
import { indexesIn, planSession } from "../../stack/nested_plans.ts";
import { generate } from "../../bench/claim_scale.ts";
import { INDEX_PATHS, preparePaths, walletBalanceIndexes } from "../../bench/index_paths.ts";
import { migratedDb } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

/** Each index of ours, and the path whose plan must read it. */
const SERVES: Record<string, string> = {
  wallet_balances_asset_next_sync_idx: "claim scheduled (one chain)",
  wallet_balances_asset_on_chain_id_idx: "due_chains",
  wallet_balances_failing_idx: "chain_status",
  wallet_balances_locked_by_idx: "release",
  wallet_balances_sync_order_idx: "claim scheduled, line drained (resync asked)",
  wallet_balances_wallet_id_idx: "claim forced by wallet_id",
};

Deno.test("indexes: wallet_balances has exactly the primary key and the indexes a path reads, each in the plan of its path", async () => {
  const { c, db, sql } = await migratedDb(cluster, "index_paths");
  assert.deepEqual(
    await walletBalanceIndexes(sql),
    ["wallet_balances_pkey", ...Object.keys(SERVES)].sort(),
  );

  await generate(sql, { rows: 40_000, chains: 10, share: 0.1 });
  const ctx = await preparePaths(sql);
  await sql`vacuum analyze`;
  const session = await planSession(c, db);
  try {
    for (const [index, name] of Object.entries(SERVES)) {
      const path = INDEX_PATHS.find((p) => p.name === name);
      assert.ok(path, `no path named ${name}`);
      const plans = await session.explain((s) => path.run(s, ctx), {
        format: "json",
        analyze: false,
      });
      assert.ok(plans.length > 0, `${name}: no plan was logged`);
      assert.ok(
        indexesIn(plans.join("\n")).includes(index),
        `${name} no longer reads ${index} (plans read: ${indexesIn(plans.join("\n")).join(", ")})`,
      );
    }
  } finally {
    await session.end();
  }
});
