/**
 * Cadence: a row read in scheduled tick N is due again at tick N+1. dispatch() stamps each POST
 * with its tick (x-balance-sync-tick-at); the function sends it with each balance; record sets
 * next_sync_at one interval (less 1 s of cron jitter) after that tick, instead of one interval
 * after the record, which fell after tick N+1 and made the row wait for tick N+2.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { claim, migratedDb, record, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

/** Claims `ids`' chain as a scheduled run and records every row with balance 1 (`extra` added). */
async function readTick(sql: Sql, worker: string, chainId: string, extra: Record<string, string>) {
  const claimed = await claim(sql, worker, {
    limit: 10,
    filter: { chain_id: chainId, scheduled: true },
  });
  const results = claimed.rows.map((r) => ({
    id: r.id,
    raw: "1000000000000000000",
    human: "1",
    block: "100",
    ...extra,
  }));
  const outcome = await record(sql, worker, results);
  return { claimed: claimed.rows.map((r) => r.id).sort(), outcome };
}

const nextSync = async (sql: Sql, id: string) => {
  const [row] = await sql`
    select extract(epoch from next_sync_at - now())::float8 as in_s from public.wallet_balances
    where id = ${id}`;
  return row.in_s as number;
};

Deno.test("cadence: a row read late in tick N is due at tick N+1, one interval after the tick, not after the read", async () => {
  const { sql } = await migratedDb(cluster, "cadence_tick");
  const { ids, chainId } = await seedDueRows(sql, 3);

  // Tick N started 20 s ago; this batch is read and recorded now, late in the tick.
  const [{ tick }] = await sql`select to_char((now() - interval '20 seconds') at time zone 'UTC',
                                              'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as tick`;
  const first = await readTick(sql, "tick-n", chainId, { tick_at: tick });
  assert.deepEqual(first.claimed, [...ids].sort());
  // Due 30 - 1 - 20 = 9 s from now: before tick N+1 (10 s from now), so tick N+1 takes it.
  const due = await nextSync(sql, ids[0]);
  assert.ok(due > 8 && due < 10, `next sync in ${due} s`);

  // Without the tick (the old rule, and a forced run) the row would be due 30 s after the read,
  // that is 20 s after tick N+1: it would wait for tick N+2.
  const { ids: other, chainId: otherChain } = await seedDueRows(sql, 1);
  await readTick(sql, "no-tick", otherChain, {});
  const late = await nextSync(sql, other[0]);
  assert.ok(late > 29 && late <= 30, `without the tick: next sync in ${late} s`);

  // Tick N+1, simulated: the rows' due time has come although they were read < 30 s ago.
  await sql`update public.wallet_balances set next_sync_at = now() - interval '1 second'
            where id = any(${ids}::uuid[])`;
  const second = await readTick(sql, "tick-n1", chainId, { tick_at: tick });
  assert.deepEqual(second.claimed, [...ids].sort(), "due again at the next tick");
  const [{ d }] = await sql`select public.balance_sync_due_chains(30) as d`;
  assert.equal((d as { chain_id: string }[]).some((c) => c.chain_id === otherChain), false);
});

Deno.test("cadence: a tick in the future counts as now, a bad one is refused for its row alone", async () => {
  const { sql } = await migratedDb(cluster, "cadence_clamp");
  const { ids, chainId } = await seedDueRows(sql, 2);
  const claimed = await claim(sql, "w", {
    limit: 10,
    filter: { chain_id: chainId, scheduled: true },
  });
  assert.equal(claimed.rows.length, 2);
  const outcome = await record(sql, "w", [
    {
      id: ids[0],
      raw: "1000000000000000000",
      human: "1",
      block: "100",
      tick_at: "2999-01-01T00:00:00Z",
    },
    { id: ids[1], raw: "1000000000000000000", human: "1", block: "100", tick_at: "yesterday" },
  ]);
  assert.equal(outcome.applied, 1);
  assert.match(JSON.stringify(outcome.invalid), /tick_at must be an ISO 8601 timestamp/);
  const due = await nextSync(sql, ids[0]);
  assert.ok(due > 28 && due < 29.5, `a future tick counts as now: next sync in ${due} s`);
});
