/**
 * public.balance_sync_metrics() on a real PostgreSQL: running runs are a gauge, every *_total
 * only grows, and a scrape reads the same few run rows whatever the size of the history.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { insertAsset, insertBalances, insertChain } from "../../stack/seed.ts";
import { migrateBefore } from "../../stack/upgrade_path.ts";
import { claim, emptyDb, migratedDb } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

/** name{labels} -> value, and name -> TYPE, of one scrape. */
async function scrape(sql: Sql) {
  const [{ m }] = await sql`select public.balance_sync_metrics() as m`;
  const text = m as string;
  const values = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    else if (line && !line.startsWith("#")) {
      const at = line.lastIndexOf(" ");
      values.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
  }
  return { text, values, types };
}

const finish = (sql: Sql, runId: string) =>
  sql`select public.balance_sync_run_finish(${runId}, 'finished', '{"synced": 0}'::jsonb)`;

const RUNS = ["finished", "failed", "abandoned"].map((s) =>
  `balance_sync_runs_total{status="${s}"}`
);

Deno.test("metrics: running runs are the gauge balance_sync_runs_running; balance_sync_runs_total counts ended runs and never goes down", async () => {
  const { sql } = await migratedDb(cluster, "metrics_runs");
  const chainId = await insertChain(sql);
  const assetOnChainId = await insertAsset(sql, { chainId });
  await insertBalances(sql, { chainId, assetOnChainId, count: 4 });
  const seen: Map<string, number>[] = [];
  const step = async (expected: Record<string, number>) => {
    const { values, types, text } = await scrape(sql);
    assert.equal(types.get("balance_sync_runs_running"), "gauge");
    assert.equal(types.get("balance_sync_runs_total"), "counter");
    assert.doesNotMatch(text, /status="running"/, "no running runs in a counter");
    for (const [name, value] of Object.entries(expected)) {
      assert.equal(values.get(name), value, name);
    }
    for (const previous of seen) {
      for (const name of RUNS) {
        assert.ok(values.get(name)! >= previous.get(name)!, `${name} never goes down`);
      }
    }
    seen.push(values);
  };
  const [finished, failed, abandoned] = RUNS;

  await step({ balance_sync_runs_running: 0, [finished]: 0, [failed]: 0, [abandoned]: 0 });
  await claim(sql, "run-a", { limit: 2, lease: 120 });
  await step({ balance_sync_runs_running: 1, [finished]: 0, [abandoned]: 0 });
  await finish(sql, "run-a");
  await step({ balance_sync_runs_running: 0, [finished]: 1, [abandoned]: 0 });

  // killed: its lease passes, then (a hung run after all) it answers late
  await claim(sql, "run-late", { limit: 2, lease: 1 });
  await step({ balance_sync_runs_running: 1, [abandoned]: 0 });
  await new Promise((r) => setTimeout(r, 1200));
  await step({ balance_sync_runs_running: 0, [finished]: 1, [abandoned]: 1 });
  await finish(sql, "run-late");
  await step({ balance_sync_runs_running: 0, [finished]: 2, [abandoned]: 1 });
  await sql`select public.balance_sync_run_finish('run-b', 'failed', '{"error": "x"}'::jsonb)`;
  await step({ [failed]: 1 });

  // the history's retention removes them all: the counters keep them
  await sql`update balance_sync.runs set started_at = started_at - interval '30 days'`;
  const [{ n }] = await sql`select balance_sync.prune_run_history() as n`;
  assert.equal(n, 3);
  await step({ balance_sync_runs_running: 0, [finished]: 2, [failed]: 1, [abandoned]: 1 });
});

/**
 * Rows of balance_sync.runs that `query` read, by sequential and by index scans (this backend's
 * table counters, before and after, in one transaction).
 */
async function runsRowsRead(sql: Sql, query: (tx: Sql) => Promise<unknown>): Promise<number> {
  return await sql.begin(async (tx) => {
    const read = async () =>
      Number(
        (await tx`select seq_tup_read + idx_tup_fetch as n from pg_stat_xact_user_tables
                       where relid = 'balance_sync.runs'::regclass`)[0].n,
      );
    const before = await read();
    await query(tx as unknown as Sql);
    return await read() - before;
  }) as number;
}

