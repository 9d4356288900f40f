/**
 * An exchange's own tables as they were before balance-sync, for the upgrade tests: what the first
 * version of the schema migration (first_version.ts) added on them, and how to list it.
 */
import type { Sql } from "../../stack/pg.ts";

/** An exchange's tables before balance-sync: the app's own foreign key has the default name. */
export const APP_TABLES = `
create table public.chains (id uuid primary key default gen_random_uuid(), name text not null,
                            rpc_url text);
create table public.wallets (id uuid primary key default gen_random_uuid());
create table public.asset_on_chain (id uuid primary key default gen_random_uuid(), chain_id uuid,
                                    decimals integer);
create table public.wallet_balances (
  id uuid primary key default gen_random_uuid(),
  wallet_id uuid references public.wallets (id),
  asset_on_chain_id uuid
);
`;

/** The app's own foreign key on APP_TABLES, of the name the first version would give it too. */
export const APP_FK = "wallet_balances.wallet_balances_wallet_id_fkey";

/** What the first version adds on APP_TABLES (it skips the key the app already has). */
export const FIRST_VERSION_CONSTRAINTS = [
  "asset_on_chain.asset_on_chain_asset_id_fkey",
  "asset_on_chain.asset_on_chain_chain_id_fkey",
  "chains.chains_confirmations_check",
  "chains.chains_family_check",
  "chains.chains_max_concurrency_check",
  "chains.chains_max_rps_check",
  "user_wallet_addresses.user_wallet_addresses_chain_id_fkey",
  "user_wallet_addresses.user_wallet_addresses_wallet_id_fkey",
  "wallet_balances.wallet_balances_asset_on_chain_id_fkey",
  "wallet_balances.wallet_balances_error_streak_check",
];

/** The checks and keys (not primary keys) in schema public, as `table.constraint`, sorted. */
export async function constraints(sql: Sql): Promise<string[]> {
  return (await sql`
    select conrelid::regclass::text || '.' || conname as name from pg_constraint
    where connamespace = 'public'::regnamespace and contype <> 'p' order by 1`).map((r) => r.name);
}
