/**
 * balance_sync_claim with a force-sync filter that names something that does not exist: a filter
 * that matches no row at all raises no_data_found (P0002) naming it, before anything is leased;
 * ids of wallet_balance_ids that match no row come back as unknown_ids.
 */
import assert from "node:assert/strict";
import { sharedCluster } from "../../stack/pg.ts";
import type { Sql } from "../../stack/pg.ts";
import { claim, migratedDb, seedDueRows } from "./fixtures.ts";
import { insertChain } from "../../stack/seed.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const MISSING = "00000000-0000-4000-8000-00000000dead";

async function leased(sql: Sql): Promise<number> {
  const [{ n }] = await sql`
    select count(*)::int as n from public.wallet_balances where locked_by is not null`;
  return n;
}

/**
 * Claims with `filter` (of one key), which must raise no_data_found with `message` and name the
 * key in the error's detail.
 */
async function assertNotFound(sql: Sql, filter: Record<string, unknown>, message: string) {
  try {
    await claim(sql, `worker-${crypto.randomUUID()}`, { filter });
  } catch (error) {
    const e = error as { code?: string; message: string; detail?: string };
    assert.equal(e.code, "P0002", e.message);
    assert.equal(e.message, message);
    assert.equal(e.detail, Object.keys(filter)[0]);
    return;
  }
  assert.fail(`claim with ${JSON.stringify(filter)} did not raise`);
}

Deno.test("claim: a wallet_id that does not exist raises no_data_found naming it and leases nothing", async () => {
  const { sql } = await migratedDb(cluster, "unknown_wallet");
  await seedDueRows(sql, 3);
  await assertNotFound(sql, { wallet_id: MISSING }, `wallet ${MISSING} does not exist`);
  assert.equal(await leased(sql), 0);
});

Deno.test("claim: a wallet without balance rows is told apart from a wallet that does not exist", async () => {
  const { sql } = await migratedDb(cluster, "empty_wallet");
  await seedDueRows(sql, 2);
  const [{ id }] = await sql`insert into public.wallets (label) values ('empty') returning id`;
  await assertNotFound(sql, { wallet_id: id }, `wallet ${id} has no wallet_balances rows`);
  assert.equal(await leased(sql), 0);
});

Deno.test("claim: an unknown chain_id or asset_on_chain_id raises no_data_found with its key", async () => {
  const { sql } = await migratedDb(cluster, "unknown_chain");
  await seedDueRows(sql, 2);
  await assertNotFound(sql, { chain_id: MISSING }, `chain ${MISSING} does not exist`);
  const emptyChain = await insertChain(sql, { name: "no rows" });
  await assertNotFound(
    sql,
    { chain_id: emptyChain },
    `chain ${emptyChain} has no wallet_balances rows`,
  );
  await assertNotFound(
    sql,
    { asset_on_chain_id: MISSING },
    `asset_on_chain ${MISSING} does not exist`,
  );
  assert.equal(await leased(sql), 0);
});

Deno.test("claim: wallet_balance_ids that all match no row raise no_data_found and lease nothing", async () => {
  const { sql } = await migratedDb(cluster, "unknown_ids");
  await seedDueRows(sql, 2);
  await assertNotFound(
    sql,
    { wallet_balance_ids: [MISSING] },
    `wallet_balance ${MISSING} does not exist`,
  );
  const other = MISSING.replace("dead", "beef");
  await assertNotFound(
    sql,
    { wallet_balance_ids: [MISSING, other] },
    "none of the 2 wallet_balance_ids exists",
  );
  assert.equal(await leased(sql), 0);
});

Deno.test("claim: wallet_balance_ids with some unknown ids claims the known ones and lists the others", async () => {
  const { sql } = await migratedDb(cluster, "some_unknown");
  const { ids } = await seedDueRows(sql, 3);
  const result = await claim(sql, "worker-partial", {
    filter: { wallet_balance_ids: [ids[0], MISSING, ids[1], MISSING] },
  });
  assert.deepEqual(result.rows.map((r) => r.id).sort(), [ids[0], ids[1]].sort());
  assert.deepEqual(result.unknown_ids, [MISSING]);
  assert.equal(await leased(sql), 2);
});

Deno.test("claim: a filter whose rows exist but are all leased elsewhere is busy, not unknown", async () => {
  const { sql } = await migratedDb(cluster, "busy_not_unknown");
  const { ids, chainId } = await seedDueRows(sql, 2);
  await claim(sql, "worker-first");
  const result = await claim(sql, "worker-second", { filter: { chain_id: chainId } });
  assert.equal(result.rows.length, 0);
  assert.deepEqual([...result.busy].sort(), [...ids].sort());
  const byIds = await claim(sql, "worker-third", { filter: { wallet_balance_ids: ids } });
  assert.deepEqual(byIds.unknown_ids, []);
});

Deno.test("claim: a scheduled claim carries no unknown_ids", async () => {
  const { sql } = await migratedDb(cluster, "scheduled_no_unknown");
  await seedDueRows(sql, 1);
  const result = await claim(sql, "worker-scheduled");
  assert.equal("unknown_ids" in result, false);
});
