/**
 * balance_sync.why(), stale_rows and chain_status on a real PostgreSQL. The rows get their state
 * the way the function gives it to them: through balance_sync_claim and balance_sync_record.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { claim, migratedDb, readOf, record, seedDueRows } from "./fixtures.ts";
import { insertAsset, insertBalances, insertChain } from "../../stack/seed.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();
const freshDb = (name: string) => migratedDb(cluster, name);

interface Why {
  wallet_balance_id: string;
  state: string;
  reason: string;
  active: boolean | null;
  chain_name: string | null;
  observed_block: string | null;
  leased_by: string | null;
  leased_until: Date | null;
  error_streak: number | null;
  error_class: string | null;
  last_error: string | null;
  retry_at: Date | null;
  last_error_at: Date | null;
  configuration_error: string | null;
}

async function why(sql: Sql, id: string): Promise<Why> {
  const rows = await sql`select * from balance_sync.why(${id}::uuid)`;
  assert.equal(rows.length, 1, "why() answers in one row");
  return rows[0] as unknown as Why;
}

/** chain_status counts every row in one pass its own way: it must agree with row_status. */
async function assertViewsAgree(sql: Sql) {
  const byState = await sql`
    select chain_id::text as chain, state, count(*)::int as n from balance_sync.row_status
    where active group by 1, 2`;
  const status = await sql`select * from balance_sync.chain_status`;
  for (const c of status) {
    for (const state of ["fresh", "due", "leased", "backoff", "configuration"]) {
      const want = byState.find((r) => r.chain === c.chain_id && r.state === state)?.n ?? 0;
      assert.equal(Number(c[`${state}_rows`]), want, `${c.chain_name}: ${state}`);
    }
  }
}

const one = async (sql: Sql, seed: Parameters<typeof insertAsset>[1] | null = null) => {
  const chainId = await insertChain(sql, { name: `chain-${crypto.randomUUID().slice(0, 6)}` });
  const assetOnChainId = await insertAsset(sql, { ...(seed ?? {}), chainId });
  const [id] = await insertBalances(sql, { chainId, assetOnChainId, count: 1 });
  return { chainId, assetOnChainId, id };
};

Deno.test("why(): a row that does not exist is 'missing'", async () => {
  const { sql } = await freshDb("why_missing");
  const id = crypto.randomUUID();
  const answer = await why(sql, id);
  assert.equal(answer.state, "missing");
  assert.equal(answer.wallet_balance_id, id);
  assert.match(answer.reason, new RegExp(`no wallet_balances row has id ${id}`));
});

Deno.test("why(): never synced is 'due'; after a recorded success it is 'fresh' with the age and block; past the interval 'due' again", async () => {
  const { sql } = await freshDb("why_fresh_due");
  const { id } = await one(sql);
  let answer = await why(sql, id);
  assert.deepEqual([answer.state, answer.reason], [
    "due",
    "never synced: due, waits for the next run",
  ]);

  await claim(sql, "run-a");
  const recorded = await record(sql, "run-a", [readOf(id, "5", "123")]);
  assert.equal(recorded.applied, 1);
  answer = await why(sql, id);
  assert.equal(answer.state, "fresh");
  assert.match(answer.reason, /^fresh: synced \d+ s ago at block 123$/);
  assert.equal(answer.observed_block, "123");

  // Time passes (backdated): past the interval record set in next_sync_at, due again.
  await sql`update public.wallet_balances
            set last_checked = last_checked - interval '1 hour',
                next_sync_at = next_sync_at - interval '1 hour'`;
  answer = await why(sql, id);
  assert.equal(answer.state, "due");
  assert.match(answer.reason, /^due: synced \d+ s ago, waits for the next run$/);
  const again = await claim(sql, "run-b");
  assert.deepEqual(again.rows.map((r) => r.id), [id], "claim agrees: the row is due");
});

Deno.test("why(): a claimed row is 'leased' by its run until its lease ends", async () => {
  const { sql } = await freshDb("why_leased");
  const { id } = await one(sql);
  await claim(sql, "run-leasing", { lease: 90 });
  const answer = await why(sql, id);
  assert.equal(answer.state, "leased");
  assert.equal(answer.leased_by, "run-leasing");
  const [{ until }] = await sql`select locked_until as until from public.wallet_balances
                                where id = ${id}`;
  assert.equal(answer.leased_until?.getTime(), until.getTime());
  assert.match(answer.reason, /^leased by run run-leasing until /);
});

