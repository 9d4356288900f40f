-- balance-sync: the spec's tables and this project's columns.
--
-- The rule on a live exchange database: ADD, NEVER RESTRICT.
--   * The six tables are shared: other services of the exchange have written them for years, and
--     keep writing them. On a table that exists, this migration adds only nullable or defaulted
--     columns, indexes and comments (never over a comment that is there). It never adds a check, a
--     foreign key or a trigger, so every statement another writer could run before still runs
--     after (updating a chain of any family, inserting a chain of another family, deleting a
--     wallet that has balance rows, inserting a balance row before its wallet).
--   * The tables it creates on an empty database get no check and no foreign key either: other
--     services will write them the same way. Only the primary key.
--   * What the project needs from that data (a chain family of evm or tron, one active address,
--     sane decimals, ...) is enforced where the data is read: balance_sync_claim hands such a row
--     back flagged with a configuration error, and no reader ever sees it.
--   * The family is backfilled only where the chain's name leaves no doubt (TRON words only, or
--     EVM words only, and no word of another chain); every other chain keeps family null and is
--     reported by claim as "chain <name> has no family: set chains.family to evm or tron".
--   * Applies on an empty database, on tables that already hold (partly broken) data, and a second
--     time: existing columns keep their types and data; a step whose object exists is skipped
--     without taking a lock, so a re-apply never waits behind a busy table.
--   * Row level security is enabled, and the API roles anon and authenticated are revoked, only on
--     the tables this migration creates; existing tables keep their settings and grants.
--
-- Locks: supabase db push runs each migration file as one transaction (one pipelined batch) and
-- resets the session settings after it. lock_timeout makes a busy table fail the file within 5 s
-- instead of queueing every writer behind it; nothing is applied then, and the error says to retry.

set lock_timeout = '5s';
set statement_timeout = '60s';

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
  r text;
begin
  foreach t in array array['chains', 'assets', 'asset_on_chain', 'wallets',
                           'user_wallet_addresses', 'wallet_balances'] loop
    if to_regclass(format('public.%I', t)) is null then
      execute format('create table public.%I (id uuid primary key default gen_random_uuid())', t);
      execute format('alter table public.%I enable row level security', t);
      -- Supabase grants new tables in public to the API roles (TRUNCATE included, which row level
      -- security does not cover); this project's tables are read through its functions only.
      foreach r in array array['anon', 'authenticated'] loop
        if exists (select 1 from pg_roles where rolname = r) then
          execute format('revoke all on table public.%I from %I', t, r);
        end if;
      end loop;
    end if;
  end loop;
end
$$;

-- Columns: only the missing ones are added, one ALTER per table that lacks any (a table that has
-- them all is not locked at all).
do $$
declare
  v_table text;
  v_adds text;
