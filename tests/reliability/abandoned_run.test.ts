/**
 * A run killed by the platform leaves a trace: the function process is SIGKILLed mid-read, and its
 * balance_sync.runs row (created by its first claim) shows it running while its lease lives, then
 * abandoned once the lease has expired; /metrics counts it.
 */
import assert from "node:assert/strict";
import parsePrometheus from "parse-prometheus-text-format";
import { hasMethod } from "../../stack/rpc_proxy.ts";
import type { Stack } from "../../stack/stack.ts";
import { seedWorld } from "../../stack/data.ts";
import {
  killMidRun,
  reliabilityHarness,
  report,
  runHoldingRows,
  SHORT_LEASE,
  waitFor,
} from "./harness.ts";

const harness = reliabilityHarness();

async function runStatus(stack: Stack, runId: string): Promise<string | undefined> {
  const [row] = await stack.sql`select status from balance_sync.run_history
                                where run_id = ${runId}`;
  return row?.status;
}

harness.test(
  "history: a run killed by SIGKILL shows as running while its lease lives, then abandoned once the lease has expired",
  async (ctx) => {
    const evm = await ctx.proxy(ctx.stack.anvil.rpcUrl);
    await ctx.stack.sql`truncate balance_sync.runs, balance_sync.run_totals`;
    const world = await seedWorld(ctx.stack, { wallets: 2, evmRpcUrl: evm.url });
    const doomed = await ctx.serve({ env: SHORT_LEASE });
    return { evm, world, doomed };
  },
  async (ctx, { evm, doomed }) => {
    const { stack } = ctx;
    evm.hold(hasMethod("eth_blockNumber"));
    const run = ctx.call(doomed).catch((error) => error);
    await evm.waitHolding(1);
    const token = await runHoldingRows(stack);
    await killMidRun(doomed, run);
    evm.release();

    assert.equal(await runStatus(stack, token), "running", "its row exists from the first claim");
    const [{ until }] = await stack.sql`
      select max(locked_until) as until from public.wallet_balances where locked_by = ${token}`;
    await waitFor(
      "the killed run to show as abandoned",
      async () => await runStatus(stack, token) === "abandoned",
      30_000,
    );
    const [{ expired }] = await stack.sql`select now() > ${until} as expired`;
    assert.ok(expired, "abandoned only after its lease expired");
    const [row] = await stack.sql`select finished_at, claimed from balance_sync.run_history
                                  where run_id = ${token}`;
    assert.deepEqual(row, { finished_at: null, claimed: null }, "it never finished");

    // The next run takes the stranded rows back (and any the dead run had not reached: its other
    // chain may have recorded before the kill) and finishes; the dead one stays abandoned.
    const [{ stranded, unsynced }] = await stack.sql`
      select count(*) filter (where locked_by = ${token})::int as stranded,
             count(*) filter (where sync_count = 0)::int as unsynced
      from public.wallet_balances`;
    assert.ok(stranded > 0 && unsynced >= stranded, `${stranded} stranded, ${unsynced} unsynced`);
    const next = await ctx.call(stack.fn!);
    assert.equal(next.status, 200, next.text);
    assert.equal(next.body.synced, unsynced, "every row the dead run left is synced");
    assert.equal(await runStatus(stack, next.body.run_id), "finished");
    assert.equal(await runStatus(stack, token), "abandoned");

    const metrics = await fetch(`${stack.fn!.url}/metrics`, {
      headers: { apikey: stack.keys.secretKey },
    });
    const text = await metrics.text();
    ctx.remember("GET /metrics", text);
    const runs = (parsePrometheus(text) as {
      name: string;
      metrics: { value: string; labels: Record<string, string> }[];
    }[]).find((f) => f.name === "balance_sync_runs_total")!;
    const byStatus = Object.fromEntries(runs.metrics.map((m) => [m.labels.status, m.value]));
    assert.equal(byStatus.abandoned, "1");
    assert.equal(byStatus.finished, "1");
    assert.equal(byStatus.running, undefined, "running runs are the gauge, not a counter");
    report(
      "Killed run in the history (SIGKILL mid-read)",
      1,
      "running while its 12 s lease lived, abandoned after it expired, counted by /metrics",
    );
  },
);

harness.secretsTest();
