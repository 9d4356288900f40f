/**
 * HTTP requests per balance for the TRON reader (a script, not a test):
 *
 *   deno run -A bench/request_counts_tron.ts [--holders=N] [--latency=MS] [--rps=R]
 *
 * N TRX + N TRC20 balances (default 1,000 + 1,000) on the java-tron stand-in over anvil, read by
 * the real reader: once through Multicall3 aggregate3, once per call (getaccount /
 * triggerconstantcontract), paced at R requests/s (default 100 so the script ends in ~20 s; the
 * production default is 10). Targets: multicall <= 0.01 requests per balance; per call 1 per
 * balance plus the single head request (getnowblock) of the read. Requests are counted by the stand-in and by the reader, and must
 * agree; every value is checked against what was set. bench/request_counts.ts calls `run`.
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { startAnvil } from "../stack/anvil.ts";
import { deployToken, installMulticall3, setTokenBalances } from "../stack/contracts/mod.ts";
import { startTronNode, toEvmAddress, toTronBase58 } from "../stack/standins/tron_node.ts";
import { createTronReader } from "../supabase/functions/balance-sync/chains/tron/reader.ts";
import type { ChainConfig } from "../supabase/functions/balance-sync/chains/types.ts";
import * as table from "./request_count_table.ts";
import { chainFromRow } from "./chain_row.ts";
import { balanceQueries, countWrong, cpuMs, tokenOf } from "./read_check.ts";

export interface TronBenchOptions extends table.BenchOptions {
  /** Pacing of the per-call scenario, requests/s (default 100). */
  rps?: number;
}

/** The community Multicall3 deployment's address on TRON mainnet, installed on the stand-in. */
const MULTICALL_EVM = "0x32a4F47A74a6810BD0bF861CABAb99656a75DE9E";
const CHUNK = 200;

const holderAt = (i: number) =>
  toTronBase58(`0x${(0x7b000000 + i).toString(16).padStart(40, "0")}`);
/** Some TRX balances above 2^53 sun, some never activated (0). */
const trxOf = (i: number) => (i % 10 === 0 ? 0n : 2n ** 53n + BigInt(i));

/** The TRON rows: with multicall and per call. */
export async function run(options: TronBenchOptions): Promise<table.BenchRow[]> {
  const rps = options.rps ?? 100;
  const anvil = await startAnvil();
  const node = await startTronNode({ anvilRpcUrl: anvil.rpcUrl, latencyMs: options.latencyMs });
  try {
    await installMulticall3(anvil.rpcUrl, MULTICALL_EVM);
    const token = await deployToken(anvil.rpcUrl, { decimals: 6, symbol: "USDT" });
    const holders = Array.from({ length: options.holders }, (_, i) => holderAt(i));
    await setTokenBalances(
      anvil.rpcUrl,
      token,
      holders.map((h, i) => ({ holder: toEvmAddress(h), amount: tokenOf(i) })),
    );
    for (const [i, h] of holders.entries()) {
      if (trxOf(i) !== 0n) await node.setAccountBalance(h, trxOf(i));
    }
    const queries = balanceQueries(holders, toTronBase58(token));
    const row = { id: "bench-tron", name: "tron-standin", family: "tron", max_rps: rps };
    const base = chainFromRow({ ...row, rpc_url: node.url });
    const chain = (over: Partial<ChainConfig>): ChainConfig => ({ ...base, ...over });
    const reader = createTronReader();

    const measure = async (
      scenario: string,
      over: Partial<ChainConfig>,
      target: number,
    ): Promise<table.BenchRow & { maxPerSecond: number }> => {
      node.requests.reset();
      const cpu = process.cpuUsage();
      const started = performance.now();
      const read = await reader(chain(over), queries, { chunkSize: CHUNK });
      const wallMs = performance.now() - started;
      const cpuUsed = cpuMs(cpu);
      if (read.requests !== node.requests.count) {
        throw new Error(`reader counted ${read.requests}, the node saw ${node.requests.count}`);
      }
      return {
        family: "tron",
        scenario,
        balances: queries.length,
        requests: read.requests,
        target,
        wallMs,
        cpuMs: cpuUsed,
        mode: read.mode,
        errors: countWrong(read, trxOf),
        maxPerSecond: node.requests.maxInWindow(1000),
      };
    };

    // Warm up (tronweb load, JIT) on a few balances, as a long-lived worker would be.
    await reader(chain({ multicallAddress: toTronBase58(MULTICALL_EVM) }), queries.slice(0, 10));
    const multicall = await measure(
      `multicall (aggregate3, ${CHUNK} calls per chunk)`,
      { multicallAddress: toTronBase58(MULTICALL_EVM) },
      0.01,
    );
    // One request per balance, plus the one head request (getnowblock) every read makes.
    const perCall = await measure(
      `per call, paced at ${rps} req/s`,
      {},
      1 + 1 / queries.length,
    );
    for (const row of [multicall, perCall]) {
      console.error(`tron ${row.scenario}: busiest second held ${row.maxPerSecond} requests`);
    }
    if (perCall.maxPerSecond > rps + 1) {
      throw new Error(`pacing broken: ${perCall.maxPerSecond} requests in one second at ${rps}/s`);
    }
    return [multicall, perCall].map(({ maxPerSecond: _, ...row }) => row);
  } finally {
    await node.stop();
    await anvil.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { ...table.BENCH_FLAGS, rps: { type: "string", default: "100" } },
  });
  table.report(await run({ ...table.benchOptions(values), rps: Number(values.rps) }));
}