begin
  for v_table, v_adds in
    select c.tbl, string_agg(format('add column if not exists %I %s', c.col, c.def), ', '
                             order by c.ord)
    from (values
      (1, 'chains', 'name', 'text'),
      (2, 'chains', 'rpc_url', 'text'),
      (3, 'chains', 'is_active', 'boolean not null default true'),
      -- this project's columns
      (4, 'chains', 'family', 'text'),
      (5, 'chains', 'multicall_address', 'text'),
      (6, 'chains', 'fallback_rpc_urls', 'text[] not null default ''{}'''),
      (7, 'chains', 'confirmations', 'integer not null default 0'),
      (8, 'chains', 'evm_chain_id', 'bigint'),
      (9, 'chains', 'api_key_env', 'text'),
      (10, 'chains', 'max_rps', 'numeric'),
      (11, 'chains', 'max_concurrency', 'integer'),
      (12, 'chains', 'created_at', 'timestamptz not null default now()'),
      (13, 'chains', 'updated_at', 'timestamptz not null default now()'),
      (20, 'assets', 'symbol', 'text'),
      (21, 'assets', 'name', 'text'),
      (22, 'assets', 'created_at', 'timestamptz not null default now()'),
      (23, 'assets', 'updated_at', 'timestamptz not null default now()'),
      (30, 'asset_on_chain', 'chain_id', 'uuid'),
      (31, 'asset_on_chain', 'asset_id', 'uuid'),
      (32, 'asset_on_chain', 'contract_address', 'text'),
      (33, 'asset_on_chain', 'decimals', 'integer'),
      (34, 'asset_on_chain', 'is_native', 'boolean not null default false'),
      (35, 'asset_on_chain', 'is_active', 'boolean not null default true'),
      (36, 'asset_on_chain', 'created_at', 'timestamptz not null default now()'),
      (37, 'asset_on_chain', 'updated_at', 'timestamptz not null default now()'),
      (40, 'wallets', 'user_id', 'uuid'),
      (41, 'wallets', 'label', 'text'),
      (42, 'wallets', 'created_at', 'timestamptz not null default now()'),
      (43, 'wallets', 'updated_at', 'timestamptz not null default now()'),
      (50, 'user_wallet_addresses', 'wallet_id', 'uuid'),
      (51, 'user_wallet_addresses', 'chain_id', 'uuid'),
      (52, 'user_wallet_addresses', 'address', 'text'),
      (53, 'user_wallet_addresses', 'is_active', 'boolean not null default true'),
      (54, 'user_wallet_addresses', 'created_at', 'timestamptz not null default now()'),
      (55, 'user_wallet_addresses', 'updated_at', 'timestamptz not null default now()'),
      (60, 'wallet_balances', 'wallet_id', 'uuid'),
      (61, 'wallet_balances', 'asset_on_chain_id', 'uuid'),
      (62, 'wallet_balances', 'on_chain_balance_raw', 'numeric(78, 0)'),
      (63, 'wallet_balances', 'on_chain_balance_human', 'numeric'),
      (64, 'wallet_balances', 'last_checked', 'timestamptz'),
      (65, 'wallet_balances', 'sync_count', 'integer not null default 0'),
      (66, 'wallet_balances', 'error_count', 'integer not null default 0'),
      (67, 'wallet_balances', 'last_error', 'text'),
      (68, 'wallet_balances', 'last_error_at', 'timestamptz'),
      (69, 'wallet_balances', 'processing_status', 'public.processing_status not null default ''idle'''),
      (70, 'wallet_balances', 'locked_until', 'timestamptz'),
      (71, 'wallet_balances', 'locked_by', 'text'),
      (72, 'wallet_balances', 'created_at', 'timestamptz not null default now()'),
      (73, 'wallet_balances', 'updated_at', 'timestamptz not null default now()'),
      -- other workers' columns: balance-sync never writes them
      (74, 'wallet_balances', 'needs_gas', 'boolean not null default false'),
      (75, 'wallet_balances', 'needs_consolidation', 'boolean not null default false'),
      (76, 'wallet_balances', 'priority', 'integer not null default 0'),
      (77, 'wallet_balances', 'gas_locked_until', 'timestamptz'),
      (78, 'wallet_balances', 'gas_locked_by', 'text'),
      (79, 'wallet_balances', 'consolidation_locked_until', 'timestamptz'),
      (80, 'wallet_balances', 'consolidation_locked_by', 'text'),
      -- this project's columns
      (81, 'wallet_balances', 'observed_block', 'numeric(78, 0)'),
      (82, 'wallet_balances', 'error_streak', 'integer not null default 0')
    ) as c(ord, tbl, col, def)
    where not exists (
      select 1 from pg_attribute as a
      where a.attrelid = format('public.%I', c.tbl)::regclass and a.attname = c.col
        and not a.attisdropped)
    group by c.tbl
    order by min(c.ord)
  loop
    execute format('alter table public.%I %s', v_table, v_adds);
  end loop;
