/**
 * The database drives the sync, end to end, on the real pg_cron: the scheduled job fires by
 * itself, pg_net's queue (stand-in) holds the POST that balance_sync.dispatch() made, the
 * dispatcher (the stand-in's worker) delivers it to the function served over HTTP, the due rows
 * get the chains' balances, and net._http_response holds the function's summary.
 *
 * pg_cron below 1.5 fires on the minute, so this test waits for one real tick (at most ~60 s).
 * Tests that do not need the clock call balance_sync.dispatch() directly (tests/db/).
 */
import assert from "node:assert/strict";
import { type NetDispatcher, startNetDispatcher } from "../../stack/standins/net_dispatcher.ts";
import type { Sql } from "../../stack/pg.ts";
import { startStack, SYNC_SECRET_HEADER } from "../../stack/stack.ts";
import { seedWorld } from "../../stack/data.ts";
import { waitFor } from "../support/wait.ts";
import { TICK_AT_HEADER } from "../../supabase/functions/balance-sync/http/request.ts";
import { stackTest } from "./fixture.ts";

async function expectedSchedule(sql: Sql): Promise<string> {
  const [{ version }] = await sql`select extversion as version from pg_extension
                                  where extname = 'pg_cron'`;
  const [major, minor] = String(version).split("-")[0].split(".").map(Number);
  return major > 1 || (major === 1 && minor >= 5) ? "30 seconds" : "* * * * *";
}

stackTest(
  "pg_cron drives a sync: the job fires by itself, pg_net's queue holds the POST, the dispatcher delivers it to the served function, due rows are synced and net._http_response holds the summary",
  async () => {
    const stack = await startStack({ database: "postgres" });
    let dispatcher: NetDispatcher | undefined;
    try {
      const { sql } = stack;
      const fn = stack.fn!;
      const world = await seedWorld(stack, { wallets: 2 });
      const notDue = world.rows[0];
      const due = world.rows.filter((r) => r.id !== notDue.id);

      const [job] = await sql`select jobid, schedule, command, active from cron.job
                              where jobname = 'balance-sync'`;
      assert.equal(job.schedule, await expectedSchedule(sql));
      assert.equal(job.command, "select balance_sync.dispatch()");
      assert.equal(job.active, true);

      await sql`delete from vault.secrets where name in ('balance_sync_function_url',
                                                       'balance_sync_secret')`;
      await sql`select vault.create_secret(${fn.url}, 'balance_sync_function_url')`;
      await sql`select vault.create_secret(${stack.keys.syncSecret}, 'balance_sync_secret')`;
      const [{ now: secretsSet }] = await sql`select now()`;

      const run = await waitFor(
        "pg_cron to fire balance-sync",
        async () => {
          const [row] = await sql`
          select status, return_message from cron.job_run_details
          where jobid = ${job.jobid} and start_time >= ${secretsSet}
            and status in ('succeeded', 'failed')
          order by runid limit 1`;
          return row;
        },
        70_000,
        250,
      );
      assert.equal(run.status, "succeeded", run.return_message);

      const queued = await sql`
        select id::text, method::text, url, headers, convert_from(body, 'UTF8') as body,
               timeout_milliseconds
        from net.http_request_queue`;
      assert.equal(queued.length, 2, "one POST per chain with due rows, queued by the job");
      for (const request of queued) {
        assert.equal(request.method, "POST");
        assert.equal(request.url, fn.url);
        const { [TICK_AT_HEADER]: tick, ...headers } = request.headers;
        assert.deepEqual(headers, {
          "Content-Type": "application/json",
          [SYNC_SECRET_HEADER]: stack.keys.syncSecret,
        });
        assert.match(tick, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, "the tick");
        assert.equal(request.timeout_milliseconds, 40_000);
      }
      assert.deepEqual(
        queued.map((r) => JSON.parse(r.body).chain_id).sort(),
        [world.evmChainId, world.tronChainId].sort(),
      );
      assert.ok(queued.every((r) => JSON.parse(r.body).scheduled === true));
      const [{ untouched }] = await sql`select count(*)::int as untouched
                                        from public.wallet_balances where sync_count = 0`;
      assert.equal(untouched, world.rows.length, "nothing is synced before pg_net delivers");

      // One row is checked just before the request goes out: not due, so the run leaves it alone.
      await sql`update public.wallet_balances
                set last_checked = now(), on_chain_balance_raw = 7, on_chain_balance_human = 7
                where id = ${notDue.id}`;
      dispatcher = startNetDispatcher({ databaseUrl: stack.databaseUrl, intervalMs: 100 });
      const responses = await waitFor(
        "the function's answers in net._http_response",
        () =>
          sql`select status_code, content, content_type, timed_out, error_msg
            from net._http_response where id = any(${queued.map((r) => r.id)}::bigint[])`
            .then((rows) => rows.length === queued.length ? rows : undefined),
        40_000,
        250,
      );
      let claimed = 0;
      let synced = 0;
      for (const response of responses) {
        assert.equal(response.error_msg, null);
        assert.equal(response.timed_out, false);
        assert.equal(response.status_code, 200);
        assert.match(response.content_type, /application\/json/);
        const summary = JSON.parse(response.content);
        assert.equal(summary.kind, "scheduled");
        assert.equal(summary.failed, 0);
        claimed += summary.claimed;
        synced += summary.synced;
        assert.ok(
          fn.logs().some((l) => l.run_id === summary.run_id),
          "the served function logged this run",
        );
      }
      assert.equal(claimed, due.length);
      assert.equal(synced, due.length);
      assert.equal(dispatcher.delivered, 2);

      const rows = await sql`
        select id::text, on_chain_balance_raw::text as raw, sync_count, locked_by,
               extract(epoch from next_sync_at - (${queued[0].headers[TICK_AT_HEADER]}::timestamptz
                                                  + interval '29 seconds'))::float8 as off_s
        from public.wallet_balances`;
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const row of due) {
        const stored = byId.get(row.id)!;
        assert.equal(stored.raw, row.raw.toString(), `balance of ${row.family} row ${row.id}`);
        assert.equal(stored.sync_count, 1);
        assert.equal(stored.locked_by, null);
        // Due at the next tick: one interval after this tick (less 1 s), not after the record.
        assert.ok(
          Math.abs(stored.off_s) < 2,
          `next_sync_at is the tick + 29 s (off by ${stored.off_s} s)`,
        );
      }
      assert.equal(byId.get(notDue.id)!.raw, "7", "a row that was not due is left alone");
      assert.equal(byId.get(notDue.id)!.sync_count, 0);
      const [{ left }] = await sql`select count(*)::int as left from net.http_request_queue`;
      assert.equal(left, 0);
    } finally {
      await dispatcher?.stop();
      await stack.stop();
    }
  },
);
