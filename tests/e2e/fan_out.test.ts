/**
 * Per-chain scheduled runs against the real function, database and chains: the cron job's command
 * (balance_sync.dispatch()) queues one POST per chain, the pg_net stand-in delivers them
 * concurrently, and a paced TRON chain never holds up the EVM chain. Runs in pg_cron's database,
 * where dispatch() lives.
 */
import assert from "node:assert/strict";
import { type NetDispatcher, startNetDispatcher } from "../../stack/standins/net_dispatcher.ts";
import { startStack } from "../../stack/stack.ts";
import { leasedByRuns, seedWorld } from "../../stack/data.ts";
import { waitFor } from "../support/wait.ts";
import { stackTest } from "./fixture.ts";

stackTest(
  "one tick: a paced TRON chain (max_rps 2) with the 30 stalest rows next to an EVM chain with 30 due rows, batch 10, budget 6 s, ticks 10 s apart: all 30 EVM rows sync, TRON reads past its budget until just before the next tick, nothing stays leased; then 4 concurrent runs of the TRON chain: exactly one reads",
  async () => {
    const stack = await startStack({
      database: "postgres",
      function: {
        env: {
          BALANCE_SYNC_BATCH_SIZE: "10",
          BALANCE_SYNC_BUDGET_MS: "6000",
        },
      },
    });
    let dispatcher: NetDispatcher | undefined;
    try {
      const { sql } = stack;
      const fn = stack.fn!;
      // 15 wallets: 30 EVM rows (native + token) and 30 TRON rows, read per call on TRON.
      const world = await seedWorld(stack, { wallets: 15, tronMulticallAddress: null });
      // The next tick 10 s after this one: the paced run reads until 500 ms before it, and 30 rows
      // at 2 requests/s (15 s) do not fit. A stack of its own: the setting needs no restoring.
      await sql`update balance_sync.settings set value = '10' where key = 'min_interval_seconds'`;
      await sql`update public.chains set max_rps = 2, max_concurrency = 2
                where id = ${world.tronChainId}`;
      const tronIds = world.rows.filter((r) => r.family === "tron").map((r) => r.id);
      const evmIds = world.rows.filter((r) => r.family === "evm").map((r) => r.id);
      await sql`update public.wallet_balances set last_checked = now() - interval '2 hours'
                where id = any(${tronIds})`;
      await sql`update public.wallet_balances set last_checked = now() - interval '1 hour'
                where id = any(${evmIds})`;
      await sql`delete from vault.secrets where name in ('balance_sync_function_url',
                                                       'balance_sync_secret')`;
      await sql`select vault.create_secret(${fn.url}, 'balance_sync_function_url')`;
      await sql`select vault.create_secret(${stack.keys.syncSecret}, 'balance_sync_secret')`;
      await sql`delete from net.http_request_queue`;
      await sql`delete from net._http_response`;

      // The cron job's command, then pg_net delivering what it queued.
      const [{ queued }] = await sql`select balance_sync.dispatch() as queued`;
      assert.equal(Number(queued), 2, "one POST per chain with due rows");
      const bodies = await sql`select convert_from(body, 'utf8')::jsonb as body
                               from net.http_request_queue order by id`;
      assert.deepEqual(
        bodies.map((b) => b.body).sort((a, b) => a.chain_id.localeCompare(b.chain_id)),
        [world.evmChainId, world.tronChainId].sort().map((id) => ({
          chain_id: id,
          scheduled: true,
        })),
      );
      dispatcher = startNetDispatcher({ databaseUrl: stack.databaseUrl, intervalMs: 50 });
      const responses = await waitFor(
        "both runs' answers in net._http_response",
        async () => {
          const rows = await sql`select status_code, content from net._http_response`;
          return rows.length === 2 ? rows : undefined;
        },
        40_000,
        200,
      );
      for (const r of responses) assert.equal(r.status_code, 200, r.content);
      const summaries = responses.map((r) => JSON.parse(r.content));
      const tronRun = summaries.find((s) => s.chain_id === world.tronChainId)!;
      const evmRun = summaries.find((s) => s.chain_id === world.evmChainId)!;

      const synced = async (ids: string[]) => {
        const [{ n }] = await sql`select count(*)::int as n from public.wallet_balances
                                  where id = any(${ids}) and sync_count = 1`;
        return n;
      };
      assert.equal(await synced(evmIds), 30, "every EVM row synced in the tick");
      assert.equal(evmRun.synced, 30);
      const tronSynced = await synced(tronIds);
      assert.ok(tronSynced > 0, "the paced chain progressed");
      assert.equal(tronRun.synced, tronSynced);
      // It read past its 6 s budget, until just before the next tick (run/caps.ts); its read was
      // cut there, and what it had read was recorded.
      assert.equal(tronRun.stopped, "budget", JSON.stringify(tronRun));
      assert.ok(tronRun.duration_ms > 7000, `the paced run took ${tronRun.duration_ms} ms`);
      assert.ok(tronRun.duration_ms < 10_000, `the paced run took ${tronRun.duration_ms} ms`);
      assert.ok(tronRun.released < tronRun.claimed, JSON.stringify(tronRun));
      assert.equal(tronRun.chains[world.tronChainId].lease, "held");
      assert.deepEqual(await leasedByRuns(stack), [], "nothing stays leased");
      const [{ leases }] = await sql`select count(*)::int as leases from balance_sync.chain_leases`;
      assert.equal(leases, 0, "the chain lease was given back");
      // At 2 requests/s a single paced reader sends at most 4 in any 2 s, plus one for the
      // arrival jitter of a loaded machine; two readers would send about 8.
      assert.ok(
        stack.tron.requests.maxInWindow(2000) <= 5,
        `TRON saw ${stack.tron.requests.maxInWindow(2000)} requests in two seconds`,
      );

      // Four invocations of the paced chain at once: one reads, three end without a row.
      await dispatcher.stop();
      dispatcher = undefined;
      stack.tron.requests.reset();
      await sql`update public.wallet_balances set last_checked = now() - interval '3 hours',
                next_sync_at = null where id = any(${tronIds})`;
      const runs = await Promise.all(
        Array.from({ length: 4 }, () => fn.call({ chain_id: world.tronChainId, scheduled: true })),
      );
      for (const r of runs) assert.equal(r.status, 200, JSON.stringify(r.body));
      const readers = runs.filter((r) => r.body.claimed > 0);
      assert.equal(readers.length, 1, JSON.stringify(runs.map((r) => r.body.stopped)));
      const losers = runs.filter((r) => r.body.claimed === 0);
      assert.equal(losers.length, 3);
      for (const loser of losers) {
        assert.equal(loser.body.stopped, "chain_busy");
        assert.match(loser.body.chains[world.tronChainId].note, /another run/);
        assert.ok(loser.body.duration_ms < readers[0].body.duration_ms, "it ended quickly");
      }
      assert.ok(
        stack.tron.requests.maxInWindow(2000) <= 5,
        `pacing held across invocations: ${stack.tron.requests.maxInWindow(2000)} in 2 s`,
      );
      assert.deepEqual(await leasedByRuns(stack), []);
    } finally {
      await dispatcher?.stop();
      await stack.stop();
    }
  },
);
