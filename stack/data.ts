/**
 * Data for a running stack: chains, assets, wallets and wallet_balances rows in the database
 * (inserted by seed.ts), with the matching balances on the EVM anvil and the TRON stand-in.
 */
import { deployToken, setTokenBalances, UINT256_MAX } from "./contracts/mod.ts";
import type { Sql } from "./pg.ts";
import {
  insertAsset,
  insertBalanceRows,
  insertChain,
  insertWallets,
  randomEvmAddress,
} from "./seed.ts";
import type { Stack } from "./stack.ts";
import { toEvmAddress, toTronBase58, type TronNode } from "./standins/tron_node.ts";

/** Moved to seed.ts; still exported here for the stack's tests. */
/**
 * The columns the spec lets a successful sync write (plus this project's observed_block,
 * error_streak and next_sync_at).
 */
export const SYNC_WRITES = [
  "on_chain_balance_raw",
  "on_chain_balance_human",
  "last_checked",
  "sync_count",
  "updated_at",
  "observed_block",
  "error_streak",
  "error_class",
  "next_sync_at",
] as const;

export const randomTronAddress = (): string => toTronBase58(randomEvmAddress());

/** Empties every table of the schema (between tests). */
export async function resetData(sql: Sql): Promise<void> {
  await sql`truncate public.wallet_balances, public.user_wallet_addresses, public.wallets,
            public.asset_on_chain, public.assets, public.chains cascade`;
}

/** Rows still leased (or marked processing) other than by a test's own `other-...` worker. */
export async function leasedByRuns(stack: Stack): Promise<string[]> {
  const rows = await stack.sql`
    select id::text as id from public.wallet_balances
    where (processing_status = 'processing' or locked_by is not null or locked_until is not null)
      and coalesce(locked_by, '') not like 'other-%'`;
  return rows.map((r) => r.id as string);
}

/** Every column of the given rows as text, by id (for "exactly these fields changed" checks). */
export async function rowsAsText(
  sql: Sql,
  ids: string[],
): Promise<Map<string, Record<string, string | null>>> {
  const rows = await sql`
    select wb.id::text as id, (select jsonb_object_agg(key, value) from jsonb_each_text(to_jsonb(wb)))
           as cols
    from public.wallet_balances as wb where wb.id = any(${ids}::uuid[])`;
  return new Map(rows.map((r) => [r.id as string, r.cols as Record<string, string | null>]));
}

export interface WorldRow {
  id: string;
  walletId: string;
  family: "evm" | "tron";
  native: boolean;
  decimals: number;
  address: string;
  /** The balance set on the chain. */
  raw: bigint;
}

export interface World {
  evmChainId: string;
  tronChainId: string;
  evmToken: string;
  /** base58 */
  tronToken: string;
  wallets: { id: string; evmAddress: string; tronAddress: string }[];
  rows: WorldRow[];
}

export interface WorldOptions {
  wallets?: number;
  /** Chain names (default "anvil-evm", "tron-standin"). */
  evmName?: string;
  tronName?: string;
  /** Where the EVM chain's rows point (default: the stack's anvil). */
  evmRpcUrl?: string;
  tronMulticallAddress?: string | null;
}

const tokens = new WeakMap<Stack, Promise<{ evm: string; tron: string }>>();

/** One ERC20 (6 decimals) on the EVM anvil and one TRC20 (18 decimals) on the TRON side. */
function stackTokens(stack: Stack) {
  let found = tokens.get(stack);
  if (!found) {
    found = (async () => {
      const evm = await deployToken(stack.anvil.rpcUrl, { decimals: 6, symbol: "USDT" });
      const tron = await deployToken(stack.tronAnvil.rpcUrl, { decimals: 18, symbol: "TUSD" });
      return { evm, tron: toTronBase58(tron) };
    })();
    tokens.set(stack, found);
  }
  return found;
}

/** Balances with every hard case: above 2^53, uint256 max, zero, int64 near max in sun. */
export function worldBalance(family: "evm" | "tron", native: boolean, i: number): bigint {
  if (family === "evm") {
    return native ? 10n ** 18n * BigInt(i + 1) + 2n ** 53n + 1n : 2n ** 200n + BigInt(i);
  }
  if (native) return i === 0 ? 0n : 2n ** 53n + 1n + BigInt(i);
  return UINT256_MAX - BigInt(i);
}

