/**
 * The live view of `deno task dev` against the real schema: its per-chain "due" count is exactly
 * what a scheduled claim takes (rows in backoff, leased or checked recently are not due), and a
 * failing row's retry time is when the claim takes it again.
 */
import assert from "node:assert/strict";
import { loadSnapshot } from "../../dev/live_view.ts";
import { withCluster } from "../../stack/pg.ts";
import { claim } from "./fixtures.ts";
import { insertAsset, insertBalances, insertChain } from "../../stack/seed.ts";

Deno.test({
  name:
    "dev view: due counts what a scheduled claim takes; a failing row's retry is its backoff end",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withCluster(async (c) => {
      // The view reads cron.job and net._http_response too: pg_cron's database, fully migrated.
      await c.migrate("postgres");
      const sql = c.sql;
      await sql`select cron.unschedule(jobid) from cron.job`;
      const chainId = await insertChain(sql, { name: "view chain" });
      const assetOnChainId = await insertAsset(sql, { chainId });
      const ids = await insertBalances(sql, { chainId, assetOnChainId, count: 6 });
      const [neverChecked, fresh, backoff, backoffOver, leased, leaseExpired] = ids;
      await sql`update public.wallet_balances set last_checked = now() - interval '5 seconds'
                where id = ${fresh}`;
      // Third failure 90 s ago: backoff 120 s, so not due for another 30 s.
      await sql`update public.wallet_balances
                set error_streak = 3, last_error = 'boom', last_error_at = now() - interval '90 s',
                    last_checked = now() - interval '10 minutes'
                where id = ${backoff}`;
      // First failure 40 s ago: backoff 30 s is over.
      await sql`update public.wallet_balances
                set error_streak = 1, last_error = 'boom', last_error_at = now() - interval '40 s'
                where id = ${backoffOver}`;
      await sql`update public.wallet_balances
                set processing_status = 'processing', locked_by = 'other',
                    locked_until = now() + interval '1 minute'
                where id = ${leased}`;
      await sql`update public.wallet_balances
                set processing_status = 'processing', locked_by = 'gone',
                    locked_until = now() - interval '1 second'
                where id = ${leaseExpired}`;

      const snapshot = await loadSnapshot(sql);
      const chain = snapshot.chains.find((ch) => ch.id === chainId)!;
      assert.equal(chain.rows, 6);
      assert.equal(chain.failing, 2);

      const taken = await claim(sql, "view-check", { limit: 100 });
      const takenIds = taken.rows.map((r) => r.id).sort();
      assert.deepEqual(takenIds, [neverChecked, backoffOver, leaseExpired].sort());
      assert.equal(chain.due, takenIds.length, "the view's due count is what the claim took");

      const row = snapshot.balances.find((b) => b.id === backoff)!;
      const [{ ends }] = await sql`
        select last_error_at + interval '120 seconds' as ends from public.wallet_balances
        where id = ${backoff}`;
      assert.equal(row.retryAt?.getTime(), ends.getTime());
    }),
});