Deno.test("why(): a recorded failure is 'backoff' until the retry time, with the error, its class and the streak", async () => {
  const { sql } = await freshDb("why_backoff");
  const { id } = await one(sql);
  for (const [n, run] of ["run-1", "run-2"].entries()) {
    if (n > 0) {
      await sql`update public.wallet_balances set last_error_at = now() - interval '1 hour',
                                                  next_sync_at = now() - interval '1 hour'`;
    }
    await claim(sql, run);
    await record(sql, run, [{ id, error: "balanceOf reverted", error_class: "permanent" }]);
  }
  const answer = await why(sql, id);
  assert.equal(answer.state, "backoff");
  assert.equal(answer.error_streak, 2);
  assert.equal(answer.error_class, "permanent");
  assert.equal(answer.last_error, "balanceOf reverted");
  // Backoff after 2 failures: 60 s.
  assert.equal(answer.retry_at!.getTime() - answer.last_error_at!.getTime(), 60_000);
  assert.match(
    answer.reason,
    /^in backoff until .+ after 2 consecutive errors \(permanent\): balanceOf reverted$/,
  );
  assert.deepEqual((await claim(sql, "run-3")).rows, [], "claim agrees: not due");

  // A success clears the class with the streak.
  await claim(sql, "run-forced", { filter: { wallet_balance_ids: [id] } });
  await record(sql, "run-forced", [{ id, raw: "1", human: "0.000000000000000001", block: "1" }]);
  const [row] = await sql`select error_class, error_streak from public.wallet_balances
                          where id = ${id}`;
  assert.deepEqual(row, { error_class: null, error_streak: 0 });
  assert.equal((await why(sql, id)).state, "fresh");
});

Deno.test("why(): an inactive asset_on_chain or chain is 'inactive', and claim skips the row", async () => {
  const { sql } = await freshDb("why_inactive");
  const byAsset = await one(sql);
  const byChain = await one(sql);
  await sql`update public.asset_on_chain set is_active = false where id = ${byAsset.assetOnChainId}`;
  await sql`update public.chains set is_active = false where id = ${byChain.chainId}`;
  const a = await why(sql, byAsset.id);
  assert.equal(a.state, "inactive");
  assert.equal(a.reason, `not synced: asset_on_chain ${byAsset.assetOnChainId} is inactive`);
  const c = await why(sql, byChain.id);
  assert.equal(c.state, "inactive");
  assert.match(c.reason, /^not synced: chain chain-\w+ is inactive$/);
  assert.deepEqual((await claim(sql, "run")).rows, [], "claim agrees: neither is taken");
  const stale = await sql`select wallet_balance_id from balance_sync.stale_rows`;
  assert.deepEqual([...stale], [], "inactive rows are not stale rows");
});