/** anvil_setBalance for many addresses, 500 per batched JSON-RPC request. */
export async function setNativeBalances(
  rpcUrl: string,
  entries: readonly { holder: string; amount: bigint }[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += 500) {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        entries.slice(i, i + 500).map((e, k) => ({
          jsonrpc: "2.0",
          id: k,
          method: "anvil_setBalance",
          params: [e.holder, `0x${e.amount.toString(16)}`],
        })),
      ),
    });
    const answers = await response.json() as { error?: { message: string } }[];
    const failed = answers.find((a) => a.error);
    if (failed) throw new Error(`anvil_setBalance: ${failed.error!.message}`);
  }
}

/** TRX balances (in sun) on a TRON stand-in, 100 requests at a time. */
export async function setTrxBalances(
  node: Pick<TronNode, "setAccountBalance">,
  entries: readonly { holder: string; amount: bigint }[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += 100) {
    await Promise.all(
      entries.slice(i, i + 100).map((e) => node.setAccountBalance(e.holder, e.amount)),
    );
  }
}

const WORLD_ASSETS = [
  { family: "evm", native: true, symbol: "ETH", decimals: 18 },
  { family: "evm", native: false, symbol: "USDT", decimals: 6 },
  { family: "tron", native: true, symbol: "TRX", decimals: 6 },
  { family: "tron", native: false, symbol: "TUSD", decimals: 18 },
] as const;

/**
 * An EVM chain (native 18 decimals + ERC20 6 decimals) and a TRON chain (TRX 6 decimals + TRC20
 * 18 decimals), `wallets` wallets holding all four, the balances set on the chains, and one due
 * wallet_balances row per wallet and asset (in that order).
 */
export async function seedWorld(stack: Stack, options: WorldOptions = {}): Promise<World> {
  const { sql } = stack;
  const token = await stackTokens(stack);
  const evmChainId = await insertChain(sql, {
    name: options.evmName ?? "anvil-evm",
    family: "evm",
    rpcUrl: options.evmRpcUrl ?? stack.anvil.rpcUrl,
    evmChainId: 31337,
  });
  const tronChainId = await insertChain(sql, {
    name: options.tronName ?? "tron-standin",
    family: "tron",
    rpcUrl: stack.tron.url,
    multicallAddress: options.tronMulticallAddress ?? null,
  });
  const assets: string[] = [];
  for (const a of WORLD_ASSETS) {
    assets.push(
      await insertAsset(sql, {
        chainId: a.family === "evm" ? evmChainId : tronChainId,
        symbol: a.symbol,
        decimals: a.decimals,
        contractAddress: a.native ? null : a.family === "evm" ? token.evm : token.tron,
      }),
    );
  }

  const holders = Array.from(
    { length: options.wallets ?? 3 },
    () => ({ evm: randomEvmAddress(), tron: randomTronAddress() }),
  );
  const walletIds = await insertWallets(
    sql,
    holders.map((h) => ({ addresses: [[evmChainId, h.evm], [tronChainId, h.tron]] })),
  );
  const ids = await insertBalanceRows(
    sql,
    walletIds.flatMap((walletId) => assets.map((assetOnChainId) => ({ walletId, assetOnChainId }))),
  );
  const world: World = {
    evmChainId,
    tronChainId,
    evmToken: token.evm,
    tronToken: token.tron,
    wallets: walletIds.map((id, i) => ({
      id,
      evmAddress: holders[i].evm,
      tronAddress: holders[i].tron,
    })),
    rows: ids.map((id, n) => {
      const i = Math.floor(n / WORLD_ASSETS.length);
      const a = WORLD_ASSETS[n % WORLD_ASSETS.length];
      return {
        id,
        walletId: walletIds[i],
        family: a.family,
        native: a.native,
        decimals: a.decimals,
        address: a.family === "evm" ? holders[i].evm : holders[i].tron,
        raw: worldBalance(a.family, a.native, i),
      };
    }),
  };

  const onChain = (family: "evm" | "tron", native: boolean) =>
    world.rows.filter((r) => r.family === family && r.native === native)
      .map((r) => ({ holder: r.address, amount: r.raw }));
  await setNativeBalances(stack.anvil.rpcUrl, onChain("evm", true));
  await setTokenBalances(stack.anvil.rpcUrl, token.evm, onChain("evm", false));
  await setTrxBalances(stack.tron, onChain("tron", true));
  await setTokenBalances(
    stack.tronAnvil.rpcUrl,
    toEvmAddress(token.tron),
    onChain("tron", false).map((b) => ({ ...b, holder: toEvmAddress(b.holder) })),
  );
  return world;
}

/** Exact raw / 10^decimals as a plain decimal string (independent of the function's amount.ts). */
export function expectedHuman(raw: bigint, decimals: number): string {
  const digits = raw.toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}
