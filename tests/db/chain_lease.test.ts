/** The chain lease of rate-limited chains and the per-chain scheduled claim, on real PostgreSQL. */
import assert from "node:assert/strict";
import { sharedCluster } from "../../stack/pg.ts";
import { claim, migratedDb, record, release, seedDueRows } from "./fixtures.ts";
import { insertAsset, insertBalances } from "../../stack/seed.ts";
import { planSession } from "../../stack/nested_plans.ts";
import { scheduledClaim } from "../../bench/function_claim.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const acquire = async (sql: import("../../stack/pg.ts").Sql, worker: string, chain: string) => {
  const [row] = await sql`select public.balance_sync_chain_acquire(${worker}, ${chain}, 60) as r`;
  return row.r as Record<string, unknown>;
};
const giveBack = async (sql: import("../../stack/pg.ts").Sql, worker: string, chain: string) => {
  const [row] = await sql`select public.balance_sync_chain_release(${worker}, ${chain}) as r`;
  return row.r as boolean;
};

Deno.test("chain lease: one holder at a time for a rate-limited chain; released only by its holder; an expired one is taken over", async () => {
  const { sql } = await migratedDb(cluster, "chain_lease");
  const { chainId } = await seedDueRows(sql, 4);
  await sql`update public.chains set max_rps = 2 where id = ${chainId}`;

  assert.equal((await acquire(sql, "a", chainId)).acquired, true);
  const lost = await acquire(sql, "b", chainId);
  assert.equal(lost.acquired, false);
  assert.equal(lost.holder, "a");
  assert.equal((await acquire(sql, "a", chainId)).acquired, true, "its holder may renew it");
  assert.equal(await giveBack(sql, "b", chainId), false, "another run cannot release it");
  assert.equal(await giveBack(sql, "a", chainId), true);
  assert.equal((await acquire(sql, "b", chainId)).acquired, true);

  await sql`update balance_sync.chain_leases set locked_until = now() - interval '1 second'`;
  assert.equal((await acquire(sql, "c", chainId)).acquired, true, "an expired lease is free");
  assert.equal(await giveBack(sql, "b", chainId), false, "the old holder is fenced off");
});

Deno.test("chain lease: a chain without max_rps needs none, an unknown chain is said so; 8 concurrent acquirers of a paced chain, exactly one wins", async () => {
  const { c, db, sql } = await migratedDb(cluster, "chain_lease_race");
  const free = (await seedDueRows(sql, 1)).chainId;
  assert.deepEqual(await acquire(sql, "a", free), { acquired: true, rate_limited: false });
  assert.deepEqual(await acquire(sql, "b", free), { acquired: true, rate_limited: false });
  assert.deepEqual(await acquire(sql, "a", crypto.randomUUID()), {
    acquired: false,
    rate_limited: false,
    unknown_chain: true,
  });

  const paced = (await seedDueRows(sql, 1)).chainId;
  await sql`update public.chains set max_rps = 10 where id = ${paced}`;
  const clients = Array.from({ length: 8 }, () => c.connect(db, { max: 1 }));
  await Promise.all(clients.map((k) => k`select 1`));
  const results = await Promise.all(clients.map((k, i) => acquire(k, `w${i}`, paced)));
  assert.equal(results.filter((r) => r.acquired).length, 1);
  await Promise.all(clients.map((k) => k.end()));
});

Deno.test("claim: rows of a chain leased by another run are not claimed; a forced claim lists them as busy", async () => {
  const { sql } = await migratedDb(cluster, "chain_lease_claim");
  const { chainId, ids } = await seedDueRows(sql, 3);
  await sql`update public.chains set max_rps = 2 where id = ${chainId}`;
  await acquire(sql, "holder", chainId);

  assert.equal((await claim(sql, "other")).rows.length, 0);
  assert.equal(
    (await claim(sql, "other", { filter: { chain_id: chainId, scheduled: true } })).rows.length,
    0,
  );
  const forced = await claim(sql, "other", { filter: { chain_id: chainId } });
  assert.equal(forced.rows.length, 0);
  assert.deepEqual(forced.busy.sort(), [...ids].sort());
  assert.equal((await claim(sql, "holder")).rows.length, 3, "its holder claims them");
});

Deno.test("claim: a scheduled chain filter claims that chain's due rows only, in line, never a fresh one", async () => {
  const { sql } = await migratedDb(cluster, "scheduled_filter");
  const a = await seedDueRows(sql, 3);
  const b = await seedDueRows(sql, 2);
  await sql`update public.wallet_balances set last_checked = now() where id = ${a.ids[0]}`;

  const got = await claim(sql, "w", { filter: { chain_id: a.chainId, scheduled: true } });
  assert.deepEqual(got.rows.map((r) => r.id).sort(), a.ids.slice(1).sort());
  assert.deepEqual(got.busy, []);
  assert.ok(got.rows.every((r) => r.chain_id === a.chainId));
  assert.equal(b.ids.length, 2);

  await assert.rejects(
    claim(sql, "w", { filter: { chain_id: a.chainId, scheduled: "yes" } }),
    /filter scheduled must be a boolean/,
  );
});

