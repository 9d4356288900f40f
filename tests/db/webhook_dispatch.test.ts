/**
 * The webhook job in pg_cron's database: scheduled once, and it queues a POST {"webhooks": true}
 * to the function only when an enabled endpoint is due and has changes to send.
 */
import assert from "node:assert/strict";
import { sharedCluster } from "../../stack/pg.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster({ migrate: true });

Deno.test("webhook dispatch: one job; a POST only when an enabled, due endpoint has something to send", async () => {
  const sql = (await cluster()).sql;
  const jobs =
    await sql`select schedule, command from cron.job where jobname = 'balance-sync-webhooks'`;
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0].command, "select balance_sync.dispatch_webhooks()");

  await sql`delete from net.http_request_queue`;
  await sql`select vault.create_secret('http://127.0.0.1:1/functions/v1/balance-sync', 'balance_sync_function_url')
            where not exists (select 1 from vault.secrets where name = 'balance_sync_function_url')`;
  await sql`select vault.create_secret('dispatch-secret', 'balance_sync_secret')
            where not exists (select 1 from vault.secrets where name = 'balance_sync_secret')`;
  const queued = async () => {
    const [row] = await sql`select balance_sync.dispatch_webhooks() as n`;
    return Number(row.n);
  };
  assert.equal(await queued(), 0, "no endpoint: nothing");

  await sql`update balance_sync.settings set value = 'true' where key = 'webhook_allow_private_addresses'`;
  await sql`select vault.create_secret(${"whsec_" + btoa("x".repeat(32))}, 'dispatch_test_key')`;
  const [{ id }] = await sql`
    select balance_sync.webhook_create('https://127.0.0.1/hook', 'dispatch_test_key') as id`;
  assert.equal(await queued(), 0, "an endpoint that is caught up: nothing");

  await sql`insert into balance_sync.balance_changes (wallet_balance_id, new_raw, new_human,
              delta_raw, delta_human, observed_at, run_id)
            values (gen_random_uuid(), 1, 1, 1, 1, now(), 'test')`;
  await sql`update balance_sync.webhook_endpoints set next_attempt_at = now() + interval '1 minute'
            where id = ${id}`;
  assert.equal(await queued(), 0, "an endpoint waiting for its retry: nothing");
  await sql`update balance_sync.webhook_endpoints set next_attempt_at = now() where id = ${id}`;
  assert.equal(await queued(), 1);
  const [request] = await sql`
    select url, convert_from(body, 'utf8') as body, headers from net.http_request_queue
    order by id desc limit 1`;
  assert.equal(request.url, "http://127.0.0.1:1/functions/v1/balance-sync");
  assert.deepEqual(JSON.parse(request.body), { webhooks: true });
  assert.ok(JSON.stringify(request.headers).includes("x-balance-sync-secret"));
  await sql`select balance_sync.webhook_disable(${id})`;
  assert.equal(await queued(), 0, "a disabled endpoint: nothing");
  await sql`delete from net.http_request_queue`;
});
