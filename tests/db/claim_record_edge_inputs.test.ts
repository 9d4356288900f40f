/** Edge inputs of the DB contract: legacy rows with null links, oversized raw/human values. */
import assert from "node:assert/strict";
import { sharedCluster } from "../../stack/pg.ts";
import { parseClaim } from "../../supabase/functions/balance-sync/db/store.ts";
import { claim, migratedDb, record, seedDueRows } from "./fixtures.ts";
import { insertAsset } from "../../stack/seed.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const freshDb = async (name: string) => (await migratedDb(cluster, name)).sql;

Deno.test("a legacy row without wallet_id, or an asset without asset_id, reaches the run as a configuration error instead of failing the whole claim", async () => {
  const sql = await freshDb("legacy_nulls");
  try {
    const { chainId, ids } = await seedDueRows(sql, 3);
    const orphanAsset = await insertAsset(sql, { chainId });
    await sql`update public.asset_on_chain set asset_id = null where id = ${orphanAsset}`;
    const [noWallet] = await sql`
      insert into public.wallet_balances (wallet_id, asset_on_chain_id)
      select null, asset_on_chain_id from public.wallet_balances where id = ${ids[0]}
      returning id`;
    const [noAsset] = await sql`
      insert into public.wallet_balances (wallet_id, asset_on_chain_id)
      select wallet_id, ${orphanAsset} from public.wallet_balances where id = ${ids[1]}
      returning id`;

    const answer = await claim(sql, "legacy-worker", { limit: 10 });
    assert.equal(answer.rows.length, 5);

    const parsed = parseClaim(answer);
    const byId = new Map(parsed.rows.map((r) => [r.id, r]));
    assert.equal(parsed.rows.length, 5, "every claimed row reaches the run");
    assert.equal(byId.get(noWallet.id)?.walletId, null);
    assert.match(byId.get(noWallet.id)?.configError ?? "", /no active address/);
    assert.equal(byId.get(noAsset.id)?.assetId, null);
    for (const id of ids) assert.equal(byId.get(id)?.configError, null);
  } finally {
    await sql.end();
  }
});

Deno.test("record() refuses an absurdly long raw or human with a reason and still applies the valid entries", async () => {
  const sql = await freshDb("long_inputs");
  try {
    const { ids } = await seedDueRows(sql, 3);
    await claim(sql, "long-worker", { limit: 3 });
    const outcome = await record(sql, "long-worker", [
      { id: ids[0], raw: "9".repeat(140_000), human: "1", block: "5" },
      { id: ids[1], raw: "1", human: `0.${"0".repeat(17_000)}1`, block: "5" },
      { id: ids[2], raw: "1000000000000000000", human: "1", block: "5" },
    ]);
    assert.equal(outcome.applied, 1);
    assert.deepEqual(outcome.invalid.map((i) => i.index), [0, 1]);
    assert.match(outcome.invalid[0].reason, /exceeds 2\^256-1/);
    const [row] = await sql`
      select on_chain_balance_raw::text as raw from public.wallet_balances where id = ${ids[2]}`;
    assert.equal(row.raw, "1000000000000000000");
  } finally {
    await sql.end();
  }
});
