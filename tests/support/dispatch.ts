/**
 * For tests of balance_sync.dispatch() in pg_cron's database (`postgres`), where pg_net's queue
 * and answers are: one clean slate, so that only the test's own ticks dispatch.
 */
import type { Sql } from "../../stack/pg.ts";

/**
 * Pauses the real cron job, points the Vault secrets at a port nothing listens on, deactivates
 * every chain, and empties pg_net's queue and answers and the dispatch state.
 */
export async function freshDispatch(sql: Sql): Promise<void> {
  await sql`update cron.job set active = false where jobname = 'balance-sync'`;
  await sql`delete from vault.secrets where name in ('balance_sync_function_url',
                                                   'balance_sync_secret')`;
  await sql`select vault.create_secret('http://127.0.0.1:9/functions/v1/balance-sync',
                                       'balance_sync_function_url')`;
  await sql`select vault.create_secret('correct-horse-battery-staple', 'balance_sync_secret')`;
  await sql`update public.chains set is_active = false`;
  await sql`delete from net.http_request_queue`;
  await sql`delete from net._http_response`;
  await sql`delete from balance_sync.dispatch_requests`;
  await sql`delete from balance_sync.chain_dispatch`;
}
