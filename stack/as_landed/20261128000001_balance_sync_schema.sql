-- balance-sync: the spec's tables and this project's columns.
--
-- Applies on an empty database, on a database that already holds these tables with data
-- (including rows that break assumptions, e.g. two active addresses for one wallet and chain),
-- and a second time without changing anything:
--   * tables are created only when missing, and then completed column by column
--     (`add column if not exists`); existing columns keep their types and data;
--   * no unique constraint that existing data could violate (the claim function reports
--     duplicated active addresses as a configuration error instead);
--   * foreign keys are added `not valid` and validated only when the data allows it;
--   * row level security is enabled only on the tables this migration creates (without
--     policies: only the owner and service_role see rows); existing tables keep their settings.

do $$
begin
  if to_regtype('public.processing_status') is null then
    create type public.processing_status as enum ('idle', 'processing');
  end if;
end
$$;

do $$
declare
  t text;
begin
  foreach t in array array['chains', 'assets', 'asset_on_chain', 'wallets',
                           'user_wallet_addresses', 'wallet_balances'] loop
    if to_regclass(format('public.%I', t)) is null then
      execute format('create table public.%I (id uuid primary key default gen_random_uuid())', t);
      execute format('alter table public.%I enable row level security', t);
    end if;
  end loop;
end
$$;

alter table public.chains
  add column if not exists name text,
  add column if not exists rpc_url text,
  add column if not exists is_active boolean not null default true,
  -- this project's columns
  add column if not exists family text,
  add column if not exists multicall_address text,
  add column if not exists fallback_rpc_urls text[] not null default '{}',
  add column if not exists confirmations integer not null default 0,
  add column if not exists evm_chain_id bigint,
  add column if not exists api_key_env text,
  add column if not exists max_rps numeric,
  add column if not exists max_concurrency integer,
  add column if not exists created_at timestamptz not null default now(),
  add column if not exists updated_at timestamptz not null default now();

comment on column public.chains.family is
  'Reader family: evm or tron. Backfilled from the name by the migration; a chain without it is reported as a configuration error.';
comment on column public.chains.multicall_address is
  'Multicall3-compatible contract on this chain (EVM: 0x..., TRON: base58 or 41-hex); null = read one by one.';
comment on column public.chains.fallback_rpc_urls is 'RPC URLs tried after rpc_url fails.';
comment on column public.chains.confirmations is 'Blocks behind the head at which balances are read.';
comment on column public.chains.evm_chain_id is 'EIP-155 chain id (EVM only, optional).';
comment on column public.chains.api_key_env is
  'Name of the function secret holding the RPC API key (e.g. TRON_PRO_API_KEY); never the key itself.';
comment on column public.chains.max_rps is 'Request rate limit for this chain''s RPC (requests/s), null = none.';
comment on column public.chains.max_concurrency is 'Requests in flight at once to this chain''s RPC, null = default.';

-- Backfill the family of chains that have none (the name is only a hint used once, here).
update public.chains
set family = case when name ilike '%tron%' then 'tron' else 'evm' end
where family is null;

alter table public.assets
  add column if not exists symbol text,
  add column if not exists name text,
  add column if not exists created_at timestamptz not null default now(),
  add column if not exists updated_at timestamptz not null default now();

alter table public.asset_on_chain
  add column if not exists chain_id uuid,
  add column if not exists asset_id uuid,
  add column if not exists contract_address text,
  add column if not exists decimals integer,
  add column if not exists is_native boolean not null default false,
  add column if not exists is_active boolean not null default true,
  add column if not exists created_at timestamptz not null default now(),
  add column if not exists updated_at timestamptz not null default now();

alter table public.wallets
  add column if not exists user_id uuid,
  add column if not exists label text,
  add column if not exists created_at timestamptz not null default now(),
  add column if not exists updated_at timestamptz not null default now();

alter table public.user_wallet_addresses
  add column if not exists wallet_id uuid,
  add column if not exists chain_id uuid,
  add column if not exists address text,
  add column if not exists is_active boolean not null default true,
  add column if not exists created_at timestamptz not null default now(),
  add column if not exists updated_at timestamptz not null default now();

alter table public.wallet_balances
  add column if not exists wallet_id uuid,
  add column if not exists asset_on_chain_id uuid,
  add column if not exists on_chain_balance_raw numeric(78, 0),
  add column if not exists on_chain_balance_human numeric,
  add column if not exists last_checked timestamptz,
  add column if not exists sync_count integer not null default 0,
  add column if not exists error_count integer not null default 0,
  add column if not exists last_error text,
  add column if not exists last_error_at timestamptz,
  add column if not exists processing_status public.processing_status not null default 'idle',
  add column if not exists locked_until timestamptz,
  add column if not exists locked_by text,
  add column if not exists created_at timestamptz not null default now(),
  add column if not exists updated_at timestamptz not null default now(),
  -- other workers' columns: balance-sync never writes them
  add column if not exists needs_gas boolean not null default false,
  add column if not exists needs_consolidation boolean not null default false,
  add column if not exists priority integer not null default 0,
  add column if not exists gas_locked_until timestamptz,
  add column if not exists gas_locked_by text,
  add column if not exists consolidation_locked_until timestamptz,
  add column if not exists consolidation_locked_by text,
  -- this project's columns
  add column if not exists observed_block numeric(78, 0),
  add column if not exists error_streak integer not null default 0;

