/**
 * balance_sync.runs on a real PostgreSQL: the row a run's first claim creates, what
 * balance_sync_run_finish() stores, the derived `abandoned` status, the retention applied by the
 * cleanup job, and who may read any of it.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { claim, migratedDb, record } from "./fixtures.ts";
import { insertAsset, insertBalances, insertChain } from "../../stack/seed.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();
const freshDb = (name: string) => migratedDb(cluster, name);

async function history(sql: Sql, runId: string) {
  const [row] = await sql`select * from balance_sync.run_history where run_id = ${runId}`;
  return row;
}

async function finish(sql: Sql, runId: string, status: string, summary: unknown) {
  await sql`select public.balance_sync_run_finish(${runId}, ${status},
                                                  ${JSON.stringify(summary)}::text::jsonb)`;
}

Deno.test("runs: the first claim of a run creates its row (kind, scope, chains); later claims leave it alone", async () => {
  const { sql } = await freshDb("runs_first_claim");
  const chainId = await insertChain(sql);
  const assetOnChainId = await insertAsset(sql, { chainId });
  const ids = await insertBalances(sql, { chainId, assetOnChainId, count: 3 });

  await claim(sql, "scheduled-run", { limit: 2 });
  const first = await history(sql, "scheduled-run");
  assert.equal(first.kind, "scheduled");
  assert.equal(first.scope, null);
  assert.equal(first.status, "running");
  assert.deepEqual(first.chain_ids, [chainId]);
  assert.equal(first.lease_seconds, 120);
  await claim(sql, "scheduled-run", { limit: 2 });
  assert.deepEqual(await history(sql, "scheduled-run"), first, "the second batch changes nothing");

  const filter = { wallet_balance_ids: [ids[0]] };
  await claim(sql, "forced-run", { filter });
  const forced = await history(sql, "forced-run");
  assert.equal(forced.kind, "forced");
  assert.deepEqual(forced.scope, filter);

  await claim(sql, "empty-run");
  assert.equal((await history(sql, "empty-run")).status, "running", "a run that found nothing");
});

Deno.test("runs: run_finish stores the summary as given plus typed counts; only the first call writes", async () => {
  const { sql } = await freshDb("runs_finish");
  const chainId = await insertChain(sql);
  const assetOnChainId = await insertAsset(sql, { chainId });
  const [id] = await insertBalances(sql, { chainId, assetOnChainId, count: 1 });
  const { rows } = await claim(sql, "run-1", { filter: { wallet_balance_ids: [id] } });
  await record(sql, "run-1", [{
    id: rows[0].id,
    raw: "1",
    human: "0.000000000000000001",
    block: "9",
  }]);
  const summary = {
    run_id: "run-1",
    kind: "forced",
    claimed: 1,
    synced: 1,
    failed: 0,
    stale_rejected: 0,
    released: 0,
    lost: 0,
    invalid: 0,
    busy: 0,
    duration_ms: 42,
    batches: 1,
    stopped: "forced",
    cpu_ms: 7,
    chains: {
      [chainId]: {
        id: chainId,
        name: "anvil",
        rows: 1,
        synced: 1,
        failed: 0,
        block: "9",
        rpc_requests: 2,
        mode: "multicall",
        read_ms: 5,
        errors_by_class: {},
      },
    },
    busy_ids: [],
    rows: [{ id, status: "synced" }],
  };
  await finish(sql, "run-1", "finished", summary);
  const row = await history(sql, "run-1");
  const { rows: _rows, ...figures } = summary;
  assert.deepEqual(row.summary, figures, "the summary as given, without the per-row list");
  assert.deepEqual(
    [row.status, row.claimed, row.synced, row.failed, row.duration_ms, row.cpu_ms, row.stopped],
    ["finished", 1, 1, 0, 42, 7, "forced"],
  );
  assert.deepEqual(row.chains, summary.chains);
  assert.ok(row.finished_at >= row.started_at);

  await finish(sql, "run-1", "failed", { error: "late" });
  assert.equal((await history(sql, "run-1")).status, "finished", "a repeated call changes nothing");

  // A run whose first claim never reached the database still gets a row.
  await finish(sql, "run-2", "failed", {
    run_id: "run-2",
    kind: "scheduled",
    error: "database unavailable",
  });
  const failed = await history(sql, "run-2");
  assert.deepEqual([failed.status, failed.error, failed.kind], [
    "failed",
    "database unavailable",
    "scheduled",
  ]);

  for (
    const [status, summaryArg, message] of [
      ["done", {}, /p_status must be finished or failed/],
      ["finished", [], /p_summary must be a JSON object/],
    ] as const
  ) {
    await assert.rejects(finish(sql, "run-3", status, summaryArg), message);
  }
});

Deno.test("runs: a run that never finished is 'abandoned' once its lease has passed and it holds no live lease", async () => {
  const { sql } = await freshDb("runs_abandoned");
  const chainId = await insertChain(sql);
  const assetOnChainId = await insertAsset(sql, { chainId });
  await insertBalances(sql, { chainId, assetOnChainId, count: 2 });
  await claim(sql, "doomed", { lease: 1 });
  assert.equal((await history(sql, "doomed")).status, "running");
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal((await history(sql, "doomed")).status, "abandoned");

  // A live lease keeps a run running even past its lease time (another batch of the same run).
  await sql`update balance_sync.runs set started_at = now() - interval '1 hour'
            where run_id = 'doomed'`;
  await claim(sql, "doomed", { lease: 60, filter: { chain_id: chainId } });
  assert.equal((await history(sql, "doomed")).status, "running");
});

Deno.test("runs: prune keeps the retention setting; counters keep the runs it removes", async () => {
  const { sql } = await freshDb("runs_retention");
  await sql`insert into balance_sync.runs (run_id, kind, started_at, lease_seconds, status, chains)
            values ('old-finished', 'scheduled', now() - interval '8 days', 120, 'finished',
                    '{"c1": {"rpc_requests": 3}}'),
                   ('old-running', 'scheduled', now() - interval '9 days', 120, 'running', null),
                   ('recent', 'scheduled', now() - interval '6 days', 120, 'finished',
                    '{"c1": {"rpc_requests": 5}}')`;
  const before = await sql`select public.balance_sync_metrics() as m`;
  assert.match(before[0].m, /balance_sync_runs_total\{status="finished"\} 2\n/);

  const [{ n }] = await sql`select balance_sync.prune_run_history() as n`;
  assert.equal(n, 2);
  assert.deepEqual((await sql`select run_id from balance_sync.runs`).map((r) => r.run_id), [
    "recent",
  ]);
  assert.deepEqual(
    [...await sql`select metric, label, value::int from balance_sync.run_totals order by 1, 2`],
    [
      { metric: "runs", label: "abandoned", value: 1 },
      // finished runs are counted when they end (here: inserted finished), not when removed
      { metric: "runs", label: "finished", value: 2 },
    ],
  );
  const after = await sql`select public.balance_sync_metrics() as m`;
  assert.match(after[0].m, /balance_sync_runs_total\{status="finished"\} 2\n/, "counters keep");
  assert.match(after[0].m, /balance_sync_runs_total\{status="abandoned"\} 1\n/);

  await sql`update balance_sync.settings set value = '"1 day"' where key = 'run_history_retention'`;
  await sql`select balance_sync.prune_run_history()`;
  assert.deepEqual([...await sql`select run_id from balance_sync.runs`], []);
});

Deno.test("runs: the daily cleanup job applies the run retention (pg_cron's database)", async () => {
  const c = await cluster();
  await c.migrate("postgres");
  await c.sql`insert into balance_sync.runs (run_id, kind, started_at, lease_seconds, status)
              values ('ancient', 'scheduled', now() - interval '30 days', 120, 'finished'),
                     ('today', 'scheduled', now(), 120, 'finished')`;
  const [job] = await c.sql`select command from cron.job where jobname = 'balance-sync-cleanup'`;
  await c.sql.unsafe(job.command);
  assert.deepEqual(
    (await c.sql`select run_id from balance_sync.runs`).map((r) => r.run_id),
    ["today"],
  );
});

Deno.test("security: nothing in balance_sync is readable or executable by anon, authenticated or PUBLIC; service_role reads the views; no view shows a secret", async () => {
  const { sql } = await freshDb("runs_security");
  const objects = await sql`
    select c.oid::regclass::text as name, c.relkind
    from pg_class as c
    where c.relnamespace = 'balance_sync'::regnamespace and c.relkind in ('r', 'v', 'm')`;
  assert.ok(objects.length >= 7, "tables and views found");
  for (const { name } of objects) {
    for (const role of ["anon", "authenticated"]) {
      const [{ ok }] = await sql`select has_table_privilege(${role}, ${name}, 'select') as ok`;
      assert.equal(ok, false, `${role} may not read ${name}`);
    }
    const [{ pub }] = await sql`
      select exists (select 1 from pg_class as c, aclexplode(c.relacl) as a
                     where c.oid = ${name}::regclass and a.grantee = 0) as pub`;
    assert.equal(pub, false, `PUBLIC has no grant on ${name}`);
  }
  for (const view of ["row_status", "stale_rows", "run_history", "chain_status", "runs"]) {
    const [{ ok }] = await sql`select has_table_privilege('service_role',
                                                          ${
      "balance_sync." + view
    }, 'select') as ok`;
    assert.equal(ok, true, `service_role reads balance_sync.${view}`);
  }
  const functions = await sql`
    select p.oid::regprocedure::text as name from pg_proc as p
    where p.pronamespace = 'balance_sync'::regnamespace
       or p.proname in ('balance_sync_run_finish', 'balance_sync_metrics')`;
  for (const { name } of functions) {
    for (const role of ["anon", "authenticated"]) {
      const [{ ok }] = await sql`select has_function_privilege(${role}, ${name}, 'execute') as ok`;
      assert.equal(ok, false, `${role} may not execute ${name}`);
    }
  }

  // A chain whose URLs carry an API key, a key name, and a Vault secret: none shows in the views.
  const secret = `key-${crypto.randomUUID()}`;
  const chainId = await insertChain(sql, { rpcUrl: `https://node.example/v1/${secret}` });
  await sql`update public.chains set fallback_rpc_urls = array['https://x.example/?key=' || ${secret}],
                                     api_key_env = 'NODE_API_KEY'
            where id = ${chainId}`;
  await sql`select vault.create_secret(${secret}, 'balance_sync_secret')`;
  const assetOnChainId = await insertAsset(sql, { chainId });
  const [id] = await insertBalances(sql, { chainId, assetOnChainId, count: 1 });
  await claim(sql, "run-secret");
  await record(sql, "run-secret", [{ id, error: "HTTP 500", error_class: "transient" }]);
  await finish(sql, "run-secret", "finished", { kind: "scheduled", claimed: 1 });
  await sql.begin(async (tx) => {
    await tx`set local role service_role`;
    const seen = await tx`
      select (select json_agg(s)::text from balance_sync.chain_status as s) as a,
             (select json_agg(s)::text from balance_sync.stale_rows as s) as b,
             (select json_agg(s)::text from balance_sync.run_history as s) as c,
             (select json_agg(s)::text from balance_sync.why(${id}::uuid) as s) as d,
             public.balance_sync_metrics() as e`;
    const text = Object.values(seen[0]).join("\n");
    assert.ok(text.includes(chainId), "the views did show the chain");
    assert.ok(!text.includes(secret), "no secret in any view");
    assert.ok(!text.includes("node.example"), "no RPC URL in any view");
  });
});
