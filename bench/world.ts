/**
 * The benchmark's data: three chains behind latency proxies, N wallet_balances rows, and the
 * matching balances on the chains.
 *
 *   bench-evm             EVM on anvil, Multicall3 at the canonical address: ETH + ERC20 (USDT)
 *   bench-tron-multicall  TRON stand-in, Multicall3 at the TRON mainnet community address: TRX + TRC20
 *   bench-tron-plain      another TRON stand-in on the same anvil, no multicall: TRX + TRC20
 *
 * Every chain sits behind its own counting proxy (stack/rpc_proxy.ts), so requests are
 * counted per chain; the stack's own TRON stand-in is not used (only its anvil).
 *
 * Each chain's rows are half native, half token. Balances are the hard cases of the E2E world
 * (above 2^53, near uint256 max), so a wrong read shows up as a wrong value.
 */
import { rpc as anvilRpc } from "../stack/anvil.ts";
import { deployToken, setTokenBalances } from "../stack/contracts/mod.ts";
import { type RpcProxy, startRpcProxy } from "../stack/rpc_proxy.ts";
import type { Sql } from "../stack/pg.ts";
import type { Stack } from "../stack/stack.ts";
import { expectedHuman, setNativeBalances, setTrxBalances, worldBalance } from "../stack/data.ts";
import { insertAsset, insertBalanceRows, insertChain, insertWallets } from "../stack/seed.ts";
import {
  startTronNode,
  toEvmAddress,
  toTronBase58,
  type TronNode,
} from "../stack/standins/tron_node.ts";

/** Multicall3 on TRON mainnet (community deployment), as an EVM address on the TRON anvil. */
export const TRON_MULTICALL_EVM = "0x32a4F47A74a6810BD0bF861CABAb99656a75DE9E";

import { CHAIN_KEYS, type ChainKey } from "./chain_keys.ts";
export { CHAIN_KEYS, type ChainKey };

export interface Mix {
  evm: number;
  tron_multicall: number;
  tron_plain: number;
}

export interface WorldOptions {
  rows: number;
  mix: Mix;
  rpcLatencyMs: number;
  /** chains.max_rps / max_concurrency of the TRON chains (null: the reader's defaults). */
  tronMaxRps: number | null;
  tronMaxConcurrency: number | null;
}

export interface BenchChain {
  key: ChainKey;
  id: string;
  name: string;
  family: "evm" | "tron";
  /** The proxy every client of this chain talks to (requests are counted there). */
  proxy: RpcProxy;
  /** The TRON stand-in behind the proxy (request timestamps, for pacing). */
  tronNode: TronNode | null;
  rows: number;
}

export interface Expected {
  chain: ChainKey;
  native: boolean;
  raw: bigint;
  human: string;
}

export interface BenchWorld {
  chains: Record<ChainKey, BenchChain>;
  expected: Map<string, Expected>;
  /** Row ids in a fixed order (for taking samples). */
  ids: string[];
  /** Stops what the world started (proxies, the second TRON node). */
  stop(): Promise<void>;
}

/** Rows per chain for `rows` in total: the mix's shares, rounded, the remainder to the first. */
export function splitRows(rows: number, mix: Mix): Record<ChainKey, number> {
  const total = mix.evm + mix.tron_multicall + mix.tron_plain;
  const counts = {
    evm: 0,
    tron_multicall: Math.round((rows * mix.tron_multicall) / total),
    tron_plain: Math.round((rows * mix.tron_plain) / total),
  };
  counts.evm = rows - counts.tron_multicall - counts.tron_plain;
  return counts;
}

const address = (prefix: number, i: number) =>
  `0x${prefix.toString(16).padStart(8, "0")}${i.toString(16).padStart(32, "0")}`;

