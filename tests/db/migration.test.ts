/**
 * The schema migration, applied by the real Supabase CLI: on an empty database, on a database
 * that already holds the spec's tables with (partly broken) data, and a second time.
 */
import assert from "node:assert/strict";
import { type Cluster, sharedCluster, type Sql } from "../../stack/pg.ts";
import { claim, dataChecksum, DOMAIN_TABLES, emptyDb, record, schemaDump } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

/** Applies the migrations again, as on a database whose history table was lost. */
async function reapply(c: Cluster, db: string, sql: Sql): Promise<string[]> {
  await sql`delete from supabase_migrations.schema_migrations`;
  return await c.migrate(db);
}

Deno.test("migration: applies on an empty database, and applying it twice changes nothing", async () => {
  const c = await cluster();
  const { db, sql } = await emptyDb(c, "empty");

  const applied = await c.migrate(db);
  assert.ok(applied.some((f) => f.endsWith("_balance_sync_schema.sql")), applied.join());
  const [{ n }] = await sql`select count(*)::int as n from pg_tables
                            where schemaname = 'public' and tablename = any(${DOMAIN_TABLES})`;
  assert.equal(n, DOMAIN_TABLES.length);
  const rls = await sql`select relname, relrowsecurity from pg_class
                        where relnamespace = 'public'::regnamespace and relname = any(${DOMAIN_TABLES})`;
  assert.ok(rls.every((r) => r.relrowsecurity), "tables it creates have row level security on");
  const [{ granted }] = await sql`
    select count(*)::int as granted from pg_class as c, aclexplode(c.relacl) as a
    where c.relnamespace = 'public'::regnamespace and c.relname = any(${DOMAIN_TABLES})
      and a.grantee in (select oid from pg_roles where rolname in ('anon', 'authenticated'))`;
  assert.equal(granted, 0, "anon and authenticated have no privilege on the tables it creates");
  const [{ constraints }] = await sql`
    select count(*)::int as constraints from pg_constraint
    where conrelid in (select oid from pg_class where relnamespace = 'public'::regnamespace
                                                  and relname = any(${DOMAIN_TABLES}))
      and contype <> 'p'`;
  assert.equal(constraints, 0, "no check and no foreign key, only primary keys");

  await sql`insert into public.chains (name, rpc_url, family) values ('bsc', 'http://x', 'evm')`;
  const schema = await schemaDump(c, db);
  const data = await dataChecksum(sql);
  const again = await reapply(c, db, sql);
  assert.deepEqual(again, applied, "the CLI really ran every file a second time");
  assert.equal(await schemaDump(c, db), schema);
  assert.deepEqual(await dataChecksum(sql), data);
});

const LEGACY_SCHEMA = `
create type public.processing_status as enum ('idle', 'processing');
create table public.chains (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  rpc_url text,
  is_active boolean default true
);
create table public.assets (id uuid primary key default gen_random_uuid(), symbol text not null);
create table public.asset_on_chain (
  id uuid primary key default gen_random_uuid(),
  chain_id uuid references public.chains (id),
  asset_id uuid references public.assets (id),
  contract_address text,
  decimals integer,
  is_native boolean default false,
  is_active boolean default true
);
create table public.wallets (id uuid primary key default gen_random_uuid(), user_id uuid);
create table public.user_wallet_addresses (
  id uuid primary key default gen_random_uuid(),
  wallet_id uuid references public.wallets (id),
  chain_id uuid references public.chains (id),
  address text not null,
  is_active boolean default true
);
create table public.wallet_balances (
  id uuid primary key default gen_random_uuid(),
  wallet_id uuid references public.wallets (id),
  asset_on_chain_id uuid,
  on_chain_balance_raw text,
  on_chain_balance_human text,
  last_checked timestamptz,
  sync_count integer,
  error_count integer,
  last_error text,
  last_error_at timestamptz,
  processing_status public.processing_status default 'idle',
  locked_until timestamptz,
  locked_by text,
  updated_at timestamptz default now(),
  needs_gas boolean default false,
  priority integer default 0
);
`;

