/**
 * The EVM reader against a provider with public limits (stack/limited_provider.ts: batch <= 10
 * calls, a gas cap that fits about 50 balanceOf calls per aggregate, answers <= 100 kB), run after
 * run as the function does: sizes loaded from their stored form, read, learned, stored again.
 */
import assert from "node:assert/strict";
import {
  type LimitedProvider,
  PUBLIC_GAS_CALLS,
  startLimitedProvider,
} from "../../../stack/limited_provider.ts";
import { createEvmReader } from "../../../supabase/functions/balance-sync/chains/evm/reader.ts";
import {
  afterReadAll,
  EVM_MAXIMA,
  parseLimits,
  type ReadLimits,
  serializeLimits,
  sizesOf,
} from "../../../supabase/functions/balance-sync/chains/read_limits.ts";
import type { BalanceQuery } from "../../../supabase/functions/balance-sync/chains/types.ts";
import { chainConfig, raw } from "../../support/chain_reads.ts";
import { GROW_BACK_RUNS } from "../../support/read_limits.ts";

const HOLDERS = 1200;

async function withProvider(fn: (p: LimitedProvider, queries: BalanceQuery[]) => Promise<void>) {
  const provider = await startLimitedProvider(HOLDERS);
  try {
    const queries = provider.holders.map((h, i) => ({
      key: `t${i}`,
      address: h,
      token: provider.token,
    }));
    await fn(provider, queries);
  } finally {
    await provider.stop();
  }
}

const read = createEvmReader({ retryCount: 0 });

/** One run: the stored sizes in, one read, the learned sizes out (stored form, as in the table). */
async function run(p: LimitedProvider, queries: BalanceQuery[], stored: unknown) {
  const limits: ReadLimits = parseLimits(stored, EVM_MAXIMA);
  p.proxy.resetCounts();
  const result = await read(
    chainConfig({ id: "limited", name: "limited", family: "evm", rpcUrl: p.rpcUrl }),
    queries,
    { sizes: sizesOf(limits) },
  );
  queries.forEach((q, i) => assert.equal(raw(result, q.key), BigInt(i + 1)));
  const next = afterReadAll(limits, result.seen, EVM_MAXIMA);
  return {
    stored: JSON.parse(JSON.stringify(serializeLimits(next))),
    next,
    requests: p.proxy.requests,
    failed: p.proxy.failed,
  };
}

Deno.test("adaptive sizes (EVM reader): the first read succeeds with splits, the next ones make no failed request", async () => {
  await withProvider(async (p, queries) => {
    const first = await run(p, queries, null);
    assert.ok(first.failed > 0, "the defaults are refused: out of gas and batch too large");
    assert.ok(p.proxy.log.some((r) => r.outcome === "limit"), "the proxy enforced a limit");
    assert.ok(first.next.multicall.size <= PUBLIC_GAS_CALLS, `${first.next.multicall.size}`);
    assert.ok(first.next.batch.size <= 10, `${first.next.batch.size}`);
    assert.match(first.next.multicall.reason ?? "", /gas/i);
    assert.match(first.next.batch.reason ?? "", /batch too large/);

    let stored = first.stored;
    for (let i = 2; i <= 3; i++) {
      const next = await run(p, queries, stored);
      assert.equal(next.failed, 0, `no failed request on read ${i}`);
      stored = next.stored;
    }
  });
});

Deno.test("adaptive sizes (EVM reader): an answer over the provider's size limit is split and its size learned", async () => {
  await withProvider(async (p, queries) => {
    // Batches allowed, gas unlimited: only the answer's size limits an aggregate of 500 calls.
    p.proxy.setLimits({ maxResponseBytes: 100_000 });
    const first = await run(p, queries, null);
    assert.ok(first.failed > 0);
    assert.ok(first.next.multicall.size < 500 && first.next.multicall.size >= 250 / 2);
    assert.match(first.next.multicall.reason ?? "", /response too large/);
    const second = await run(p, queries, first.stored);
    assert.equal(second.failed, 0);
  });
});

Deno.test(`adaptive sizes (EVM reader): after the provider lifts its limits, reads grow back to the unlimited request count within ${GROW_BACK_RUNS} runs`, async () => {
  await withProvider(async (p, queries) => {
    let stored: unknown = null;
    for (let i = 0; i < 3; i++) stored = (await run(p, queries, stored)).stored;
    const limited = await run(p, queries, stored);
    assert.equal(limited.failed, 0);

    p.proxy.setLimits({});
    const unlimited = await run(p, queries, null);
    assert.equal(unlimited.failed, 0);
    let runs = 0;
    let current = limited;
    while (current.requests > unlimited.requests) {
      runs++;
      assert.ok(runs <= GROW_BACK_RUNS, `${current.requests} requests after ${runs} runs`);
      current = await run(p, queries, current.stored);
      assert.equal(current.failed, 0, "no provider limit left to refuse");
    }
    console.log(
      `GROW_BACK_READS | ${limited.requests} -> ${unlimited.requests} requests | ${runs} runs`,
    );
  });
});

Deno.test("adaptive sizes (EVM reader): without Multicall3, the JSON-RPC batch size is learned and the next read makes no failed request", async () => {
  await withProvider(async (p, queries) => {
    const some = queries.slice(0, 300);
    const noMulticall = "0x000000000000000000000000000000000000dEaD";
    const readOnce = async (stored: unknown) => {
      const limits = parseLimits(stored, EVM_MAXIMA);
      p.proxy.resetCounts();
      const result = await read(
        chainConfig({
          id: "limited",
          name: "limited",
          family: "evm",
          rpcUrl: p.rpcUrl,
          multicallAddress: noMulticall,
        }),
        some,
        { sizes: sizesOf(limits) },
      );
      assert.equal(result.mode, "json-rpc-batch");
      some.forEach((q, i) => assert.equal(raw(result, q.key), BigInt(i + 1)));
      const next = afterReadAll(limits, result.seen, EVM_MAXIMA);
      return { stored: JSON.parse(JSON.stringify(serializeLimits(next))), next };
    };
    const first = await readOnce(null);
    assert.ok(p.proxy.log.some((r) => r.outcome === "limit"));
    assert.ok(
      first.next.batch.size <= 10 && first.next.batch.size >= 5,
      `${first.next.batch.size}`,
    );
    await readOnce(first.stored);
    assert.equal(p.proxy.failed, 0, "no failed request on the second read");
    // 300 balances in batches of the learned size, plus the head.
    assert.equal(p.proxy.requests, 1 + Math.ceil(300 / first.next.batch.size));
  });
});
