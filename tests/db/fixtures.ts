/** Test data for the DB contract tests: set-based inserts, ids returned for assertions. */
import type { Cluster, Sql } from "../../stack/pg.ts";

export interface ChainSeed {
  name?: string;
  family?: "evm" | "tron" | null;
  rpcUrl?: string;
  isActive?: boolean;
}

export interface AssetSeed {
  chainId: string;
  decimals?: number | null;
  isNative?: boolean;
  contractAddress?: string | null;
  isActive?: boolean;
}

export async function insertChain(sql: Sql, seed: ChainSeed = {}): Promise<string> {
  const [row] = await sql`
    insert into public.chains (name, rpc_url, family, is_active)
    values (${seed.name ?? "anvil"}, ${seed.rpcUrl ?? "http://127.0.0.1:8545"},
            ${seed.family === undefined ? "evm" : seed.family}, ${seed.isActive ?? true})
    returning id`;
  return row.id;
}

export async function insertAsset(sql: Sql, seed: AssetSeed): Promise<string> {
  const [asset] = await sql`insert into public.assets (symbol, name) values ('TOK', 'Token')
                            returning id`;
  const isNative = seed.isNative ?? true;
  const [row] = await sql`
    insert into public.asset_on_chain (chain_id, asset_id, contract_address, decimals, is_native,
                                       is_active)
    values (${seed.chainId}, ${asset.id},
            ${
    seed.contractAddress === undefined
      ? (isNative ? null : "0x55d398326f99059fF775485246999027B3197955")
      : seed.contractAddress
  },
            ${seed.decimals === undefined ? 18 : seed.decimals}, ${isNative},
            ${seed.isActive ?? true})
    returning id`;
  return row.id;
}

/**
 * `count` wallets, each with `addresses` active addresses on the chain (0, 1 or more) and one
 * balance row for the asset. The other workers' columns get varied values (nulls included) so
 * that a checksum over them means something.
 */
export async function insertBalances(
  sql: Sql,
  options: { chainId: string; assetOnChainId: string; count: number; addresses?: number },
): Promise<string[]> {
  const rows = await sql`
    with w as (
      insert into public.wallets (label)
      select 'wallet ' || g from generate_series(1, ${options.count}) as g
      returning id
    ),
    a as (
      insert into public.user_wallet_addresses (wallet_id, chain_id, address, is_active)
      select w.id, ${options.chainId}, '0x' || substr(md5(w.id::text || n), 1, 40), true
      from w, generate_series(1, ${options.addresses ?? 1}) as n
    )
    insert into public.wallet_balances (
      wallet_id, asset_on_chain_id, needs_gas, needs_consolidation, priority, gas_locked_until,
      gas_locked_by, consolidation_locked_until, consolidation_locked_by)
    select w.id, ${options.assetOnChainId},
           random() < 0.5,
           random() < 0.5,
           (random() * 1000)::int,
           case when random() < 0.5 then now() + random() * interval '1 day' end,
           case when random() < 0.5 then 'gas-' || md5(random()::text) end,
           case when random() < 0.5 then now() - random() * interval '1 day' end,
           case when random() < 0.5 then 'consolidation-' || md5(random()::text) end
    from w
    returning id`;
  return rows.map((r) => r.id as string);
}

/** A chain, a native asset on it, and `count` due rows with one active address each. */
export async function seedDueRows(
  sql: Sql,
  count: number,
): Promise<{ chainId: string; assetOnChainId: string; ids: string[] }> {
  const chainId = await insertChain(sql);
  const assetOnChainId = await insertAsset(sql, { chainId });
  const ids = await insertBalances(sql, { chainId, assetOnChainId, count });
  return { chainId, assetOnChainId, ids };
}

export interface ClaimedRow {
  id: string;
  wallet_id: string;
  asset_on_chain_id: string;
  asset_id: string;
  chain_id: string;
  address: string | null;
  contract_address: string | null;
  decimals: number | null;
  is_native: boolean;
  config_error: string | null;
}

export interface ClaimResult {
  rows: ClaimedRow[];
  chains: Record<string, Record<string, unknown>>;
  busy: string[];
  /** Forced claims by wallet_balance_ids: ids that match no row. */
  unknown_ids?: string[];
}

export interface RecordResult {
  applied: number;
  errored: number;
  stale_rejected: number;
  lost: number;
  stale_ids: string[];
  lost_ids: string[];
  invalid: { index: number; id: unknown; reason: string }[];
  /** Entries the database refused (a column type, a trigger, ...), recorded as their rows' errors. */
  refused: { index: number; id: unknown; reason: string }[];
}

export async function claim(
  sql: Sql,
  worker: string,
  options: { limit?: number; lease?: number; filter?: unknown; minInterval?: number } = {},
): Promise<ClaimResult> {
  const [row] = await sql`
    select public.balance_sync_claim(
      ${worker}, ${options.limit ?? 50}, ${options.lease ?? 120},
      ${options.filter === undefined ? null : JSON.stringify(options.filter)}::text::jsonb,
      ${options.minInterval ?? 30}) as r`;
  return row.r as ClaimResult;
}

export async function record(sql: Sql, worker: string, results: unknown[]): Promise<RecordResult> {
  const [row] = await sql`
    select public.balance_sync_record(${worker}, ${JSON.stringify(results)}::text::jsonb) as r`;
  return row.r as RecordResult;
}

export async function release(sql: Sql, worker: string, ids: string[]): Promise<number> {
  const [row] = await sql`select public.balance_sync_release(${worker}, ${ids}::uuid[]) as n`;
  return row.n as number;
}

/** md5 over the given columns of all wallet_balances rows, in id order. */
let dbSeq = 0;
/** A database name unique within this test process. */
export function dbName(prefix: string): string {
  return `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 40)}_${++dbSeq}`;
}

/** A new migrated database on the module's cluster, with a client of two connections. */
export async function migratedDb(cluster: () => Promise<Cluster>, name: string) {
  const c = await cluster();
  const db = dbName(name);
  await c.createDatabase(db, { migrate: true });
  return { c, db, sql: c.connect(db, { max: 2 }) };
}