const LEGACY_DATA = `
insert into public.chains (id, name, rpc_url) values
  ('c0000000-0000-0000-0000-000000000001', 'BSC Mainnet', 'http://bsc'),
  ('c0000000-0000-0000-0000-000000000002', 'TRON Mainnet', 'http://tron'),
  ('c0000000-0000-0000-0000-000000000003', 'tron-nile', 'http://nile'),
  ('c0000000-0000-0000-0000-000000000004', 'Ethereum', null);
insert into public.assets (id, symbol) values ('a0000000-0000-0000-0000-000000000001', 'USDT');
insert into public.asset_on_chain (id, chain_id, asset_id, contract_address, decimals, is_native) values
  ('a0c00000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', '0x55d398326f99059fF775485246999027B3197955', 18, false),
  ('a0c00000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', null, 18, false),
  ('a0c00000-0000-0000-0000-000000000003', 'c0000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', null, 99, true);
insert into public.wallets (id) values
  ('e0000000-0000-0000-0000-000000000001'), ('e0000000-0000-0000-0000-000000000002');
insert into public.user_wallet_addresses (wallet_id, chain_id, address, is_active) values
  ('e0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001', '0x1111111111111111111111111111111111111111', true),
  ('e0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001', '0x2222222222222222222222222222222222222222', true),
  ('e0000000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-000000000001', '0x3333333333333333333333333333333333333333', true),
  ('e0000000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-000000000002', 'TJRabPrwbZy45sbavfcjinPJC18kjpRTv8', true);
insert into public.wallet_balances (id, wallet_id, asset_on_chain_id, on_chain_balance_raw,
    on_chain_balance_human, sync_count, error_count, processing_status, locked_until, locked_by,
    needs_gas, priority) values
  -- two active addresses for one wallet and chain
  ('b0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000001', '5', '0.000000000000000005', 7, 0, 'idle', null, null, true, 3),
  -- healthy, but the same wallet and asset twice
  ('b0000000-0000-0000-0000-000000000002', 'e0000000-0000-0000-0000-000000000002', 'a0c00000-0000-0000-0000-000000000001', 'garbage', 'n/a', null, null, 'idle', null, null, false, 1),
  ('b0000000-0000-0000-0000-000000000003', 'e0000000-0000-0000-0000-000000000002', 'a0c00000-0000-0000-0000-000000000001', null, null, 1, 2, 'idle', null, null, false, 0),
  -- token without contract; decimals 99 on a TRON chain
  ('b0000000-0000-0000-0000-000000000004', 'e0000000-0000-0000-0000-000000000002', 'a0c00000-0000-0000-0000-000000000002', null, null, 0, 0, 'idle', null, null, false, 0),
  ('b0000000-0000-0000-0000-000000000005', 'e0000000-0000-0000-0000-000000000002', 'a0c00000-0000-0000-0000-000000000003', null, null, 0, 0, 'idle', null, null, false, 0),
  -- stuck: processing without a lease end
  ('b0000000-0000-0000-0000-000000000006', 'e0000000-0000-0000-0000-000000000002', 'a0c00000-0000-0000-0000-000000000001', null, null, 0, 0, 'processing', null, 'crashed-worker', false, 0),
  -- orphan: its asset_on_chain does not exist
  ('b0000000-0000-0000-0000-000000000007', 'e0000000-0000-0000-0000-000000000002', 'a0c00000-0000-0000-0000-0000000000ff', null, null, 0, 0, 'idle', null, null, false, 0);
`;