Deno.test("metrics: a scrape reads a few run rows, not the history: 50,000 runs and 30 chains that never ran", async () => {
  const { sql } = await migratedDb(cluster, "metrics_bound");
  const busy = await insertChain(sql);
  const idle: string[] = [];
  for (let i = 0; i < 30; i++) idle.push(await insertChain(sql, { name: `idle-${i}` }));
  await sql`
    insert into balance_sync.runs (run_id, kind, started_at, finished_at, lease_seconds, status,
                                   chain_ids)
    select 'h-' || g, 'scheduled', now() - make_interval(secs => 50000 - g),
           now() - make_interval(secs => 50000 - g) + interval '1 second', 120, 'finished',
           array[${busy}::uuid]
    from generate_series(1, 50000) as g`;
  await sql`insert into balance_sync.runs (run_id, kind, lease_seconds, chain_ids)
            values ('now-running', 'scheduled', 120, array[${busy}::uuid])`;
  await sql`analyze balance_sync.runs`;

  const read = await runsRowsRead(sql, (tx) => tx`select public.balance_sync_metrics()`);
  // one row per chain that ran (1), the running runs (1), the latest finished run (1)
  assert.ok(read <= 10, `a scrape read ${read} rows of balance_sync.runs`);
  const { values } = await scrape(sql);
  assert.equal(values.get('balance_sync_runs_total{status="finished"}'), 50000);
  assert.equal(values.get("balance_sync_runs_running"), 1);

  const status = await sql`select chain_id, last_run_id, last_run_status
                           from balance_sync.chain_status`;
  assert.deepEqual(
    Object.fromEntries(status.map((r) => [r.chain_id, [r.last_run_id, r.last_run_status]])),
    Object.fromEntries([
      [busy, ["now-running", "running"]],
      ...idle.map((id) => [id, [null, null]]),
    ]),
  );
  const statusRead = await runsRowsRead(sql, (tx) => tx`select * from balance_sync.chain_status`);
  assert.ok(statusRead <= 10, `chain_status read ${statusRead} rows of balance_sync.runs`);
});

Deno.test("metrics: chain_status's last run follows new runs and forgets pruned ones", async () => {
  const { sql } = await migratedDb(cluster, "metrics_last_run");
  const a = await insertChain(sql);
  const b = await insertChain(sql);
  const last = async () =>
    Object.fromEntries(
      (await sql`select chain_id, last_run_id from balance_sync.chain_status`).map((
        r,
      ) => [r.chain_id, r.last_run_id]),
    );
  await sql`insert into balance_sync.runs (run_id, kind, started_at, lease_seconds, chain_ids)
            values ('old', 'scheduled', now() - interval '10 days', 120, array[${a}::uuid]),
                   ('new', 'scheduled', now() - interval '1 hour', 120, array[${a}::uuid])`;
  // an older run inserted later does not replace a newer one
  await sql`insert into balance_sync.runs (run_id, kind, started_at, lease_seconds, chain_ids)
            values ('older', 'scheduled', now() - interval '2 hours', 120,
                    array[${a}::uuid, ${b}::uuid])`;
  assert.deepEqual(await last(), { [a]: "new", [b]: "older" });
  // run_finish adds the chains of its summary
  await sql`select public.balance_sync_run_finish('old', 'finished',
              ${JSON.stringify({ chains: { [b]: { rows: 1 } } })}::text::jsonb)`;
  assert.deepEqual(await last(), { [a]: "new", [b]: "older" }, "old is older than older");
  await sql`select public.balance_sync_run_finish('newest', 'finished',
              ${JSON.stringify({ chains: { [b]: { rows: 1 } } })}::text::jsonb)`;
  assert.deepEqual(await last(), { [a]: "new", [b]: "newest" });
  await sql`update balance_sync.runs set started_at = now() - interval '30 days'
            where run_id in ('new', 'older')`;
  await sql`select balance_sync.prune_run_history()`;
  assert.deepEqual(await last(), { [a]: null, [b]: "newest" });
});

