/**
 * HTTP requests per balance for the chain readers (a script, not a test):
 *
 *   deno run -A bench/request_counts.ts [--latency=MS] [--holders=N]
 *
 * EVM: N native + N ERC20 balances (default 1,000 + 1,000) on anvil, read by the real reader through
 * the counting proxy (stack/rpc_proxy.ts), with Multicall3 and without (batched JSON-RPC).
 * Every value is checked against what was set. TRON: bench/request_counts_tron.ts (owned by the
 * TRON side) is run after the EVM part when it exists; it exports `run(options)` returning rows.
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { rpc, startAnvil } from "../stack/anvil.ts";
import {
  deployToken,
  installMulticall3,
  MULTICALL3_ADDRESS,
  removeCode,
  setTokenBalances,
} from "../stack/contracts/mod.ts";
import { startRpcProxy } from "../stack/rpc_proxy.ts";
import { createEvmReader } from "../supabase/functions/balance-sync/chains/evm/reader.ts";
import { chainFromRow } from "./chain_row.ts";
import {
  BENCH_FLAGS,
  type BenchOptions,
  benchOptions,
  type BenchRow,
  report,
} from "./request_count_table.ts";
import { balanceQueries, countWrong, cpuMs, tokenOf } from "./read_check.ts";

const holderAt = (i: number) => `0x${(0xb0000000 + i).toString(16).padStart(40, "0")}`;
const nativeOf = (i: number) => BigInt(i) * 10n ** 18n + 1n;

/** The EVM part: returns one row per scenario. Exported for callers that combine families. */
export async function runEvm(options: BenchOptions): Promise<BenchRow[]> {
  const anvil = await startAnvil();
  const proxy = await startRpcProxy({ target: anvil.rpcUrl, latencyMs: options.latencyMs });
  try {
    const { rpcUrl } = anvil;
    await installMulticall3(rpcUrl);
    const token = await deployToken(rpcUrl, { decimals: 18 });
    const holders = Array.from({ length: options.holders }, (_, i) => holderAt(i));
    await setTokenBalances(
      rpcUrl,
      token,
      holders.map((h, i) => ({ holder: h, amount: tokenOf(i) })),
    );
    // One JSON-RPC batch of anvil_setBalance calls.
    await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(holders.map((h, i) => ({
        jsonrpc: "2.0",
        id: i,
        method: "anvil_setBalance",
        params: [h, `0x${nativeOf(i).toString(16)}`],
      }))),
    }).then((r) => r.text());
    await rpc(rpcUrl, "eth_blockNumber");

    const queries = balanceQueries(holders, token);
    const chain = chainFromRow({
      id: "bench-evm",
      name: "anvil",
      family: "evm",
      rpc_url: proxy.url,
      evm_chain_id: 31337,
    });
    const reader = createEvmReader();

    /** Requests through the counting proxy; CPU from a second read straight to anvil (another
     * process), so it is the reader's own CPU. */
    const measure = async (scenario: string, target: number): Promise<BenchRow> => {
      proxy.resetCounts();
      const started = performance.now();
      const read = await reader(chain, queries);
      const wallMs = performance.now() - started;
      if (read.requests !== proxy.requests) {
        throw new Error(`reader counted ${read.requests}, proxy saw ${proxy.requests}`);
      }
      const samples: number[] = [];
      let wrong = 0;
      for (let i = 0; i < 3; i++) {
        const cpu = process.cpuUsage();
        const direct = await reader({ ...chain, rpcUrl }, queries);
        samples.push(cpuMs(cpu));
        wrong += countWrong(direct, nativeOf);
      }
      const cpuUsed = samples.sort((a, b) => a - b)[1];
      return {
        family: "evm",
        scenario,
        balances: queries.length,
        requests: proxy.requests,
        target,
        wallMs,
        cpuMs: cpuUsed,
        mode: read.mode,
        errors: countWrong(read, nativeOf) + wrong,
      };
    };

    // Warm up once (module JIT, connection pool), as a long-lived worker would be.
    await reader({ ...chain, rpcUrl }, queries);
    const rows = [await measure("multicall (aggregate3, 500 calls per chunk)", 0.005)];
    await removeCode(rpcUrl, MULTICALL3_ADDRESS);
    rows.push(await measure("no multicall (batched JSON-RPC)", 0.005));
    return rows;
  } finally {
    await proxy.stop();
    await anvil.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: BENCH_FLAGS });
  const options = benchOptions(values);
  const rows = await runEvm(options);

  // ---- TRON part: owned by bench/request_counts_tron.ts (export run(options): Promise<BenchRow[]>).
  const tronFile = new URL("./request_counts_tron.ts", import.meta.url);
  let tronFound = true;
  try {
    await Deno.stat(tronFile);
  } catch {
    tronFound = false;
  }
  if (tronFound) {
    const tron = await import(tronFile.href);
    if (typeof tron.run === "function") rows.push(...await tron.run(options));
    else console.error("bench/request_counts_tron.ts has no run(options) export; TRON skipped");
  } else {
    console.error("bench/request_counts_tron.ts not found; TRON part skipped");
  }

  report(rows);
}
