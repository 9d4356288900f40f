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
import { expectedHuman, insertAsset, insertChain, worldBalance } from "../stack/data.ts";
import {
  startTronNode,
  toEvmAddress,
  toTronBase58,
  type TronNode,
} from "../tests/standins/tron_node.ts";

/** Multicall3 on TRON mainnet (community deployment), as an EVM address on the TRON anvil. */
export const TRON_MULTICALL_EVM = "0x32a4F47A74a6810BD0bF861CABAb99656a75DE9E";

export type ChainKey = "evm" | "tron_multicall" | "tron_plain";
export const CHAIN_KEYS: readonly ChainKey[] = ["evm", "tron_multicall", "tron_plain"];

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

/** anvil 1.7 sometimes has no receipt yet right after eth_sendTransaction (see stack_data.ts). */
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

async function inChunks<T>(items: T[], size: number, action: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await action(items.slice(i, i + size));
}

/** anvil_setBalance for many addresses, 500 per batched JSON-RPC request. */
async function setNativeBalances(rpcUrl: string, entries: { holder: string; amount: bigint }[]) {
  await inChunks(entries, 500, async (chunk) => {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(chunk.map((e, i) => ({
        jsonrpc: "2.0",
        id: i,
        method: "anvil_setBalance",
        params: [e.holder, `0x${e.amount.toString(16)}`],
      }))),
    });
    const answers = await response.json() as { error?: { message: string } }[];
    const failed = answers.find((a) => a.error);
    if (failed) throw new Error(`anvil_setBalance: ${failed.error!.message}`);
  });
}

async function insertWallets(sql: Sql, count: number): Promise<string[]> {
  const rows = await sql`
    insert into public.wallets (label)
    select 'bench ' || g from generate_series(0, ${count - 1}::int) as g
    returning id, label`;
  const ids = new Array<string>(count);
  for (const row of rows) ids[Number(String(row.label).slice(6))] = row.id;
  return ids;
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
    const tronLimits = { maxRps: options.tronMaxRps, maxConcurrency: options.tronMaxConcurrency };
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

    const wallets = Math.max(...CHAIN_KEYS.map((k) => Math.ceil(counts[k] / 2)));
    const walletIds = await insertWallets(sql, wallets);
    const chains = {} as Record<ChainKey, BenchChain>;
    const expected = new Map<string, Expected>();
    const ids: string[] = [];

    for (const key of CHAIN_KEYS) {
      const spec = chainSpecs[key];
      const id = await insertChain(sql, {
        name: spec.name,
        family: spec.family,
        rpcUrl: spec.proxy.url,
        multicallAddress: spec.multicall,
        evmChainId: spec.evmChainId,
      });
      if (spec.family === "tron") {
        await sql`update public.chains set max_rps = ${tronLimits.maxRps},
                  max_concurrency = ${tronLimits.maxConcurrency} where id = ${id}`;
      }
      chains[key] = {
        key,
        id,
        name: spec.name,
        family: spec.family,
        proxy: spec.proxy,
        tronNode: spec.tronNode,
        rows: counts[key],
      };
      if (counts[key] === 0) continue;
      const assets = {
        native: await insertAsset(sql, {
          chainId: id,
          symbol: spec.native.symbol,
          decimals: spec.native.decimals,
          contractAddress: null,
        }),
        token: await insertAsset(sql, {
          chainId: id,
          symbol: spec.token.symbol,
          decimals: spec.token.decimals,
          contractAddress: spec.token.contract,
        }),
      };
      const nativeRows = Math.ceil(counts[key] / 2);
      const tokenRows = counts[key] - nativeRows;
      const holders = Array.from({ length: nativeRows }, (_, i) => address(spec.prefix, i));
      const shown = spec.family === "tron" ? holders.map(toTronBase58) : holders;

      await sql`
        insert into public.user_wallet_addresses (wallet_id, chain_id, address, is_active)
        select a.wallet_id::uuid, ${id}::uuid, a.address, true
        from json_to_recordset(${
        JSON.stringify(shown.map((a, i) => ({ wallet_id: walletIds[i], address: a })))
      }::text::json) as a(wallet_id text, address text)`;

      const pairs = [
        ...holders.map((_, i) => ({
          wallet_id: walletIds[i],
          aoc: assets.native,
          i,
          native: true,
        })),
        ...holders.slice(0, tokenRows).map((_, i) => ({
          wallet_id: walletIds[i],
          aoc: assets.token,
          i,
          native: false,
        })),
      ];
      const inserted = await sql`
        insert into public.wallet_balances (
          wallet_id, asset_on_chain_id, needs_gas, needs_consolidation, priority, gas_locked_until,
          gas_locked_by, consolidation_locked_until, consolidation_locked_by)
        select p.wallet_id::uuid, p.aoc::uuid,
               random() < 0.5, random() < 0.5, (random() * 1000)::int,
               case when random() < 0.5 then now() + random() * interval '1 day' end,
               case when random() < 0.5 then 'gas-' || md5(random()::text) end,
               case when random() < 0.5 then now() - random() * interval '1 day' end,
               case when random() < 0.5 then 'consolidation-' || md5(random()::text) end
        from json_to_recordset(${
        JSON.stringify(pairs.map((p) => ({ wallet_id: p.wallet_id, aoc: p.aoc })))
      }::text::json) as p(wallet_id text, aoc text)
        returning id, wallet_id::text as wallet_id, asset_on_chain_id::text as aoc`;
      const byPair = new Map(pairs.map((p) => [`${p.wallet_id}|${p.aoc}`, p]));
      const family = spec.family;
      for (const row of inserted) {
        const pair = byPair.get(`${row.wallet_id}|${row.aoc}`)!;
        const raw = worldBalance(family, pair.native, pair.i);
        const decimals = pair.native ? spec.native.decimals : spec.token.decimals;
        expected.set(row.id, {
          chain: key,
          native: pair.native,
          raw,
          human: expectedHuman(raw, decimals),
        });
        ids.push(row.id);
      }

      const natives = holders.map((holder, i) => ({
        holder,
        amount: worldBalance(family, true, i),
      }));
      const tokens = holders.slice(0, tokenRows).map((holder, i) => ({
        holder,
        amount: worldBalance(family, false, i),
      }));
      if (family === "evm") {
        await setNativeBalances(stack.anvil.rpcUrl, natives);
        await inChunks(
          tokens,
          250,
          (chunk) => retrying(() => setTokenBalances(stack.anvil.rpcUrl, evmToken, chunk)),
        );
      } else {
        const node = spec.tronNode!;
        await inChunks(
          natives,
          100,
          (chunk) => Promise.all(chunk.map((e) => node.setAccountBalance(e.holder, e.amount))),
        );
        await inChunks(tokens, 250, (chunk) =>
          retrying(() =>
            setTokenBalances(
              stack.tronAnvil.rpcUrl,
              tronTokenEvm,
              chunk.map((e) => ({ holder: toEvmAddress(e.holder), amount: e.amount })),
            )
          ));
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

/** Makes rows not due (checked just now), so a run leaves them alone. */
export async function parkRows(sql: Sql, ids: string[]): Promise<void> {
  await sql`update public.wallet_balances
            set last_checked = now(), next_sync_at = now() + interval '30 seconds'
            where id = any(${ids}::uuid[])`;
}