/** anvil 1.7 sometimes has no receipt yet right after eth_sendTransaction, even after waiting. */
async function retrying<T>(action: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= 5 || !/no receipt/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

export async function seedBenchWorld(stack: Stack, options: WorldOptions): Promise<BenchWorld> {
  const { sql } = stack;
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const s of started.splice(0).reverse()) await s.stop().catch(() => {});
  };
  try {
    // TRON latency is added by the stand-in itself after it logs the request, so that its log
    // holds the times requests were sent (for the pacing check); EVM latency by the proxy.
    const tronNode = async () => {
      const node = await startTronNode({
        anvilRpcUrl: stack.tronAnvil.rpcUrl,
        latencyMs: options.rpcLatencyMs,
      });
      started.push(node);
      return node;
    };
    const [mcNode, plainNode] = await Promise.all([tronNode(), tronNode()]);
    const proxy = async (target: string, latencyMs: number) => {
      const p = await startRpcProxy({ target, latencyMs });
      started.push(p);
      return p;
    };
    const [evmProxy, mcProxy, plainProxy] = await Promise.all([
      proxy(stack.anvil.rpcUrl, options.rpcLatencyMs),
      proxy(mcNode.url, 0),
      proxy(plainNode.url, 0),
    ]);
    const [evmToken, tronTokenEvm] = await Promise.all([
      retrying(() => deployToken(stack.anvil.rpcUrl, { decimals: 6, symbol: "USDT" })),
      retrying(() => deployToken(stack.tronAnvil.rpcUrl, { decimals: 18, symbol: "TUSD" })),
    ]);
    const tronToken = toTronBase58(tronTokenEvm);

    const counts = splitRows(options.rows, options.mix);
    const chainSpecs = {
      evm: {
        name: "bench-evm",
        family: "evm" as const,
        proxy: evmProxy,
        tronNode: null,
        multicall: null,
        evmChainId: 31337,
        native: { symbol: "ETH", decimals: 18, contract: null },
        token: { symbol: "USDT", decimals: 6, contract: evmToken as string },
        prefix: 0xe0000000,
      },
      tron_multicall: {
        name: "bench-tron-multicall",
        family: "tron" as const,
        proxy: mcProxy,
        tronNode: mcNode,
        multicall: toTronBase58(TRON_MULTICALL_EVM),
        evmChainId: null,
        native: { symbol: "TRX", decimals: 6, contract: null },
        token: { symbol: "TUSD", decimals: 18, contract: tronToken },
        prefix: 0xa1000000,
      },
      tron_plain: {
        name: "bench-tron-plain",
        family: "tron" as const,
        proxy: plainProxy,
        tronNode: plainNode,
        multicall: null,
        evmChainId: null,
        native: { symbol: "TRX", decimals: 6, contract: null },
        token: { symbol: "TUSD", decimals: 18, contract: tronToken },
        prefix: 0xa2000000,
      },
    };

    const chains = {} as Record<ChainKey, BenchChain>;
    const assets = {} as Record<ChainKey, { native: string; token: string }>;
    // Holders as EVM addresses; native rows for all of a chain's holders, token rows for the first.
    const holders = {} as Record<ChainKey, string[]>;
    const tokenRows = (key: ChainKey) => counts[key] - holders[key].length;
    for (const key of CHAIN_KEYS) {
      const spec = chainSpecs[key];
      const tron = spec.family === "tron";
      const id = await insertChain(sql, {
        name: spec.name,
        family: spec.family,
        rpcUrl: spec.proxy.url,
        multicallAddress: spec.multicall,
        evmChainId: spec.evmChainId,
        maxRps: tron ? options.tronMaxRps : null,
        maxConcurrency: tron ? options.tronMaxConcurrency : null,
      });
      chains[key] = {
        key,
        id,
        name: spec.name,
        family: spec.family,
        proxy: spec.proxy,
        tronNode: spec.tronNode,
        rows: counts[key],
      };
      holders[key] = Array.from(
        { length: Math.ceil(counts[key] / 2) },
        (_, i) => address(spec.prefix, i),
      );
      if (counts[key] === 0) continue;
      const asset = (a: { symbol: string; decimals: number; contract: string | null }) =>
        insertAsset(sql, {
          chainId: id,
          symbol: a.symbol,
          decimals: a.decimals,
          contractAddress: a.contract,
        });
      assets[key] = { native: await asset(spec.native), token: await asset(spec.token) };
    }

    // Wallet i holds the i-th holder address of every chain that has one.
    const walletIds = await insertWallets(
      sql,
      Array.from({ length: Math.max(...CHAIN_KEYS.map((k) => holders[k].length)) }, (_, i) => ({
        label: `bench ${i}`,
        addresses: CHAIN_KEYS.filter((k) => i < holders[k].length).map((k): [string, string] => [
          chains[k].id,
          chainSpecs[k].family === "tron" ? toTronBase58(holders[k][i]) : holders[k][i],
        ]),
      })),
    );
    const rows = CHAIN_KEYS.flatMap((key) =>
      [true, false].flatMap((native) =>
        holders[key].slice(0, native ? undefined : tokenRows(key)).map((holder, i) => ({
          key,
          i,
          native,
          holder,
          raw: worldBalance(chainSpecs[key].family, native, i),
        }))
      )
    );
    const ids = await insertBalanceRows(
      sql,
      rows.map((r) => ({
        walletId: walletIds[r.i],
        assetOnChainId: r.native ? assets[r.key].native : assets[r.key].token,
      })),
    );
    const expected = new Map<string, Expected>();
    rows.forEach((r, n) => {
      const { decimals } = r.native ? chainSpecs[r.key].native : chainSpecs[r.key].token;
      expected.set(ids[n], {
        chain: r.key,
        native: r.native,
        raw: r.raw,
        human: expectedHuman(r.raw, decimals),
      });
    });

    for (const key of CHAIN_KEYS) {
      const { family, tronNode } = chainSpecs[key];
      const onChain = (native: boolean) =>
        rows.filter((r) => r.key === key && r.native === native)
          .map((r) => ({ holder: r.holder, amount: r.raw }));
      const [natives, tokens] = [onChain(true), onChain(false)];
      if (family === "evm") {
        await setNativeBalances(stack.anvil.rpcUrl, natives);
        await retrying(() => setTokenBalances(stack.anvil.rpcUrl, evmToken, tokens));
      } else {
        await setTrxBalances(tronNode!, natives);
        await retrying(() =>
          setTokenBalances(
            stack.tronAnvil.rpcUrl,
            tronTokenEvm,
            tokens.map((e) => ({ holder: toEvmAddress(e.holder), amount: e.amount })),
          )
        );
      }
    }
    ids.sort();
    // Keeps anvil's state and the planner's statistics settled before anything is timed.
    await anvilRpc(stack.anvil.rpcUrl, "evm_mine", []);
    await anvilRpc(stack.tronAnvil.rpcUrl, "evm_mine", []);
    await sql`analyze`;
    return { chains, expected, ids, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface Verification {
  rows: number;
  synced: number;
  wrongRaw: number;
  wrongHuman: number;
  neverSynced: number;
  stillLeased: number;
  examples: string[];
}

/** Compares every row (or the given ids) with what was set on the chains. */
export async function verify(
  sql: Sql,
  world: BenchWorld,
  ids?: string[],
): Promise<Verification> {
  const rows = await sql`
    select id::text as id, on_chain_balance_raw::text as raw, on_chain_balance_human::text as human,
           last_checked is not null as checked, sync_count,
           (processing_status = 'processing' or locked_by is not null) as leased
    from public.wallet_balances
    where ${ids ? sql`id = any(${ids}::uuid[])` : sql`true`}`;
  const result: Verification = {
    rows: rows.length,
    synced: 0,
    wrongRaw: 0,
    wrongHuman: 0,
    neverSynced: 0,
    stillLeased: 0,
    examples: [],
  };
  for (const row of rows) {
    const want = world.expected.get(row.id);
    if (!want) continue;
    if (row.leased) result.stillLeased++;
    if (!row.checked || row.raw === null) {
      result.neverSynced++;
      continue;
    }
    result.synced++;
    if (row.raw !== want.raw.toString()) {
      result.wrongRaw++;
      if (result.examples.length < 5) {
        result.examples.push(
          `${want.chain} ${want.native ? "native" : "token"}: ` +
            `${row.raw} instead of ${want.raw}`,
        );
      }
    } else if (row.human !== want.human) {
      result.wrongHuman++;
      if (result.examples.length < 5) {
        result.examples.push(`${want.chain} human ${row.human} instead of ${want.human}`);
      }
    }
  }
  return result;
}

/** Makes rows due and unsynced again (balances cleared), as if never checked. */
export async function resetRows(sql: Sql, ids?: string[]): Promise<void> {
  await sql`
    update public.wallet_balances
    set on_chain_balance_raw = null, on_chain_balance_human = null, last_checked = null,
        sync_count = 0, error_count = 0, last_error = null, last_error_at = null,
        error_streak = 0, observed_block = null, processing_status = 'idle', locked_by = null,
        locked_until = null, next_sync_at = null
    where ${ids ? sql`id = any(${ids}::uuid[])` : sql`true`}`;
}

/**
 * Makes rows due again with their balances as they are, as the next tick finds them: the warm
 * drain of `deno task bench` reads them a second time.
 */
export async function makeDue(sql: Sql, ids?: string[]): Promise<void> {
  await sql`
    update public.wallet_balances set next_sync_at = now() - interval '1 hour'
    where ${ids ? sql`id = any(${ids}::uuid[])` : sql`true`}`;
}

/** Makes rows not due (checked just now), so a run leaves them alone. */
export async function parkRows(sql: Sql, ids: string[]): Promise<void> {
  await sql`update public.wallet_balances
            set last_checked = now(), next_sync_at = now() + interval '30 seconds'
            where id = any(${ids}::uuid[])`;
}