Deno.test("upgrade: from the landed migrations, runs_total and each chain's last run read the same; running runs move to the gauge", async () => {
  const c = await cluster();
  const { db, sql } = await emptyDb(c, "metrics_upgrade");
  await migrateBefore(c, db, "20261206000400");
  const a = await insertChain(sql);
  const b = await insertChain(sql);
  await sql`
    insert into balance_sync.runs (run_id, kind, started_at, finished_at, lease_seconds, status,
                                   chain_ids)
    values ('f1', 'scheduled', now() - interval '3 hours', now() - interval '3 hours', 120,
            'finished', array[${a}::uuid]),
           ('f2', 'scheduled', now() - interval '2 hours', now() - interval '2 hours', 120,
            'finished', array[${a}::uuid, ${b}::uuid]),
           ('x1', 'scheduled', now() - interval '1 hour', now() - interval '1 hour', 120,
            'failed', array[${b}::uuid]),
           ('dead', 'scheduled', now() - interval '50 minutes', null, 120, 'running',
            array[${a}::uuid]),
           ('live', 'scheduled', now(), null, 120, 'running', '{}')`;
  // what an earlier cleanup moved out of the history
  await sql`insert into balance_sync.run_totals (metric, label, value)
            values ('runs', 'finished', 7), ('runs', 'abandoned', 2)`;
  const runs = (text: string) =>
    Object.fromEntries(
      [...text.matchAll(/^balance_sync_runs_total\{status="(\w+)"\} (\d+)$/gm)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
  const lastRuns = async () =>
    Object.fromEntries(
      (await sql`select chain_id, last_run_id, last_run_status from balance_sync.chain_status`)
        .map((r) => [r.chain_id, [r.last_run_id, r.last_run_status]]),
    );
  const before = runs((await sql`select public.balance_sync_metrics() as m`)[0].m);
  const lastBefore = await lastRuns();
  assert.deepEqual(before, { running: 1, finished: 9, failed: 1, abandoned: 3 });

  const applied = await c.migrate(db);
  assert.ok(applied.length >= 3 && applied.every((f) => f >= "20261206000400"), applied.join());
  const { values } = await scrape(sql);
  const after = runs((await sql`select public.balance_sync_metrics() as m`)[0].m);
  assert.deepEqual(after, { finished: 9, failed: 1, abandoned: 3 });
  assert.equal(values.get("balance_sync_runs_running"), before.running);
  assert.deepEqual(await lastRuns(), lastBefore);
  assert.deepEqual(lastBefore, { [a]: ["dead", "abandoned"], [b]: ["x1", "failed"] });

  // applying every migration again adds nothing to the counters
  await sql`delete from supabase_migrations.schema_migrations`;
  await c.migrate(db);
  assert.deepEqual(runs((await sql`select public.balance_sync_metrics() as m`)[0].m), after);
});

Deno.test("metrics: above status_snapshot_min_rows a scrape reads the status job's snapshot, not every row; below it, it counts itself", async () => {
  const { sql } = await migratedDb(cluster, "metrics_snapshot");
  const chainId = await insertChain(sql, { name: "snap" });
  const assetOnChainId = await insertAsset(sql, { chainId });
  await insertBalances(sql, { chainId, assetOnChainId, count: 5 });
  await sql`analyze public.wallet_balances`;
  const due = `balance_sync_rows{chain="snap",chain_id="${chainId}",state="due"}`;
  const age = "balance_sync_chain_status_age_seconds";

  // A small table: the job leaves no snapshot, and the scrape counts.
  assert.equal((await sql`select balance_sync.refresh_chain_status_snapshot() as n`)[0].n, 0);
  let m = await scrape(sql);
  assert.equal(m.values.get(due), 5);
  assert.equal(m.values.get(age), 0);
  assert.equal(m.types.get(age), "gauge");

  // "Large": the job takes the snapshot; a scrape reads it, so rows added since are not counted
  // until the next refresh, and the age says how old the counts are.
  await sql`update balance_sync.settings set value = '0' where key = 'status_snapshot_min_rows'`;
  assert.equal((await sql`select balance_sync.refresh_chain_status_snapshot() as n`)[0].n, 1);
  await sql`update balance_sync.chain_status_snapshot set taken_at = now() - interval '20 seconds'`;
  await insertBalances(sql, { chainId, assetOnChainId, count: 3 });
  m = await scrape(sql);
  assert.equal(m.values.get(due), 5, "from the snapshot");
  const seen = m.values.get(age)!;
  assert.ok(seen >= 20 && seen < 30, `age ${seen}`);

  // A snapshot older than 120 s is not used: the scrape counts again.
  await sql`update balance_sync.chain_status_snapshot set taken_at = now() - interval '121 seconds'`;
  m = await scrape(sql);
  assert.equal(m.values.get(due), 8);
  assert.equal(m.values.get(age), 0);
});
