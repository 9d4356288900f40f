/**
 * The block a TRON read reports after a failover: the lowest head of the nodes it used, each asked
 * before it served (java-tron stand-ins on one anvil; the fallback lags behind by a few blocks).
 */
import assert from "node:assert/strict";
import { blockNumber, mine } from "../../stack/anvil.ts";
import { chainConfig, raw } from "../support/chain_reads.ts";
import { withTronNode } from "../support/tron_env.ts";
import { startTronNode, toTronBase58 } from "../standins/tron_node.ts";
import { createTronReader } from "../../supabase/functions/balance-sync/chains/tron.ts";
import type { BalanceQuery } from "../../supabase/functions/balance-sync/chains/types.ts";

const LAG = 5n;
const holder = (i: number) => toTronBase58(`0x${(0x7f0000 + i).toString(16).padStart(40, "0")}`);
const trx = (key: string, address: string): BalanceQuery => ({ key, address, token: null });
let nextChain = 0;
const quick = { timeoutMs: 400, backoffMs: 20, maxWaitMs: 3_000 };

Deno.test("TRON reader: a read that fails over mid-way to a lagging node reports that node's lower head", async () => {
  await withTronNode(async ({ anvil, node: primary }) => {
    const lagging = await startTronNode({ anvilRpcUrl: anvil.rpcUrl, headLag: Number(LAG) });
    try {
      await mine(anvil.rpcUrl, 20);
      const head = await blockNumber(anvil.rpcUrl);
      await primary.setAccountBalance(holder(1), 11n);
      await primary.setAccountBalance(holder(2), 22n);
      await lagging.setAccountBalance(holder(1), 11n);
      await lagging.setAccountBalance(holder(2), 22n);
      // The primary answers the head, then fails every account read: the read moves on.
      primary.inject({ kind: "status", status: 500, path: "/wallet/getaccount" });

      const read = await createTronReader(quick)(
        chainConfig({
          id: `tron-failover-${nextChain++}`,
          name: "tron-failover",
          family: "tron",
          rpcUrl: primary.url,
          fallbackRpcUrls: [lagging.url],
          maxRps: 200,
          maxConcurrency: 4,
        }),
        [trx("a", holder(1)), trx("b", holder(2))],
      );

      assert.equal(raw(read, "a"), 11n);
      assert.equal(raw(read, "b"), 22n);
      assert.equal(primary.requests.byPath["/wallet/getnowblock"], 1);
      assert.equal(lagging.requests.byPath["/wallet/getnowblock"], 1, "asked before it served");
      assert.equal(lagging.requests.byPath["/wallet/getaccount"], 2);
      assert.equal(read.block, head - LAG, `primary head ${head}, fallback ${head - LAG}`);
    } finally {
      await lagging.stop();
    }
  });
});

Deno.test("TRON reader: without a failover the read reports the primary's head and never asks the fallback", async () => {
  await withTronNode(async ({ anvil, node: primary }) => {
    const lagging = await startTronNode({ anvilRpcUrl: anvil.rpcUrl, headLag: Number(LAG) });
    try {
      await mine(anvil.rpcUrl, 20);
      const head = await blockNumber(anvil.rpcUrl);
      await primary.setAccountBalance(holder(3), 33n);

      const read = await createTronReader(quick)(
        chainConfig({
          id: `tron-failover-${nextChain++}`,
          name: "tron-failover",
          family: "tron",
          rpcUrl: primary.url,
          fallbackRpcUrls: [lagging.url],
          maxRps: 200,
          maxConcurrency: 4,
        }),
        [trx("c", holder(3))],
      );

      assert.equal(raw(read, "c"), 33n);
      assert.equal(read.block, head);
      assert.equal(read.requests, 2);
      assert.equal(lagging.requests.count, 0);
    } finally {
      await lagging.stop();
    }
  });
});
