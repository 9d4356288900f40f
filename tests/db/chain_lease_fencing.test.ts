/**
 * The chain lease fences a rate-limited chain's pace on real PostgreSQL: claim and record renew
 * the holder's lease, and a run whose lease ran out and was taken over is told so. Its claims get
 * no row; its record still writes the rows it holds (row leases fence the balances).
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { claim, migratedDb, record, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const acquire = async (sql: Sql, worker: string, chain: string, seconds = 60) => {
  const [row] =
    await sql`select public.balance_sync_chain_acquire(${worker}, ${chain}, ${seconds}) as r`;
  return row.r as Record<string, unknown>;
};
const lease = async (sql: Sql, chain: string) => {
  const [row] = await sql`select locked_by, locked_until, extract(epoch from locked_until - now())
                            as left_s from balance_sync.chain_leases where chain_id = ${chain}`;
  return row as { locked_by: string; locked_until: Date; left_s: string } | undefined;
};
const scheduled = (chainId: string) => ({ chain_id: chainId, scheduled: true });
const success = (id: string) => ({ id, raw: "1", human: "0.000000000000000001", block: "7" });

Deno.test("chain lease fencing: A's lease runs out and B takes it; A's claim gets no row and is told; A's record of rows it holds is written and reports the loss; B is unaffected", async () => {
  const { sql } = await migratedDb(cluster, "chain_fence");
  const { chainId, ids } = await seedDueRows(sql, 6);
  await sql`update public.chains set max_rps = 2 where id = ${chainId}`;

  assert.equal((await acquire(sql, "run-a", chainId)).acquired, true);
  const first = await claim(sql, "run-a", { limit: 2, filter: scheduled(chainId) });
  assert.equal(first.rows.length, 2);
  assert.equal(first.chain_lease, "held");
  const heldByA = first.rows.map((r) => r.id);

  // A overran: its lease ran out (its rows' leases did not), and B took the chain over.
  await sql`update balance_sync.chain_leases set locked_until = now() - interval '1 second'
            where chain_id = ${chainId}`;
  assert.equal((await acquire(sql, "run-b", chainId)).acquired, true);

  const lost = await claim(sql, "run-a", { limit: 2, filter: scheduled(chainId) });
  assert.deepEqual(lost.rows, [], "a run without the chain lease leases no row");
  assert.equal(lost.chain_lease, "lost");
  assert.equal(lost.chain_lease_holder, "run-b");
  assert.equal((await lease(sql, chainId))?.locked_by, "run-b", "A's claim did not take it back");

  const recorded = await record(sql, "run-a", heldByA.map(success));
  assert.equal(recorded.applied, 2, "rows A still holds are written");
  assert.equal(recorded.chain_lease, "lost");
  assert.deepEqual(recorded.chain_leases_lost, [chainId]);
  const [{ n }] = await sql`select count(*)::int as n from public.wallet_balances
                            where id = any(${heldByA}) and sync_count = 1 and locked_by is null`;
  assert.equal(n, 2);

  const b = await claim(sql, "run-b", { limit: 10, filter: scheduled(chainId) });
  assert.equal(b.chain_lease, "held");
  assert.deepEqual(
    b.rows.map((r) => r.id).sort(),
    ids.filter((id) => !heldByA.includes(id)).sort(),
  );
  const bRecorded = await record(sql, "run-b", b.rows.map((r) => success(r.id)));
  assert.equal(bRecorded.applied, 4);
  assert.equal(bRecorded.chain_lease, "held");
  assert.deepEqual(bRecorded.chain_leases_lost, []);
  assert.equal((await lease(sql, chainId))?.locked_by, "run-b");
});

Deno.test("chain lease fencing: each claim and record of the holder renews the lease by its seconds; a chain without max_rps carries no chain_lease", async () => {
  const { sql } = await migratedDb(cluster, "chain_fence_renew");
  const { chainId } = await seedDueRows(sql, 4);
  await sql`update public.chains set max_rps = 5 where id = ${chainId}`;
  await acquire(sql, "run-a", chainId, 300);

  // Pretend the lease has 10 s left: a claim puts it back to the lease's 300 s.
  await sql`update balance_sync.chain_leases set locked_until = now() + interval '10 seconds'`;
  const got = await claim(sql, "run-a", { limit: 2, lease: 120, filter: scheduled(chainId) });
  assert.equal(got.chain_lease, "held");
  assert.ok(Number((await lease(sql, chainId))!.left_s) > 295, "claim renewed it by 300 s");

  await sql`update balance_sync.chain_leases set locked_until = now() + interval '10 seconds'`;
  const recorded = await record(sql, "run-a", got.rows.map((r) => success(r.id)));
  assert.equal(recorded.chain_lease, "held");
  assert.ok(Number((await lease(sql, chainId))!.left_s) > 295, "record renewed it by 300 s");

  const free = await seedDueRows(sql, 2);
  const plain = await claim(sql, "run-c", { filter: scheduled(free.chainId) });
  assert.equal(plain.rows.length, 2);
  assert.equal(plain.chain_lease, undefined);
  const plainRecord = await record(sql, "run-c", plain.rows.map((r) => success(r.id)));
  assert.equal(plainRecord.chain_lease, undefined);
  assert.equal(plainRecord.applied, 2);
});

Deno.test("chain lease fencing: an expired lease nobody took is not the caller's either; a claim without the lease never takes one", async () => {
  const { sql } = await migratedDb(cluster, "chain_fence_expired");
  const { chainId } = await seedDueRows(sql, 3);
  await sql`update public.chains set max_rps = 2 where id = ${chainId}`;

  const never = await claim(sql, "run-x", { filter: scheduled(chainId) });
  assert.deepEqual(never.rows, []);
  assert.equal(never.chain_lease, "lost");
  assert.equal(never.chain_lease_holder, null);
  assert.equal(await lease(sql, chainId), undefined);

  await acquire(sql, "run-a", chainId);
  await sql`update balance_sync.chain_leases set locked_until = now() - interval '1 second'`;
  const expired = await claim(sql, "run-a", { filter: scheduled(chainId) });
  assert.deepEqual(expired.rows, []);
  assert.equal(expired.chain_lease, "lost");
  assert.ok((await lease(sql, chainId))!.locked_until < new Date(), "not renewed");
});

Deno.test("claim: without p_min_interval_seconds the setting min_interval_seconds decides which rows are due", async () => {
  const { sql } = await migratedDb(cluster, "claim_setting_interval");
  const { ids } = await seedDueRows(sql, 2);
  // Checked 100 s ago, without next_sync_at: due under 30 s, not under 600 s.
  await sql`update public.wallet_balances set last_checked = now() - interval '100 seconds',
            next_sync_at = null where id = any(${ids})`;
  await sql`update balance_sync.settings set value = '600' where key = 'min_interval_seconds'`;
  const withSetting = async (worker: string) => {
    const [row] = await sql`select public.balance_sync_claim(${worker}, 10, 60, null, null) as r`;
    return row.r as { rows: { id: string }[] };
  };
  assert.equal((await withSetting("w1")).rows.length, 0, "600 s: not due");
  assert.equal(
    (await claim(sql, "w2", { minInterval: 30 })).rows.length,
    2,
    "a given value decides",
  );
  await sql`update public.wallet_balances set locked_by = null, locked_until = null,
            processing_status = 'idle' where id = any(${ids})`;
  await sql`update balance_sync.settings set value = '60' where key = 'min_interval_seconds'`;
  assert.equal((await withSetting("w3")).rows.length, 2, "60 s: due");

  const [{ s }] = await sql`select public.balance_sync_run_settings() as s`;
  assert.deepEqual(s, { min_interval_seconds: 60, rows_per_run: 2000, pg_net_timeout_ms: 40000 });
});