Deno.test("next_sync_at: released rows go behind the due rows; failures wait out the backoff; successes the min interval", async () => {
  const { sql } = await migratedDb(cluster, "next_sync");
  const { ids } = await seedDueRows(sql, 6);
  // Stalest first: ids[0] is the stalest.
  await sql`update public.wallet_balances as wb set last_checked = now() - (interval '1 hour' * (10 - o.n))
            from unnest(${ids}::uuid[]) with ordinality as o(id, n) where wb.id = o.id`;

  const first = await claim(sql, "w1", { limit: 2 });
  assert.deepEqual(first.rows.map((r) => r.id), ids.slice(0, 2));
  assert.equal(await release(sql, "w1", ids.slice(0, 2)), 2);

  const next = await claim(sql, "w2", { limit: 4 });
  assert.deepEqual(
    next.rows.map((r) => r.id).sort(),
    ids.slice(2).sort(),
    "the released rows come after every row that was due",
  );
  const after = await claim(sql, "w2", { limit: 4 });
  assert.deepEqual(after.rows.map((r) => r.id).sort(), ids.slice(0, 2).sort());

  await record(sql, "w2", [
    { id: ids[2], raw: "1", human: "0.000000000000000001", block: "1" },
    { id: ids[3], error: "boom", error_class: "transient" },
  ]);
  const [ok, failed] = await sql`
    select id, extract(epoch from next_sync_at - last_checked) as ok_wait,
           extract(epoch from next_sync_at - last_error_at) as error_wait
    from public.wallet_balances where id = any(${[ids[2], ids[3]]}) order by id = ${ids[3]}`;
  assert.equal(Number(ok.ok_wait), 30, "min_interval_seconds");
  assert.equal(Number(failed.error_wait), 30, "first failure: 30 s");

  await sql`update public.wallet_balances set error_streak = 9, locked_by = 'w3',
            processing_status = 'processing' where id = ${ids[3]}`;
  await record(sql, "w3", [{ id: ids[3], error: "boom", error_class: "transient" }]);
  const [{ wait }] = await sql`select extract(epoch from next_sync_at - last_error_at) as wait
                               from public.wallet_balances where id = ${ids[3]}`;
  assert.equal(Number(wait), 3600, "capped at 3600 s");
});

Deno.test("claim: a scheduled claim of one chain reads its due line through the per-asset index on next_sync_at, without walking rows in backoff", async () => {
  const { c, db, sql } = await migratedDb(cluster, "next_sync_plan");
  const { chainId, ids } = await seedDueRows(sql, 2000);
  await sql`update public.wallet_balances set next_sync_at = now() + interval '1 hour',
            error_streak = 8, last_error_at = now() where id = any(${ids.slice(0, 1800)})`;
  // vacuum: the index entries of the rows' versions before the update are gone, as autovacuum
  // leaves them
  await sql`vacuum analyze public.wallet_balances`;
  const session = await planSession(c, db);
  let plans: string[];
  try {
    // The claim as the chain loop (run/chain_loop.ts) sends it; auto_explain shows the statements inside it.
    plans = await session.explain((s) => scheduledClaim(s, chainId, "w", 500), {
      format: "json",
      analyze: true,
    });
  } finally {
    await session.end();
  }
  const scans = plans.flatMap((p) => indexScans(JSON.parse(p).Plan))
    .filter((n) => n["Index Name"] === "wallet_balances_asset_next_sync_idx");
  assert.ok(scans.length > 0, "the due line is read through wallet_balances_asset_next_sync_idx");
  // Each scan of the index (the pick, then the lock) stops at the due rows: 200 at most.
  for (const scan of scans) {
    const read = Number(scan["Actual Rows"]) * Number(scan["Actual Loops"]);
    assert.ok(read <= 200, `${scan["Node Type"]} read ${read} rows, not only the 200 due`);
  }
  const claimed = await claim(sql, "w", { limit: 500 });
  assert.equal(claimed.rows.length, 200, "only the rows not in backoff");
});

// deno-lint-ignore no-explicit-any
type PlanNode = Record<string, any>;
const indexScans = (node: PlanNode): PlanNode[] => [
  ...("Index Name" in node ? [node] : []),
  ...((node.Plans ?? []) as PlanNode[]).flatMap(indexScans),
];

Deno.test("claim: a scheduled chain claim takes the stalest rows across the chain's assets; concurrent ones take disjoint sets", async () => {
  const { c, db, sql } = await migratedDb(cluster, "scheduled_assets");
  const { chainId, ids: first } = await seedDueRows(sql, 30);
  const token = await insertAsset(sql, { chainId, isNative: false });
  const second = await insertBalances(sql, { chainId, assetOnChainId: token, count: 30 });
  // Interleaved, so that the stalest rows alternate between the two assets.
  const all = first.flatMap((id, i) => [id, second[i]]);
  // Staleness across both assets: all[0] is the stalest, all[59] the freshest.
  await sql`update public.wallet_balances as wb
            set last_checked = now() - (interval '1 minute' * (100 - o.n))
            from unnest(${all}::uuid[]) with ordinality as o(id, n) where wb.id = o.id`;
  const stalest = [...all].slice(0, 10);

  const one = await claim(sql, "probe", {
    limit: 10,
    filter: { chain_id: chainId, scheduled: true },
  });
  assert.deepEqual(one.rows.map((r) => r.id).sort(), stalest.sort());
  await release(sql, "probe", one.rows.map((r) => r.id));
  await sql`update public.wallet_balances set next_sync_at = null`;

  const claimers = Array.from(
    { length: 4 },
    (_, i) => ({ w: `w${i}`, sql: c.connect(db, { max: 1 }) }),
  );
  await Promise.all(claimers.map((k) => k.sql`select 1`));
  const got = await Promise.all(claimers.map(async (k) => {
    const ids: string[] = [];
    for (;;) {
      const { rows } = await claim(k.sql, k.w, {
        limit: 7,
        filter: { chain_id: chainId, scheduled: true },
      });
      if (rows.length === 0) return ids;
      ids.push(...rows.map((r) => r.id));
    }
  }));
  const flat = got.flat();
  assert.equal(new Set(flat).size, flat.length, "no row claimed twice");
  assert.deepEqual(flat.sort(), [...all].sort());
  await Promise.all(claimers.map((k) => k.sql.end()));
});