Deno.test("why(): every configuration error is named, with claim's own words, before and after the function records it", async () => {
  const { sql } = await freshDb("why_config");
  const cases: { name: string; id: string; want: RegExp }[] = [];
  const add = async (
    name: string,
    want: RegExp,
    setup: () => Promise<{ chainId: string; assetOnChainId: string; addresses?: number }>,
  ) => {
    const { chainId, assetOnChainId, addresses } = await setup();
    const [id] = await insertBalances(sql, { chainId, assetOnChainId, count: 1, addresses });
    cases.push({ name, id, want });
  };
  const chain = (seed: Parameters<typeof insertChain>[1] = {}) =>
    insertChain(sql, { name: `c-${crypto.randomUUID().slice(0, 6)}`, ...seed });
  await add("no active address", /^wallet has no active address on chain c-\w+$/, async () => {
    const chainId = await chain();
    return { chainId, assetOnChainId: await insertAsset(sql, { chainId }), addresses: 0 };
  });
  await add(
    "several active addresses",
    /^wallet has 2 active addresses on chain c-\w+$/,
    async () => {
      const chainId = await chain();
      return { chainId, assetOnChainId: await insertAsset(sql, { chainId }), addresses: 2 };
    },
  );
  await add("token without contract", /^token has no contract_address$/, async () => {
    const chainId = await chain();
    const assetOnChainId = await insertAsset(sql, {
      chainId,
      isNative: false,
      contractAddress: null,
    });
    return { chainId, assetOnChainId };
  });
  await add("decimals out of range", /^decimals 99 is outside 0\.\.77$/, async () => {
    const chainId = await chain();
    return { chainId, assetOnChainId: await insertAsset(sql, { chainId, decimals: 99 }) };
  });
  await add("decimals not set", /^decimals is not set$/, async () => {
    const chainId = await chain();
    return { chainId, assetOnChainId: await insertAsset(sql, { chainId, decimals: null }) };
  });
  await add(
    "chain without family",
    /^chain c-\w+ has no family: set chains.family to evm or tron$/,
    async () => {
      const chainId = await chain({ family: null });
      return { chainId, assetOnChainId: await insertAsset(sql, { chainId }) };
    },
  );
  await add("chain without rpc_url", /^chain c-\w+ has no rpc_url$/, async () => {
    const chainId = await chain({ rpcUrl: "  " });
    return { chainId, assetOnChainId: await insertAsset(sql, { chainId }) };
  });

  await add("empty address", /^the active address on chain c-\w+ is empty$/, async () => {
    const chainId = await chain();
    return { chainId, assetOnChainId: await insertAsset(sql, { chainId }) };
  });
  await sql`update public.user_wallet_addresses set address = ' '
            where wallet_id = (select wallet_id from public.wallet_balances
                               where id = ${cases.at(-1)!.id})`;

  const before = new Map<string, Why>();
  for (const c of cases) {
    const answer = await why(sql, c.id);
    assert.equal(answer.state, "configuration", c.name);
    assert.match(answer.configuration_error ?? "", c.want, c.name);
    assert.equal(answer.reason, `configuration error: ${answer.configuration_error}`, c.name);
    before.set(c.id, answer);
  }

  // The function claims these rows, gets claim's config_error, and records it as the row's error.
  const claimed = await claim(sql, "run-config", { limit: 100 });
  assert.equal(claimed.rows.length, cases.length);
  for (const row of claimed.rows) {
    assert.equal(row.config_error, before.get(row.id)!.configuration_error, "the same words");
  }
  await record(
    sql,
    "run-config",
    claimed.rows.map((r) => ({ id: r.id, error: r.config_error, error_class: "configuration" })),
  );
  for (const c of cases) {
    const answer = await why(sql, c.id);
    assert.equal(answer.state, "configuration", `${c.name}: the cause, not the backoff`);
    assert.equal(answer.error_class, "configuration");
    assert.ok(answer.retry_at !== null, "the backoff is among the facts");
  }
  const [status] = await sql`select sum(failing_configuration)::int as n,
                                    sum(configuration_rows)::int as rows
                             from balance_sync.chain_status`;
  assert.deepEqual(status, { n: cases.length, rows: cases.length });
  await assertViewsAgree(sql);
});

Deno.test("stale_rows: every active row that is not fresh, with why()'s reason, never-synced and oldest first", async () => {
  const { sql } = await freshDb("stale_rows");
  const { ids } = await seedDueRows(sql, 6);
  const [fresh, failed, leased, old1, old2, never] = ids;
  await claim(sql, "run-a", { filter: { wallet_balance_ids: [fresh, failed, old1, old2] } });
  await record(sql, "run-a", [
    { id: fresh, raw: "1", human: "0.000000000000000001", block: "7" },
    { id: failed, error: "HTTP 503", error_class: "transient" },
    { id: old1, raw: "2", human: "0.000000000000000002", block: "7" },
    { id: old2, raw: "3", human: "0.000000000000000003", block: "7" },
  ]);
  // Synced longer ago than the interval (the test cannot wait 30 s).
  await sql`update public.wallet_balances set last_checked = now() - interval '2 minutes',
            next_sync_at = now() - interval '2 minutes' + interval '30 seconds' where id = ${old1}`;
  await sql`update public.wallet_balances set last_checked = now() - interval '5 minutes',
            next_sync_at = now() - interval '5 minutes' + interval '30 seconds' where id = ${old2}`;
  await claim(sql, "run-b", { filter: { wallet_balance_ids: [leased] } });

  const stale =
    await sql`select wallet_balance_id as id, state, reason from balance_sync.stale_rows`;
  assert.deepEqual(stale.map((r) => [r.id, r.state]), [
    // never synced (last_checked null) first: never, leased and failed
    ...[never, leased, failed].sort().map((id) => [
      id,
      id === leased ? "leased" : id === failed ? "backoff" : "due",
    ]),
    [old2, "due"],
    [old1, "due"],
  ]);
  for (const row of stale) assert.equal(row.reason, (await why(sql, row.id)).reason);
  assert.ok(!stale.some((r) => r.id === fresh), "the fresh row is not stale");
  await assertViewsAgree(sql);
});

