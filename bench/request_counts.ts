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
import type {
  BalanceQuery,
  ChainConfig,
  ChainRead,
} from "../supabase/functions/balance-sync/chains/types.ts";

/** One printed line. The TRON script returns the same shape. */
export interface BenchRow {
  family: "evm" | "tron";
  scenario: string;
  balances: number;
  requests: number;
  /** Upper bound the issue sets for requests per balance. */
  target: number;
  wallMs: number;
  /** CPU of the read in this process: median of 3 (in-process stand-ins may add to it). */
  cpuMs?: number;
  mode?: string;
  errors: number;
}

export interface BenchOptions {
  holders: number;
  latencyMs: number;
}

const holderAt = (i: number) => `0x${(0xb0000000 + i).toString(16).padStart(40, "0")}`;
const nativeOf = (i: number) => BigInt(i) * 10n ** 18n + 1n;
const tokenOf = (i: number) => (1n << 200n) + BigInt(i);

function cpuMs(start: ReturnType<typeof process.cpuUsage>) {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

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

    const queries: BalanceQuery[] = holders.flatMap((h, i) => [
      { key: `n${i}`, address: h, token: null },
      { key: `t${i}`, address: h, token },
    ]);
    const chain: ChainConfig = {
      id: "bench-evm",
      name: "anvil",
      family: "evm",
      rpcUrl: proxy.url,
      fallbackRpcUrls: [],
      multicallAddress: null,
      confirmations: 0,
      evmChainId: 31337,
      apiKeyEnv: null,
      maxRps: null,
      maxConcurrency: null,
    };
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
        wrong += countWrong(direct);
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
        errors: countWrong(read) + wrong,
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

function countWrong(read: ChainRead): number {
  let wrong = 0;
  for (const outcome of read.outcomes) {
    const i = Number(outcome.key.slice(1));
    const expected = outcome.key.startsWith("n") ? nativeOf(i) : tokenOf(i);
    if (!outcome.ok || outcome.raw !== expected) wrong++;
  }
  return wrong;
}

function print(rows: BenchRow[]) {
  const line = (cells: string[]) => console.log(cells.join(" | "));
  line([
    "family",
    "scenario",
    "balances",
    "HTTP requests",
    "requests/balance",
    "target",
    "ok",
    "wall ms",
    "cpu ms",
    "cpu µs/balance",
  ]);
  for (const r of rows) {
    const perBalance = r.requests / r.balances;
    line([
      r.family,
      r.scenario,
      String(r.balances),
      String(r.requests),
      perBalance.toFixed(4),
      `<= ${r.target}`,
      perBalance <= r.target && r.errors === 0 ? "yes" : `NO (${r.errors} wrong)`,
      r.wallMs.toFixed(0),
      r.cpuMs === undefined ? "-" : r.cpuMs.toFixed(0),
      r.cpuMs === undefined ? "-" : (r.cpuMs * 1000 / r.balances).toFixed(1),
    ]);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      latency: { type: "string", default: "0" },
      holders: { type: "string", default: "1000" },
    },
  });
  const options: BenchOptions = {
    holders: Number(values.holders),
    latencyMs: Number(values.latency),
  };
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

  print(rows);
  const failed = rows.filter((r) => r.requests / r.balances > r.target || r.errors > 0);
  if (failed.length > 0) Deno.exit(1);
}