comment on column public.wallet_balances.observed_block is
  'Block number of the observation the balance comes from; an older observation never replaces a newer one.';
comment on column public.wallet_balances.error_streak is
  'Consecutive failed syncs; drives the retry backoff; reset by a successful sync.';

-- Check constraints and foreign keys: added when missing, `not valid` first, then validated
-- only if the existing rows allow it (otherwise they guard new rows and a notice says why).
do $$
declare
  c record;
  fk_exists boolean;
begin
  for c in
    select * from (values
      ('chains', 'chains_family_check', 'check (family in (''evm'', ''tron''))'),
      ('chains', 'chains_confirmations_check', 'check (confirmations >= 0)'),
      ('chains', 'chains_max_rps_check', 'check (max_rps > 0)'),
      ('chains', 'chains_max_concurrency_check', 'check (max_concurrency > 0)'),
      ('wallet_balances', 'wallet_balances_error_streak_check', 'check (error_streak >= 0)')
    ) as v(tbl, name, def)
  loop
    if not exists (
      select 1 from pg_constraint
      where conrelid = format('public.%I', c.tbl)::regclass and conname = c.name
    ) then
      execute format('alter table public.%I add constraint %I %s not valid', c.tbl, c.name, c.def);
      begin
        execute format('alter table public.%I validate constraint %I', c.tbl, c.name);
      exception when check_violation then
        raise notice 'balance-sync: %.% left not valid: existing rows violate it', c.tbl, c.name;
      end;
    end if;
  end loop;

  for c in
    select * from (values
      ('asset_on_chain', 'chain_id', 'chains'),
      ('asset_on_chain', 'asset_id', 'assets'),
      ('user_wallet_addresses', 'wallet_id', 'wallets'),
      ('user_wallet_addresses', 'chain_id', 'chains'),
      ('wallet_balances', 'wallet_id', 'wallets'),
      ('wallet_balances', 'asset_on_chain_id', 'asset_on_chain')
    ) as v(tbl, col, ref)
  loop
    select exists (
      select 1
      from pg_constraint k
      join pg_attribute a
        on a.attrelid = k.conrelid and a.attnum = k.conkey[1] and a.attname = c.col
      where k.contype = 'f'
        and k.conrelid = format('public.%I', c.tbl)::regclass
        and k.confrelid = format('public.%I', c.ref)::regclass
        and cardinality(k.conkey) = 1
    ) into fk_exists;
    if not fk_exists then
      begin
        execute format(
          'alter table public.%I add constraint %I foreign key (%I) references public.%I (id) not valid',
          c.tbl, c.tbl || '_' || c.col || '_fkey', c.col, c.ref);
      exception when datatype_mismatch or duplicate_object then
        raise notice 'balance-sync: no foreign key %.% -> %: %', c.tbl, c.col, c.ref, sqlerrm;
        continue;
      end;
      begin
        execute format('alter table public.%I validate constraint %I',
                       c.tbl, c.tbl || '_' || c.col || '_fkey');
      exception when foreign_key_violation then
        raise notice 'balance-sync: %.% -> % left not valid: existing rows have no parent',
          c.tbl, c.col, c.ref;
      end;
    end if;
  end loop;
end
$$;

-- Indexes for claim (stalest first, then the joins) and for the foreign keys.
create index if not exists wallet_balances_sync_order_idx
  on public.wallet_balances (last_checked asc nulls first, id);
create index if not exists wallet_balances_wallet_id_idx on public.wallet_balances (wallet_id);
create index if not exists wallet_balances_asset_on_chain_id_idx
  on public.wallet_balances (asset_on_chain_id);
create index if not exists wallet_balances_locked_by_idx
  on public.wallet_balances (locked_by) where locked_by is not null;
create index if not exists asset_on_chain_chain_id_idx on public.asset_on_chain (chain_id);
create index if not exists asset_on_chain_asset_id_idx on public.asset_on_chain (asset_id);
create index if not exists user_wallet_addresses_wallet_chain_idx
  on public.user_wallet_addresses (wallet_id, chain_id) where is_active;
create index if not exists user_wallet_addresses_chain_id_idx
  on public.user_wallet_addresses (chain_id);
