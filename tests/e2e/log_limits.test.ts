/**
 * The served function's logs over a 5,000-row run at the default level, with about a quarter of
 * the rows failing: within Supabase's limits (100 lines per 10 s, 10,000 characters a line), the
 * per-row failures capped with a count of the lines left out, and the summary line whole.
 */
import assert from "node:assert/strict";
import { seedBenchWorld, TRON_MULTICALL_EVM } from "../../bench/world.ts";
import { MAX_LINE_CHARS } from "../../supabase/functions/balance-sync/log.ts";
import { startStack } from "../../stack/stack.ts";
import { leasedByRuns } from "../../stack/data.ts";
import { randomEvmAddress } from "../../stack/seed.ts";
import { waitFor } from "../support/wait.ts";
import { stackTest } from "./fixture.ts";

stackTest(
  "logs stay within the platform's limits over a 5,000-row run at the default level, failures capped and counted",
  async () => {
    const stack = await startStack({
      function: false,
      tronMulticallEvmAddress: TRON_MULTICALL_EVM,
    });
    try {
      const world = await seedBenchWorld(stack, {
        rows: 5000,
        mix: { evm: 50, tron_multicall: 50, tron_plain: 0 },
        rpcLatencyMs: 0,
        tronMaxRps: null,
        tronMaxConcurrency: null,
      });
      try {
        // The EVM token's rows fail: its contract address now holds no code.
        await stack.sql`update public.asset_on_chain set contract_address = ${randomEvmAddress()}
                        where chain_id = ${world.chains.evm.id} and not is_native`;
        // A stack of its own: the setting needs no restoring.
        await stack.sql`update balance_sync.settings set value = '5000' where key = 'rows_per_run'`;
        const fn = await stack.serveFunction({ env: { BALANCE_SYNC_BATCH_SIZE: "1000" } });
        const response = await fn.call({});
        assert.equal(response.status, 200, response.text);
        const summary = response.body;
        assert.equal(summary.claimed, 5000);
        assert.ok(summary.failed >= 1000, `${summary.failed} failed`);

        // The process's output can lag behind its answer: wait for the run's last line.
        const finished = await waitFor(
          "the run's summary line",
          () =>
            fn.logs().find((l) =>
              l.run_id === summary.run_id && l.msg === "Balance sync run finished"
            ),
          10_000,
        );
        const mine = fn.logs().filter((l) => l.run_id === summary.run_id);
        assert.equal(mine.filter((l) => l.msg === finished.msg).length, 1, "one summary line");
        // The whole run took less than 10 s (5,000 rows, no latency): one window.
        assert.ok(summary.duration_ms < 10_000, `${summary.duration_ms} ms`);
        assert.ok(mine.length <= 100, `${mine.length} lines`);
        const longest = Math.max(...fn.lines.map((l) => l.length));
        assert.ok(longest <= MAX_LINE_CHARS, `a line of ${longest} characters`);
        const failures = mine.filter((l) => l.msg === "Wallet balance sync failed").length;
        assert.equal(failures, 20);
        assert.equal(finished.log_lines_omitted, summary.failed - failures);
        assert.deepEqual(await leasedByRuns(stack), []);
      } finally {
        await world.stop();
      }
    } finally {
      await stack.stop();
    }
  },
);