exception
  when lock_not_available then
    raise exception using errcode = '55P03',
      message = format('balance-sync migration: table public.%s is busy (another transaction holds '
        || 'a lock on it), gave up after lock_timeout %s. Nothing was changed: retry the migration '
        || '(supabase db push) when the table is quiet.', v_table, current_setting('lock_timeout')),
      hint = 'Long transactions: select pid, xact_start, state, query from pg_stat_activity '
        || 'where xact_start < now() - interval ''1 minute'' order by xact_start';
end
$$;

do $$
declare
  c record;
begin
  for c in
    select * from (values
      ('chains', 'family',
       'Reader family: evm or tron (case and surrounding spaces ignored). The migration sets it only '
       || 'where the chain name leaves no doubt; a chain without it, or with another value, is '
       || 'reported by claim as a configuration error and never read.'),
      ('chains', 'multicall_address',
       'Multicall3-compatible contract on this chain (EVM: 0x..., TRON: base58 or 41-hex); null = read one by one.'),
      ('chains', 'fallback_rpc_urls', 'RPC URLs tried after rpc_url fails.'),
      ('chains', 'confirmations', 'Blocks behind the head at which balances are read.'),
      ('chains', 'evm_chain_id', 'EIP-155 chain id (EVM only, optional).'),
      ('chains', 'api_key_env',
       'Name of the function secret holding the RPC API key (e.g. TRON_PRO_API_KEY); never the key itself.'),
      ('chains', 'max_rps', 'Request rate limit for this chain''s RPC (requests/s), null = none.'),
      ('chains', 'max_concurrency', 'Requests in flight at once to this chain''s RPC, null = default.'),
      ('wallet_balances', 'observed_block',
       'Block number of the observation the balance comes from; an older observation never replaces a newer one.'),
      ('wallet_balances', 'error_streak',
       'Consecutive failed syncs; drives the retry backoff; reset by a successful sync.')
    ) as v(tbl, col, text)
  loop
    if col_description(format('public.%I', c.tbl)::regclass,
         (select a.attnum from pg_attribute as a
          where a.attrelid = format('public.%I', c.tbl)::regclass and a.attname = c.col))
       is null then
      -- (a column another app created and described keeps its own comment)
      execute format('comment on column public.%I.%I is %L', c.tbl, c.col, c.text);
    end if;
  end loop;
exception
  when lock_not_available then
    raise exception using errcode = '55P03',
      message = format('balance-sync migration: table public.%s is busy (another transaction holds '
        || 'a lock on it), gave up after lock_timeout %s. Nothing was changed: retry the migration '
        || '(supabase db push) when the table is quiet.', c.tbl, current_setting('lock_timeout')),
      hint = 'Long transactions: select pid, xact_start, state, query from pg_stat_activity '
        || 'where xact_start < now() - interval ''1 minute'' order by xact_start';
end
$$;

-- Family backfill, only where the name leaves no doubt: its words name TRON (tron, trx, nile,
-- shasta) or an EVM chain (ethereum, eth, bsc, BNB/Binance Smart Chain, polygon, ...) and nothing
-- else known. Bitcoin, Solana, "BNB Beacon Chain", "My Chain" and any mix stay null. Each chain is
-- written on its own, so a legacy trigger or column type that refuses one leaves it null (claim
-- then reports it) instead of failing the migration.
do $$
declare
  c record;
