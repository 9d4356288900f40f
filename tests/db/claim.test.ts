/** balance_sync_claim on a real PostgreSQL, with several real connections at once. */
import assert from "node:assert/strict";
import { sharedCluster } from "../../stack/pg.ts";
import { claim, migratedDb, readOf, record, seedDueRows } from "./fixtures.ts";
import { insertAsset, insertBalances, insertChain } from "../../stack/seed.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const freshDb = (name: string) => migratedDb(cluster, name);

Deno.test("claim: 8 concurrent claimers over 1,000 due rows take disjoint sets that together cover all rows", async () => {
  const { c, db, sql } = await freshDb("concurrent");
  const { ids } = await seedDueRows(sql, 1000);

  const claimers = Array.from({ length: 8 }, (_, i) => ({
    worker: `claimer-${i}-${crypto.randomUUID()}`,
    sql: c.connect(db, { max: 1 }),
    got: [] as string[],
    batches: 0,
  }));
  // Every claimer opens its connection before any of them starts, so that they really overlap.
  await Promise.all(claimers.map((k) => k.sql`select 1`));
  await Promise.all(claimers.map(async (k) => {
    for (;;) {
      const { rows } = await claim(k.sql, k.worker, { limit: 25 });
      if (rows.length === 0) return;
      k.batches++;
      k.got.push(...rows.map((r) => r.id));
    }
  }));

  const all = claimers.flatMap((k) => k.got);
  assert.equal(new Set(all).size, all.length, "no row was handed to two claimers");
  assert.deepEqual(new Set(all), new Set(ids), "together the claimers took every due row");
  assert.ok(
    claimers.filter((k) => k.got.length > 0).length >= 2,
    "the work was actually shared between claimers",
  );

  const owners = await sql`select id, locked_by, processing_status from public.wallet_balances`;
  const ownerOf = new Map(claimers.flatMap((k) => k.got.map((id) => [id, k.worker])));
  for (const row of owners) {
    assert.equal(row.processing_status, "processing");
    assert.equal(row.locked_by, ownerOf.get(row.id), `row ${row.id} is leased by its claimer`);
  }
});

Deno.test("claim: a backdated (expired) lease is reclaimed by another worker", async () => {
  const { sql } = await freshDb("reclaim");
  const { ids } = await seedDueRows(sql, 3);

  const first = await claim(sql, "worker-a");
  assert.equal(first.rows.length, 3);
  assert.equal((await claim(sql, "worker-b")).rows.length, 0, "live leases are not taken");

  await sql`update public.wallet_balances set locked_until = now() - interval '1 second'
            where id = ${ids[0]}`;
  const second = await claim(sql, "worker-b");
  assert.deepEqual(second.rows.map((r) => r.id), [ids[0]], "only the expired lease is taken");
  const [row] = await sql`select locked_by, locked_until > now() as live
                          from public.wallet_balances where id = ${ids[0]}`;
  assert.equal(row.locked_by, "worker-b");
  assert.equal(row.live, true, "the new lease is live");
});

Deno.test("claim: only due rows of active assets on active chains, stalest first", async () => {
  const { sql } = await freshDb("due");
  const chainId = await insertChain(sql);
  const inactiveChain = await insertChain(sql, { name: "retired", isActive: false });
  const aoc = await insertAsset(sql, { chainId });
  const inactiveAsset = await insertAsset(sql, { chainId, isActive: false });
  const onInactiveChain = await insertAsset(sql, { chainId: inactiveChain });
  const [recent, older, oldest, never] = await insertBalances(sql, {
    chainId,
    assetOnChainId: aoc,
    count: 4,
  });
  await insertBalances(sql, { chainId, assetOnChainId: inactiveAsset, count: 2 });
  await insertBalances(sql, { chainId: inactiveChain, assetOnChainId: onInactiveChain, count: 2 });
  await sql`update public.wallet_balances set last_checked = now() - interval '10 seconds'
            where id = ${recent}`;
  await sql`update public.wallet_balances set last_checked = now() - interval '40 seconds'
            where id = ${older}`;
  await sql`update public.wallet_balances set last_checked = now() - interval '2 hours'
            where id = ${oldest}`;

  const { rows } = await claim(sql, "worker", { minInterval: 30 });
  assert.deepEqual(rows.map((r) => r.id), [never, oldest, older]);

  const { rows: laxer } = await claim(sql, "worker-2", { minInterval: 5 });
  assert.deepEqual(laxer.map((r) => r.id), [recent], "the minimum interval is a parameter");
});