Deno.test("migration: applies on a pre-populated legacy schema with broken rows, and twice in a row", async () => {
  const c = await cluster();
  const { db, sql } = await emptyDb(c, "legacy");
  await sql.unsafe(LEGACY_SCHEMA);
  await sql.unsafe(LEGACY_DATA);
  const legacyColumns = await sql`
    select md5(string_agg(row(id, wallet_id, asset_on_chain_id, on_chain_balance_raw,
      on_chain_balance_human, sync_count, error_count, processing_status, locked_by, needs_gas,
      priority)::text, '|' order by id)) as sum from public.wallet_balances`;
  const counts = await sql`select
      (select count(*) from public.chains) as chains,
      (select count(*) from public.user_wallet_addresses) as addresses,
      (select count(*) from public.wallet_balances) as balances`;

  const applied = await c.migrate(db);
  assert.ok(applied.length >= 2, applied.join());

  assert.deepEqual(
    await sql`select
      (select count(*) from public.chains) as chains,
      (select count(*) from public.user_wallet_addresses) as addresses,
      (select count(*) from public.wallet_balances) as balances`,
    counts,
    "no row was lost",
  );
  assert.deepEqual(
    await sql`
      select md5(string_agg(row(id, wallet_id, asset_on_chain_id, on_chain_balance_raw,
        on_chain_balance_human, sync_count, error_count, processing_status, locked_by, needs_gas,
        priority)::text, '|' order by id)) as sum from public.wallet_balances`,
    legacyColumns,
    "existing values are unchanged",
  );
  assert.deepEqual(
    [...await sql`select name, family from public.chains order by name`],
    [
      { name: "BSC Mainnet", family: "evm" },
      { name: "Ethereum", family: "evm" },
      { name: "TRON Mainnet", family: "tron" },
      { name: "tron-nile", family: "tron" },
    ],
    "the family is backfilled from the name",
  );
  const added = await sql`
    select column_name from information_schema.columns
    where table_schema = 'public' and table_name = 'wallet_balances'
      and column_name = any(${[
    "observed_block",
    "error_streak",
    "needs_consolidation",
    "gas_locked_until",
    "gas_locked_by",
    "consolidation_locked_until",
    "consolidation_locked_by",
  ]})`;
  assert.equal(added.length, 7, "the missing columns were added");
  const fks = await sql`
    select conname, convalidated from pg_constraint
    where conrelid = 'public.wallet_balances'::regclass and contype = 'f' order by conname`;
  assert.deepEqual(
    fks.map((f) => [f.conname, f.convalidated]),
    [["wallet_balances_wallet_id_fkey", true]],
    "the app's own foreign key stays; the migration adds none (the orphan row is still allowed)",
  );
  const [{ rls }] = await sql`select bool_or(relrowsecurity) as rls from pg_class
                              where relnamespace = 'public'::regnamespace and relname = any(${DOMAIN_TABLES})`;
  assert.equal(rls, false, "existing tables keep their row level security setting");

  const { rows } = await claim(sql, "first-run", { limit: 100 });
  const reason = new Map(rows.map((r) => [r.id, r.config_error]));
  assert.deepEqual([...reason.keys()].sort(), [
    "b0000000-0000-0000-0000-000000000001",
    "b0000000-0000-0000-0000-000000000002",
    "b0000000-0000-0000-0000-000000000003",
    "b0000000-0000-0000-0000-000000000004",
    "b0000000-0000-0000-0000-000000000005",
    "b0000000-0000-0000-0000-000000000006",
  ]);
  assert.equal(
    reason.get("b0000000-0000-0000-0000-000000000001"),
    "wallet has 2 active addresses on chain BSC Mainnet",
  );
  assert.equal(reason.get("b0000000-0000-0000-0000-000000000002"), null);
  assert.equal(reason.get("b0000000-0000-0000-0000-000000000004"), "token has no contract_address");
  assert.equal(reason.get("b0000000-0000-0000-0000-000000000005"), "decimals 99 is outside 0..77");
  const result = await record(sql, "first-run", [
    {
      id: "b0000000-0000-0000-0000-000000000002",
      raw: "1500000000000000000",
      human: "1.5",
      block: "7",
    },
  ]);
  assert.equal(result.applied, 1);
  const [written] = await sql`select on_chain_balance_raw, on_chain_balance_human, sync_count
                              from public.wallet_balances
                              where id = 'b0000000-0000-0000-0000-000000000002'`;
  assert.deepEqual(written, {
    on_chain_balance_raw: "1500000000000000000",
    on_chain_balance_human: "1.5",
    sync_count: 1,
  }, "record writes into the legacy text columns");

  const schema = await schemaDump(c, db);
  const data = await dataChecksum(sql);
  assert.deepEqual(await reapply(c, db, sql), applied);
  assert.equal(await schemaDump(c, db), schema, "the second application changed no schema");
  assert.deepEqual(await dataChecksum(sql), data, "the second application changed no data");
});

Deno.test("migration: chain_status keeps its learned-size and dispatch columns through a re-apply, which needs the event trigger that makes way for 20261201001300's narrower view", async () => {
  const c = await cluster();
  const { db, sql } = await emptyDb(c, "status_reapply");
  const applied = await c.migrate(db);
  const columns = async () =>
    (await sql`select attname from pg_attribute
               where attrelid = 'balance_sync.chain_status'::regclass and attnum > 0
               order by attnum`).map((r) => r.attname as string);
  const wide = await columns();
  assert.equal(wide[0], "chain_id");
  assert.ok(
    ["multicall_calls", "batch_calls", "response_bytes", "dispatch_state", "dispatch_backoff_ticks"]
      .every((name) => wide.includes(name)),
    wide.join(),
  );

  // Any other CREATE VIEW is left alone.
  await sql`create view public.unrelated_view as select 1 as one`;
  await sql`create or replace view balance_sync.unrelated_view as select 1 as one`;
  assert.deepEqual(await columns(), wide);

  assert.deepEqual(await reapply(c, db, sql), applied, "every file applied again");
  assert.deepEqual(await columns(), wide, "the re-apply ends with the same columns");
  const [{ grants }] = await sql`
    select array_agg(a.grantee::regrole::text || ':' || a.privilege_type order by 1) as grants
    from pg_class as c, aclexplode(c.relacl) as a
    where c.oid = 'balance_sync.chain_status'::regclass and a.grantee <> c.relowner`;
  assert.deepEqual(grants, ["service_role:SELECT"], "service_role reads it, nobody else");

  // Without the trigger, the push stops at that file's statement.
  await sql`alter event trigger balance_sync_chain_status_reapply disable`;
  await assert.rejects(
    reapply(c, db, sql),
    (e: Error) =>
      /20261201001300_balance_sync_operability/.test(e.message) &&
      /cannot drop columns from view/.test(e.message),
  );
});
