/**
 * Migrations as earlier releases pushed them, for the upgrade tests: the first milestone
 * (20261128000001 in its first version, then 20261128000002, in one `supabase db push`, as it was
 * released; the scheduling file 20261128000003 needs pg_cron's database) and the live-safety
 * migration 20261201000100 as it landed, before it was made to drop only what it can prove;
 * and the tables of an exchange that ran that push.
 */
import type { MigrateOptions, Sql } from "../../stack/pg.ts";
import { AS_LANDED } from "../../stack/upgrade_path.ts";

const asLanded = (name: string) => Deno.readTextFileSync(new URL(name, AS_LANDED));

export const FIRST_SCHEMA_VERSION = asLanded("20261128000001_balance_sync_schema.sql");
export const LANDED_LIVE_SAFETY = asLanded("20261201000100_balance_sync_live_safety.sql");

/** The first milestone's push. */
export const firstVersion: MigrateOptions = {
  files: (name) => name < "20261128000003",
  content: (name, content) => name.startsWith("20261128000001_") ? FIRST_SCHEMA_VERSION : content,
};

/** The second milestone's push, with the live-safety migration as it landed. */
export const landedLiveSafety: MigrateOptions = {
  files: (name, content) =>
    name < "20261206" && !/create\s+extension\s+(if\s+not\s+exists\s+)?"?pg_cron"?/i.test(content),
  content: (name, content) => name.startsWith("20261201000100_") ? LANDED_LIVE_SAFETY : content,
};

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
