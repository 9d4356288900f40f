/**
 * A scheduled claim of one chain locks only the rows it returns: not up to p_limit rows of every
 * active asset of the chain (locks that other services' updates of those rows would wait on until
 * the claim commits). Two claims whose transactions overlap still take disjoint, full batches.
 */
import assert from "node:assert/strict";
import { sharedCluster } from "../../stack/pg.ts";
import { claim, migratedDb, seedDueRows } from "./fixtures.ts";
import { insertAsset, insertBalances } from "../../stack/seed.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

Deno.test("claim: a scheduled chain claim locks only the rows it returns; overlapping claims take disjoint full batches", async () => {
  const { c, db, sql } = await migratedDb(cluster, "claim_locks");
  const { chainId, ids } = await seedDueRows(sql, 10);
  const all = [...ids];
  for (let asset = 0; asset < 2; asset++) {
    const aoc = await insertAsset(sql, { chainId, isNative: false });
    all.push(...await insertBalances(sql, { chainId, assetOnChainId: aoc, count: 10 }));
  }
  const filter = { chain_id: chainId, scheduled: true };
  const a = await c.connect(db, { max: 1 }).reserve();
  const b = await c.connect(db, { max: 1 }).reserve();
  const probe = c.connect(db, { max: 1 });
  try {
    await a`begin`;
    const first = await claim(a as never, "run-a", { limit: 5, filter });
    assert.equal(first.rows.length, 5);

    // What another service could update right now without waiting: every row but the 5 claimed.
    const free = await probe.begin((tx) =>
      tx`select id from public.wallet_balances for no key update skip locked`
    );
    assert.equal(free.length, all.length - 5, `${all.length - free.length} rows locked`);

    // A second claim while the first has not committed: another full batch, no row twice.
    await b`begin`;
    const second = await claim(b as never, "run-b", { limit: 5, filter });
    assert.equal(second.rows.length, 5, "a full batch, past the rows the first claim holds");
    const taken = [...first.rows, ...second.rows].map((r) => r.id);
    assert.equal(new Set(taken).size, 10);
    await a`commit`;
    await b`commit`;
  } finally {
    a.release();
    b.release();
    await probe.end();
  }
});
