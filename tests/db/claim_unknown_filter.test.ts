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

async function notFound(sql: Sql, filter: unknown): Promise<{ message: string; detail: string }> {
  try {
    await claim(sql, `worker-${crypto.randomUUID()}`, { filter });
  } catch (error) {
    const e = error as { code?: string; message: string; detail?: string };
    assert.equal(e.code, "P0002", e.message);
    return { message: e.message, detail: e.detail ?? "" };
  }
  assert.fail(`claim with ${JSON.stringify(filter)} did not raise`);
}

Deno.test("claim: a wallet_id that does not exist raises no_data_found naming it and leases nothing", async () => {
  const { sql } = await migratedDb(cluster, "unknown_wallet");
  await seedDueRows(sql, 3);
  const error = await notFound(sql, { wallet_id: MISSING });
  assert.equal(error.message, `wallet ${MISSING} does not exist`);
  assert.equal(error.detail, "wallet_id");
  assert.equal(await leased(sql), 0);
});

Deno.test("claim: a wallet without balance rows is told apart from a wallet that does not exist", async () => {
  const { sql } = await migratedDb(cluster, "empty_wallet");
  await seedDueRows(sql, 2);
  const [{ id }] = await sql`insert into public.wallets (label) values ('empty') returning id`;
  const error = await notFound(sql, { wallet_id: id });
  assert.equal(error.message, `wallet ${id} has no wallet_balances rows`);
  assert.equal(error.detail, "wallet_id");
  assert.equal(await leased(sql), 0);
});

Deno.test("claim: an unknown chain_id or asset_on_chain_id raises no_data_found with its key", async () => {
  const { sql } = await migratedDb(cluster, "unknown_chain");
  await seedDueRows(sql, 2);
  const chain = await notFound(sql, { chain_id: MISSING });
  assert.equal(chain.message, `chain ${MISSING} does not exist`);
  assert.equal(chain.detail, "chain_id");
  const emptyChain = await insertChain(sql, { name: "no rows" });
  const empty = await notFound(sql, { chain_id: emptyChain });
  assert.equal(empty.message, `chain ${emptyChain} has no wallet_balances rows`);
  const asset = await notFound(sql, { asset_on_chain_id: MISSING });
  assert.equal(asset.message, `asset_on_chain ${MISSING} does not exist`);
  assert.equal(asset.detail, "asset_on_chain_id");
  assert.equal(await leased(sql), 0);
});

Deno.test("claim: wallet_balance_ids that all match no row raise no_data_found and lease nothing", async () => {
  const { sql } = await migratedDb(cluster, "unknown_ids");
  await seedDueRows(sql, 2);
  const one = await notFound(sql, { wallet_balance_ids: [MISSING] });
  assert.equal(one.message, `wallet_balance ${MISSING} does not exist`);
  assert.equal(one.detail, "wallet_balance_ids");
  const other = MISSING.replace("dead", "beef");
  const two = await notFound(sql, { wallet_balance_ids: [MISSING, other] });
  assert.equal(two.message, "none of the 2 wallet_balance_ids exists");
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
