/**
 * The one set of inserts into the source tables (chains, assets, wallets and their addresses,
 * wallet_balances), shared by the DB contract tests, the stack's data and the benchmark. Defaults
 * make a valid EVM chain and a native 18-decimal asset, so a caller names only what it is about.
 * The other workers' columns get varied values (nulls included) so that a check that they are
 * unchanged means something.
 */
import type { Sql } from "./pg.ts";

const randomHex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0"))
    .join("");

export const randomEvmAddress = (): `0x${string}` => `0x${randomHex(20)}`;

/** USDT on BSC: the contract a token asset gets when the caller gives none. */
const DEFAULT_TOKEN_CONTRACT = "0x55d398326f99059fF775485246999027B3197955";

const asJson = (rows: unknown[]) => JSON.stringify(rows);

export interface ChainSeed {
  /** Default "anvil". */
  name?: string;
  /** Default "evm"; null: a chain row without a family (a configuration error). */
  family?: "evm" | "tron" | null;
  /** Default the stack's usual anvil, http://127.0.0.1:8545. */
  rpcUrl?: string;
  multicallAddress?: string | null;
  evmChainId?: number | null;
  confirmations?: number;
  maxRps?: number | null;
  maxConcurrency?: number | null;
  isActive?: boolean;
}

export async function insertChain(sql: Sql, seed: ChainSeed = {}): Promise<string> {
  const [row] = await sql`
    insert into public.chains (name, family, rpc_url, multicall_address, evm_chain_id,
                               confirmations, max_rps, max_concurrency, is_active)
    values (${seed.name ?? "anvil"}, ${seed.family === undefined ? "evm" : seed.family},
            ${seed.rpcUrl ?? "http://127.0.0.1:8545"}, ${seed.multicallAddress ?? null},
            ${seed.evmChainId ?? null}, ${seed.confirmations ?? 0}, ${seed.maxRps ?? null},
            ${seed.maxConcurrency ?? null}, ${seed.isActive ?? true})
    returning id`;
  return row.id;
}

export interface AssetSeed {
  chainId: string;
  /** Default "TOK" (also the asset's name). */
  symbol?: string;
  /** Default 18; null: not set (a configuration error). */
  decimals?: number | null;
  /** Default: native unless a contract address is given. */
  isNative?: boolean;
  /** Default: none for a native asset, USDT on BSC for a token. */
  contractAddress?: string | null;
  isActive?: boolean;
}

/** An asset and its asset_on_chain row; returns the asset_on_chain id. */
export async function insertAsset(sql: Sql, seed: AssetSeed): Promise<string> {
  const isNative = seed.isNative ?? !seed.contractAddress;
  const contract = seed.contractAddress !== undefined
    ? seed.contractAddress
    : isNative
    ? null
    : DEFAULT_TOKEN_CONTRACT;
  const symbol = seed.symbol ?? "TOK";
  const [row] = await sql`
    with a as (insert into public.assets (symbol, name) values (${symbol}, ${symbol}) returning id)
    insert into public.asset_on_chain (chain_id, asset_id, contract_address, decimals, is_native,
                                       is_active)
    select ${seed.chainId}, a.id, ${contract}, ${seed.decimals === undefined ? 18 : seed.decimals},
           ${isNative}, ${seed.isActive ?? true}
    from a
    returning id`;
  return row.id;
}

export interface WalletSeed {
  label?: string;
  /** Addresses as [chain id, address, active (default true)]: any number per chain, or none. */
  addresses: [chainId: string, address: string, active?: boolean][];
}

/** Wallets and their addresses in one statement; returns the wallet ids in the given order. */
export async function insertWallets(sql: Sql, wallets: WalletSeed[]): Promise<string[]> {
  const ids = wallets.map(() => crypto.randomUUID());
  if (ids.length === 0) return ids;
  const addresses = wallets.flatMap((w, i) =>
    w.addresses.map(([chainId, address, active = true]) => ({
      wallet_id: ids[i],
      chain_id: chainId,
      address,
      active,
    }))
  );
  await sql`
    with w as (
      insert into public.wallets (id, label)
      select w.id::uuid, w.label
      from json_to_recordset(${
    asJson(wallets.map((w, i) => ({ id: ids[i], label: w.label ?? `wallet ${i + 1}` })))
  }::text::json) as w(id text, label text)
    )
    insert into public.user_wallet_addresses (wallet_id, chain_id, address, is_active)
    select a.wallet_id::uuid, a.chain_id::uuid, a.address, a.active
    from json_to_recordset(${asJson(addresses)}::text::json)
      as a(wallet_id text, chain_id text, address text, active boolean)`;
  return ids;
}

/** A wallet with one active address per chain (chain id → address); returns its id. */
export async function insertWallet(
  sql: Sql,
  addresses: Record<string, string>,
  label = "wallet",
): Promise<string> {
  const [id] = await insertWallets(sql, [{ label, addresses: Object.entries(addresses) }]);
  return id;
}

/** One wallet_balances row per pair, in the given order, with varied other workers' columns. */
export async function insertBalanceRows(
  sql: Sql,
  pairs: { walletId: string; assetOnChainId: string }[],
): Promise<string[]> {
  const ids = pairs.map(() => crypto.randomUUID());
  if (ids.length === 0) return ids;
  await sql`
    insert into public.wallet_balances (
      id, wallet_id, asset_on_chain_id, needs_gas, needs_consolidation, priority,
      gas_locked_until, gas_locked_by, consolidation_locked_until, consolidation_locked_by)
    select p.id::uuid, p.wallet_id::uuid, p.asset_on_chain_id::uuid,
           random() < 0.5, random() < 0.5, (random() * 1000)::int,
           case when random() < 0.5 then now() + random() * interval '1 day' end,
           case when random() < 0.5 then 'gas-' || md5(random()::text) end,
           case when random() < 0.5 then now() - random() * interval '1 day' end,
           case when random() < 0.5 then 'consolidation-' || md5(random()::text) end
    from json_to_recordset(${
    asJson(pairs.map((p, i) => ({
      id: ids[i],
      wallet_id: p.walletId,
      asset_on_chain_id: p.assetOnChainId,
    })))
  }::text::json) as p(id text, wallet_id text, asset_on_chain_id text)`;
  return ids;
}

/**
 * `count` wallets, each with `addresses` (default 1) active addresses on the chain and one
 * wallet_balances row for the asset; returns the row ids.
 */
export async function insertBalances(
  sql: Sql,
  options: { chainId: string; assetOnChainId: string; count: number; addresses?: number },
): Promise<string[]> {
  const { chainId, assetOnChainId, count, addresses = 1 } = options;
  const walletIds = await insertWallets(
    sql,
    Array.from({ length: count }, () => ({
      addresses: Array.from(
        { length: addresses },
        (): [string, string] => [chainId, randomEvmAddress()],
      ),
    })),
  );
  return insertBalanceRows(sql, walletIds.map((walletId) => ({ walletId, assetOnChainId })));
}
