/**
 * The change log on a real PostgreSQL: balance_sync_record writes balance_sync.balance_changes
 * in the statement that applies the balances, exactly when a raw balance changes.
 */
import assert from "node:assert/strict";
import { toHuman, UINT256_MAX } from "../../supabase/functions/balance-sync/amount.ts";
import { installAudit, leaseEvents, protectedChanges } from "../support/audit.ts";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { waitFor } from "../support/wait.ts";
import { assertProtectedUnchanged, protectedSnapshot } from "../../stack/protected_columns.ts";
import { claim, migratedDb, record, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();
const freshDb = (name: string) => migratedDb(cluster, name);

/** A success result for an 18-decimals asset (the fixtures' default). */
// record() requires the block a balance was read at; block 1 where the test is not about blocks
function ok(id: string, raw: bigint, block = 1n) {
  return { id, raw: raw.toString(), human: toHuman(raw, 18), block: block.toString() };
}

interface ChangeRow {
  id: string;
  wallet_balance_id: string;
  wallet_id: string;
  asset_on_chain_id: string;
  chain_id: string;
  previous_raw: string | null;
  previous_human: string | null;
  new_raw: string;
  new_human: string;
  delta_raw: string;
  delta_human: string;
  previous_block: string | null;
  block: string | null;
  observed_at: Date;
  run_id: string;
}

async function changes(sql: Sql): Promise<ChangeRow[]> {
  return [
    ...await sql<ChangeRow[]>`
    select bc.id::text, bc.wallet_balance_id::text, bc.wallet_id::text,
           bc.asset_on_chain_id::text, bc.chain_id::text, bc.previous_raw::text,
           bc.previous_human::text, bc.new_raw::text, bc.new_human::text, bc.delta_raw::text,
           bc.delta_human::text, bc.previous_block::text, bc.block::text, bc.observed_at,
           bc.run_id
    from balance_sync.balance_changes as bc order by bc.id`,
  ];
}

const force = (ids: string[]) => ({ filter: { wallet_balance_ids: ids }, limit: ids.length });

Deno.test("change log: a change writes exactly one row with the exact delta, uint256-max to 0 included", async () => {
  const { sql } = await freshDb("changes_exact");
  const { ids: [big, same, up], chainId, assetOnChainId } = await seedDueRows(sql, 3);
  await claim(sql, "run-1", force([big, same, up]));
  await record(sql, "run-1", [ok(big, UINT256_MAX, 10n), ok(same, 5n, 10n), ok(up, 7n, 10n)]);
  const first = await changes(sql);
  assert.equal(first.length, 3, "three first observations");

  await claim(sql, "run-2", force([big, same, up]));
  const outcome = await record(sql, "run-2", [
    ok(big, 0n, 12n),
    ok(same, 5n, 12n),
    ok(up, 8n, 12n),
  ]);
  assert.equal(outcome.applied, 3);
  const rows = (await changes(sql)).slice(3);
  const [wallets] = await sql`select jsonb_object_agg(id, wallet_id) as m,
                                     max(last_checked) as checked
                              from public.wallet_balances`;
  assert.equal(rows.length, 2, "one row per changed balance, none for the unchanged one");
  const byRow = Object.fromEntries(
    rows.map(({ id: _, observed_at: __, ...r }) => [r.wallet_balance_id, r]),
  );
  assert.deepEqual(byRow[big], {
    wallet_balance_id: big,
    wallet_id: wallets.m[big],
    asset_on_chain_id: assetOnChainId,
    chain_id: chainId,
    previous_raw: UINT256_MAX.toString(),
    previous_human: toHuman(UINT256_MAX, 18),
    new_raw: "0",
    new_human: "0",
    delta_raw: (-UINT256_MAX).toString(),
    delta_human: "-" + toHuman(UINT256_MAX, 18),
    previous_block: "10",
    block: "12",
    run_id: "run-2",
  });
  assert.deepEqual(byRow[up], {
    wallet_balance_id: up,
    wallet_id: wallets.m[up],
    asset_on_chain_id: assetOnChainId,
    chain_id: chainId,
    previous_raw: "7",
    previous_human: "0.000000000000000007",
    new_raw: "8",
    new_human: "0.000000000000000008",
    delta_raw: "1",
    delta_human: "0.000000000000000001",
    previous_block: "10",
    block: "12",
    run_id: "run-2",
  });
  for (const row of rows) {
    assert.equal(
      row.observed_at.getTime(),
      wallets.checked.getTime(),
      "observed_at = last_checked",
    );
  }
});

Deno.test("change log: an unchanged balance writes none", async () => {
  const { sql } = await freshDb("changes_unchanged");
  const { ids } = await seedDueRows(sql, 20);
  await claim(sql, "run-1", force(ids));
  await record(sql, "run-1", ids.map((id, i) => ok(id, BigInt(i) * 10n ** 30n, 100n)));
  assert.equal((await changes(sql)).length, 20);

  for (const run of ["run-2", "run-3"]) {
    await claim(sql, run, force(ids));
    const outcome = await record(
      sql,
      run,
      ids.map((id, i) => ok(id, BigInt(i) * 10n ** 30n, 101n)),
    );
    assert.equal(outcome.applied, 20, "the syncs were applied");
  }
  assert.equal((await changes(sql)).length, 20, "no row for a sync that changed nothing");
});

Deno.test("change log: a first observation is written with the previous value null, even of 0", async () => {
  const { sql } = await freshDb("changes_first");
  const { ids: [zero, some] } = await seedDueRows(sql, 2);
  await claim(sql, "run-1", force([zero, some]));
  await record(sql, "run-1", [ok(zero, 0n, 3n), ok(some, 42n)]);
  const rows = await changes(sql);
  assert.deepEqual(
    rows.map((r) => [
      r.wallet_balance_id,
      r.previous_raw,
      r.previous_human,
      r.previous_block,
      r.new_raw,
      r.delta_raw,
      r.delta_human,
      r.block,
    ]).sort(),
    [
      [zero, null, null, null, "0", "0", "0", "3"],
      [some, null, null, null, "42", "42", "0.000000000000000042", "1"],
    ].sort(),
  );
});

Deno.test("change log: a stale writer, a lower block, a failed row and an invalid result write none", async () => {
  const { sql } = await freshDb("changes_none");
  const { ids } = await seedDueRows(sql, 5);
  const [lost, lower, failed, invalid, good] = ids;
  await claim(sql, "seed", force(ids));
  await record(sql, "seed", ids.map((id) => ok(id, 1n, 100n)));
  const baseline = (await changes(sql)).length;

  await claim(sql, "old-run", force([lost]));
  await sql`update public.wallet_balances set locked_until = now() - interval '1 second'
            where id = ${lost}`;
  await claim(sql, "new-run", force([lost]));
  await claim(sql, "run", force([lower, failed, invalid, good]));

  const fenced = await record(sql, "old-run", [ok(lost, 2n, 200n)]);
  assert.equal(fenced.lost, 1);
  const outcome = await record(sql, "run", [
    ok(lower, 3n, 99n),
    { id: failed, error: "execution reverted", error_class: "permanent" },
    { id: invalid, raw: "4", human: "4", block: "200" },
    ok(good, 5n, 200n),
  ]);
  assert.equal(outcome.stale_rejected, 1);
  assert.equal(outcome.errored, 1);
  assert.equal(outcome.invalid.length, 1);
  assert.equal(outcome.applied, 1);
  const rows = (await changes(sql)).slice(baseline);
  assert.deepEqual(rows.map((r) => [r.wallet_balance_id, r.new_raw, r.run_id]), [[
    good,
    "5",
    "run",
  ]]);
});

Deno.test("change log: a record call that fails writes no change row", async () => {
  const { sql } = await freshDb("changes_rollback");
  const { ids: [id] } = await seedDueRows(sql, 1);
  await claim(sql, "run", force([id]));
  await assert.rejects(
    sql.begin(async (tx) => {
      await record(tx as unknown as Sql, "run", [ok(id, 9n, 1n)]);
      throw new Error("the caller's transaction fails after record");
    }),
    /the caller's transaction fails/,
  );
  assert.equal((await changes(sql)).length, 0);
  const [row] = await sql`select on_chain_balance_raw from public.wallet_balances`;
  assert.equal(row.on_chain_balance_raw, null, "nor was the balance applied");
});

Deno.test("change log: two concurrent runs over the same rows never write a change twice; the log equals the history of the balances; protected columns untouched", async () => {
  const { c, db, sql } = await freshDb("changes_concurrent");
  const { ids } = await seedDueRows(sql, 60);
  await installAudit(sql);
  const protectedBefore = await protectedSnapshot(sql);
  const runs = [c.connect(db, { max: 1 }), c.connect(db, { max: 1 })];
  let applied = 0;
  const ROUNDS = 8;

  for (let round = 0; round < ROUNDS; round++) {
    // Both runs hold the same rows: the first run's lease is expired before the second claims.
    await claim(runs[0], `a-${round}`, force(ids));
    await sql`update public.wallet_balances set locked_until = now() - interval '1 second'`;
    await claim(runs[1], `b-${round}`, force(ids));
    // Each run reads its own values (some equal to the stored ones) and records them at once.
    const outcomes = await Promise.all(runs.map((conn, r) =>
      record(
        conn,
        `${r ? "b" : "a"}-${round}`,
        ids.map((id, i) => ok(id, BigInt((i * 7 + round * (r + 1)) % 5) * 10n ** 20n)),
      )
    ));
    assert.equal(outcomes[0].applied, 0, "the fenced-out run applies nothing");
    assert.equal(outcomes[0].lost, ids.length);
    applied += outcomes[1].applied;
  }
  assert.equal(applied, ROUNDS * ids.length);

  const log = await changes(sql);
  // The history of each balance, from the audit trigger: every update that changed the raw value.
  const history = (await leaseEvents(sql)).filter((e) => e.oldRaw !== e.newRaw);
  assert.ok(history.length > ids.length, "balances changed several times");
  assert.equal(log.length, history.length, "one change row per change of a balance");
  for (const id of ids) {
    const mine = log.filter((r) => r.wallet_balance_id === id);
    const steps = history.filter((e) => e.rowId === id);
    assert.deepEqual(
      mine.map((r) => [r.previous_raw, r.new_raw, BigInt(r.delta_raw)]),
      steps.map((e) => [
        e.oldRaw,
        e.newRaw,
        BigInt(e.newRaw ?? "0") - BigInt(e.oldRaw ?? "0"),
      ]),
      `the log of ${id} is the sequence of its balance's changes`,
    );
    assert.ok(mine.every((r) => r.run_id.startsWith("b-")), "only the lease holder wrote");
  }
  const [{ n }] = await sql`select count(*)::int as n from (
    select wallet_balance_id, run_id from balance_sync.balance_changes
    group by 1, 2 having count(*) > 1) as dup`;
  assert.equal(n, 0, "no balance has two change rows from one run");
  assert.deepEqual(await protectedChanges(sql), []);
  assertProtectedUnchanged(protectedBefore, await protectedSnapshot(sql));
});

Deno.test("change log: ids are visible in commit order, so an id cursor skips nothing", async () => {
  const { c, db, sql } = await freshDb("changes_cursor");
  const { ids } = await seedDueRows(sql, 2);
  const [slow, fast] = [c.connect(db, { max: 1 }), c.connect(db, { max: 1 })];
  await claim(sql, "slow", force([ids[0]]));
  await claim(sql, "fast", force([ids[1]]));
  // The slow run records (drawing its change id) and keeps its transaction open.
  let finishSlow: (() => void) | undefined;
  const slowDone = slow.begin(async (tx) => {
    await record(tx as unknown as Sql, "slow", [ok(ids[0], 1n)]);
    await new Promise<void>((resolve) => finishSlow = resolve);
  });
  await waitFor("the first record, in its open transaction", () => finishSlow !== undefined);
  // The fast run's record waits for the slow one's commit before its change row can exist.
  let fastFinished = false;
  const fastDone = record(fast, "fast", [ok(ids[1], 2n)]).then(() => fastFinished = true);
  await waitFor("the second record waiting for a lock", async () => {
    const [row] = await sql`select 1 as waiting from pg_stat_activity
                            where wait_event_type = 'Lock' and query like '%balance_sync_record%'`;
    return row;
  });
  const visible = await sql`select id from balance_sync.balance_changes`;
  assert.equal(visible.length, 0, "nothing is visible while the first change is uncommitted");
  assert.equal(fastFinished, false, "the second change waits for the first one's commit");
  finishSlow!();
  await slowDone;
  await fastDone;
  const rows = await changes(sql);
  assert.deepEqual(rows.map((r) => r.run_id), ["slow", "fast"], "id order is commit order");
});

Deno.test("change log: on legacy text balance columns, an equal value in another spelling is no change and a non-decimal one counts as no previous value", async () => {
  const { sql } = await freshDb("changes_legacy_text");
  await sql`alter table public.wallet_balances alter column on_chain_balance_raw type text,
            alter column on_chain_balance_human type text`;
  const { ids: [padded, garbage, plain] } = await seedDueRows(sql, 3);
  await sql`update public.wallet_balances set on_chain_balance_raw = case id
              when ${padded}::uuid then '007' when ${garbage}::uuid then 'n/a' else '5' end,
            on_chain_balance_human = 'legacy'`;
  await claim(sql, "run", force([padded, garbage, plain]));
  const outcome = await record(sql, "run", [ok(padded, 7n), ok(garbage, 3n), ok(plain, 6n)]);
  assert.equal(outcome.applied, 3);
  const rows = await changes(sql);
  assert.deepEqual(
    rows.map((r) => [r.wallet_balance_id, r.previous_raw, r.new_raw, r.delta_raw]).sort(),
    [[garbage, null, "3", "3"], [plain, "5", "6", "1"]].sort(),
  );
});

Deno.test("change log: three free-running runs whose leases expire under them keep the log equal to the balances' history, without deadlock", async () => {
  const { c, db, sql } = await freshDb("changes_free_running");
  const { ids } = await seedDueRows(sql, 40);
  await installAudit(sql);
  // record's next due time of a success (the function's minimum interval): none here
  await sql`update balance_sync.settings set value = '0' where key = 'min_interval_seconds'`;
  let fenced = 0;
  await Promise.all([0, 1, 2].map(async (r) => {
    const conn = c.connect(db, { max: 1 });
    for (let i = 0; i < 12; i++) {
      const worker = `run-${r}-${i}`;
      // one-second leases, no minimum interval: rows go from run to run while others hold them
      const { rows } = await claim(conn, worker, { limit: 25, lease: 1, minInterval: 0 });
      // a slow read now and then, so that some leases expire and another run takes the rows
      if ((i + r) % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1100));
      const outcome = await record(
        conn,
        worker,
        rows.map((row, k) => ok(row.id, BigInt((i * 3 + k + r) % 4) * 10n ** 40n)),
      );
      fenced += outcome.lost;
    }
  }));
  assert.ok(fenced > 0, "some writers were fenced out");
  const log = await changes(sql);
  const history = (await leaseEvents(sql)).filter((e) => e.oldRaw !== e.newRaw);
  assert.ok(log.length > ids.length, "balances changed several times");
  assert.deepEqual(
    log.map((r) => [r.wallet_balance_id, r.previous_raw, r.new_raw]).sort(),
    history.map((e) => [e.rowId, e.oldRaw, e.newRaw]).sort(),
    "one change row per change of a balance, with its previous and new value",
  );
  for (const id of ids) {
    const mine = log.filter((r) => r.wallet_balance_id === id);
    for (let k = 1; k < mine.length; k++) {
      assert.equal(
        mine[k].previous_raw,
        mine[k - 1].new_raw,
        "each change starts where the last ended",
      );
    }
  }
  assert.deepEqual(await protectedChanges(sql), []);
});