/** percentile_cont: linear interpolation between the two nearest ranks. */
function percentileCont(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

Deno.test("chain_status: staleness p50/p99/max agree with a direct computation over the rows; counts add up per chain", async () => {
  const { sql } = await freshDb("chain_status");
  const a = await seedDueRows(sql, 301);
  const b = await seedDueRows(sql, 40);
  // Sync them as the function would, then spread the ages (a real table has every age).
  for (const [chain, rows] of [[a, a.ids], [b, b.ids]] as const) {
    const { rows: claimed } = await claim(sql, `sync-${chain.chainId}`, {
      limit: 1000,
      filter: { chain_id: chain.chainId },
    });
    assert.equal(claimed.length, rows.length);
    await record(
      sql,
      `sync-${chain.chainId}`,
      claimed.map((r) => ({ id: r.id, raw: "1", human: "0.000000000000000001", block: "1" })),
    );
  }
  await sql`update public.wallet_balances
            set last_checked = now() - (random() * 3600) * interval '1 second'`;
  // A few never synced, failing and leased rows on chain a.
  await sql`update public.wallet_balances set last_checked = null
            where id = any(${a.ids.slice(0, 5)}::uuid[])`;
  await claim(sql, "fail", { filter: { wallet_balance_ids: a.ids.slice(5, 12) } });
  await record(sql, "fail", [
    ...a.ids.slice(5, 9).map((id) => ({ id, error: "timeout", error_class: "transient" })),
    ...a.ids.slice(9, 12).map((id) => ({ id, error: "revert", error_class: "permanent" })),
  ]);
  await claim(sql, "holder", { filter: { wallet_balance_ids: a.ids.slice(20, 30) } });

  const [row] = await sql`
    select (select json_agg(s) from balance_sync.chain_status as s) as status,
           (select json_agg(json_build_object(
              'chain', aoc.chain_id,
              'age', extract(epoch from now() - wb.last_checked)::float8))
            from public.wallet_balances as wb
            join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id) as rows`;
  const status = row.status as Record<string, number | string | null>[];
  const rows = row.rows as { chain: string; age: number | null }[];
  for (const chain of [a, b]) {
    const s = status.find((x) => x.chain_id === chain.chainId)!;
    const ages = rows.filter((r) => r.chain === chain.chainId && r.age !== null).map((r) => r.age!);
    const near = (got: unknown, want: number, what: string) =>
      assert.ok(Math.abs(Number(got) - want) < 1e-6, `${what}: view ${got}, direct ${want}`);
    near(s.staleness_p50_seconds, percentileCont(ages, 0.5), "p50");
    near(s.staleness_p99_seconds, percentileCont(ages, 0.99), "p99");
    near(s.staleness_max_seconds, Math.max(...ages), "max");
    assert.equal(s.active_rows, chain.ids.length);
    assert.equal(
      Number(s.fresh_rows) + Number(s.due_rows) + Number(s.leased_rows) + Number(s.backoff_rows) +
        Number(s.configuration_rows),
      chain.ids.length,
      "the states add up to the active rows",
    );
  }
  const sa = status.find((x) => x.chain_id === a.chainId)!;
  assert.equal(sa.never_synced_rows, 5);
  assert.equal(sa.leased_rows, 10);
  assert.equal(sa.failing_transient, 4);
  assert.equal(sa.failing_permanent, 3);
  assert.equal(sa.backoff_rows, 7);
  assert.ok(["timeout", "revert"].includes(String(sa.recent_error)));
  assert.equal(sa.last_run_id, "holder", "the latest run that touched the chain");
  assert.equal(sa.last_run_status, "running");
  await assertViewsAgree(sql);
});
