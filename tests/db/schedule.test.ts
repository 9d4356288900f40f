/**
 * The scheduling migration on the real pg_cron (and the pg_net / Vault stand-ins): the jobs, what
 * balance_sync.dispatch() queues, its errors, and the run history cleanup.
 * pg_cron lives in database `postgres`, so these tests use that database of their clusters.
 */
import assert from "node:assert/strict";
import { type Cluster, sharedCluster, type Sql, withCluster } from "../../stack/pg.ts";
import { waitFor } from "../support/wait.ts";
import { seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster({ migrate: true });

async function expectedSyncSchedule(sql: Sql): Promise<string> {
  const [{ version }] = await sql`select extversion as version from pg_extension
                                  where extname = 'pg_cron'`;
  const [major, minor] = String(version).split("-")[0].split(".").map(Number);
  return major > 1 || (major === 1 && minor >= 5) ? "30 seconds" : "* * * * *";
}

async function jobs(sql: Sql) {
  return [
    ...await sql`select jobid, jobname, schedule, command, database, username, active
                 from cron.job order by jobname`,
  ];
}

async function setSecrets(sql: Sql, secrets: Record<string, string>): Promise<void> {
  await sql`delete from vault.secrets`;
  for (const [name, value] of Object.entries(secrets)) {
    await sql`select vault.create_secret(${value}, ${name})`;
  }
}

/** The function's URL and `secret` in Vault (the stack's local URL), and pg_net's queue empty. */
async function readyToDispatch(sql: Sql, secret = "correct-horse-battery-staple"): Promise<void> {
  await setSecrets(sql, {
    balance_sync_function_url: "http://127.0.0.1:54321/functions/v1/balance-sync",
    balance_sync_secret: secret,
  });
  await sql`delete from net.http_request_queue`;
}

Deno.test("schedule: the sync, cleanup, status and webhook jobs are present with the right schedule", async () => {
  const c = await cluster();
  const schedule = await expectedSyncSchedule(c.sql);
  assert.deepEqual((await jobs(c.sql)).map(({ jobid: _, ...job }) => job), [
    {
      jobname: "balance-sync",
      schedule,
      command: "select balance_sync.dispatch()",
      database: "postgres",
      username: "postgres",
      active: true,
    },
    {
      jobname: "balance-sync-cleanup",
      schedule: "17 3 * * *",
      command: "select balance_sync.cleanup_cron_history()",
      database: "postgres",
      username: "postgres",
      active: true,
    },
    {
      jobname: "balance-sync-status",
      schedule,
      command: "select balance_sync.refresh_chain_status_snapshot()",
      database: "postgres",
      username: "postgres",
      active: true,
    },
    {
      jobname: "balance-sync-webhooks",
      schedule,
      command: "select balance_sync.dispatch_webhooks()",
      database: "postgres",
      username: "postgres",
      active: true,
    },
  ]);
});

Deno.test("schedule: applying the migration twice leaves one sync job and one cleanup job", async () => {
  const c = await cluster();
  const before = await jobs(c.sql);
  await c.sql`delete from supabase_migrations.schema_migrations`;
  const applied = await c.migrate("postgres");
  assert.ok(applied.some((f) => f.endsWith("_balance_sync_schedule.sql")), applied.join());
  assert.deepEqual(await jobs(c.sql), before, "same jobs, same ids, nothing added");
});

Deno.test("dispatch: one POST per chain with due rows, body naming the chain, secret header and 40 s timeout", async () => {
  const c = await cluster();
  await readyToDispatch(c.sql);
  const { chainId: due } = await seedDueRows(c.sql, 3, { name: "dispatch-due" });
  const { ids: freshIds } = await seedDueRows(c.sql, 2, { name: "dispatch-fresh" });
  await c.sql`update public.wallet_balances set last_checked = now(),
              next_sync_at = now() + interval '30 seconds' where id = any(${freshIds})`;
  try {
    const [{ queued: count }] = await c.sql`select balance_sync.dispatch() as queued`;
    const queued = await c.sql`
      select method, url, headers - 'x-balance-sync-tick-at' as headers,
             headers ? 'x-balance-sync-tick-at' as stamped,
             convert_from(body, 'utf8')::jsonb as body, timeout_milliseconds
      from net.http_request_queue`;
    assert.equal(Number(count), 1);
    assert.deepEqual([...queued], [{
      method: "POST",
      url: "http://127.0.0.1:54321/functions/v1/balance-sync",
      headers: {
        "Content-Type": "application/json",
        "x-balance-sync-secret": "correct-horse-battery-staple",
      },
      // its tick (checked in tests/db/dispatch_bounds.test.ts)
      stamped: true,
      body: { chain_id: due, scheduled: true },
      timeout_milliseconds: 40000,
    }]);
  } finally {
    await c.sql`delete from net.http_request_queue`;
    await c.sql`delete from public.wallet_balances`;
  }
});

Deno.test("dispatch: a backlog gets parallel POSTs up to the per-chain cap, a rate-limited chain one, all within the per-tick cap", async () => {
  const c = await cluster();
  await readyToDispatch(c.sql);
  const seed = async (name: string, count: number, maxRps: number | null) =>
    (await seedDueRows(c.sql, count, { name, maxRps })).chainId;
  const big = await seed("backlog-a", 50, null);
  const small = await seed("backlog-b", 5, null);
  const paced = await seed("backlog-paced", 50, 2);
  await c.sql`insert into balance_sync.settings (key, value) values
              ('rows_per_run', '10'), ('max_runs_per_chain', '3'), ('max_runs_per_tick', '4')
              on conflict (key) do update set value = excluded.value`;
  const perChain = async () => {
    const rows = await c.sql`select convert_from(body, 'utf8')::jsonb ->> 'chain_id' as chain
                             from net.http_request_queue`;
    const counts: Record<string, number> = {};
    for (const { chain } of rows) counts[chain] = (counts[chain] ?? 0) + 1;
    return counts;
  };
  try {
    await c.sql`select balance_sync.dispatch()`;
    // Every chain's first POST comes first; the fourth goes to the backlog.
    assert.deepEqual(await perChain(), { [big]: 2, [small]: 1, [paced]: 1 });
    // As if the first tick's runs had answered (else they would count against the caps).
    await c.sql`delete from net.http_request_queue`;
    await c.sql`delete from balance_sync.dispatch_requests`;
    await c.sql`update balance_sync.settings set value = '20' where key = 'max_runs_per_tick'`;
    await c.sql`select balance_sync.dispatch()`;
    assert.deepEqual(await perChain(), { [big]: 3, [small]: 1, [paced]: 1 });
  } finally {
    await c.sql`delete from balance_sync.settings
                where key in ('rows_per_run', 'max_runs_per_chain', 'max_runs_per_tick')`;
    await c.sql`insert into balance_sync.settings (key, value) values ('rows_per_run', '2000'),
                ('max_runs_per_chain', '4'), ('max_runs_per_tick', '20')`;
    await c.sql`delete from net.http_request_queue`;
    await c.sql`delete from public.wallet_balances`;
  }
});

Deno.test("dispatch: a Vault secret saved with a trailing line break is sent without it", async () => {
  const c = await cluster();
  await readyToDispatch(c.sql, "correct-horse-battery-staple\r\n");
  await seedDueRows(c.sql, 1, { name: "dispatch-trimmed-secret" });
  try {
    const [{ queued: count }] = await c.sql`select balance_sync.dispatch() as queued`;
    assert.equal(Number(count), 1);
    const [queued] = await c.sql`select headers from net.http_request_queue`;
    assert.equal(queued.headers["x-balance-sync-secret"], "correct-horse-battery-staple");
  } finally {
    await c.sql`delete from net.http_request_queue`;
    await c.sql`delete from public.wallet_balances`;
  }
});

Deno.test("dispatch: a missing Vault secret raises an error that names it", async () => {
  const c = await cluster();
  await setSecrets(c.sql, {});
  await assert.rejects(
    c.sql`select balance_sync.dispatch()`,
    /Vault secret "balance_sync_function_url" is missing/,
  );
  await setSecrets(c.sql, { balance_sync_function_url: "http://127.0.0.1:1/x" });
  await assert.rejects(
    c.sql`select balance_sync.dispatch()`,
    /Vault secret "balance_sync_secret" is missing/,
  );
  const [{ n }] = await c.sql`select count(*)::int as n from net.http_request_queue
                              where url = 'http://127.0.0.1:1/x'`;
  assert.equal(n, 0, "nothing is queued without both secrets");
});

Deno.test("dispatch: only the owner (and pg_cron) may call it, not the API roles", async () => {
  const c = await cluster();
  const api = c.connect("postgres", { user: "authenticator", max: 1 });
  for (const role of ["anon", "authenticated", "service_role"]) {
    await assert.rejects(
      api.begin(async (tx) => {
        await tx.unsafe(`set local role ${role}`);
        await tx.unsafe("select balance_sync.dispatch()");
      }),
      (error: { code?: string }) => error.code === "42501",
      `${role} must get a permission error`,
    );
  }
});

Deno.test("cleanup job: deletes this project's run details older than 7 days and no other job's", async () => {
  const c = await cluster();
  await c.sql`delete from cron.job_run_details`;
  const [{ other }] = await c.sql`select cron.schedule('other-app-report', '0 0 1 1 *', 'select 1')
                                    as other`;
  const [{ ours }] = await c.sql`select jobid as ours from cron.job
                                 where jobname = 'balance-sync-cleanup'`;
  try {
    // runids from 10,000 on: the real jobs may fire meanwhile and add rows of their own
    await c.sql`
      insert into cron.job_run_details (jobid, runid, job_pid, database, username, command, status,
                                        return_message, start_time, end_time)
      select j.jobid, j.base + g, 0, 'postgres', 'postgres', 'select 1', 'succeeded', '1 row',
             now() - make_interval(days => g) + interval '1 hour' - interval '1 second',
             now() - make_interval(days => g) + interval '1 hour'
      from (values (${ours}::bigint, 10000), (${other}::bigint, 20000)) as j(jobid, base),
           generate_series(1, 10) as g`;
    const [{ deleted }] = await c.sql`select balance_sync.cleanup_cron_history() as deleted`;
    assert.equal(deleted, 3, "this project's runs of 8, 9 and 10 days ago");
    const left = await c.sql`select jobid, runid from cron.job_run_details where runid >= 10000
                             order by runid`;
    assert.deepEqual(
      left.filter((r) => r.jobid === ours).map((r) => Number(r.runid) - 10000),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      left.filter((r) => r.jobid === other).map((r) => Number(r.runid) - 20000),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      "another app's job history is kept, old rows included",
    );
  } finally {
    await c.sql`select cron.unschedule('other-app-report')`;
  }
});

Deno.test({
  name:
    "pg_cron: when the sync job fires without its Vault secrets, the error naming them is in cron.job_run_details",
  sanitizeOps: false,
  sanitizeResources: false,
  // pg_cron < 1.5 fires on the minute: this test waits for one real tick (at most ~60 s).
  fn: () =>
    withCluster(async (c: Cluster) => {
      const [job] = await c.sql`select jobid from cron.job where jobname = 'balance-sync'`;
      const run = await waitFor(
        "the first run of balance-sync",
        async () => {
          const [row] = await c.sql`
          select status, return_message from cron.job_run_details
          where jobid = ${job.jobid} and status in ('failed', 'succeeded')
          order by runid limit 1`;
          return row;
        },
        75_000,
        500,
      );
      assert.equal(run.status, "failed");
      assert.match(run.return_message, /Vault secret "balance_sync_function_url" is missing/);
    }, { migrate: true }),
});
