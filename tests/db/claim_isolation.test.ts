/**
 * Claim and release isolate the rows the database refuses, as record does. Claim's lease and
 * release's give-back are UPDATEs of wallet_balances: other services' triggers and checks see
 * them. One row they refuse must not fail the call for the whole chain: it is parked with a
 * backoff (balance_sync.refused_rows), why() names the refusal, and every other row of the chain
 * is claimed and recorded in the same tick.
 */
import assert from "node:assert/strict";
import { sharedCluster } from "../../stack/pg.ts";
import { rowRefusals } from "../support/row_refusals.ts";
import { claim, migratedDb, readOf, record, release, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const ROWS = 6;

const REFUSALS = rowRefusals("");

const success = (id: string, raw: string) => readOf(id, raw, "7");

for (const refusal of REFUSALS) {
  Deno.test(`claim: ${refusal.name}: the other rows of the chain are claimed and recorded in the same tick; the row is parked`, async () => {
    const { sql } = await migratedDb(cluster, "claim_refused");
    const { ids, chainId } = await seedDueRows(sql, ROWS);
    // The refused row is the stalest: first in line, where it would block the chain for ever.
    const bad = ids[0];
    await sql`update public.wallet_balances set last_checked = now() - interval '1 day',
                next_sync_at = now() - interval '1 day' where id <> ${bad}`;
    await refusal.install(sql, bad);

    const scheduled = { chain_id: chainId, scheduled: true };
    const first = await claim(sql, "tick-1", { limit: 10, filter: scheduled });
    assert.deepEqual(
      first.rows.map((r) => r.id).sort(),
      ids.slice(1).sort(),
      "every other row of the chain is claimed",
    );
    const refused = (first as unknown as { refused: { id: string; reason: string }[] }).refused;
    assert.deepEqual(refused.map((r) => r.id), [bad]);
    assert.match(refused[0].reason, refusal.reason);

    const outcome = await record(
      sql,
      "tick-1",
      ids.slice(1).map((id, i) => success(id, `${i + 1}`)),
    );
    assert.equal(outcome.applied, ROWS - 1, "and recorded in the same tick");

    const [park] =
      await sql`select operation, streak, retry_at > now() + interval '20 seconds' as ahead
                             from balance_sync.refused_rows where id = ${bad}`;
    assert.deepEqual(park, { operation: "claim", streak: 1, ahead: true });
    const [why] = await sql`select state, reason from balance_sync.why(${bad})`;
    assert.equal(why.state, "backoff");
    assert.match(why.reason, /^refused by the database: /);
    assert.match(why.reason, refusal.reason);

    // The next tick skips the parked row while its backoff runs: the chain has nothing due.
    const second = await claim(sql, "tick-2", { limit: 10, filter: scheduled, minInterval: 0 });
    assert.deepEqual(second.rows.map((r) => r.id), []);

    // Once the backoff has run, the row is tried again; still refused, it waits twice as long.
    await sql`update balance_sync.refused_rows set retry_at = now() - interval '1 second'`;
    const third = await claim(sql, "tick-3", { limit: 10, filter: scheduled, minInterval: 3600 });
    assert.deepEqual(third.rows, []);
    const [again] = await sql`select streak, retry_at > now() + interval '50 seconds' as ahead
                              from balance_sync.refused_rows where id = ${bad}`;
    assert.deepEqual(again, { streak: 2, ahead: true });
  });
}

Deno.test("claim: a parked row that the database accepts again is claimed and leaves the park", async () => {
  const { sql } = await migratedDb(cluster, "claim_unparked");
  const { ids } = await seedDueRows(sql, 3);
  await REFUSALS[0].install(sql, ids[0]);
  const first = await claim(sql, "a", { limit: 10 });
  assert.equal(first.rows.length, 2);
  await sql`drop trigger freeze_row on public.wallet_balances`;
  await sql`update balance_sync.refused_rows set retry_at = now() - interval '1 second'`;
  const second = await claim(sql, "b", { limit: 10 });
  assert.deepEqual(second.rows.map((r) => r.id), [ids[0]]);
  const [{ n }] = await sql`select count(*)::int as n from balance_sync.refused_rows`;
  assert.equal(n, 0);
});

Deno.test("release: a row the database refuses to release is parked alone; the others are released", async () => {
  const { sql } = await migratedDb(cluster, "release_refused");
  const { ids } = await seedDueRows(sql, ROWS);
  const bad = ids[2];
  await claim(sql, "run", { limit: 10 });
  // Another service starts refusing changes of this row's lease (e.g. it froze the row meanwhile).
  await sql.unsafe(`
    create function public.freeze_lease() returns trigger language plpgsql as $$
    begin
      if old.id = '${bad}' and new.locked_by is distinct from old.locked_by then
        raise exception 'row % is frozen by compliance', old.id;
      end if;
      return new;
    end $$;
    create trigger freeze_lease before update on public.wallet_balances
      for each row execute function public.freeze_lease();`);

  assert.equal(await release(sql, "run", ids), ROWS - 1);
  const rows = await sql`select id, locked_by from public.wallet_balances order by id`;
  for (const row of rows) assert.equal(row.locked_by, row.id === bad ? "run" : null);
  const [why] = await sql`select state, reason from balance_sync.why(${bad})`;
  assert.equal(why.state, "leased", "it keeps its lease until the lease runs out");
  const [park] =
    await sql`select operation, reason from balance_sync.refused_rows where id = ${bad}`;
  assert.equal(park.operation, "release");
  assert.match(park.reason, /frozen by compliance/);

  // After its lease ran out, the row is in backoff, with the refusal as its reason.
  await sql`update public.wallet_balances set locked_until = now() - interval '1 second'
            where id = ${bad}`;
  const [later] = await sql`select state, reason from balance_sync.why(${bad})`;
  assert.equal(later.state, "backoff");
  assert.match(later.reason, /^refused by the database: row .* is frozen by compliance/);
});

Deno.test("claim: when every row of a large batch is refused, the claim stays within the subtransaction budget", async () => {
  const { sql } = await migratedDb(cluster, "claim_all_refused");
  const { ids } = await seedDueRows(sql, 1000);
  await sql.unsafe(`
    create function public.freeze_all() returns trigger language plpgsql as $$
    begin raise exception 'table is read-only for maintenance'; end $$;
    -- after the row is written: every attempt writes rows (takes a transaction id) before it fails
    create trigger freeze_all after update on public.wallet_balances
      for each row execute function public.freeze_all();`);
  const [{ budget }] = await sql`select balance_sync.split_budget() as budget`;
  const [before] = await sql`select txid_current()::text as x`;
  const started = performance.now();
  const result = await claim(sql, "all", { limit: 1000 });
  const ms = performance.now() - started;
  const [after] = await sql`select txid_current()::text as x`;
  const xids = Number(BigInt(after.x) - BigInt(before.x)) - 1;
  assert.deepEqual(result.rows, []);
  const refused = (result as unknown as { refused: unknown[] }).refused;
  assert.equal(refused.length, 1000, "every row is parked");
  const [{ n }] = await sql`select count(*)::int as n from balance_sync.refused_rows
                            where id = any(${ids})`;
  assert.equal(n, 1000);
  assert.ok(xids <= budget + 1, `${xids} transaction ids`);
  console.log(
    `CLAIM WORST CASE | 1000 rows, every one refused | ${
      ms.toFixed(0)
    } ms | ${xids} transaction ids assigned (budget ${budget} statements)`,
  );
});

Deno.test("resync: a row whose last_checked another service set to null is due now, whatever next_sync_at says", async () => {
  const { sql } = await migratedDb(cluster, "resync_null");
  const { ids, chainId } = await seedDueRows(sql, 3);
  // All three synced a moment ago; next due in an hour.
  await sql`update public.wallet_balances set last_checked = now(), sync_count = 1,
              next_sync_at = now() + interval '1 hour'`;
  assert.deepEqual((await claim(sql, "early", { limit: 10 })).rows, []);

  // The first version's way to ask for a resync: last_checked = null.
  await sql`update public.wallet_balances set last_checked = null where id = ${ids[1]}`;
  const [why] = await sql`select state from balance_sync.why(${ids[1]})`;
  assert.equal(why.state, "due");
  const scheduled = await claim(sql, "sched", {
    limit: 10,
    filter: { chain_id: chainId, scheduled: true },
  });
  assert.deepEqual(scheduled.rows.map((r) => r.id), [ids[1]], "a scheduled chain claim takes it");

  await sql`update public.wallet_balances set last_checked = null, processing_status = 'idle',
              locked_by = null, locked_until = null where id = ${ids[2]}`;
  const any = await claim(sql, "any", { limit: 10 });
  assert.deepEqual(any.rows.map((r) => r.id), [ids[2]], "a claim over every chain takes it");

  // next_sync_at = now() keeps working too, and it comes before the null-last_checked row
  // only when it is older (the line is ordered by due time).
  await sql`update public.wallet_balances set next_sync_at = now() - interval '1 minute',
              last_checked = now() - interval '1 hour' where id = ${ids[0]}`;
  await sql`update public.wallet_balances set last_checked = null, processing_status = 'idle',
              locked_by = null, locked_until = null where id = ${ids[1]}`;
  const both = await claim(sql, "both", { limit: 10 });
  assert.deepEqual(both.rows.map((r) => r.id).sort(), [ids[0], ids[1]].sort());
});

Deno.test("resync: dispatch's due count sees a resync request and not a parked row, as the claim does", async () => {
  const { sql } = await migratedDb(cluster, "resync_due_chains");
  const { ids, chainId } = await seedDueRows(sql, 3);
  const due = async () => {
    const [{ d }] = await sql`select public.balance_sync_due_chains(30) as d`;
    return (d as { chain_id: string; due: number }[]).find((c) => c.chain_id === chainId)?.due ?? 0;
  };
  await sql`update public.wallet_balances set last_checked = now(), sync_count = 1,
              next_sync_at = now() + interval '1 hour'`;
  assert.equal(await due(), 0, "nothing due: no POST");

  await sql`update public.wallet_balances set last_checked = null where id = ${ids[1]}`;
  assert.equal(await due(), 1, "a resync request makes the chain due");

  await sql`insert into balance_sync.refused_rows (id, operation, reason, refused_at, streak, retry_at)
            values (${ids[1]}, 'claim', 'test', now(), 1, now() + interval '1 minute')`;
  assert.equal(await due(), 0, "a parked row waits for its retry_at");
  assert.deepEqual((await claim(sql, "parked", { limit: 10 })).rows, [], "the claim agrees");
});
