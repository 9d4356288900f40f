/**
 * TRON: calls per aggregate3 under the node's energy limit for constant calls
 * (triggerconstantcontract), learned like the EVM sizes: the first read is split where the node
 * runs out of energy, the next one, from the learned size, makes no call that runs out.
 */
import assert from "node:assert/strict";
import { rpc } from "../../../stack/anvil.ts";
import {
  addressCall,
  addressHex,
  encodeAggregate3,
  SELECTOR,
} from "../../../supabase/functions/balance-sync/chains/abi.ts";
import { deployToken, installMulticall3, setTokenBalances } from "../../../stack/contracts/mod.ts";
import { chainConfig, raw } from "../../support/chain_reads.ts";
import { withTronNode } from "../../support/tron_env.ts";
import { intrinsicGas, toEvmAddress, toTronBase58 } from "../../../stack/standins/tron_node.ts";
import { createTronReader } from "../../../supabase/functions/balance-sync/chains/tron/reader.ts";
import {
  afterReadAll,
  parseLimits,
  serializeLimits,
  sizesOf,
  TRON_MAXIMA,
} from "../../../supabase/functions/balance-sync/chains/read_limits.ts";

const MULTICALL_EVM = "0x32a4F47A74a6810BD0bF861CABAb99656a75DE9E";
const holder = (i: number) => `0x${(0x7f0000 + i).toString(16).padStart(40, "0")}`;
const FITS = 50;

Deno.test("adaptive sizes (TRON reader): aggregates over the node's energy limit are split, the size is learned, and the next read runs out of none", async () => {
  await withTronNode(async ({ anvil, node }) => {
    await installMulticall3(anvil.rpcUrl, MULTICALL_EVM);
    const token = await deployToken(anvil.rpcUrl, { decimals: 6 });
    const holders = Array.from({ length: 400 }, (_, i) => holder(i));
    await setTokenBalances(
      anvil.rpcUrl,
      token,
      holders.map((h, i) => ({ holder: h, amount: BigInt(i + 1) })),
    );
    // The energy limit: what an aggregate3 of FITS balanceOf calls uses, plus 1%.
    const data = encodeAggregate3(
      holders.slice(0, FITS).map((h) => ({
        target: addressHex(token),
        callData: addressCall(SELECTOR.balanceOf, addressHex(h)),
      })),
    );
    const gas = Number(BigInt(
      await rpc<string>(anvil.rpcUrl, "eth_estimateGas", [{
        to: MULTICALL_EVM,
        data,
      }]),
    ));
    const energy = gas - intrinsicGas(data);
    node.setEnergyLimit(Math.floor(energy * 1.01));

    const chain = chainConfig({
      id: "tron-energy",
      name: "tron",
      family: "tron",
      rpcUrl: node.url,
      multicallAddress: toTronBase58(MULTICALL_EVM),
      maxRps: 500,
      maxConcurrency: 4,
    });
    const queries = holders.map((h, i) => ({
      key: `t${i}`,
      address: toTronBase58(h),
      token: toTronBase58(token),
    }));
    const read = createTronReader();

    let stored: unknown = null;
    const runs: { outOfEnergy: number; size: number; requests: number }[] = [];
    for (let run = 0; run < 3; run++) {
      const limits = parseLimits(stored, TRON_MAXIMA);
      const before = node.outOfEnergy;
      const result = await read(chain, queries, { sizes: sizesOf(limits) });
      queries.forEach((q, i) => assert.equal(raw(result, q.key), BigInt(i + 1)));
      const next = afterReadAll(limits, result.seen, TRON_MAXIMA);
      stored = JSON.parse(JSON.stringify(serializeLimits(next)));
      runs.push({
        outOfEnergy: node.outOfEnergy - before,
        size: limits.multicall.size,
        requests: result.requests,
      });
    }
    assert.ok(runs[0].outOfEnergy > 0, "the default 200 calls run out of energy");
    assert.ok(runs[1].size <= FITS && runs[1].size >= FITS / 2, JSON.stringify(runs));
    assert.equal(runs[1].outOfEnergy, 0, "the second read runs out of none");
    assert.equal(runs[2].outOfEnergy, 0);
    assert.ok(runs[1].requests < runs[0].requests, JSON.stringify(runs));
    assert.match(parseLimits(stored, TRON_MAXIMA).multicall.reason ?? "", /energy/i);
    assert.ok(toEvmAddress(toTronBase58(token)).length > 0);
  });
});