Deno.test("claim: the backoff schedule holds (30 s * 2^(n-1), capped at 3600 s)", async () => {
  const { sql } = await freshDb("backoff");
  const chainId = await insertChain(sql);
  const aoc = await insertAsset(sql, { chainId });
  const streaks = [1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 1000];
  const ids = await insertBalances(sql, {
    chainId,
    assetOnChainId: aoc,
    count: streaks.length * 2,
  });
  const expectDue: string[] = [];
  for (const [i, n] of streaks.entries()) {
    const wait = Math.min(30 * 2 ** (n - 1), 3600);
    const [inside, outside] = [ids[2 * i], ids[2 * i + 1]];
    // 2 s either side of the boundary: far from it compared with the few ms between statements.
    await sql`update public.wallet_balances
              set error_streak = ${n}, last_error_at = now() - make_interval(secs => ${wait - 2}),
                  last_checked = now() - interval '2 days'
              where id = ${inside}`;
    await sql`update public.wallet_balances
              set error_streak = ${n}, last_error_at = now() - make_interval(secs => ${wait + 2}),
                  last_checked = now() - interval '2 days'
              where id = ${outside}`;
    expectDue.push(outside);
  }
  const { rows } = await claim(sql, "worker", { limit: 100 });
  assert.deepEqual(new Set(rows.map((r) => r.id)), new Set(expectDue));

  // A success resets the streak: the row is then only subject to the minimum interval.
  const one = rows[0];
  const [{ decimals }] = await sql`select decimals from public.asset_on_chain where id = ${aoc}`;
  assert.equal(decimals, 18);
  const result = await record(sql, "worker", [readOf(one.id, "1", "1")]);
  assert.equal(result.applied, 1);
  const [row] = await sql`select error_streak from public.wallet_balances where id = ${one.id}`;
  assert.equal(row.error_streak, 0);
});

Deno.test("claim: broken-configuration rows are claimed and flagged with a reason", async () => {
  const { sql } = await freshDb("broken");
  const chainId = await insertChain(sql, { name: "bsc" });
  const noFamily = await insertChain(sql, { name: "mystery", family: null });
  const native = await insertAsset(sql, { chainId });
  const tokenWithoutContract = await insertAsset(sql, {
    chainId,
    isNative: false,
    contractAddress: null,
  });
  const badDecimals = await insertAsset(sql, { chainId, decimals: 78 });
  const nullDecimals = await insertAsset(sql, { chainId, decimals: null });
  const onNoFamily = await insertAsset(sql, { chainId: noFamily });

  /** One row of the asset (on bsc unless said), its wallet with `addresses` addresses there. */
  const oneRow = async (
    assetOnChainId: string,
    { addresses, on = chainId }: { addresses?: number; on?: string } = {},
  ) => (await insertBalances(sql, { chainId: on, assetOnChainId, count: 1, addresses }))[0];
  const healthy = await oneRow(native);
  const twoAddresses = await oneRow(native, { addresses: 2 });
  const noAddress = await oneRow(native, { addresses: 0 });
  const noContract = await oneRow(tokenWithoutContract);
  const decimals78 = await oneRow(badDecimals);
  const decimalsNull = await oneRow(nullDecimals);
  const familyless = await oneRow(onNoFamily, { on: noFamily });

  const { rows } = await claim(sql, "worker");
  const reason = new Map(rows.map((r) => [r.id, r.config_error]));
  assert.equal(rows.length, 7, "no broken row is silently skipped");
  assert.equal(reason.get(healthy), null);
  assert.equal(reason.get(twoAddresses), "wallet has 2 active addresses on chain bsc");
  assert.equal(reason.get(noAddress), "wallet has no active address on chain bsc");
  assert.equal(reason.get(noContract), "token has no contract_address");
  assert.equal(reason.get(decimals78), "decimals 78 is outside 0..77");
  assert.equal(reason.get(decimalsNull), "decimals is not set");
  assert.equal(
    reason.get(familyless),
    "chain mystery has no family: set chains.family to evm or tron",
  );
  assert.equal(rows.find((r) => r.id === twoAddresses)?.address, null);
});

Deno.test("claim: a forced claim ignores due-ness and backoff but never takes another worker's live lease", async () => {
  const { sql } = await freshDb("forced");
  const { ids, chainId } = await seedDueRows(sql, 4);
  const [busy, fresh, backedOff, free] = ids;
  await claim(sql, "other", { filter: { wallet_balance_ids: [busy] } });
  await sql`update public.wallet_balances set last_checked = now() where id = ${fresh}`;
  await sql`update public.wallet_balances set error_streak = 5, last_error_at = now()
            where id = ${backedOff}`;

  assert.deepEqual((await claim(sql, "normal", { limit: 10 })).rows.map((r) => r.id), [free]);
  await sql`update public.wallet_balances set processing_status = 'idle', locked_by = null,
            locked_until = null where id = ${free}`;

  const forced = await claim(sql, "forcer", { filter: { chain_id: chainId } });
  assert.deepEqual(new Set(forced.rows.map((r) => r.id)), new Set([fresh, backedOff, free]));
  assert.deepEqual(forced.busy, [busy]);
  const [row] = await sql`select locked_by from public.wallet_balances where id = ${busy}`;
  assert.equal(row.locked_by, "other");
});

Deno.test("claim: rejects a malformed filter with a readable error", async () => {
  const { sql } = await freshDb("filter");
  await assert.rejects(
    claim(sql, "w", { filter: { wallet_id: 42 } }),
    /balance_sync_claim: filter wallet_id must be a uuid string/,
  );
  await assert.rejects(
    claim(sql, "w", { filter: { walletId: "x" } }),
    /unknown filter key\(s\): walletId/,
  );
  await assert.rejects(claim(sql, "w", { limit: 0 }), /p_limit must be 1\.\.10000/);
});
