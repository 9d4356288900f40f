/**
 * `deno task bench:limits`: requests per balance on a provider with public limits, on the second
 * read (the first one learned the sizes), against the best possible for those limits.
 *
 *   deno task bench:limits [-- --balances 3000 --out bench/limits.json]
 *
 * The provider is stack/limited_provider.ts (anvil + Multicall3 + an ERC20 behind the counting
 * proxy): at most 10 calls per batch, an eth_call gas cap that fits about 50 balanceOf calls,
 * answers of at most 100 kB. Reads go through the function's EVM reader, with its sizes stored
 * and loaded between reads as the function does (chains/read_limits.ts). The best possible is
 * one request for the head (block, multicall code) plus the fewest requests that carry every
 * balance in aggregates of the most calls the gas cap lets through, as many aggregates per
 * request as the batch and answer limits allow; both maxima are measured on the provider itself.
 */
import { parseArgs } from "node:util";
import { repoRoot } from "../stack/bin.ts";
import { MULTICALL3_ADDRESS } from "../stack/contracts/mod.ts";
import { startLimitedProvider } from "../stack/limited_provider.ts";
import { createEvmReader } from "../supabase/functions/balance-sync/chains/evm/reader.ts";
import { chainFromRow } from "./chain_row.ts";
import {
  addressCall,
  addressHex,
  encodeAggregate3,
  SELECTOR,
} from "../supabase/functions/balance-sync/chains/abi.ts";
import {
  afterReadAll,
  EVM_MAXIMA,
  parseLimits,
  serializeLimits,
  sizesOf,
} from "../supabase/functions/balance-sync/chains/read_limits.ts";

const { values: flags } = parseArgs({
  args: Deno.args.filter((a) => a !== "--"),
  options: {
    balances: { type: "string", default: "3000" },
    out: { type: "string", default: `${repoRoot}/bench/limits.json` },
  },
});
const BALANCES = Number(flags.balances);
if (!Number.isInteger(BALANCES) || BALANCES < 1) throw new Error("--balances must be >= 1");

const provider = await startLimitedProvider(BALANCES);
try {
  const { maxBatch, gasCap, maxResponseBytes } = provider.limits;
  const aggregate = (n: number) =>
    encodeAggregate3(
      provider.holders.slice(0, n).map((h) => ({
        target: addressHex(provider.token),
        callData: addressCall(SELECTOR.balanceOf, addressHex(h)),
      })),
    );
  const call = (n: number) =>
    fetch(provider.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_call",
        params: [{ to: MULTICALL3_ADDRESS, data: aggregate(n) }, "latest"],
      }),
    }).then((r) => r.json());
  // The most calls one aggregate may hold under the gas cap, measured through the proxy.
  let gasCalls = 1;
  while ((await call(gasCalls + 1)).result) gasCalls++;
  const answerBytes = JSON.stringify(await call(gasCalls)).length;
  const perRequest = Math.min(maxBatch!, Math.floor((maxResponseBytes! - 1) / (answerBytes + 1)));
  const aggregates = Math.ceil(BALANCES / gasCalls);
  const best = 1 + Math.ceil(aggregates / perRequest);

  const read = createEvmReader();
  const chain = chainFromRow({
    id: "limited",
    name: "limited",
    family: "evm",
    rpc_url: provider.rpcUrl,
  });
  const queries = provider.holders.map((h, i) => ({
    key: String(i),
    address: h,
    token: provider.token,
  }));
  let stored: unknown = null;
  const runs = [];
  for (let run = 1; run <= 2; run++) {
    const limits = parseLimits(stored, EVM_MAXIMA);
    provider.proxy.resetCounts();
    const result = await read(chain, queries, { sizes: sizesOf(limits) });
    const failedBalances = result.outcomes.filter((o) => !o.ok).length;
    if (failedBalances > 0) throw new Error(`run ${run}: ${failedBalances} balances failed`);
    const next = afterReadAll(limits, result.seen, EVM_MAXIMA);
    stored = JSON.parse(JSON.stringify(serializeLimits(next)));
    runs.push({
      run,
      sizes_used: sizesOf(limits),
      requests: provider.proxy.requests,
      failed_requests: provider.proxy.failed,
      requests_per_balance: provider.proxy.requests / BALANCES,
    });
  }
  const second = runs[1];
  const report = {
    balances: BALANCES,
    limits: {
      max_batch: maxBatch,
      gas_cap: gasCap!.toString(),
      max_response_bytes: maxResponseBytes,
      calls_per_aggregate_under_gas_cap: gasCalls,
      aggregates_per_request: perRequest,
    },
    best_requests: best,
    best_requests_per_balance: best / BALANCES,
    runs,
    second_run_vs_best: second.requests / best,
  };
  await Deno.writeTextFile(flags.out!, JSON.stringify(report, null, 2) + "\n");
  console.log(
    `limited provider, ${BALANCES} balances: second run ${second.requests} requests ` +
      `(${second.failed_requests} failed), best possible ${best}: ` +
      `${report.second_run_vs_best.toFixed(3)}x (requests per balance ` +
      `${second.requests_per_balance.toFixed(5)} vs ${
        report.best_requests_per_balance.toFixed(5)
      })`,
  );
} finally {
  await provider.stop();
}