begin
  for c in
    select ch.id, ch.name, f.family
    from public.chains as ch
    cross join lateral (select regexp_split_to_array(lower(coalesce(ch.name, '')), '[^a-z0-9]+') as w)
      as words
    cross join lateral (select
      words.w && array['tron', 'trx', 'nile', 'shasta'] as tron,
      words.w && array['ethereum', 'eth', 'bsc', 'polygon', 'matic', 'arbitrum', 'optimism',
                       'sepolia', 'holesky', 'goerli', 'fantom', 'evm', 'anvil', 'hardhat', 'ganache']
        or lower(coalesce(ch.name, '')) ~ '(bnb|binance)[^a-z0-9]*smart[^a-z0-9]*chain' as evm,
      words.w && array['bitcoin', 'btc', 'solana', 'sol', 'litecoin', 'ltc', 'dogecoin', 'doge',
                       'xrp', 'ripple', 'cardano', 'ada', 'ton', 'cosmos', 'atom', 'polkadot', 'dot',
                       'near', 'aptos', 'sui', 'stellar', 'xlm', 'monero', 'xmr', 'beacon', 'bep2',
                       'algorand', 'tezos', 'eos', 'hedera', 'zcash', 'dash', 'cash'] as other)
      as hit
    cross join lateral (select case
      when hit.tron and not hit.evm and not hit.other then 'tron'
      when hit.evm and not hit.tron and not hit.other then 'evm'
    end as family) as f
    where ch.family is null and f.family is not null
  loop
    begin
      update public.chains set family = c.family where id = c.id and family is null;
    exception
      when lock_not_available or query_canceled then raise;
      when others then
        raise notice 'balance-sync: family of chain % left null: %', c.name, sqlerrm;
    end;
  end loop;
exception
  when lock_not_available then
    raise exception using errcode = '55P03',
      message = format('balance-sync migration: table public.%s is busy (another transaction holds '
        || 'a lock on it), gave up after lock_timeout %s. Nothing was changed: retry the migration '
        || '(supabase db push) when the table is quiet.', 'chains', current_setting('lock_timeout')),
      hint = 'Long transactions: select pid, xact_start, state, query from pg_stat_activity '
        || 'where xact_start < now() - interval ''1 minute'' order by xact_start';
end
$$;

-- Indexes for claim (stalest first, then the joins). Built only when missing: CREATE INDEX blocks
-- writes to its table while it runs, and even IF NOT EXISTS waits for that lock. On a table with
-- millions of rows, create them first by hand with CREATE INDEX CONCURRENTLY under the same names
-- (README, "Install on a live database"); this step then skips them.
do $$
declare
  c record;
begin
  for c in
    select * from (values
      ('wallet_balances_sync_order_idx', 'wallet_balances', '(last_checked asc nulls first, id)'),
      ('wallet_balances_wallet_id_idx', 'wallet_balances', '(wallet_id)'),
      ('wallet_balances_asset_on_chain_id_idx', 'wallet_balances', '(asset_on_chain_id)'),
      ('wallet_balances_locked_by_idx', 'wallet_balances', '(locked_by) where locked_by is not null'),
      ('asset_on_chain_chain_id_idx', 'asset_on_chain', '(chain_id)'),
      ('asset_on_chain_asset_id_idx', 'asset_on_chain', '(asset_id)'),
      ('user_wallet_addresses_wallet_chain_idx', 'user_wallet_addresses',
       '(wallet_id, chain_id) where is_active'),
      ('user_wallet_addresses_chain_id_idx', 'user_wallet_addresses', '(chain_id)')
    ) as v(name, tbl, def)
  loop
    if to_regclass(format('public.%I', c.name)) is null then
      begin
        execute format('create index if not exists %I on public.%I %s', c.name, c.tbl, c.def);
      exception
        when lock_not_available then
          raise exception using errcode = '55P03',
            message = format('balance-sync migration: table public.%s is busy (another transaction '
              || 'holds a lock on it), gave up after lock_timeout %s. Nothing was changed: retry '
              || 'the migration (supabase db push) when the table is quiet.', c.tbl,
              current_setting('lock_timeout'));
        when query_canceled then
          raise exception using errcode = '57014',
            message = format('balance-sync migration: building index %s on public.%s took longer '
              || 'than statement_timeout %s. Nothing was changed: create it by hand with CREATE '
              || 'INDEX CONCURRENTLY %s ON public.%s %s, then retry the migration.', c.name, c.tbl,
              current_setting('statement_timeout'), c.name, c.tbl, c.def);
      end;
    end if;
  end loop;
end
$$;
