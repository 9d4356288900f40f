/**
 * Data for a running stack: chains, assets, wallets and wallet_balances rows in the database, with
 * the matching balances on the EVM anvil and the TRON stand-in. The other workers' columns get
 * varied values so that a checksum over them means something.
 */
import { setBalance } from "./anvil.ts";
import { deployToken, setTokenBalance, UINT256_MAX } from "./contracts/mod.ts";
import type { Sql } from "./pg.ts";
import type { Stack } from "./stack.ts";
import { toEvmAddress, toTronBase58 } from "../tests/standins/tron_node.ts";

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

const randomHex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0"))
    .join("");

export const randomEvmAddress = (): `0x${string}` => `0x${randomHex(20)}`;
export const randomTronAddress = (): string => toTronBase58(`0x${randomHex(20)}`);

/** Empties every table of the schema (between tests). */
export async function resetData(sql: Sql): Promise<void> {
  await sql`truncate public.wallet_balances, public.user_wallet_addresses, public.wallets,
            public.asset_on_chain, public.assets, public.chains cascade`;
}

export interface ChainSeed {
  name: string;
  family: "evm" | "tron";
  rpcUrl: string;
  multicallAddress?: string | null;
  evmChainId?: number | null;
  confirmations?: number;
  isActive?: boolean;
}

export async function insertChain(sql: Sql, seed: ChainSeed): Promise<string> {
  const [row] = await sql`
    insert into public.chains (name, family, rpc_url, multicall_address, evm_chain_id,
                               confirmations, is_active)
    values (${seed.name}, ${seed.family}, ${seed.rpcUrl}, ${seed.multicallAddress ?? null},
            ${seed.evmChainId ?? null}, ${seed.confirmations ?? 0}, ${seed.isActive ?? true})
    returning id`;
  return row.id;
}

export interface AssetSeed {
  chainId: string;
  symbol: string;
  decimals: number;
  /** null: the chain's native coin. */
  contractAddress: string | null;
}

/** An asset and its asset_on_chain row; returns the asset_on_chain id. */
export async function insertAsset(sql: Sql, seed: AssetSeed): Promise<string> {
  const [row] = await sql`
    with a as (insert into public.assets (symbol, name) values (${seed.symbol}, ${seed.symbol})
               returning id)
    insert into public.asset_on_chain (chain_id, asset_id, contract_address, decimals, is_native,
                                       is_active)
    select ${seed.chainId}, a.id, ${seed.contractAddress}, ${seed.decimals},
           ${seed.contractAddress === null}, true
    from a
    returning id`;
  return row.id;
}

/** A wallet with one active address per chain; returns its id. */
export async function insertWallet(
  sql: Sql,
  addresses: Record<string, string>,
  label = "wallet",
): Promise<string> {
  const [wallet] = await sql`insert into public.wallets (label) values (${label}) returning id`;
  for (const [chainId, address] of Object.entries(addresses)) {
    await sql`insert into public.user_wallet_addresses (wallet_id, chain_id, address, is_active)
              values (${wallet.id}, ${chainId}, ${address}, true)`;
  }
  return wallet.id;
}

/** One wallet_balances row per pair, with varied values in the other workers' columns. */
export async function insertBalanceRows(
  sql: Sql,
  pairs: { walletId: string; assetOnChainId: string }[],
): Promise<string[]> {
  if (pairs.length === 0) return [];
  const rows = await sql`
    insert into public.wallet_balances (
      wallet_id, asset_on_chain_id, needs_gas, needs_consolidation, priority, gas_locked_until,
      gas_locked_by, consolidation_locked_until, consolidation_locked_by)
    select p.wallet_id::uuid, p.asset_on_chain_id::uuid,
           random() < 0.5, random() < 0.5, (random() * 1000)::int,
           case when random() < 0.5 then now() + random() * interval '1 day' end,
           case when random() < 0.5 then 'gas-' || md5(random()::text) end,
           case when random() < 0.5 then now() - random() * interval '1 day' end,
           case when random() < 0.5 then 'consolidation-' || md5(random()::text) end
    from json_to_recordset(${
    JSON.stringify(pairs.map((p) => ({
      wallet_id: p.walletId,
      asset_on_chain_id: p.assetOnChainId,
    })))
  }::text::json) as p(wallet_id text, asset_on_chain_id text)
    returning id`;
  return rows.map((r) => r.id as string);
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

/**
 * An EVM chain (native 18 decimals + ERC20 6 decimals) and a TRON chain (TRX 6 decimals + TRC20
 * 18 decimals), `wallets` wallets holding all four, the balances set on the chains, and one due
 * wallet_balances row per wallet and asset.
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
  const assets = {
    evmNative: await insertAsset(sql, {
      chainId: evmChainId,
      symbol: "ETH",
      decimals: 18,
      contractAddress: null,
    }),
    evmToken: await insertAsset(sql, {
      chainId: evmChainId,
      symbol: "USDT",
      decimals: 6,
      contractAddress: token.evm,
    }),
    tronNative: await insertAsset(sql, {
      chainId: tronChainId,
      symbol: "TRX",
      decimals: 6,
      contractAddress: null,
    }),
    tronToken: await insertAsset(sql, {
      chainId: tronChainId,
      symbol: "TUSD",
      decimals: 18,
      contractAddress: token.tron,
    }),
  };

  const world: World = {
    evmChainId,
    tronChainId,
    evmToken: token.evm,
    tronToken: token.tron,
    wallets: [],
    rows: [],
  };
  for (let i = 0; i < (options.wallets ?? 3); i++) {
    const evmAddress = randomEvmAddress();
    const tronAddress = randomTronAddress();
    const walletId = await insertWallet(sql, {
      [evmChainId]: evmAddress,
      [tronChainId]: tronAddress,
    }, `wallet ${i}`);
    world.wallets.push({ id: walletId, evmAddress, tronAddress });

    const specs = [
      { family: "evm", native: true, decimals: 18, aoc: assets.evmNative, address: evmAddress },
      { family: "evm", native: false, decimals: 6, aoc: assets.evmToken, address: evmAddress },
      { family: "tron", native: true, decimals: 6, aoc: assets.tronNative, address: tronAddress },
      { family: "tron", native: false, decimals: 18, aoc: assets.tronToken, address: tronAddress },
    ] as const;
    const ids = await insertBalanceRows(
      sql,
      specs.map((s) => ({ walletId, assetOnChainId: s.aoc })),
    );
    for (const [k, s] of specs.entries()) {
      const raw = worldBalance(s.family, s.native, i);
      world.rows.push({
        id: ids[k],
        walletId,
        family: s.family,
        native: s.native,
        decimals: s.decimals,
        address: s.address,
        raw,
      });
    }
    const [evmNative, evmTokenRaw, tronNative, tronTokenRaw] = specs.map((s) =>
      worldBalance(s.family, s.native, i)
    );
    await setBalance(stack.anvil.rpcUrl, evmAddress, evmNative);
    await setTokenBalance(stack.anvil.rpcUrl, token.evm, evmAddress, evmTokenRaw);
    await stack.tron.setAccountBalance(tronAddress, tronNative);
    await setTokenBalance(
      stack.tronAnvil.rpcUrl,
      toEvmAddress(token.tron),
      toEvmAddress(tronAddress),
      tronTokenRaw,
    );
  }
  return world;
}

/** Exact raw / 10^decimals as a plain decimal string (independent of the function's amount.ts). */
export function expectedHuman(raw: bigint, decimals: number): string {
  const digits = raw.toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}
