/**
 * Adaptive request sizes through the real function, PostgREST stand-in and database, against a
 * provider with public limits (stack/limited_provider.ts: batch <= 10 calls, a gas cap that fits
 * about 50 balanceOf calls, answers <= 100 kB): the first run succeeds with splits, the second
 * makes no failed request (counted at the provider), and the learned sizes are in the database
 * (balance_sync.chain_read_limits) for the next run.
 */
import assert from "node:assert/strict";
import { mine } from "../../stack/anvil.ts";
import { startLimitedProvider } from "../../stack/limited_provider.ts";
import { insertAsset, insertBalanceRows, insertChain, insertWallets } from "../../stack/seed.ts";
import type { Sql } from "../../stack/pg.ts";
import { e2eTest, postgrestCallsSince, sharedStack } from "./fixture.ts";

const stack = sharedStack();
const HOLDERS = 600;

async function makeDue(sql: Sql) {
  await sql`update public.wallet_balances set next_sync_at = null,
                   last_checked = now() - interval '1 hour'`;
}

e2eTest(
  stack,
  "adaptive sizes: against a limited provider the first run succeeds with splits, the second makes no failed request, and the sizes are stored per chain",
  async (s) => {
    const provider = await startLimitedProvider(HOLDERS);
    const chainId = await insertChain(s.sql, { name: "limited", rpcUrl: provider.rpcUrl });
    const assetOnChainId = await insertAsset(s.sql, {
      chainId,
      symbol: "LIM",
      decimals: 6,
      contractAddress: provider.token,
    });
    const walletIds = await insertWallets(
      s.sql,
      provider.holders.map((h) => ({ addresses: [[chainId, h]] })),
    );
    await insertBalanceRows(s.sql, walletIds.map((walletId) => ({ walletId, assetOnChainId })));
    const fn = await s.serveFunction({ env: { BALANCE_SYNC_BATCH_SIZE: String(HOLDERS) } });
    return { provider, chainId, fn };
  },
  async (s, { provider, chainId, fn }) => {
    try {
      const first = await fn.call();
      assert.equal(first.status, 200, first.text);
      assert.equal(
        first.body.synced,
        HOLDERS,
        [
          JSON.stringify(first.body),
          ...fn.lines.filter((l) => /warn|error/.test(l)),
          ...provider.proxy.log.map((e) =>
            `${e.calls.length} calls: ${e.outcome}${e.error ? ` ${e.error}` : ""}`
          ),
        ].join("\n"),
      );
      const firstFailed = provider.proxy.failed;
      assert.ok(firstFailed > 0, "the first run was refused for size and split");
      const amounts = await s.sql`
        select on_chain_balance_raw::text as raw from public.wallet_balances wb
        join public.user_wallet_addresses a on a.wallet_id = wb.wallet_id
        order by a.address`;
      assert.deepEqual(
        amounts.map((r) => r.raw),
        provider.holders.map((_, i) => String(i + 1)),
        "every balance exact",
      );

      const [learned] = await s.sql`
        select multicall_calls, batch_calls, response_bytes, multicall_reason, batch_reason
        from balance_sync.chain_read_limits where chain_id = ${chainId}`;
      assert.ok(
        learned.multicall_calls <= 50 && learned.multicall_calls >= 25,
        `${learned.multicall_calls}`,
      );
      assert.ok(learned.batch_calls <= 10, `${learned.batch_calls}`);
      assert.match(learned.batch_reason, /batch too large/);

      await makeDue(s.sql);
      await mine(provider.anvilUrl);
      provider.proxy.resetCounts();
      const before = new Map(s.postgrest.calls);
      const second = await fn.call();
      assert.equal(second.status, 200, second.text);
      assert.equal(second.body.synced, HOLDERS);
      assert.equal(provider.proxy.failed, 0, "no failed request on the second run");
      assert.ok(provider.proxy.requests > 0);
      const calls = postgrestCallsSince(s, before);
      assert.equal(calls.balance_sync_read_limits, 1, "the sizes are loaded once per chain");
      assert.ok((calls.balance_sync_save_read_limits ?? 0) <= 1, "and saved at most once");
    } finally {
      await provider.stop();
    }
  },
);
